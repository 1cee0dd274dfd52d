"""Plain, decrypted read models returned by repositories (no ORM objects leak client text)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from models.alerts import trigger_words
from models.crypto import Cipher
from models.tables import (
    BreakGlassAccess,
    Consent,
    Feedback,
    ReflectionSession,
    RiskAlert,
    Summary,
    Turn,
)
from models.types import SessionStatus, Speaker, SummaryStatus, utcnow


@dataclass(frozen=True)
class BreakGlassView:
    """An emergency access to a session, shown to its therapist."""

    admin_id: uuid.UUID
    reason: str
    at: datetime


@dataclass(frozen=True)
class SessionView:
    """Session metadata (no client text; the staff label is decrypted)."""

    id: uuid.UUID
    therapist_id: uuid.UUID
    created_by: uuid.UUID
    kiosk_id: uuid.UUID | None
    status: SessionStatus
    language: str
    created_at: datetime
    code_expires_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    erased_at: datetime | None
    break_glass: tuple[BreakGlassView, ...] = ()
    label: str | None = None  # decrypted staff label (never client text, but may identify)
    crisis: bool = False  # an urgent alert was raised: stays marked in lists and history
    code: str | None = None  # a pending session's code, shown again to staff


@dataclass(frozen=True)
class ConsentView:
    """A consent answer."""

    text_version: str
    given: bool
    at: datetime


@dataclass(frozen=True)
class TurnView:
    """A decrypted turn."""

    id: uuid.UUID
    position: int
    speaker: Speaker
    text: str
    risk_level: int
    created_at: datetime
    flagged: bool = False  # a reply the client marked "didn't feel right"


@dataclass(frozen=True)
class SummaryView:
    """A decrypted summary version."""

    id: uuid.UUID
    version: int
    status: SummaryStatus
    content: Any
    redactions: list[Any]
    created_at: datetime


@dataclass(frozen=True)
class AlertView:
    """A decrypted risk alert."""

    id: uuid.UUID
    session_id: uuid.UUID
    therapist_id: uuid.UUID
    level: int
    categories: tuple[str, ...]
    urgent: bool
    evidence: Any
    raised_at: datetime
    acknowledged_by: uuid.UUID | None
    acknowledged_at: datetime | None
    ack_note: str | None = None
    escalated_at: datetime | None = None


@dataclass(frozen=True)
class FeedbackView:
    """Decrypted client feedback."""

    id: uuid.UUID
    rating: int | None
    comment: str | None
    flagged_turn_ids: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class SessionText:
    """Everything a session holds, decrypted, for its therapist (or a break-glass read)."""

    session: SessionView
    consents: tuple[ConsentView, ...]
    turns: tuple[TurnView, ...]
    summaries: tuple[SummaryView, ...]
    alerts: tuple[AlertView, ...]
    feedback: tuple[FeedbackView, ...]


def session_label(row: ReflectionSession, cipher: Cipher) -> str | None:
    """Decrypt a session's label (None if it has none, or it was erased)."""
    if row.label_enc is None:
        return None
    return cipher.decrypt_text(row.label_enc, table="reflection_sessions", column="label",
                               row_id=row.id)


def pending_code(row: ReflectionSession, cipher: Cipher) -> str | None:
    """The code of a session still waiting for its client (None once used, cancelled, expired)."""
    if row.status is not SessionStatus.PENDING or row.code_enc is None:
        return None
    now = utcnow()
    if row.code_expires_at.tzinfo is None:  # SQLite hands back naive UTC
        now = now.replace(tzinfo=None)
    if row.code_expires_at <= now:
        return None
    return cipher.decrypt_text(row.code_enc, table="reflection_sessions", column="code",
                               row_id=row.id)


