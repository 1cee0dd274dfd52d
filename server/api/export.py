"""Exporting a session for its therapist: Markdown and JSON."""

from __future__ import annotations

from typing import Any

from models.session_status import view_status
from models.views import SessionText, SummaryView


def client_changes(latest: SummaryView | None) -> dict[str, dict[str, int]]:
    """What the client changed in review, per summary field: {"removed": {...}, "edited": {...}}."""
    changes: dict[str, dict[str, int]] = {"removed": {}, "edited": {}}
    for record in (latest.redactions if latest else None) or []:
        if not isinstance(record, dict):
            continue
        key = {"remove": "removed", "edit": "edited"}.get(str(record.get("action")))
        field = record.get("field")
        if key and isinstance(field, str):
            changes[key][field] = changes[key].get(field, 0) + 1
    return changes


def text_json(text: SessionText) -> dict[str, Any]:
    """A JSON-ready view of a session already scoped to what the reader may see.

    Callers pass `models.views.therapist_scope(...)` for the therapist, the full text only for
    an audited break-glass read.
    """
    session = text.session
    latest = text.summaries[-1] if text.summaries else None
    head = {
        "id": str(session.id),
        "label": session.label,
        "status": view_status(session).value,
        "language": session.language,
        "created_at": session.created_at.isoformat(),
        "started_at": session.started_at.isoformat() if session.started_at else None,
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "crisis": session.crisis,
    }
    alerts = [
        {
            "id": str(a.id),
            "level": a.level,
            "categories": list(a.categories),
            "urgent": a.urgent,
            "trigger_words": [e.get("text", "") for e in a.evidence or []],
            "raised_at": a.raised_at.isoformat(),
            "escalated_at": a.escalated_at.isoformat() if a.escalated_at else None,
            "acknowledged_at": a.acknowledged_at.isoformat() if a.acknowledged_at else None,
            "acknowledged_by": str(a.acknowledged_by) if a.acknowledged_by else None,
            "ack_note": a.ack_note,
        }
        for a in text.alerts
    ]
    if session.erased_at is not None:
        return {"session": {**head, "erased_at": session.erased_at.isoformat()}, "erased": True,
                "alerts": alerts}
    return {
        "session": head,
        "consent": [
            {"version": c.text_version, "given": c.given, "at": c.at.isoformat()}
            for c in text.consents
        ],
        "turns": [
            {
                "position": t.position,
                "speaker": t.speaker.value,
                "text": t.text,
                "risk_level": t.risk_level,
                "flagged": t.flagged,
                "at": t.created_at.isoformat(),
            }
            for t in text.turns
        ],
        "summary": latest.content if latest else None,
        # "approved": the client approved this version; "draft": not (yet) approved.
        "summary_status": latest.status.value if latest else None,
        "summary_approved": bool(latest and latest.status.value == "approved"),
        # What the client removed or edited before approving (counts only, never the text).
        "client_changes": client_changes(latest),
        "alerts": alerts,
        "feedback": [
            {
                "rating": f.rating,
                **({"comment": f.comment} if f.comment is not None else {}),
                "flagged_turns": list(f.flagged_turn_ids),
                "at": f.created_at.isoformat(),
            }
            for f in text.feedback
        ],
    }


def _items(values: Any) -> list[str]:
    out = []
    for value in values or []:
        if isinstance(value, dict):
            name = value.get("word") or value.get("name") or value.get("text") or ""
            intensity = value.get("intensity")
            out.append(f"{name} ({intensity})" if intensity else str(name))
        else:
            out.append(str(value))
    return out


def _one_line(value: str) -> str:
    """Staff-typed text on one Markdown line (a line break would start a new block)."""
    return " ".join(value.split())


def _changed_note(removed: int, edited: int) -> list[str]:
    """"The client removed 2 items" under a section the client changed in review."""
    parts = [f"{verb} {n} item{'s' if n != 1 else ''}"
             for verb, n in (("removed", removed), ("edited", edited)) if n]
    return ["", f"_The client {' and '.join(parts)} here before approving._"] if parts else []


def summary_markdown(text: SessionText) -> str:
    """The client-approved (or latest draft) summary as a Markdown document."""
    if text.session.erased_at is not None:
        return (f"# Reflection session\n\n- Session: `{text.session.id}`\n"
                f"- Erased {text.session.erased_at:%Y-%m-%d %H:%M} UTC at the client's request; "
                "nothing else remains.\n")
    latest = text.summaries[-1] if text.summaries else None
    summary: dict[str, Any] = latest.content if latest and isinstance(latest.content, dict) else {}
    status = latest.status.value if latest else "none"
    changes = client_changes(latest)
    removed, edited = changes["removed"], changes["edited"]
    lines = [
        "# Reflection session summary",
        "",
        *([f"- Label: {_one_line(text.session.label)}"] if text.session.label else []),
        f"- Session: `{text.session.id}`",
        f"- Date: {text.session.created_at:%Y-%m-%d %H:%M} UTC",
        f"- Language: {text.session.language}",
        f"- Summary status: **{status}**"
        + (" (approved by the client)" if status == "approved"
           else " (DRAFT: not approved by the client)"),
        *(["- Crisis: an urgent risk alert was raised in this session"]
          if text.session.crisis else []),
        "",
    ]
    for title, key in (
        ("Themes", "themes"),
        ("Feelings", "feelings"),
        ("In the client's words", "key_phrases"),
        ("Questions for the therapist", "questions"),
        ("Safety: the client's words", "disclosures"),
    ):
        lines.append(f"## {title}")
        lines.extend(f"- {item}" for item in _items(summary.get(key)) or ["(none)"])
        lines.extend(_changed_note(removed.get(key, 0), edited.get(key, 0)))
        lines.append("")
    focus = summary.get("focus") or (
        "(removed by the client)" if removed.get("focus") else "(not said)")
    lines += [
        "## What the client wants to focus on today",
        "",
        focus,
        *(["", "_Edited by the client._"] if edited.get("focus") and summary.get("focus") else []),
        "",
    ]
    if text.alerts:
        lines.append("## Risk alerts")
        for alert in text.alerts:
            ack = (
                f"acknowledged {alert.acknowledged_at:%H:%M}"
                if alert.acknowledged_at
                else "NOT acknowledged"
            )
            words = ", ".join(f"\"{e.get('text', '')}\"" for e in alert.evidence or [])
            lines.append(f"- level {alert.level} ({', '.join(alert.categories)}), {ack}"
                         + (f"; trigger words: {words}" if words else ""))
        lines.append("")
    lines.append("_Generated by Reflect Kiosk, a reflection aid; not a clinical assessment._")
    return "\n".join(lines) + "\n"
