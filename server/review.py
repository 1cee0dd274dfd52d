"""The client's summary review: pure edits and removals, and the view the client may see."""

from __future__ import annotations

import copy
from typing import Any

from server.messages import Review
from server.protocol import ErrorCode, ProtocolError

CLIENT_FIELDS = ("themes", "feelings", "key_phrases", "focus", "questions", "disclosures",
                 "turn_count")


def client_view(summary: dict[str, Any]) -> dict[str, Any]:
    """What the client reviews: never the risk flags or internal fields."""
    view = {key: copy.deepcopy(summary.get(key)) for key in CLIENT_FIELDS}
    view["themes"] = list(view["themes"] or [])
    view["feelings"] = list(view["feelings"] or [])
    view["key_phrases"] = list(view["key_phrases"] or [])
    # Questions for the therapist can be edited; the client's safety words are shown, not
    # editable (they reach the therapist whatever the review says).
    view["questions"] = list(view["questions"] or [])
    view["disclosures"] = list(view["disclosures"] or [])
    view["focus"] = view["focus"] or ""
    view["turn_count"] = int(view["turn_count"] or 0)
    return view


def apply_review(summary: dict[str, Any], review: Review) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply one edit or removal; returns the new summary and a redaction record (no text)."""
    if review.action not in ("edit", "remove") or review.field is None:
        raise ProtocolError(ErrorCode.BAD_MESSAGE, "edit and remove need a field", ref="review")
    if review.action == "edit" and review.text is None:
        raise ProtocolError(ErrorCode.BAD_MESSAGE, "edit needs text", ref="review")
    updated = copy.deepcopy(summary)
    redaction = {"action": review.action, "field": review.field, "index": review.index}
    if review.field == "focus":
        updated["focus"] = review.text if review.action == "edit" else ""
        return updated, redaction
    items = list(updated.get(review.field) or [])
    if not 0 <= review.index < len(items):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, "no summary item at that index", ref="review")
    if review.action == "remove":
        del items[review.index]
    elif review.field == "feelings" and isinstance(items[review.index], dict):
        items[review.index] = {**items[review.index], "word": review.text}
    else:
        items[review.index] = review.text
    updated[review.field] = items
    return updated, redaction
