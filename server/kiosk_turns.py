"""The turn-taking half of a kiosk session: running replies, prompts, barge-in, cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from server.backchannel import done, transcript_of
from server.errors import ServerBusyError
from server.events import (
    Activity,
    AudioStop,
    FlowState,
    ReplyDone,
    ReplyKind,
    SpeechEndedEvent,
    SpeechStartedEvent,
    StateChanged,
)
from server.kiosk_store import KioskStore
from server.metrics import ServerMetrics
from server.pipeline import TurnOptions, TurnPipeline, TurnState
from server.protocol import ErrorCode, ProtocolError
from server.speculation import Speculator
from server.stages import (
    Conversation,
    Crisis,
    Heard,
    Replier,
    ReplyEnd,
    ReplyPart,
    Screening,
    Sentence,
    Speaker,
    Transcriber,
)
from server.workers import ModelPool
from server.ws_common import Channel
from voice.endpointer import (
    EndpointEvent,
    EndReason,
    SpeechStarted,
    SpeechSustained,
    UtteranceEnded,
)
from voice.tts import split_sentences
from voice.turn_taking import TurnTaking

log = logging.getLogger(__name__)
LISTENING = (FlowState.OPENING, FlowState.REFLECTING, FlowState.FOCUS, FlowState.CRISIS)


@dataclass
class KioskPrefs:
    """The client's accessibility choices."""

    lang: str = "auto"
    tts_rate: float = 1.0
    end_silence_ms: int = 700
    audio_out: bool = True


