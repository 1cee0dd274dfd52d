"""A kiosk session's way out: outlives one socket, and remembers what the screen shows.

After a dropped connection the session keeps running; what it sends meanwhile is dropped,
and a kiosk that resumes gets the conversation and any crisis screen back (`resumed`).
The conversation is kept in memory only, for the life of the session.
"""

from __future__ import annotations

from typing import Any

from server.events import Event
from server.kiosk_events import CrisisEvent, ReplySentenceEvent, TranscriptEvent
from server.protocol import ProtocolError
from server.ws_common import Channel

MAX_TRANSCRIPT_ITEMS = 200


class Relay:
    """The Channel of the kiosk's current socket (or none while it is away)."""

    def __init__(self, channel: Channel | None) -> None:
        self.channel = channel
        self.transcript: list[dict[str, str]] = []
        self.crisis: dict[str, Any] | None = None
        self._reply_turn = -1

    @property
    def open(self) -> bool:
        """Whether a kiosk is connected."""
        return self.channel is not None and self.channel.open

    def attach(self, channel: Channel | None) -> None:
        """A kiosk (re)connected, or (None) left."""
        self.channel = channel

    def forget(self) -> None:
        """The session ended: nothing of it stays in memory."""
        self.transcript.clear()
        self.crisis = None
        self._reply_turn = -1

    async def event(self, event: Event) -> None:
        """Send one JSON event (remembered for a resume)."""
        self._remember(event)
        if self.channel is not None:
            await self.channel.event(event)

    async def audio(self, frame: bytes) -> None:
        """Send one binary frame (never replayed)."""
        if self.channel is not None:
            await self.channel.audio(frame)

    async def error(self, error: ProtocolError) -> None:
        """Report a problem to the connected kiosk."""
        if self.channel is not None:
            await self.channel.error(error)

    async def close(self, code: int) -> None:
        """Close the current socket."""
        if self.channel is not None:
            await self.channel.close(code)

    def _remember(self, event: Event) -> None:
        if isinstance(event, TranscriptEvent) and event.text:
            self._add({"role": "client", "text": event.text})
        elif isinstance(event, ReplySentenceEvent):
            if event.turn == self._reply_turn and self.transcript:
                last = self.transcript[-1]
                last["text"] = f"{last['text']} {event.text}"
            else:
                self._reply_turn = event.turn
                self._add({"role": "assistant", "text": event.text})
        elif isinstance(event, CrisisEvent):
            self.crisis = {"message": event.message.split("\n"),
                           "resources": list(event.resources),
                           "alert_delivered": event.alert_delivered}

    def _add(self, item: dict[str, str]) -> None:
        self.transcript.append(item)
        del self.transcript[:-MAX_TRANSCRIPT_ITEMS]
