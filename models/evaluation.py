"""The evaluation report (issue 20): counts and rates from the database, by session language
and kiosk, with small counts suppressed, and disparity flags between languages.

Nothing here reads client text: turns are counted from their clear metadata columns, and the
only decrypted value is the summary's redaction list, which holds actions and field names.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.db import context_of
from models.eval_stats import SUPPRESS_BELOW, enough_data, is_disparity, percentile, suppress
from models.eval_stats import two_proportion_z as z_test
from models.tables import Consent, Feedback, Kiosk, ReflectionSession, RiskAlert, Summary, Turn
from models.types import Speaker, SummaryStatus

# rate name -> (numerator count, denominator count, what to look at when languages differ)
RATES: dict[str, tuple[str, str, str]] = {
    "consent_decline_rate": ("consent_declines", "consent_answers",
                             "the consent text in that language: length, reading level, tone"),
    "check_in_rate": ("check_ins", "client_turns",
                      "screening phrases and fillers in that language (false or missed check-ins)"),
    "crisis_rate": ("crises", "client_turns",
                    "crisis rules in that language; review the flagged turns for false alarms"),
    "filter_block_rate": ("filter_blocks", "reply_turns",
                          "reply-filter rules and the responder's prompt in that language"),
    "reply_flag_rate": ("reply_flags", "reply_turns",
                        "the review queue: replies clients flagged, by language"),
    "repeat_rate": ("repeated_transcripts", "client_turns",
                    "speech-to-text in that language: clients repeating themselves"),
    "empty_transcript_rate": ("empty_transcripts", "utterances",
                              "speech-to-text model and endpointing for that language"),
    "typed_rate": ("typed_turns", "client_turns",
                   "whether clients give up on speaking in that language"),
    "low_rating_rate": ("low_ratings", "ratings", "the flagged replies and comments' themes"),
    "summary_correction_rate": ("summaries_corrected", "summaries_approved",
                                "summary wording in that language: what clients remove or edit"),
}


@dataclass(frozen=True)
class ReportOptions:
    """Window and thresholds; the margin is the clinic's tolerated difference between rates."""

    since: datetime
    until: datetime
    margin: float = 0.10
    alpha: float = 0.05
    min_cases: int = 20
    suppress_below: int = SUPPRESS_BELOW