class KioskTurns:
    """Runs one reply at a time; a new utterance or barge-in cancels the reply in progress."""

    channel: Channel
    store: KioskStore
    pool: ModelPool
    transcriber: Transcriber
    speaker: Speaker
    metrics: ServerMetrics
    prefs: KioskPrefs
    conversation: Conversation | None
    state: FlowState
    lang: str
    client_turns: int
    # None: any speech during a reply stops it at once (no backchannel check).
    turn_taking: TurnTaking | None = None

    def _init_turns(self) -> None:
        self.turn = 0
        self._task: asyncio.Task[None] | None = None
        self._task_state = TurnState(turn=-1)
        self._task_turn = -1
        self._task_kind = ReplyKind.REFLECTION
        # While a finished reply is being stored it must not be cancelled, only awaited.
        self._cancellable = True
        self._playback_until = 0.0
        self._reports: set[asyncio.Task[None]] = set()
        # Speech heard during a reply that has not (yet) stopped it: it may be a "mm-hm".
        self._held = False
        self.speculator = Speculator(
            self.pool, self.transcriber, on_outcome=self.metrics.speculation
        )

    async def _set_state(self, state: FlowState, activity: Activity) -> None:
        self.state = state
        await self.channel.event(StateChanged(state=state, activity=activity))

    async def _after_turn(self, state: TurnState, heard: Heard, was_focus: bool) -> None:
        raise NotImplementedError

    # ----- speech events ----------------------------------------------------------------

    def _hint(self) -> tuple[tuple[float, float], str, str] | None:
        """The latest speculative transcript, for the end-of-turn decision."""
        return self.speculator.guessed()

    async def _endpoint(self, event: EndpointEvent) -> None:
        if isinstance(event, SpeechSustained):
            if self._held:  # long enough to be talking, not a backchannel
                await self._interrupt()
            return
        if self.speculator.observe(event, self._options().lang) or not isinstance(
            event, SpeechStarted | UtteranceEnded
        ):
            return  # pauses and resumptions only drive speculation; the kiosk hears nothing
        if isinstance(event, SpeechStarted):
            self._held = False
            if self._replying() and self._task_kind is not ReplyKind.CRISIS:
                if self.turn_taking is not None:
                    self._held = True  # the words or the length decide (the kiosk plays on)
                    return
                await self.barge_in()
            await self._hearing()
            return
        if self._held:
            self._held = False
            dropped, ahead = await self._backchannel(event)
            if dropped:
                return
        else:
            ahead = self.speculator.take(event, self._options().lang)
        await self.channel.event(SpeechEndedEvent(turn=self.turn + 1, reason=event.reason.value))
        if event.reason is EndReason.MAX_LENGTH:
            await self.channel.error(
                ProtocolError(ErrorCode.UTTERANCE_TOO_LONG, "utterance cut at the maximum length")
            )
        await self._client_input(audio=event.audio, ahead=ahead)

    async def _hearing(self) -> None:
        await self.channel.event(SpeechStartedEvent(turn=self.turn + 1))
        await self.channel.event(StateChanged(state=self.state, activity=Activity.HEARING))

    async def _interrupt(self) -> None:
        """Held speech turned out to be real talk: stop the reply and show we are hearing."""
        self._held = False
        await self.barge_in()
        await self._hearing()

    async def _backchannel(self, ended: UtteranceEnded) -> tuple[bool, Future[Heard] | None]:
        """A short utterance during a reply: (True, None) if it was only a "mm-hm" (dropped),
        else (False, its transcript) after stopping the reply."""
        lang = self._options().lang
        heard = await transcript_of(self.speculator, self.pool, self.transcriber, ended, lang)
        assert self.turn_taking is not None
        still = self._replying()
        words = self.turn_taking.barge_in
        if heard is not None and still and not words.interrupts(heard.text, heard.lang):
            self.metrics.backchannels.inc()
            return True, None  # the reply goes on; nothing is stored (it carries no content)
        if still:
            await self._interrupt()
        else:
            await self._hearing()  # the reply ended meanwhile: an ordinary turn
        return False, done(heard) if heard is not None else None

    def _replying(self) -> bool:
        running = self._task is not None and not self._task.done() and self._cancellable
        return running or time.monotonic() < self._playback_until

    async def barge_in(self) -> None:
        """Stop the current reply now."""
        if not self._replying():
            return
        self.metrics.barge_ins.inc()
        playing = time.monotonic() < self._playback_until
        self._playback_until = 0.0
        if not await self._cancel_task() and playing:
            await self.channel.event(AudioStop(turn=self._task_turn))

    async def _cancel_task(self) -> bool:
        """Stop the reply in progress; tells the kiosk (audio_stop, reply_done) if it was."""
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
        await self.channel.event(ReplyDone(turn=state.turn, sentences=state.spoken, cancelled=True))
        return True

    def _start(self, coro: Coroutine[Any, Any, None], state: TurnState, kind: ReplyKind) -> None:
        self._task = asyncio.create_task(coro)
        self._task.add_done_callback(self._task_done)
        self._task_state = state
        self._task_turn, self._task_kind = state.turn, kind

    def _task_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        report = asyncio.get_running_loop().create_task(self._report(task.exception()))
        self._reports.add(report)
        report.add_done_callback(self._reports.discard)

    async def _report(self, exc: BaseException | None) -> None:
        """A turn failed: tell the kiosk with a code and listen again (never the text)."""
        code = _error_code(exc)
        log.error("kiosk turn failed: %s (%s)", type(exc).__name__, getattr(exc, "code", ""))
        await self.channel.error(ProtocolError(code, "the turn could not be completed"))
        activity = Activity.LISTENING if self.state in LISTENING else Activity.WAITING
        await self.channel.event(StateChanged(state=self.state, activity=activity))

    # ----- client turns -----------------------------------------------------------------

    async def _client_input(
        self,
        *,
        text: str | None = None,
        audio: NDArray[np.float32] | None = None,
        ahead: Future[Heard] | None = None,
    ) -> None:
        if self.conversation is None:
            raise ProtocolError(ErrorCode.NOT_ALLOWED_NOW, "no conversation yet")
        await self._cancel_task()
        self.turn += 1
        state = TurnState(turn=self.turn)
        self._start(self._client_turn(state, text, audio, ahead), state, ReplyKind.REFLECTION)

    def _pipeline(self, replier: Replier, state: TurnState) -> TurnPipeline:
        return TurnPipeline(
            pool=self.pool,
            transcriber=self.transcriber,
            speaker=self.speaker,
            replier=replier,
            output=self.channel,
            hooks=_Hooks(self, state),
        )

    def _options(self) -> TurnOptions:
        # "auto" means the session's language (chosen when the session was created): the
        # English-only model is several times faster than detecting with the multilingual one.
        lang = self.prefs.lang if self.prefs.lang in ("en", "es") else self.lang
        return TurnOptions(
            lang=lang,
            audio_out=self.prefs.audio_out,
            tts_rate=self.prefs.tts_rate,
            state=self.state,
        )

    async def _client_turn(
        self,
        state: TurnState,
        text: str | None,
        audio: NDArray[np.float32] | None,
        ahead: Future[Heard] | None = None,
    ) -> None:
        assert self.conversation is not None
        turn = state.turn
        pipeline = self._pipeline(self.conversation, state)
        try:
            if text is not None:
                heard = await pipeline.typed(state, self._options(), text)
            else:
                assert audio is not None
                heard = await pipeline.hear(state, self._options(), audio, ahead)
            if not heard.text:
                await self.channel.event(
                    StateChanged(state=self.state, activity=Activity.LISTENING)
                )
                return
            if heard.lang in ("en", "es"):
                self.lang = heard.lang
            self.client_turns += 1
            was_focus = self.state is FlowState.FOCUS
            if self.state is FlowState.OPENING:
                self.state = FlowState.REFLECTING
            await pipeline.respond(state, self._options(), heard)
        except asyncio.CancelledError:
            await self._after_cancel(state)
            raise
        self._cancellable = False
        try:
            self._playback_until = time.monotonic() + state.audio_seconds
            await self.channel.event(ReplyDone(turn=turn, sentences=len(state.sentences)))
            self.metrics.observe_turn(state.marks)
            self.metrics.turns.labels(input="text" if text is not None else "voice").inc()
            await self._after_turn(state, heard, was_focus)
        finally:
            self._cancellable = True

    async def _after_cancel(self, state: TurnState) -> None:
        # What was already said is stored even though the reply stopped; shielded so a second
        # cancellation cannot lose it.
        spoken = " ".join(s.text for s in state.sentences[: state.spoken])
        heard = state.heard.text if state.heard else ""
        level = state.screening.level if state.screening else 0
        if heard and state.screening is not None and self.store.session is not None:
            await asyncio.shield(self.store.reply_turn(state.turn, heard, spoken, level))

    # ----- fixed prompts ----------------------------------------------------------------

    async def _say(self, text: str, *, wait: bool = False) -> None:
        """Speak a fixed prompt as its own turn (cancellable like any reply)."""
        await self._cancel_task()
        self.turn += 1
        sentences = [
            Sentence(index=i, text=s, kind=ReplyKind.PROMPT)
            for i, s in enumerate(split_sentences(text))
        ]
        state = TurnState(turn=self.turn)
        self._start(self._speak_prompt(state, sentences), state, ReplyKind.PROMPT)
        if wait and self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _speak_prompt(self, state: TurnState, sentences: list[Sentence]) -> None:
        turn = state.turn
        pipeline = self._pipeline(_Fixed(sentences), state)
        await pipeline.say(state, self._options(), sentences, self.lang)
        self._playback_until = time.monotonic() + state.audio_seconds
        await self.channel.event(ReplyDone(turn=turn, sentences=len(sentences)))
        activity = Activity.LISTENING if self.state in LISTENING else Activity.WAITING
        await self.channel.event(StateChanged(state=self.state, activity=activity))


