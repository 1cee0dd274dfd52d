"""The kiosk's text side: questions and captions on a terminal, or a script for tests and demos."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class KioskView:
    """What the kiosk has seen so far (scripted consoles wait on it)."""

    state: str = "idle"
    transcripts: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    summary: dict[str, object] | None = None
    crisis: bool = False
    ended: str | None = None


class Console(Protocol):
    """Questions (code, consent, review, rating), captions, and conversation commands."""

    async def ask(self, key: str, prompt: str) -> str:
        """Ask one question; `key` names it (code, consent, review, rating)."""
        ...

    def show(self, text: str) -> None:
        """Show a caption or message."""
        ...

    def commands(self, view: KioskView) -> AsyncIterator[str]:
        """Lines during the conversation: "" interrupts, "end", "erase", anything else is typed."""
        ...


class StdinConsole:
    """A terminal: one reader thread feeds both questions and conversation commands."""

    def __init__(self) -> None:
        self._lines: asyncio.Queue[str] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None

    async def _read_forever(self) -> None:
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                return
            await self._lines.put(line.rstrip("\n"))

    def _ensure_reader(self) -> None:
        if self._reader is None:
            self._reader = asyncio.get_running_loop().create_task(self._read_forever())

    async def ask(self, key: str, prompt: str) -> str:
        """Print the prompt and wait for a line."""
        self._ensure_reader()
        print(prompt, flush=True)
        return await self._lines.get()

    def show(self, text: str) -> None:
        """Print a caption."""
        print(text, flush=True)

    async def commands(self, view: KioskView) -> AsyncIterator[str]:
        """Every line typed while the conversation runs."""
        self._ensure_reader()
        while True:
            yield await self._lines.get()


Condition = Callable[[KioskView], bool]


class ScriptedConsole:
    """Fixed answers and commands that wait for conditions: for tests and unattended demos."""

    def __init__(self, answers: Mapping[str, str],
                 commands: Sequence[tuple[Condition, str]] = ()) -> None:
        self.answers = dict(answers)
        self.script = list(commands)
        self.shown: list[str] = []
        self.asked: list[str] = []

    async def ask(self, key: str, prompt: str) -> str:
        """The scripted answer for `key` (empty if none)."""
        self.asked.append(key)
        return self.answers.get(key, "")

    def show(self, text: str) -> None:
        """Keep captions for the test to read."""
        self.shown.append(text)

    async def commands(self, view: KioskView) -> AsyncIterator[str]:
        """Each scripted line once its condition holds."""
        for condition, line in self.script:
            # The view is plain data updated by the kiosk; polling it keeps the two decoupled.
            while not condition(view):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            yield line
        await asyncio.Event().wait()  # the script is done: no more commands
