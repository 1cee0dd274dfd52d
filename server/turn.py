"""A kiosk's turns: one cancellable reply at a time; every client turn's screening completes.

A client turn has two tasks. The intake (hear, screen, raise any crisis alert, queue the
turn's storage) is never cancelled: a later turn waits for it, and a barge-in or a second
text only stops the reply task, which speaks what the engine generates after screening.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reflection.events import ReplyKind, ReplySentence
from server.conversations import Replier
from server.kiosk_events import (
    Activity,
    AudioStop,
    ReplyDoneEvent,
    StateChanged,
)
from server.kiosk_store import KioskStore
from server.metrics import ServerMetrics
from server.pipeline import TurnPipeline
from server.protocol import ErrorCode, ProtocolError
from server.reply_flags import store_cut_reply
from server.speculation import Speculator
from server.speech import Heard, Speaker, Transcriber
from server.turn_hooks import (
    ClientTurnHooks,
    FixedSentences,
    KioskOutput,
    TurnHost,
    idle_activity,
    log_failure,
    report_failure,
)
from server.turn_speech import on_endpoint
from server.turn_state import ClientTurn, OpenedReply, TurnState, prompt_sentences
from server.workers import ModelPool
from voice.endpointer import (
    EndpointEvent,
)
from voice.turn_taking import TurnTaking


class Turns:
    """Runs one kiosk's replies; a new utterance or barge-in cancels the reply in progress."""

    def __init__(
        self,
        *,
        channel: KioskOutput,
        store: KioskStore,
        pool: ModelPool,
        transcriber: Transcriber,
        speaker: Speaker,
        metrics: ServerMetrics,
        host: TurnHost,
        turn_taking: TurnTaking | None = None,
    ) -> None:
        self.channel = channel
        self.store = store
        self.pool = pool
        self.transcriber = transcriber
        self.speaker = speaker
        self.metrics = metrics
        self.host = host
        self.turn = 0
        self._task: asyncio.Task[None] | None = None
        self._task_state = TurnState(turn=-1)
        self._task_turn = -1
        self.reply_kind = ReplyKind.REFLECTION
        # While a finished reply is being stored it must not be cancelled, only awaited.
        self._cancellable = True
        self._playback_until = 0.0
        self._intake: asyncio.Task[OpenedReply | None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self.speculator = Speculator(pool, transcriber, on_outcome=metrics.speculation)
        # None: any speech during a reply stops it at once (no backchannel check).
        self.turn_taking = turn_taking
        # Speech heard during a reply that has not (yet) stopped it: it may be a "mm-hm".
        self.held = False

    @property
    def busy(self) -> bool:
        """A reply or a screening is in progress."""
        running = self._task is not None and not self._task.done()
        return running or (self._intake is not None and not self._intake.done())

    def crisis_reply(self, turn: int) -> None:
        """The reply of `turn` is the crisis message: speech does not barge into it."""
        if self._task_turn == turn:
            self.reply_kind = ReplyKind.CRISIS

    def played(self, turn: int) -> None:
        """The kiosk finished playing a reply."""
        if turn == self._task_turn:
            self._playback_until = 0.0

    # ----- speech events ----------------------------------------------------------------

    async def endpoint(self, event: EndpointEvent) -> None:
        """One endpointer event of the client's audio (server.turn_speech)."""
        await on_endpoint(self, event)

    def replying(self) -> bool:
        """A reply is being generated or played."""
        running = self._task is not None and not self._task.done() and self._cancellable
        return running or time.monotonic() < self._playback_until

    async def barge_in(self) -> None:
        """Stop the current reply now."""
        if not self.replying():
            return
        self.metrics.barge_ins.inc()
        playing = time.monotonic() < self._playback_until
        self._playback_until = 0.0
        if await self.cancel():
            # Nothing else may come for a while: the kiosk may take the next turn now.
            await self.channel.event(StateChanged(state=self.host.state, activity=self._idle()))
        elif playing:
            await self.channel.event(AudioStop(turn=self._task_turn))

    async def cancel(self) -> bool:
        """Stop the reply in progress (never a screening); tells the kiosk if it was."""
        task = self._task
        if task is None or task is asyncio.current_task():
            return False  # a turn moving the flow on (e.g. to the focus question) replaces itself
        self._task = None
        if task.done():
            return False
        if not self._cancellable:
            await task  # a finished reply being stored: let it complete
            return False
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        state = self._task_state
        # After the task ended, so no frame of this turn can follow the stop.
        await self.channel.event(AudioStop(turn=state.turn))
        await self.channel.event(
            ReplyDoneEvent(turn=state.turn, sentences=state.spoken, cancelled=True))
        return True

    async def settle(self) -> None:
        """Wait until every client turn received so far is screened (and its alert raised)."""
        intake = self._intake
        if intake is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(intake)

    def _start(self, coro: Coroutine[Any, Any, None], state: TurnState, kind: ReplyKind) -> None:
        self._task = asyncio.create_task(coro)
        self._task.add_done_callback(self._task_done)
        self._task_state = state
        self._task_turn, self.reply_kind = state.turn, kind

    def _task_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        self._spawn(report_failure(self.channel, self.host.state, task.exception()))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _idle(self) -> Activity:
        return idle_activity(self.host.state)

    # ----- client turns -----------------------------------------------------------------

    async def client(
        self,
        *,
        text: str | None = None,
        audio: NDArray[np.float32] | None = None,
        ahead: Future[Heard] | None = None,
    ) -> None:
        """Start a client turn: its screening is chained after the previous turn's."""
        conversation = self.host.conversation
        if conversation is None:
            raise ProtocolError(ErrorCode.NOT_ALLOWED_NOW, "no conversation yet")
        await self.cancel()
        self.turn += 1
        turn = ClientTurn(TurnState(turn=self.turn), conversation, typed=text is not None)
        intake = asyncio.create_task(self._take_in(turn, text, audio, ahead, self._intake))
        intake.add_done_callback(log_failure)
        self._intake = intake
        self._start(self._reply(turn, intake), turn.state, ReplyKind.REFLECTION)

    async def _take_in(
        self,
        turn: ClientTurn,
        text: str | None,
        audio: NDArray[np.float32] | None,
        ahead: Future[Heard] | None,
        previous: asyncio.Task[OpenedReply | None] | None,
    ) -> OpenedReply | None:
        """Hear and screen one client turn, to completion (never cancelled)."""
        if previous is not None:
            with contextlib.suppress(Exception):
                await previous  # turns are screened, counted and stored in order
        state, options = turn.state, self.host.options()
        # Read by client_turn (in this intake, after the previous one finished: in order).
        self.store.input_kind = "typed" if text is not None else "spoken"
        pipeline = self._pipeline(turn.conversation, state)
        if text is not None:
            heard = await pipeline.typed(state, options, text)
        else:
            assert audio is not None
            heard = await pipeline.hear(state, options, audio, ahead)
        turn.heard = heard
        if not heard.text:
            if self.store.session is not None:
                self.store.empty_transcript()  # counted for the evaluation report
            return None
        turn.was_focus = self.host.counted(heard)
        turn.options = self.host.options()
        opened = await pipeline.open(state, heard)
        if turn.cancelled:
            await opened.close()
            store_cut_reply(self.store, state)
            return None
        return opened

    async def _reply(self, turn: ClientTurn, intake: asyncio.Task[OpenedReply | None]) -> None:
        state = turn.state
        try:
            opened = await asyncio.shield(intake)
            if opened is None:
                await self.channel.event(
                    StateChanged(state=self.host.state, activity=Activity.LISTENING)
                )
                return
            assert turn.heard is not None
            pipeline = self._pipeline(turn.conversation, state)
            await pipeline.finish(state, turn.options, turn.heard, opened)
        except asyncio.CancelledError:
            turn.cancelled = True
            if intake.done() and not intake.cancelled() and intake.exception() is None:
                done = intake.result()
                if done is not None:
                    await done.close()
                    store_cut_reply(self.store, state)
            raise
        assert turn.heard is not None
        self._cancellable = False
        try:
            self._playback_until = time.monotonic() + state.audio_seconds
            await self.channel.event(
                ReplyDoneEvent(turn=state.turn, sentences=len(state.sentences)))
            self.metrics.observe_turn(state.marks)
            self.metrics.turns.labels(input="text" if turn.typed else "voice").inc()
            await self.host.replied(state, turn.heard, turn.was_focus)
        finally:
            self._cancellable = True

    def _pipeline(self, replier: Replier, state: TurnState) -> TurnPipeline:
        return TurnPipeline(
            pool=self.pool,
            transcriber=self.transcriber,
            speaker=self.speaker,
            replier=replier,
            output=self.channel,
            hooks=ClientTurnHooks(self, state),
        )

    # ----- fixed prompts ----------------------------------------------------------------

    async def say(self, text: str, *, wait: bool = False) -> None:
        """Speak a fixed prompt as its own turn (cancellable like any reply)."""
        await self.cancel()
        self.turn += 1
        sentences = prompt_sentences(self.turn, text)
        state = TurnState(turn=self.turn)
        self._start(self._speak_prompt(state, sentences), state, ReplyKind.PROMPT)
        if wait and self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _speak_prompt(self, state: TurnState, sentences: list[ReplySentence]) -> None:
        pipeline = self._pipeline(FixedSentences(sentences), state)
        await pipeline.say(state, self.host.options(), sentences, self.host.lang)
        self._playback_until = time.monotonic() + state.audio_seconds
        await self.channel.event(ReplyDoneEvent(turn=state.turn, sentences=len(sentences)))
        await self.channel.event(StateChanged(state=self.host.state, activity=self._idle()))