def _error_code(exc: BaseException | None) -> ErrorCode:
    code = str(getattr(exc, "code", ""))
    if isinstance(exc, ServerBusyError):
        return ErrorCode.SERVER_BUSY
    if code.startswith("stt") or code in ("audio_format", "audio_too_long"):
        return ErrorCode.STT_FAILED
    if code.startswith("tts"):
        return ErrorCode.TTS_FAILED
    return ErrorCode.INTERNAL


class _Fixed:
    """A replier that just says fixed sentences (prompts are not client text)."""

    def __init__(self, sentences: list[Sentence]) -> None:
        self.sentences = sentences

    def reply(self, text: str, lang: str | None) -> Iterator[ReplyPart]:
        yield from self.sentences
        yield ReplyEnd(responder="prompt")


class _Hooks:
    """TurnHooks for a kiosk session: storage and therapist alerts."""

    def __init__(self, turns: KioskTurns, state: TurnState) -> None:
        self.turns = turns
        self.state = state

    async def heard(self, turn: int, heard: Heard) -> None:
        pass  # stored with its risk level once screened

    async def screened(self, turn: int, heard: Heard, screening: Screening) -> None:
        await self.turns.store.client_turn(heard, screening)

    async def crisis(self, turn: int, crisis: Crisis) -> bool:
        if crisis.urgent:
            self.turns.metrics.crises.inc()
            self.turns._task_kind = ReplyKind.CRISIS
        return await self.turns.store.alert(crisis, heard_at=self.state.marks.end_of_speech)
