"""What a kiosk session stores and tells the therapist: every write goes through `models`."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

from models import content, turn_meta
from models.db import Database
from models.turn_meta import TurnMeta
from models.types import Speaker, SummaryStatus
from reflection.events import CrisisEventType, Screened
from server.events import TherapistEventKind
from server.hub import TherapistHub
from server.kiosk_alert import RiskAlert
from server.kiosk_connection import JoinedSession, KioskConnection
from server.metrics import ServerMetrics
from server.speech import Heard
from server.write_queue import WriteQueue


class KioskStore(KioskConnection):
    """What one kiosk's conversations write: turns, alerts, summaries, feedback (queued,
    retried, in order)."""

    def __init__(self, database: Database, hub: TherapistHub, metrics: ServerMetrics,
                 live_transcript: bool, writes: WriteQueue) -> None:
        super().__init__(database, hub, metrics, live_transcript, writes)
        self.input_kind = "spoken"  # of the utterance being handled: "typed" or "spoken"
        self._last_words = ""  # normalised previous client words, to count repeats
        self._pending_flags: set[int] = set()  # flagged before their reply was stored

    async def join(self, code: str) -> JoinedSession:
        """Redeem a one-time code (see KioskConnection.join); a new session's turns start over."""
        joined = await super().join(code)
        self._last_words, self._pending_flags = "", set()
        return joined

    def client_turn(self, heard: Heard, screening: Screened, *, turn: int | None = None
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

        self._queue(session, f"{speaker.value}_turn", write)

    def empty_transcript(self) -> None:
        """Count an utterance in which nothing was heard (queued; no words to store)."""
        session = self._session()

        async def write() -> None:
            await self._db(lambda db: turn_meta.count_empty_transcript(db, session_id=session.id))

        self._queue(session, "empty_transcript", write)

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

        return self._queue(session, "reply_flag", write)

    def alert(self, crisis: CrisisEventType, screened: Screened | None, *, heard_at: float
              ) -> bool:
        """Raise the risk alert: on the therapist's open dashboards at once, stored after.

        Returns whether a connected staff screen got it. The stored alert (with its id) and
        its outbox event follow through the write queue, retried until the database takes
        them, so an alert is never lost to a failing disk.
        """
        session, kiosk = self._session(), self._kiosk()
        alert = RiskAlert.of(crisis, screened, kiosk.name)
        data = alert.data()
        delivered = self.hub.push_unsaved(
            session.therapist_id, TherapistEventKind.RISK_ALERT, session_id=session.id, data=data
        )
        self.metrics.alert_delay.observe(max(0.0, time.monotonic() - heard_at))
        stored: dict[str, str] = {}

        async def write_alert() -> None:
            if "id" not in stored:
                stored["id"] = await self._db(lambda db: alert.save(db, session.id))

        async def publish_alert() -> None:
            await self.hub.publish(
                session.therapist_id,
                TherapistEventKind.RISK_ALERT,
                session_id=session.id,
                data={**data, "alert_id": stored.get("id", ""), "saved": True,
                      "delivered_unsaved": delivered > 0},
            )

        self._queue(session, "alert", write_alert, urgent=True)
        self._queue(session, "alert_event", publish_alert, urgent=True)
        return delivered > 0

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

        self._queue(session, "summary", write)
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

        self._queue(session, "feedback", write)
        data = {"rating": rating, "has_comment": bool(comment), "flagged_turns": flagged_turns}
        await asyncio.shield(self._publish_later(TherapistEventKind.FEEDBACK, data))

