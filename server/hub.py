"""Therapist event fan-out: store in the outbox first (seq), then push to connected dashboards."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from models import outbox
from models.db import Database
from server.events import TherapistEvent, TherapistEventKind

REPLAY_BATCH = 500


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

    def __init__(self, database: Database) -> None:
        self.database = database
        self._subscribers: dict[uuid.UUID, set[asyncio.Queue[TherapistEvent]]] = {}
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
            return event

    def _append(
        self,
        therapist_id: uuid.UUID,
        kind: TherapistEventKind,
        session_id: uuid.UUID | None,
        data: dict[str, Any],
    ) -> outbox.StoredEvent:
        with self.database.transaction() as db:
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
        return len(queues)

    def watching(self, therapist_id: uuid.UUID) -> int:
        """How many dashboards of this therapist are connected."""
        return len(self._subscribers.get(therapist_id, ()))

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