def break_glass_reason(access: BreakGlassAccess, cipher: Cipher) -> str:
    """The stated reason of an emergency access (rows from before encryption hold plaintext)."""
    if access.reason_enc is None:
        return access.reason
    return cipher.decrypt_text(access.reason_enc, table="break_glass_accesses", column="reason",
                               row_id=access.id)


def session_view(
    row: ReflectionSession, accesses: list[BreakGlassAccess], cipher: Cipher, *,
    crisis: bool = False,
) -> SessionView:
    """Metadata view of a session row, with its label decrypted."""
    return SessionView(
        id=row.id, therapist_id=row.therapist_id, created_by=row.created_by,
        kiosk_id=row.kiosk_id, status=row.status, language=row.language,
        created_at=row.created_at, code_expires_at=row.code_expires_at,
        started_at=row.started_at, ended_at=row.ended_at, erased_at=row.erased_at,
        break_glass=tuple(BreakGlassView(a.admin_id, break_glass_reason(a, cipher), a.at)
                          for a in accesses),
        label=session_label(row, cipher), crisis=crisis, code=pending_code(row, cipher),
    )


def turn_view(row: Turn, cipher: Cipher) -> TurnView:
    """Decrypt a turn."""
    text = cipher.decrypt_text(row.text_enc, table="turns", column="text", row_id=row.id)
    return TurnView(row.id, row.position, row.speaker, text, row.risk_level, row.created_at,
                    flagged=row.flagged_at is not None)


def summary_view(row: Summary, cipher: Cipher) -> SummaryView:
    """Decrypt a summary."""
    content = cipher.decrypt_json(row.content_enc, table="summaries", column="content",
                                  row_id=row.id)
    redactions = [] if row.redactions_enc is None else cipher.decrypt_json(
        row.redactions_enc, table="summaries", column="redactions", row_id=row.id)
    return SummaryView(row.id, row.version, row.status, content, list(redactions),
                       row.created_at)


def alert_view(row: RiskAlert, cipher: Cipher) -> AlertView:
    """Decrypt an alert."""
    evidence = None if row.evidence_enc is None else cipher.decrypt_json(
        row.evidence_enc, table="risk_alerts", column="evidence", row_id=row.id)
    note = None if row.ack_note_enc is None else cipher.decrypt_text(
        row.ack_note_enc, table="risk_alerts", column="ack_note", row_id=row.id)
    return AlertView(row.id, row.session_id, row.therapist_id, row.level,
                     tuple(row.categories), row.urgent, evidence, row.raised_at,
                     row.acknowledged_by, row.acknowledged_at, note, row.escalated_at)


def feedback_view(row: Feedback, cipher: Cipher) -> FeedbackView:
    """Decrypt feedback."""
    comment = None if row.comment_enc is None else cipher.decrypt_text(
        row.comment_enc, table="feedback", column="comment", row_id=row.id)
    return FeedbackView(row.id, row.rating, comment, tuple(row.flagged_turn_ids),
                        row.created_at)


def consent_view(row: Consent) -> ConsentView:
    """A consent answer."""
    return ConsentView(row.text_version, row.given, row.at)


def therapist_scope(text: SessionText, *, live_view: bool) -> SessionText:
    """What the consent lets the therapist read (screen, stream and exports alike).

    With the live view off: no verbatim turns and no feedback comment, only the summary
    versions (drafts marked as drafts; approval deletes the drafts). Alert evidence is only the
    trigger words. An erased session shows that it was erased, and its risk alerts only.
    """
    alerts = tuple(
        replace(a, evidence=[{"text": w} for w in trigger_words(a.evidence)])
        for a in text.alerts
    )
    if text.session.status is SessionStatus.ERASED:
        # Safety over erasure: a risk alert (its trigger words only) outlives the erase.
        return SessionText(text.session, (), (), (), alerts, ())
    if live_view:
        return replace(text, alerts=alerts)
    return replace(
        text, turns=(), alerts=alerts,
        feedback=tuple(replace(f, comment=None) for f in text.feedback),
    )
