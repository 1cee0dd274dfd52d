"""What a kiosk session stores and tells the therapist: every write goes through `models`."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from models import content, retention, sessions
from models.db import Database
from models.errors import AuthenticationError, CodeExpiredError
from models.kiosks import authenticate_kiosk
from models.types import Speaker, SummaryStatus
from server.events import EndReason, TherapistEventKind
from server.hub import TherapistHub
from server.metrics import ServerMetrics
from server.stages import Crisis, Heard, Screening

T = TypeVar("T")


@dataclass(frozen=True)
class KioskIdentity:
    """An authenticated kiosk."""

    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class JoinedSession:
    """A session a kiosk redeemed a code for."""

    id: uuid.UUID
    therapist_id: uuid.UUID
    language: str


class CodeRejected(Exception):
    """A refused code; `expired` when it was issued but its time ran out (else unknown or used)."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class KioskStore:
    """Database and therapist-stream side effects of one kiosk connection."""

    def __init__(
        self, database: Database, hub: TherapistHub, metrics: ServerMetrics, live_transcript: bool
    ) -> None:
        self.database = database
        self.hub = hub
        self.metrics = metrics
        self.live_transcript = live_transcript
        self.kiosk: KioskIdentity | None = None
        self.session: JoinedSession | None = None

    async def _db(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with self.database.transaction() as db:
                return work(db)

        return await asyncio.to_thread(run)

    async def authenticate(self, token: str) -> KioskIdentity | None:
        """The kiosk for a device token, or None (the failure is audited and committed)."""

        def work(db: Session) -> KioskIdentity | None:
            try:
                kiosk = authenticate_kiosk(db, token=token)
            except AuthenticationError:
                return None
            return KioskIdentity(kiosk.id, kiosk.name)

        self.kiosk = await self._db(work)
        return self.kiosk

    async def join(self, code: str) -> JoinedSession:
        """Redeem a one-time code; raises CodeRejected (the rejection is audited)."""
        kiosk = self._kiosk()
        normalized = "".join(ch for ch in code if ch not in " -")

        def work(db: Session) -> JoinedSession | AuthenticationError:
            try:
                row = sessions.redeem_code(db, code=normalized, kiosk_id=kiosk.id)
            except AuthenticationError as error:
                return error  # commit the audit row, then refuse
            return JoinedSession(row.id, row.therapist_id, row.language)

        joined = await self._db(work)
        if isinstance(joined, AuthenticationError):
            raise CodeRejected("code refused", expired=isinstance(joined, CodeExpiredError))
        self.session = joined
        await self.publish(
            TherapistEventKind.SESSION_JOINED,
            {"kiosk_id": str(kiosk.id), "kiosk_name": kiosk.name, "lang": joined.language},
        )
        return joined

    async def consent(self, version: str, given: bool) -> None:
        """Record the answer and tell the therapist."""
        session = self._session()
        await self._db(
            lambda db: content.record_consent(
                db, session_id=session.id, text_version=version, given=given
            )
        )
        await self.publish(
            TherapistEventKind.CONSENT, {"accepted": given, "consent_version": version}
        )

    async def client_turn(self, heard: Heard, screening: Screening) -> None:
        """Store what the client said, with its screened risk level."""
        await self._add_turn(Speaker.CLIENT, heard.text, screening.level)

    async def reply_turn(self, turn: int, client_text: str, reply: str, level: int) -> None:
        """Store the reply; with live transcripts on, show the exchange to the therapist."""
        if reply:
            await self._add_turn(Speaker.REFLECTOR, reply, 0)
        if self.live_transcript and client_text:
            await self.publish(
                TherapistEventKind.TURN,
                {"turn": turn, "client_text": client_text, "reply_text": reply, "level": level},
            )

    async def _add_turn(self, speaker: Speaker, text: str, level: int) -> None:
        session = self._session()
        await self._db(
            lambda db: content.add_turn(
                db, session_id=session.id, speaker=speaker, text=text, risk_level=level
            )
        )

    async def alert(self, crisis: Crisis, *, heard_at: float) -> bool:
        """Store the risk alert and push it to the therapist at once."""
        session = self._session()
        evidence = [{"text": e.get("text", ""), "rule": e.get("rule", "")} for e in crisis.evidence]

        def work(db: Session) -> str:
            row = content.raise_alert(
                db,
                session_id=session.id,
                level=crisis.level,
                categories=crisis.categories,
                urgent=crisis.urgent,
                evidence=evidence,
            )
            return str(row.id)

        alert_id = await self._db(work)
        await self.publish(
            TherapistEventKind.RISK_ALERT,
            {
                "alert_id": alert_id,
                "urgent": crisis.urgent,
                "level": crisis.level,
                "categories": list(crisis.categories),
                "evidence": evidence,
            },
        )
        self.metrics.alert_delay.observe(max(0.0, time.monotonic() - heard_at))
        return True

    async def summary(
        self, summary: dict[str, Any], *, approved: bool, redactions: list[Any]
    ) -> None:
        """Store a summary version and send it to the therapist (draft or approved)."""
        session = self._session()
        status = SummaryStatus.APPROVED if approved else SummaryStatus.DRAFT
        await self._db(
            lambda db: content.save_summary(
                db, session_id=session.id, content=summary, status=status, redactions=redactions
            )
        )
        kind = TherapistEventKind.SUMMARY_APPROVED if approved else TherapistEventKind.SUMMARY_DRAFT
        await self.publish(kind, {"summary": summary, "turn_count": summary.get("turn_count", 0)})

    async def feedback(self, rating: int | None, comment: str, flagged_turns: list[int]) -> None:
        """Store the client's feedback."""
        session = self._session()
        await self._db(
            lambda db: content.save_feedback(
                db,
                session_id=session.id,
                rating=rating,
                comment=comment or None,
                flagged_turn_ids=[str(t) for t in flagged_turns],
            )
        )
        await self.publish(
            TherapistEventKind.FEEDBACK,
            {"rating": rating, "has_comment": bool(comment), "flagged_turns": flagged_turns},
        )

    async def end(self, reason: EndReason) -> None:
        """End (or, for `erased`, erase) the session and tell the therapist; idempotent."""
        session, self.session = self.session, None
        if session is None:
            return
        kiosk = self._kiosk()
        if reason is EndReason.ERASED:
            await self._db(
                lambda db: retention.erase_session(db, session_id=session.id, kiosk_id=kiosk.id)
            )
        else:
            await self._db(lambda db: sessions.end_session(db, session_id=session.id))
        await self.hub.publish(
            session.therapist_id,
            TherapistEventKind.SESSION_ENDED,
            session_id=session.id,
            data={"reason": reason.value},
        )

    async def publish(self, kind: TherapistEventKind, data: dict[str, Any]) -> None:
        """An event about the current session for its therapist."""
        session = self._session()
        await self.hub.publish(session.therapist_id, kind, session_id=session.id, data=data)

    def _kiosk(self) -> KioskIdentity:
        if self.kiosk is None:
            raise RuntimeError("kiosk not authenticated")
        return self.kiosk

    def _session(self) -> JoinedSession:
        if self.session is None:
            raise RuntimeError("no session joined")
        return self.session
