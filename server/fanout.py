"""What crosses processes, behind one small interface: events, kiosk commands, presence.

One process (no `redis.url`) uses `InMemoryFanout`: everything stays in this process, exactly
as before. Several processes use `server.fanout_redis.RedisFanout`. The hub delivers to its own
dashboards itself; the fanout carries an event to the *other* processes' dashboards, routes a
command to the process that holds a kiosk's session, and says which kiosks are online where.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from server.events import TherapistEvent, TherapistEventKind

STAFF = "staff"  # the channel name of front-desk and admin screens (not a therapist id)

# A remote process handed us an event: (therapist id or STAFF, event).
Deliver = Callable[[str, TherapistEvent], None]
# Run a kiosk command on a session this process holds: (session id, command) -> done.
RunCommand = Callable[[uuid.UUID, str], Awaitable[bool]]
# A kiosk's holder is gone (its process died): publish "offline" for that session.
KioskLost = Callable[["Holding"], Awaitable[None]]


@dataclass(frozen=True)
class Holding:
    """A kiosk connected to some process, and the session it runs (if any)."""

    kiosk_id: str
    process: str
    session_id: str = ""
    therapist_id: str = ""


class Fanout(Protocol):
    """The cross-process side of the hub, the kiosk commands and the presence list."""

    process_id: str

    def attach(self, deliver: Deliver, run_command: RunCommand, kiosk_lost: KioskLost,
               screens: Callable[[], dict[str, int]]) -> None:
        """Who handles what arrives from other processes (set once, by the composition root)."""
        ...

    async def start(self) -> None:
        """Connect and start listening (the app lifespan)."""
        ...

    async def close(self) -> None:
        """Stop listening; this process's kiosks and screens stop counting at once."""
        ...

    async def publish(self, channel: str, event: TherapistEvent) -> None:
        """Send a stored (or unsaved) event to the other processes' screens."""
        ...

    def post(self, channel: str, event: TherapistEvent) -> None:
        """`publish` without waiting (from code that cannot await)."""
        ...

    def remote_screens(self, channel: str) -> int:
        """Screens on other processes for a therapist (or STAFF), as last seen."""
        ...

    async def command(self, session_id: uuid.UUID, name: str) -> bool:
        """Run `name` on the process that holds this session; False when nobody does."""
        ...

    def route(self, session_id: uuid.UUID) -> None:
        """Commands for this session come to this process."""
        ...

    def unroute(self, session_id: uuid.UUID) -> None:
        """This process no longer runs the session."""
        ...

    def hold(self, holding: Holding) -> None:
        """This process now holds a kiosk (and maybe a session)."""
        ...

    def release(self, kiosk_id: str) -> None:
        """This process no longer holds the kiosk."""
        ...

    async def online(self) -> dict[str, Holding]:
        """Every kiosk connected to any live process, by kiosk id."""
        ...


class InMemoryFanout:
    """One process: nothing to carry anywhere; presence is this process's open kiosks."""

    def __init__(self) -> None:
        self.process_id = uuid.uuid4().hex[:12]
        self._held: dict[str, Holding] = {}

    def attach(self, deliver: Deliver, run_command: RunCommand, kiosk_lost: KioskLost,
               screens: Callable[[], dict[str, int]]) -> None:
        """Nothing arrives from elsewhere."""

    async def start(self) -> None:
        """Nothing to connect."""

    async def close(self) -> None:
        """Nothing to stop."""

    async def publish(self, channel: str, event: TherapistEvent) -> None:
        """No other process."""

    def post(self, channel: str, event: TherapistEvent) -> None:
        """No other process."""

    def remote_screens(self, channel: str) -> int:
        """No other process."""
        return 0

    async def command(self, session_id: uuid.UUID, name: str) -> bool:
        """Sessions not held here are held nowhere."""
        return False

    def route(self, session_id: uuid.UUID) -> None:
        """The local registry is the only route."""

    def unroute(self, session_id: uuid.UUID) -> None:
        """The local registry is the only route."""

    def hold(self, holding: Holding) -> None:
        """Remember the kiosk as online."""
        self._held[holding.kiosk_id] = holding

    def release(self, kiosk_id: str) -> None:
        """The kiosk went offline."""
        self._held.pop(kiosk_id, None)

    async def online(self) -> dict[str, Holding]:
        """This process's kiosks."""
        return dict(self._held)


def event_to_wire(event: TherapistEvent) -> dict[str, Any]:
    """A therapist event as JSON-able fields (the same fields the websocket sends)."""
    return {"seq": event.seq, "event": event.event.value, "session_id": event.session_id,
            "at": event.at, "data": event.data}


def event_from_wire(fields: dict[str, Any]) -> TherapistEvent:
    """The event `event_to_wire` wrote."""
    return TherapistEvent(
        seq=int(fields["seq"]), event=TherapistEventKind(fields["event"]),
        session_id=str(fields["session_id"]), at=str(fields["at"]), data=dict(fields["data"]),
    )
