"""A kiosk's turns: one cancellable reply at a time; every client turn's screening completes.

A client turn has two tasks. The intake (hear, screen, raise any crisis alert, queue the
turn's storage) is never cancelled: a later turn waits for it, and a barge-in or a second
text only stops the reply task, which speaks what the engine generates after screening.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reflection.events import ReplyKind, ReplySentence
from reflection.flow import LISTENING
from server.backchannel import done, transcript_of
from server.conversations import ClientConversation, Replier
from server.kiosk_events import (
    Activity,
    AudioStop,
    ReplyDoneEvent,
    SpeechEndedEvent,
    SpeechStartedEvent,
    StateChanged,
)
from server.kiosk_store import KioskStore
from server.metrics import ServerMetrics
from server.pipeline import TurnPipeline
from server.protocol import ErrorCode, ProtocolError
from server.reply_flags import reply_meta
from server.speculation import Speculator
from server.speech import Heard, Speaker, Transcriber
from server.turn_hooks import (
    ClientTurnHooks,
    FixedSentences,
    KioskOutput,
    TurnHost,
    error_code,
    log_failure,
)
from server.turn_state import OpenedReply, TurnOptions, TurnState
from server.workers import ModelPool
from voice.endpointer import (
    EndpointEvent,
    SpeechStarted,
    SpeechSustained,
    UtteranceEnded,
    UtteranceEndReason,
)
from voice.tts import split_sentences
from voice.turn_taking import TurnTaking

log = logging.getLogger(__name__)


@dataclass
class _ClientTurn:
    state: TurnState
    conversation: ClientConversation
    typed: bool
    options: TurnOptions = field(default_factory=TurnOptions)
    heard: Heard | None = None
    was_focus: bool = False
    cancelled: bool = False


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
        self._task_kind = ReplyKind.REFLECTION
        # While a finished reply is being stored it must not be cancelled, only awaited.
        self._cancellable = True
        self._playback_until = 0.0
        self._intake: asyncio.Task[OpenedReply | None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self.speculator = Speculator(pool, transcriber, on_outcome=metrics.speculation)
        # None: any speech during a reply stops it at once (no backchannel check).
        self.turn_taking = turn_taking
        # Speech heard during a reply that has not (yet) stopped it: it may be a "mm-hm".
        self._held = False

    @property
    def busy(self) -> bool:
        """A reply or a screening is in progress."""
        running = self._task is not None and not self._task.done()
        return running or (self._intake is not None and not self._intake.done())

    def crisis_reply(self, turn: int) -> None:
        """The reply of `turn` is the crisis message: speech does not barge into it."""
        if self._task_turn == turn:
            self._task_kind = ReplyKind.CRISIS

    def played(self, turn: int) -> None:
        """The kiosk finished playing a reply."""
        if turn == self._task_turn:
            self._playback_until = 0.0

    # ----- speech events ----------------------------------------------------------------

    async def endpoint(self, event: EndpointEvent) -> None:
        """One endpointer event of the client's audio."""
        if isinstance(event, SpeechSustained):
            if self._held:  # long enough to be talking, not a backchannel
                await self._interrupt()
            return
        lang = self.host.options().lang
        if self.speculator.observe(event, lang) or not isinstance(
            event, SpeechStarted | UtteranceEnded
        ):
            return  # pauses and resumptions only drive speculation; the kiosk hears nothing
        if isinstance(event, SpeechStarted):
            self._held = False
            if self.replying() and self._task_kind is not ReplyKind.CRISIS:
                if self.turn_taking is not None:
                    self._held = True  # the words or the length decide (the kiosk plays on)
                    return
                await self.barge_in()
            await self._hearing()
            return
        if self._held:
            self._held = False
            dropped, ahead = await self._backchannel(event, lang)
            if dropped:
                return
        else:
            ahead = self.speculator.take(event, lang)
        await self.channel.event(SpeechEndedEvent(turn=self.turn + 1, reason=event.reason.value))
        if event.reason is UtteranceEndReason.MAX_LENGTH:
            await self.channel.error(
                ProtocolError(ErrorCode.UTTERANCE_TOO_LONG, "utterance cut at the maximum length")
            )
        await self.client(audio=event.audio, ahead=ahead)

    async def _hearing(self) -> None:
        await self.channel.event(SpeechStartedEvent(turn=self.turn + 1))
        await self.channel.event(StateChanged(state=self.host.state, activity=Activity.HEARING))

    async def _interrupt(self) -> None:
        """Held speech turned out to be real talk: stop the reply and show we are hearing."""
        self._held = False
        await self.barge_in()
        await self._hearing()

    async def _backchannel(
        self, ended: UtteranceEnded, lang: str | None
    ) -> tuple[bool, Future[Heard] | None]:
        """A short utterance during a reply: (True, None) if it was only a "mm-hm" (dropped),
        else (False, its transcript) after stopping the reply."""
        heard = await transcript_of(self.speculator, self.pool, self.transcriber, ended, lang)
        assert self.turn_taking is not None
        still = self.replying()
        words = self.turn_taking.barge_in
        if heard is not None and still and not words.interrupts(heard.text, heard.lang):
            self.metrics.backchannels.inc()
            return True, None  # the reply goes on; nothing is stored (it carries no content)
        if still:
            await self._interrupt()
        else:
            await self._hearing()  # the reply ended meanwhile: an ordinary turn
        return False, done(heard) if heard is not None else None

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
        self._task_turn, self._task_kind = state.turn, kind

    def _task_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        self._spawn(self._report(task.exception()))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _report(self, exc: BaseException | None) -> None:
        """A turn failed: tell the kiosk with a code and listen again (never the text)."""
        code = error_code(exc)
        log.error("kiosk turn failed: %s (%s)", type(exc).__name__, getattr(exc, "code", ""))
        await self.channel.error(ProtocolError(code, "the turn could not be completed"))
        await self.channel.event(StateChanged(state=self.host.state, activity=self._idle()))

    def _idle(self) -> Activity:
        return Activity.LISTENING if self.host.state in LISTENING else Activity.WAITING

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
        turn = _ClientTurn(TurnState(turn=self.turn), conversation, typed=text is not None)
        intake = asyncio.create_task(self._take_in(turn, text, audio, ahead, self._intake))
        intake.add_done_callback(log_failure)
        self._intake = intake
        self._start(self._reply(turn, intake), turn.state, ReplyKind.REFLECTION)

    async def _take_in(
        self,
        turn: _ClientTurn,
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
            self._store_cut_reply(state)
            return None
        return opened

    async def _reply(self, turn: _ClientTurn, intake: asyncio.Task[OpenedReply | None]) -> None:
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
                    self._store_cut_reply(state)
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

    def _store_cut_reply(self, state: TurnState) -> None:
        """What was already said is stored even though the reply stopped."""
        spoken = " ".join(s.text for s in state.sentences[: state.spoken])
        heard = state.heard.text if state.heard else ""
        level = state.screening.level if state.screening else 0
        if heard and state.screening is not None and self.store.session is not None:
            self.store.reply_turn(state.turn, heard, spoken, level,
                                  meta=reply_meta(state, state.spoken))

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
        sentences = [
            ReplySentence(self.turn, i, s, reply_kind=ReplyKind.PROMPT)
            for i, s in enumerate(split_sentences(text))
        ]
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
