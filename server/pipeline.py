"""One turn of the kiosk conversation: STT -> engine (screen, reply stream) -> TTS per sentence.

The first sentence's audio is sent while later sentences are still being generated; cancelling
the task running `TurnPipeline.run` (barge-in) stops generation and synthesis at once. The
transcription, the engine and the first sentence's synthesis run at the pool's top priority;
later sentences, which have the first one's playback as slack, after every kiosk's first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Future
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from reflection.events import (
    CheckIn,
    CrisisEventType,
    CrisisTriggered,
    ReplyDone,
    ReplyKind,
    ReplySentence,
    Screened,
    crisis_level,
    grounding_of,
    resources_of,
    spoken_lines,
)
from reflection.flow import FlowState
from server.conversations import Replier
from server.kiosk_events import (
    Activity,
    CrisisEvent,
    ReplySentenceEvent,
    StateChanged,
    TranscriptEvent,
)
from server.protocol import AudioFrameHeader, pack_audio_frame, split_audio
from server.speech import Heard, Speaker, Transcriber, Voiced
from server.speech_cache import FixedPhrase, PhraseSpeaker
from server.turn_state import OpenedReply, Output, TurnHooks, TurnOptions, TurnState
from server.workers import ModelPool, Priority
from voice.tts import split_sentences

log = logging.getLogger(__name__)


class TurnPipeline:
    """Composes the stages for one kiosk; `run` handles one utterance or typed text."""

    def __init__(
        self,
        *,
        pool: ModelPool,
        transcriber: Transcriber,
        speaker: Speaker,
        replier: Replier,
        output: Output,
        hooks: TurnHooks,
    ) -> None:
        self.pool = pool
        self.transcriber = transcriber
        self.speaker = speaker
        self.replier = replier
        self.output = output
        self.hooks = hooks

    async def hear(
        self,
        state: TurnState,
        options: TurnOptions,
        audio: NDArray[np.float32],
        ahead: Future[Heard] | None = None,
    ) -> Heard:
        """Transcribe an utterance and send the transcript.

        `ahead` is a transcription of this very audio started during the client's pause
        (speculation); it is used as if it had been made now, or redone if it failed.
        """
        await self.output.event(StateChanged(state=options.state, activity=Activity.THINKING))
        heard = await _result(ahead) if ahead is not None else None
        if heard is None:
            heard = await self.pool.run(self.transcriber.transcribe, audio, options.lang)
        state.marks.stt_done = time.monotonic()
        await self._heard(state, heard)
        return heard

    async def typed(self, state: TurnState, options: TurnOptions, text: str) -> Heard:
        """Typed input counts as heard at once."""
        await self.output.event(StateChanged(state=options.state, activity=Activity.THINKING))
        heard = Heard(text=text, lang=options.lang or "", confidence=1.0)
        state.marks.stt_done = time.monotonic()
        await self._heard(state, heard)
        return heard

    async def _heard(self, state: TurnState, heard: Heard) -> None:
        state.heard = heard
        await self.output.event(
            TranscriptEvent(
                turn=state.turn, text=heard.text, lang=heard.lang,
                confidence=round(heard.confidence, 3),
            )
        )
        if heard.text:
            await self.hooks.heard(state.turn, heard)

    async def respond(self, state: TurnState, options: TurnOptions, heard: Heard) -> None:
        """Screen, then stream the reply, speaking each sentence as soon as it exists."""
        opened = await self.open(state, heard)
        await self.finish(state, options, heard, opened)

    async def open(self, state: TurnState, heard: Heard) -> OpenedReply:
        """Run the engine up to its first reply sentence: screening, and the crisis alert.

        This part is never cut short by a later turn: the caller runs it in its own task.
        """
        alternatives = heard.alternatives  # only passed when there are some (issue 15)
        parts = self.pool.iterate(lambda: self.replier.reply(
            heard.text, heard.lang or None, alternatives) if alternatives else
            self.replier.reply(heard.text, heard.lang or None))
        async for part in parts:
            if isinstance(part, Screened):
                state.screening = part
                await self.hooks.screened(state.turn, heard, part)
                continue
            repeated = isinstance(part, CrisisTriggered) and part.repeated
            if isinstance(part, CrisisTriggered | CheckIn) and not repeated:
                await self._crisis(state, part)  # a repeated crisis only speaks its follow-up
            return OpenedReply(parts, part)
        return OpenedReply(parts, None)

    async def finish(
        self, state: TurnState, options: TurnOptions, heard: Heard, opened: OpenedReply
    ) -> None:
        """Generate and speak the rest of an opened reply (cancellable: barge-in)."""
        queue: asyncio.Queue[ReplySentence | None] = asyncio.Queue()
        lang = heard.lang or options.lang or "en"
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._speak(state, options, lang, queue))
                try:
                    await self._generate(state, opened, queue)
                finally:
                    queue.put_nowait(None)
        finally:
            await opened.close()

    async def say(
        self, state: TurnState, options: TurnOptions, sentences: list[ReplySentence], lang: str
    ) -> None:
        """Speak fixed sentences (prompts): with nothing to generate, no model thread is needed
        once their audio is cached."""
        queue: asyncio.Queue[ReplySentence | None] = asyncio.Queue()
        for sentence in sentences:
            state.sentences.append(sentence)
            queue.put_nowait(sentence)
        queue.put_nowait(None)
        state.end = ReplyDone(state.turn, responder="prompt")
        await self._speak(state, options, lang, queue)

    async def _generate(
        self, state: TurnState, opened: OpenedReply, queue: asyncio.Queue[ReplySentence | None]
    ) -> None:
        async for part in opened:
            if isinstance(part, CrisisTriggered | CheckIn):
                kind = ReplyKind.CRISIS if isinstance(part, CrisisTriggered) else ReplyKind.CHECK_IN
                lines = [line for said in spoken_lines(part.response)
                         for line in split_sentences(said)]
                for index, line in enumerate(lines):
                    self._queue(state, queue, ReplySentence(state.turn, index, line,
                                                            reply_kind=kind))
            elif isinstance(part, ReplySentence):
                self._queue(state, queue, part)
            elif isinstance(part, ReplyDone):
                state.end = part

    @staticmethod
    def _queue(
        state: TurnState, queue: asyncio.Queue[ReplySentence | None], sentence: ReplySentence
    ) -> None:
        if state.marks.first_token is None:
            state.marks.first_token = time.monotonic()
        if sentence.reply_kind is ReplyKind.CRISIS and sentence.text in state.undelivered:
            sentence = replace(sentence, text=state.undelivered[sentence.text])
        state.sentences.append(sentence)
        queue.put_nowait(sentence)

    async def _crisis(self, state: TurnState, crisis: CrisisEventType) -> None:
        state.crisis = crisis
        delivered = await self.hooks.crisis(state.turn, crisis)
        state.alert_delivered = delivered
        message = crisis.response.message
        if isinstance(crisis, CrisisTriggered) and not delivered and crisis.undelivered:
            # The kiosk says "your therapist has been notified" only when a screen got it.
            state.undelivered = dict(crisis.undelivered)
            for old, new in crisis.undelivered:
                message = message.replace(old, new)
        if isinstance(crisis, CrisisTriggered):
            await self.output.event(
                CrisisEvent(
                    turn=state.turn, level=crisis_level(crisis, state.screening), message=message,
                    resources=resources_of(crisis.response),
                    grounding=grounding_of(crisis.response),
                    therapist_notified=delivered, alert_delivered=delivered,
                )
            )
            # The session is in crisis now, even if the reply is cut short (barge-in).
            await self.output.event(
                StateChanged(state=FlowState.CRISIS, activity=Activity.THINKING)
            )

    async def _speak(
        self,
        state: TurnState,
        options: TurnOptions,
        lang: str,
        queue: asyncio.Queue[ReplySentence | None],
    ) -> None:
        last: tuple[int, int] | None = None  # (index, sample rate) of the last voiced sentence
        while (sentence := await queue.get()) is not None:
            await self.output.event(
                ReplySentenceEvent(
                    turn=state.turn, index=sentence.index, text=sentence.text,
                    kind=sentence.reply_kind,
                )
            )
            if options.audio_out:
                # A client waits for the first sentence; the rest has its playback as slack.
                priority = Priority.NOW if state.spoken == 0 else Priority.LATER
                voiced = await self._voice(sentence, lang, options.tts_rate, priority)
                if state.spoken == 0:
                    await self.output.event(
                        StateChanged(state=_flow_state(state, options), activity=Activity.SPEAKING)
                    )
                for frame in split_audio(
                    voiced.pcm16, turn=state.turn, index=sentence.index,
                    sample_rate=voiced.sample_rate, last_sentence=False,
                ):
                    await self.output.audio(frame)
                    if state.marks.first_audio is None:
                        state.marks.first_audio = time.monotonic()
                state.audio_seconds += len(voiced.pcm16) / 2 / max(voiced.sample_rate, 1)
                last = (sentence.index, voiced.sample_rate)
            state.spoken += 1
        if last is not None:
            # An empty frame flagged end-of-reply lets players know nothing else is coming.
            header = AudioFrameHeader(
                turn=state.turn, index=last[0], seq=0xFFFF, sample_rate=last[1],
                end_of_sentence=True, end_of_reply=True,
            )
            await self.output.audio(pack_audio_frame(header, b""))


    async def _voice(
        self, sentence: ReplySentence, lang: str, rate: float, priority: Priority
    ) -> Voiced:
        speaker = self.speaker
        phrase = FixedPhrase.of(sentence)
        if phrase is None or not isinstance(speaker, PhraseSpeaker):
            return await self.pool.run_at(priority, speaker.speak, sentence.text, lang=lang,
                                          rate=rate)
        cached = speaker.recall(phrase, lang=lang, rate=rate)
        if cached is not None:
            return cached  # no queueing at all: e.g. the crisis message starts at once
        return await self.pool.run_at(priority, speaker.speak_fixed, phrase, lang=lang, rate=rate)


def _flow_state(state: TurnState, options: TurnOptions) -> FlowState:
    """A turn that opened the crisis screen speaks in crisis state."""
    urgent = isinstance(state.crisis, CrisisTriggered)
    return FlowState.CRISIS if urgent else options.state


async def _result(ahead: Future[Heard]) -> Heard | None:
    """The speculative transcript, or None when it failed (the turn transcribes afresh)."""
    try:
        return await asyncio.wrap_future(ahead)
    except asyncio.CancelledError:
        raise  # only the turn itself is cancelled: nobody cancels a guess once taken
    except Exception as exc:  # the guess's error is retried, never surfaced twice
        log.warning("speculative transcription failed (%s); transcribing again",
                    type(exc).__name__)
        return None
