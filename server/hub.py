"""Therapist event fan-out: store in the outbox first (seq), then push to connected dashboards.

Front-desk and admin screens subscribe to a separate, unsequenced staff channel that carries
escalated alerts (room, level, time; no client text) and their acknowledgements.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from models import alerts, outbox, session_status
from models.db import Database
from models.types import utcnow
from server.events import TherapistEvent, TherapistEventKind
from server.fanout import STAFF, Fanout, InMemoryFanout

REPLAY_BATCH = 500
STAFF_SEQ = 0  # staff-channel events are live only: not in any therapist's sequence
# Events after which a session's shown status (or language) may differ.
STATUS_CHANGES = frozenset({
    TherapistEventKind.SESSION_CREATED, TherapistEventKind.SESSION_JOINED,
    TherapistEventKind.CONSENT, TherapistEventKind.RISK_ALERT,
    TherapistEventKind.SESSION_ENDED, TherapistEventKind.SESSION_CANCELLED,
})


def to_event(stored: outbox.StoredEvent) -> TherapistEvent:
    """A stored outbox row as a wire event (payload None = erased content)."""
    return TherapistEvent(
        seq=stored.seq,
        event=TherapistEventKind(stored.type),
        session_id=str(stored.session_id) if stored.session_id else "",
        at=stored.created_at.isoformat().replace("+00:00", "Z"),
        data=stored.payload if stored.payload is not None else {"erased": True},
    )


class TherapistHub:
    """Publishes events per therapist; subscribers get them live, the outbox has them forever."""

    def __init__(self, database: Database, fanout: Fanout | None = None) -> None:
        self.database = database
        # Other processes' dashboards (none with the in-memory default).
        self.fanout: Fanout = fanout or InMemoryFanout()
        self._subscribers: dict[uuid.UUID, set[asyncio.Queue[TherapistEvent]]] = {}
        self._staff: set[asyncio.Queue[TherapistEvent]] = set()
        # One publisher at a time keeps live delivery in seq order per process.
        self._lock = asyncio.Lock()

    async def publish(
        self,
        therapist_id: uuid.UUID,
        kind: TherapistEventKind,
        *,
        session_id: uuid.UUID | None,
        data: dict[str, Any],
    ) -> TherapistEvent:
        """Store the event (committed) and push it to the therapist's open dashboards."""
        async with self._lock:
            stored = await asyncio.to_thread(self._append, therapist_id, kind, session_id, data)
            event = to_event(stored)
            for queue in self._subscribers.get(therapist_id, ()):
                queue.put_nowait(event)
            await self.fanout.publish(str(therapist_id), event)
        if kind is TherapistEventKind.RISK_ALERT and "alert_id" in event.data:
            await self._escalate_if_unseen(event, therapist_id)
        if kind in STATUS_CHANGES and session_id is not None:
            await self.publish_status(therapist_id, session_id)
        return event

    async def publish_status(self, therapist_id: uuid.UUID, session_id: uuid.UUID) -> None:
        """Every open page hears the session's status as the server derives it."""

        def read() -> dict[str, Any]:
            with self.database.transaction() as db:
                return session_status.status_payload(db, session_id=session_id)

        data = await asyncio.to_thread(read)
        if data:
            await self.publish(
                therapist_id, TherapistEventKind.SESSION_STATUS, session_id=session_id, data=data
            )

    def _append(
        self,
        therapist_id: uuid.UUID,
        kind: TherapistEventKind,
        session_id: uuid.UUID | None,
        data: dict[str, Any],
    ) -> outbox.StoredEvent:
        with self.database.transaction() as db:
            if kind is TherapistEventKind.RISK_ALERT and session_id is not None:
                data = _alert_payload(db, session_id, data)
            if kind is TherapistEventKind.SUMMARY_APPROVED and session_id is not None:
                # Drafts may hold items the client then removed: gone from replays as well.
                outbox.supersede(
                    db, session_id=session_id, type=TherapistEventKind.SUMMARY_DRAFT.value
                )
            seq = outbox.append_event(
                db, therapist_id=therapist_id, session_id=session_id, type=kind.value,
                payload=data,
            )
            events = outbox.events_after(
                db, therapist_id=therapist_id, last_seq=seq - 1, limit=1, audit_read=False
            )
        return events[0]

    def push_unsaved(
        self,
        therapist_id: uuid.UUID,
        kind: TherapistEventKind,
        *,
        session_id: uuid.UUID,
        data: dict[str, Any],
    ) -> int:
        """Push an event that is not stored yet (seq 0) to open dashboards; how many got it.

        Used for a risk alert, which must reach a person before, and independently of, the
        database; the stored copy follows with its seq once it is written.
        """
        at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        event = TherapistEvent(
            seq=0, event=kind, session_id=str(session_id), at=at, data={**data, "saved": False}
        )
        queues = self._subscribers.get(therapist_id, ())
        for queue in queues:
            queue.put_nowait(event)
        self.fanout.post(str(therapist_id), event)
        return len(queues) + self.fanout.remote_screens(str(therapist_id))

    def deliver(self, channel: str, event: TherapistEvent) -> None:
        """An event another process published: to this process's screens of that channel."""
        if channel == STAFF:
            queues: Iterable[asyncio.Queue[TherapistEvent]] = self._staff
        else:
            queues = self._subscribers.get(uuid.UUID(channel), ())
        for queue in queues:
            queue.put_nowait(event)

    def local_screens(self) -> dict[str, int]:
        """This process's open screens per therapist (and STAFF), for the other processes."""
        counts = {str(t): len(queues) for t, queues in self._subscribers.items()}
        return {**counts, STAFF: len(self._staff)}

    def watching(self, therapist_id: uuid.UUID) -> int:
        """How many dashboards of this therapist are connected (on any process)."""
        return self.screens_for(therapist_id)

    @contextmanager
    def subscribe(self, therapist_id: uuid.UUID) -> Iterator[asyncio.Queue[TherapistEvent]]:
        """A queue receiving this therapist's live events while the context is open."""
        queue: asyncio.Queue[TherapistEvent] = asyncio.Queue()
        self._subscribers.setdefault(therapist_id, set()).add(queue)
        try:
            yield queue
        finally:
            queues = self._subscribers.get(therapist_id)
            if queues is not None:
                queues.discard(queue)
                if not queues:
                    del self._subscribers[therapist_id]

    @contextmanager
    def subscribe_staff(self) -> Iterator[asyncio.Queue[TherapistEvent]]:
        """A queue receiving escalations and acknowledgements (front desk and admin screens)."""
        queue: asyncio.Queue[TherapistEvent] = asyncio.Queue()
        self._staff.add(queue)
        try:
            yield queue
        finally:
            self._staff.discard(queue)

    def staff_screens(self) -> int:
        """How many front-desk and admin screens are connected now (on any process)."""
        return len(self._staff) + self.fanout.remote_screens(STAFF)

    def screens_for(self, therapist_id: uuid.UUID) -> int:
        """The therapist's connected screens an alert reaches now (locked ones included: they
        still show alerts), on any process."""
        local = len(self._subscribers.get(therapist_id, ()))
        return local + self.fanout.remote_screens(str(therapist_id))

    async def announce_escalation(self, escalation: alerts.Escalation) -> None:
        """Tell the therapist's stream and every front-desk and admin screen."""
        data = {**escalation.payload(), "staff_screens": self.staff_screens()}
        await self.publish(
            escalation.therapist_id, TherapistEventKind.ALERT_ESCALATED,
            session_id=escalation.session_id, data=data,
        )
        self.broadcast_staff(
            TherapistEventKind.ALERT_ESCALATED, session_id=escalation.session_id, data=data
        )

    async def _escalate_if_unseen(self, event: TherapistEvent, therapist_id: uuid.UUID) -> None:
        # An urgent alert no therapist screen received must not wait for the escalation timer.
        if self.screens_for(therapist_id) or not event.data.get("urgent"):
            return

        def mark() -> alerts.Escalation | None:
            with self.database.transaction() as db:
                return alerts.escalate_now(db, alert_id=uuid.UUID(str(event.data["alert_id"])))

        escalation = await asyncio.to_thread(mark)
        if escalation is not None:
            await self.announce_escalation(escalation)

    def broadcast_staff(
        self, kind: TherapistEventKind, *, session_id: uuid.UUID, data: dict[str, Any]
    ) -> TherapistEvent:
        """Push an event to every connected front-desk and admin screen (not stored)."""
        event = TherapistEvent(
            seq=STAFF_SEQ, event=kind, session_id=str(session_id),
            at=utcnow().isoformat().replace("+00:00", "Z"), data=data,
        )
        for queue in self._staff:
            queue.put_nowait(event)
        self.fanout.post(STAFF, event)
        return event

    async def open_escalations(self) -> list[TherapistEvent]:
        """Escalated alerts nobody acknowledged yet, as staff events (for a screen that joins)."""

        def read() -> list[alerts.Escalation]:
            with self.database.transaction() as db:
                return alerts.open_escalations(db)

        return [
            TherapistEvent(
                seq=STAFF_SEQ, event=TherapistEventKind.ALERT_ESCALATED,
                session_id=str(e.session_id),
                at=e.escalated_at.isoformat().replace("+00:00", "Z"), data=e.payload(),
            )
            for e in await asyncio.to_thread(read)
        ]

    async def latest_seq(self, therapist_id: uuid.UUID) -> int:
        """The newest stored seq for a therapist."""

        def read() -> int:
            with self.database.transaction() as db:
                return outbox.last_seq(db, therapist_id=therapist_id)

        return await asyncio.to_thread(read)

    async def events_after(
        self, therapist_id: uuid.UUID, last_seq: int, *, audit_read: bool
    ) -> list[TherapistEvent]:
        """Stored events with seq > last_seq (one batch, oldest first)."""

        def read() -> list[outbox.StoredEvent]:
            with self.database.transaction() as db:
                return outbox.events_after(
                    db, therapist_id=therapist_id, last_seq=last_seq, limit=REPLAY_BATCH,
                    audit_read=audit_read,
                )

        return [to_event(stored) for stored in await asyncio.to_thread(read)]


def _alert_payload(db: Any, session_id: uuid.UUID, data: dict[str, Any]) -> dict[str, Any]:
    """An alert names its kiosk (room) and carries only the trigger words as evidence."""
    words = data.get("trigger_words") or alerts.trigger_words(data.get("evidence"))
    return {
        **{k: v for k, v in data.items() if k != "evidence"},
        "kiosk_name": data.get("kiosk_name") or alerts.kiosk_name_of(db, session_id),
        "trigger_words": list(words),
        "evidence": [{"text": word} for word in words],
    }
