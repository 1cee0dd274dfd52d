"""What a kiosk session stores and tells the therapist: every write goes through `models`."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from models import content, kiosks, retention, sessions, turn_meta
from models.db import Database
from models.errors import AuthenticationError, CodeExpiredError
from models.kiosks import authenticate_kiosk
from models.turn_meta import TurnMeta
from models.types import Speaker, SummaryStatus
from server.events import EndReason, TherapistEventKind
from server.hub import TherapistHub
from server.metrics import ServerMetrics
from server.stages import Crisis, Heard, Screening
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


class KioskStore:
    """Database and therapist-stream side effects of one kiosk connection."""

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
        self.input_kind = "spoken"  # of the utterance being handled: "typed" or "spoken"
        self._last_words = ""  # normalised previous client words, to count repeats
        self._pending_flags: set[int] = set()  # flagged before their reply was stored

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
        self._last_words, self._pending_flags = "", set()
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

    def client_turn(self, heard: Heard, screening: Screening, *, turn: int | None = None
                    ) -> None:
        """Store what the client said, with its screened risk level (queued, retried)."""
        words = " ".join("".join(c for c in heard.text.casefold() if c.isalnum() or c.isspace())
                         .split())
        repeated, self._last_words = bool(words) and words == self._last_words, words
        meta = TurnMeta(kiosk_turn=turn, input_kind=self.input_kind, repeated=repeated)
        self._add_turn(Speaker.CLIENT, heard.text, screening.level, meta)

    def reply_turn(self, turn: int, client_text: str, reply: str, level: int, *,
                   meta: TurnMeta | None = None) -> None:
        """Store the reply; with live transcripts on, show the exchange to the therapist."""
        if reply:
            self._add_turn(Speaker.REFLECTOR, reply, 0, meta)
        if self.live_transcript and client_text:
            data = {"turn": turn, "client_text": client_text, "reply_text": reply, "level": level}
            self._publish_later(TherapistEventKind.TURN, data)

    def _add_turn(
        self, speaker: Speaker, text: str, level: int, meta: TurnMeta | None = None
    ) -> None:
        session = self._session()

        async def write() -> None:
            # A flag that came before this reply was stored (queued ahead of it) is applied
            # here, at write time: the queue keeps the flag's write before this one.
            stored = meta
            if stored is not None and speaker is Speaker.REFLECTOR \
                    and stored.kiosk_turn in self._pending_flags:
                stored = replace(stored, flagged=True)
            await self._db(
                lambda db: content.add_turn(
                    db, session_id=session.id, speaker=speaker, text=text, risk_level=level,
                    meta=stored,
                )
            )

        self.writes.submit(f"{speaker.value}_turn", write)

    def empty_transcript(self) -> None:
        """Count an utterance in which nothing was heard (queued; no words to store)."""
        session = self._session()

        async def write() -> None:
            await self._db(lambda db: turn_meta.count_empty_transcript(db, session_id=session.id))

        self.writes.submit("empty_transcript", write)

    def flag_reply(self, turn: int) -> asyncio.Future[None]:
        """Flag the stored reply of `turn` (queued after it); a reply not stored yet gets the
        flag when it is."""
        session = self._session()

        async def write() -> None:
            found = await self._db(
                lambda db: turn_meta.flag_reply(db, session_id=session.id, kiosk_turn=turn))
            if not found:
                # A prompt's turn, or a reply not submitted yet: kept for the reply's write.
                self._pending_flags.add(turn)

        return self.writes.submit("reply_flag", write)

    def alert(self, crisis: Crisis, *, heard_at: float) -> bool:
        """Raise the risk alert: on the therapist's open dashboards at once, stored after.

        Returns whether a connected staff screen got it. The stored alert (with its id) and
        its outbox event follow through the write queue, retried until the database takes
        them, so an alert is never lost to a failing disk.
        """
        session, kiosk = self._session(), self._kiosk()
        evidence = [{"text": e.get("text", ""), "rule": e.get("rule", "")} for e in crisis.evidence]
        data: dict[str, Any] = {
            "alert_key": uuid.uuid4().hex,  # the same on the live and the stored copy
            "urgent": crisis.urgent,
            "level": crisis.level,
            "categories": list(crisis.categories),
            "evidence": evidence,
            "trigger_words": sorted({e["text"] for e in evidence if e["text"]}),
            "kiosk_name": kiosk.name,
        }
        delivered = self.hub.push_unsaved(
            session.therapist_id, TherapistEventKind.RISK_ALERT, session_id=session.id, data=data
        )
        self.metrics.alert_delay.observe(max(0.0, time.monotonic() - heard_at))
        stored: dict[str, str] = {}

        async def write_alert() -> None:
            if "id" in stored:
                return

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

            stored["id"] = await self._db(work)

        async def publish_alert() -> None:
            await self.hub.publish(
                session.therapist_id,
                TherapistEventKind.RISK_ALERT,
                session_id=session.id,
                data={**data, "alert_id": stored.get("id", ""), "saved": True,
                      "delivered_unsaved": delivered > 0},
            )

        self.writes.submit("alert", write_alert)
        self.writes.submit("alert_event", publish_alert)
        return delivered > 0

    def language(self, lang: str) -> None:
        """The conversation runs in `lang`: that is the session's language from now on."""
        session = self._session()
        if session.language != lang:
            self.session = replace(session, language=lang)
            self.writes.submit("language", lambda: self._language(session, lang))

    async def _language(self, session: JoinedSession, lang: str) -> None:
        await self._db(lambda db: sessions.set_language(db, session_id=session.id, language=lang))
        await self.hub.publish_status(session.therapist_id, session.id)

    def _publish_later(
        self, kind: TherapistEventKind, data: dict[str, Any]
    ) -> asyncio.Future[None]:
        session = self._session()

        async def publish() -> None:
            await self.hub.publish(session.therapist_id, kind, session_id=session.id, data=data)

        return self.writes.submit(kind.value, publish)

    def draft_summary(self, summary: dict[str, Any]) -> None:
        """Store the running draft summary and send it to the therapist (queued, retried)."""
        self._queue_summary(summary, approved=False, redactions=[])

    async def summary(
        self, summary: dict[str, Any], *, approved: bool, redactions: list[Any]
    ) -> None:
        """Store a summary version and send it to the therapist, after the queued turns."""
        await asyncio.shield(self._queue_summary(summary, approved=approved, redactions=redactions))

    def _queue_summary(
        self, summary: dict[str, Any], *, approved: bool, redactions: list[Any]
    ) -> asyncio.Future[None]:
        session = self._session()
        status = SummaryStatus.APPROVED if approved else SummaryStatus.DRAFT

        async def write() -> None:
            await self._db(
                lambda db: content.save_summary(
                    db, session_id=session.id, content=summary, status=status,
                    redactions=redactions,
                )
            )

        self.writes.submit("summary", write)
        kind = TherapistEventKind.SUMMARY_APPROVED if approved else TherapistEventKind.SUMMARY_DRAFT
        data = {"summary": summary, "turn_count": summary.get("turn_count", 0)}
        return self._publish_later(kind, data)

    async def feedback(self, rating: int | None, comment: str, flagged_turns: list[int]) -> None:
        """Store the client's feedback (queued after the session's other writes)."""
        session = self._session()
        for turn in flagged_turns:
            self.flag_reply(turn)

        async def write() -> None:
            await self._db(
                lambda db: content.save_feedback(
                    db,
                    session_id=session.id,
                    rating=rating,
                    comment=comment or None,
                    flagged_turn_ids=[str(t) for t in flagged_turns],
                )
            )

        self.writes.submit("feedback", write)
        data = {"rating": rating, "has_comment": bool(comment), "flagged_turns": flagged_turns}
        await asyncio.shield(self._publish_later(TherapistEventKind.FEEDBACK, data))

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

        self.writes.submit("session_end", write)
        await self.writes.write("session_ended", publish, END_WAIT_S)

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

    def _kiosk(self) -> KioskIdentity:
        if self.kiosk is None:
            raise RuntimeError("kiosk not authenticated")
        return self.kiosk

    def _session(self) -> JoinedSession:
        if self.session is None:
            raise RuntimeError("no session joined")
        return self.session
