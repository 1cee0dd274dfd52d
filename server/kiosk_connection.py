"""A kiosk's connection to storage and to its therapist's stream: who the kiosk is, the session
it joined, and the session's start and end. What a conversation writes: server.kiosk_store.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from models import content, kiosks, retention, sessions
from models.db import Database
from models.errors import AuthenticationError, CodeExpiredError
from models.kiosks import authenticate_kiosk
from reflection.flow import EndReason
from server.events import TherapistEventKind
from server.hub import TherapistHub
from server.metrics import ServerMetrics
from server.write_queue import WriteQueue

T = TypeVar("T")
END_WAIT_S = 5.0


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


class KioskConnection:
    """Database and therapist-stream plumbing of one kiosk connection."""

    def __init__(
        self,
        database: Database,
        hub: TherapistHub,
        metrics: ServerMetrics,
        live_transcript: bool,
        writes: WriteQueue,
    ) -> None:
        self.database = database
        self.hub = hub
        self.writes = writes
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

    async def end(self, reason: EndReason) -> None:
        """End (or, for `erased`, erase) the session and tell the therapist; idempotent.

        Queued after the session's pending writes (an erase must follow them); waits a moment
        for it, and leaves it queued when the database is failing.
        """
        session, self.session = self.session, None
        if session is None:
            return
        kiosk = self._kiosk()

        async def write() -> None:
            if reason is EndReason.ERASED:
                await self._db(
                    lambda db: retention.erase_session(db, session_id=session.id, kiosk_id=kiosk.id)
                )
            else:
                await self._db(lambda db: sessions.end_session(db, session_id=session.id))

        async def publish() -> None:
            await self.hub.publish(
                session.therapist_id,
                TherapistEventKind.SESSION_ENDED,
                session_id=session.id,
                data={"reason": reason.value},
            )

        self._queue(session, "session_end", write)
        await self.writes.write("session_ended", publish, END_WAIT_S, lane=session.id)

    async def staff_pin_ok(self, pin: str) -> bool:
        """Whether `pin` is this kiosk's staff PIN (set at enrolment); fails closed."""
        kiosk = self._kiosk()
        return await self._db(lambda db: kiosks.check_staff_pin(db, kiosk_id=kiosk.id, pin=pin))

    def kiosk_status(self, status: str) -> None:
        """Tell the therapist the kiosk is online, offline (may resume) or disconnected."""
        if self.session is not None:
            self._publish_later(TherapistEventKind.KIOSK_STATUS, {"status": status})

    async def publish(self, kind: TherapistEventKind, data: dict[str, Any]) -> None:
        """An event about the current session for its therapist."""
        session = self._session()
        await self.hub.publish(session.therapist_id, kind, session_id=session.id, data=data)

    def _publish_later(
        self, kind: TherapistEventKind, data: dict[str, Any]
    ) -> asyncio.Future[None]:
        session = self._session()

        async def publish() -> None:
            await self.hub.publish(session.therapist_id, kind, session_id=session.id, data=data)

        return self._queue(session, kind.value, publish)

    def _queue(self, session: JoinedSession, label: str, work: Callable[[], Awaitable[None]],
               *, urgent: bool = False) -> asyncio.Future[None]:
        """Queue a write in its session's lane: after that session's earlier writes, whatever
        other kiosks queued meanwhile (server/write_queue.py)."""
        return self.writes.submit(label, work, lane=session.id, urgent=urgent)

    def _kiosk(self) -> KioskIdentity:
        if self.kiosk is None:
            raise RuntimeError("kiosk not authenticated")
        return self.kiosk

    def language(self, lang: str) -> None:
        """The conversation runs in `lang`: that is the session's language from now on."""
        session = self._session()
        if session.language != lang:
            self.session = replace(session, language=lang)
            self._queue(session, "language", lambda: self._language(session, lang))

    async def _language(self, session: JoinedSession, lang: str) -> None:
        await self._db(lambda db: sessions.set_language(db, session_id=session.id, language=lang))
        await self.hub.publish_status(session.therapist_id, session.id)

    def _session(self) -> JoinedSession:
        if self.session is None:
            raise RuntimeError("no session joined")
        return self.session