def parse_window(text: str) -> timedelta:
    """'30d', '12h', '8w' as a timedelta; ValueError otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*([hdw])\s*", text)
    if match is None:
        raise ValueError("the window looks like 30d, 12h or 8w")
    unit = {"h": "hours", "d": "days", "w": "weeks"}[match.group(2)]
    return timedelta(**{unit: int(match.group(1))})


def build_report(db: Session, options: ReportOptions) -> dict[str, Any]:
    """The whole report as JSON-ready data (every count already suppressed)."""
    rows = list(db.scalars(select(ReflectionSession).where(
        ReflectionSession.created_at >= options.since,
        ReflectionSession.created_at < options.until)))
    kiosk_names = {k.id: k.name for k in db.scalars(select(Kiosk))}
    per_session = {row.id: Counter[str]() for row in rows}
    _count(db, per_session, rows)
    groups: dict[str, dict[str, Counter[str]]] = {"language": defaultdict(Counter),
                                                  "kiosk": defaultdict(Counter)}
    total: Counter[str] = Counter()
    kiosk_of: dict[uuid.UUID, str] = {}
    for row in rows:
        counts = per_session[row.id]
        total.update(counts)
        groups["language"][row.language].update(counts)
        kiosk = kiosk_names.get(row.kiosk_id, "(unknown)") if row.kiosk_id else "(not joined)"
        kiosk_of[row.id] = kiosk
        groups["kiosk"][kiosk].update(counts)
    below = options.suppress_below
    delays = _ack_delays(db, {row.id: row.language for row in rows})
    kiosk_delays = _ack_delays(db, kiosk_of)
    return {
        "since": options.since.isoformat(), "until": options.until.isoformat(),
        "suppressed_below": below, "margin": options.margin, "alpha": options.alpha,
        "min_cases": options.min_cases,
        "total": _shown(total, below),
        "by_language": {k: _shown(v, below) for k, v in sorted(groups["language"].items())},
        "by_kiosk": {k: _shown(v, below) for k, v in sorted(groups["kiosk"].items())},
        "rates_by_language": {name: {lang: _rate(c, name, below) for lang, c in
                                     sorted(groups["language"].items())} for name in RATES},
        "alert_acknowledgement": {lang: _delays(d, below) for lang, d in
                                  sorted(delays.items())},
        "alert_acknowledgement_by_kiosk": {k: _delays(d, below) for k, d in
                                           sorted(kiosk_delays.items()) if k != "all"},
        "disparities": _disparities(groups["language"], options),
    }


def _count(db: Session, per: dict[uuid.UUID, Counter[str]], rows: list[ReflectionSession]
           ) -> None:
    ids = list(per)
    if not ids:
        return
    for row in rows:
        c = per[row.id]
        c["sessions"] += 1
        c["sessions_joined"] += row.started_at is not None
        c["empty_transcripts"] += row.empty_transcripts or 0
        c["utterances"] += row.empty_transcripts or 0
    for consent in db.scalars(select(Consent).where(Consent.session_id.in_(ids))):
        per[consent.session_id]["consent_answers"] += 1
        per[consent.session_id]["consent_declines"] += not consent.given
    turn_columns = (Turn.session_id, Turn.speaker, Turn.risk_level, Turn.input_kind,
                    Turn.repeated, Turn.responder, Turn.filter_reasons, Turn.flagged_at)
    for sid, speaker, level, kind, repeated, responder, reasons, flagged in db.execute(
            select(*turn_columns).where(Turn.session_id.in_(ids))):
        c = per[sid]
        if speaker is Speaker.CLIENT:
            c["client_turns"] += 1
            c["utterances"] += 1
            c[f"screening_level_{int(level)}"] += 1
            c["check_ins"] += level == 1
            c["typed_turns"] += kind == "typed"
            c["spoken_turns"] += kind == "spoken"
            c["repeated_transcripts"] += bool(repeated)
        elif speaker is Speaker.REFLECTOR:
            c["reply_turns"] += 1
            c[f"responder_{responder or 'unrecorded'}"] += 1
            c["filter_blocks"] += bool(reasons)
            for reason in reasons or ():
                c[f"filter_block_reason_{reason}"] += 1
            c["reply_flags"] += flagged is not None
    for alert in db.scalars(select(RiskAlert).where(RiskAlert.session_id.in_(ids))):
        c = per[alert.session_id]
        c["alerts"] += 1
        c["crises"] += bool(alert.urgent)
        c["alerts_unacknowledged"] += alert.acknowledged_at is None
    for feedback in db.scalars(select(Feedback).where(Feedback.session_id.in_(ids))):
        c = per[feedback.session_id]
        if feedback.rating is not None:
            c["ratings"] += 1
            c[f"rating_{feedback.rating}"] += 1
            c["low_ratings"] += feedback.rating <= 2
    _count_corrections(db, per, ids)


def _count_corrections(db: Session, per: dict[uuid.UUID, Counter[str]],
                       ids: list[uuid.UUID]) -> None:
    cipher = context_of(db).cipher
    for summary in db.scalars(select(Summary).where(
            Summary.session_id.in_(ids), Summary.status == SummaryStatus.APPROVED)):
        # Redaction records are {action, field, index}: no client text (server/review.py).
        records = [] if summary.redactions_enc is None else cipher.decrypt_json(
            summary.redactions_enc, table="summaries", column="redactions", row_id=summary.id)
        c = per[summary.session_id]
        c["summaries_approved"] += 1
        c["summaries_corrected"] += bool(records)
        for record in records:
            action = record.get("action") if isinstance(record, dict) else None
            c["summary_edits" if action == "edit" else "summary_removals"] += 1


def _ack_delays(db: Session, group_of: dict[uuid.UUID, str]) -> dict[str, list[float]]:
    """Seconds from raising to acknowledging each alert, by group and for "all"."""
    found: dict[str, list[float]] = defaultdict(list)
    if not group_of:
        return found
    for alert in db.scalars(select(RiskAlert).where(RiskAlert.session_id.in_(list(group_of)),
                                                    RiskAlert.acknowledged_at.is_not(None))):
        assert alert.acknowledged_at is not None
        seconds = max(0.0, (alert.acknowledged_at - alert.raised_at).total_seconds())
        found[group_of[alert.session_id]].append(seconds)
        found["all"].append(seconds)
    return found


def _delays(values: list[float], below: int) -> dict[str, Any]:
    # Percentiles of fewer than `below` alerts would describe single events: withheld.
    enough = len(values) >= below
    p50, p95 = (percentile(values, 50), percentile(values, 95)) if enough else (None, None)
    return {"acknowledged": suppress(len(values), below), "p50_s": p50, "p95_s": p95}


def _shown(counts: Counter[str], below: int) -> dict[str, Any]:
    return {key: suppress(value, below) for key, value in sorted(counts.items())}


def _rate(counts: Counter[str], name: str, below: int) -> dict[str, Any]:
    hits, cases = counts[RATES[name][0]], counts[RATES[name][1]]
    # A rate from suppressed counts would give the count back: withheld with it.
    known = cases > 0 and not (0 < hits < below) and not (0 < cases < below)
    return {"hits": suppress(hits, below), "cases": suppress(cases, below),
            "rate": round(hits / cases, 4) if known else None}


def _disparities(by_language: dict[str, Counter[str]], options: ReportOptions
                 ) -> list[dict[str, Any]]:
    flags = []
    languages = sorted(by_language)
    for name, (hits_key, cases_key, look_at) in RATES.items():
        for i, lang_a in enumerate(languages):
            for lang_b in languages[i + 1:]:
                a, b = by_language[lang_a], by_language[lang_b]
                if not enough_data(a[cases_key], b[cases_key], options.min_cases):
                    continue
                test = z_test(a[hits_key], a[cases_key], b[hits_key], b[cases_key])
                if test is None or not is_disparity(test, margin=options.margin,
                                                    alpha=options.alpha):
                    continue
                # A rate over a small count would give the count back: withheld with it.
                small = any(0 < g[hits_key] < options.suppress_below for g in (a, b))
                rates = None if small else [round(test.rate_a, 4), round(test.rate_b, 4)]
                flags.append({"rate": name, "languages": [lang_a, lang_b], "rates": rates,
                              "difference": round(test.difference, 4), "z": round(test.z, 3),
                              "p_value": round(test.p_value, 6), "look_at": look_at})
    return flags
