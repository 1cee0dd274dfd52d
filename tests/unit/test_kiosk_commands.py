"""Dashboard commands run where the kiosk's session is: here, or through the fanout."""

from __future__ import annotations

import uuid
from typing import Any

from server.fanout import InMemoryFanout
from server.kiosk_commands import CALL_IN, CLEAR_CRISIS, KioskCommands


class Session:
    def __init__(self) -> None:
        self.called = 0

    async def call_in(self) -> None:
        self.called += 1

    async def clear_crisis(self) -> bool:
        return True


class Registry:
    def __init__(self) -> None:
        self.sessions: dict[uuid.UUID, Any] = {}

    def get(self, session_id: uuid.UUID) -> Any:
        return self.sessions.get(session_id)


class RecordingFanout(InMemoryFanout):
    """Another process holds every session it is asked about."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[uuid.UUID, str]] = []

    async def command(self, session_id: uuid.UUID, name: str) -> bool:
        self.sent.append((session_id, name))
        return True


async def test_a_local_session_is_run_here_and_a_remote_one_goes_through_the_fanout() -> None:
    registry, fanout, here = Registry(), RecordingFanout(), Session()
    local, remote = uuid.uuid4(), uuid.uuid4()
    registry.sessions[local] = here
    commands = KioskCommands(registry, fanout)
    assert await commands.call_in(local) is True and here.called == 1
    assert await commands.clear_crisis(local) is True
    assert await commands.call_in(remote) is True
    assert await commands.clear_crisis(remote) is True
    assert fanout.sent == [(remote, CALL_IN), (remote, CLEAR_CRISIS)]


async def test_one_process_reaches_only_its_own_sessions() -> None:
    commands = KioskCommands(Registry())
    assert await commands.call_in(uuid.uuid4()) is False
    assert await commands.run_local(uuid.uuid4(), "unknown") is False
