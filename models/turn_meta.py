"""Per-turn evaluation facts (typed or spoken, repeats, responder, filter reasons, reply flags).

None of these is client text: they are codes and counts, so they are stored in the clear and
the evaluation report can count them without decrypting anything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.tables import ReflectionSession, Turn
from models.types import Speaker, utcnow


@dataclass(frozen=True)
class TurnMeta:
    """What the report counts about one turn."""

    kiosk_turn: int | None = None
    input_kind: str | None = None  # client turns: "typed" or "spoken"
    repeated: bool = False  # client turns: the same words as the previous client turn
    responder: str | None = None  # reply turns: which responder answered
    filter_reasons: tuple[str, ...] = ()  # reply turns: reason codes of blocked sentences
    flagged: bool = False  # reply turns: flagged by the client before the reply was stored


def flag_reply(
    db: Session, *, session_id: uuid.UUID, kiosk_turn: int, now: datetime | None = None
) -> bool:
    """Mark the reply of a protocol turn as "didn't feel right"; False if there is none yet.

    The first flag counts; a repeat keeps its time (one flag per reply, however often tapped).
    """
    row = db.scalars(select(Turn).where(
        Turn.session_id == session_id, Turn.kiosk_turn == kiosk_turn,
        Turn.speaker == Speaker.REFLECTOR)).first()
    if row is None:
        return False
    if row.flagged_at is None:
        row.flagged_at = now or utcnow()
        db.flush()
    return True


def count_empty_transcript(db: Session, *, session_id: uuid.UUID) -> None:
    """One more utterance in which speech-to-text heard no words."""
    db.execute(update(ReflectionSession).where(ReflectionSession.id == session_id)
               .values(empty_transcripts=ReflectionSession.empty_transcripts + 1)
               .execution_options(synchronize_session=False))
