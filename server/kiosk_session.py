"""One kiosk connection's conversation: the session flow, turns, barge-in, review, feedback."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from server import messages as m
from server.audio_intake import AudioIntake, ProbabilityStream
from server.events import (
    Activity,
    CallIn,
    Ended,
    EndReason,
    FlowState,
    Joined,
    Pong,
    SettingsEvent,
    StateChanged,
    SummaryEvent,
)
from server.kiosk_store import CodeRejected, KioskStore
from server.kiosk_turns import LISTENING, KioskPrefs, KioskTurns
from server.metrics import ServerMetrics
from server.pipeline import TurnState
from server.protocol import ErrorCode, ProtocolError, check_audio_in
from server.review import apply_review, client_view
from server.stages import (
    Conversation,
    ConversationFactory,
    Heard,
    Transcriber,
)
from server.stages import Speaker as SpeakerStage
from server.workers import ModelPool
from server.ws_common import Channel
from voice.endpointer import EndpointerConfig
from voice.turn_taking import TurnTaking

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KioskPolicy:
    """Session limits from settings."""

    max_turns: int
    session_minutes: float
    live_transcript: bool
    endpointer: EndpointerConfig
    inactivity_s: float = 180.0


class KioskSession(KioskTurns):
    """Drives one kiosk socket after hello; `handle_*` are called by the receive loop."""

    def __init__(
        self,
        *,
        channel: Channel,
        store: KioskStore,
        pool: ModelPool,
        transcriber: Transcriber,
        speaker: SpeakerStage,
        new_vad_stream: Callable[[], ProbabilityStream],
        conversations: ConversationFactory,
        metrics: ServerMetrics,
        policy: KioskPolicy,
        prefs: KioskPrefs,
        turns: TurnTaking | None = None,
    ) -> None:
        self.channel = channel
        self.store = store
        self.pool = pool
        self.transcriber = transcriber
        self.speaker = speaker
        self.conversations = conversations
        self.metrics = metrics
        self.policy = policy
        self.prefs = prefs
        self.turn_taking = turns
        self.intake = AudioIntake(
            pool, new_vad_stream, self._endpointer_config(), turns=turns, hint=self._hint
        )
        self.state = FlowState.IDLE
        self._init_turns()
        self.client_turns = 0
        self.conversation: Conversation | None = None
        self.lang = "en"
        self.started = 0.0
        self.last_activity = time.monotonic()
        self.review: dict[str, Any] | None = None
        self.redactions: list[dict[str, Any]] = []
        self.flagged: set[int] = set()
        self.call_in_pending = False
        self._audio_refused_in: FlowState | None = None

    # ----- messages -------------------------------------------------------------------

    async def handle(self, message: Any) -> None:
        """Dispatch one validated client message."""
        self.last_activity = time.monotonic()
        if isinstance(message, m.KioskSettings):
            await self._settings(message)
        elif isinstance(message, m.KioskPing):
            await self.channel.event(Pong(nonce=message.nonce))
        elif isinstance(message, m.Join):
            await self._join(message.code)
        elif self.store.session is None:
            raise ProtocolError(ErrorCode.NO_SESSION, "join a session first", ref=message.type)
        elif isinstance(message, m.Consent):
            await self._consent(message)
        elif isinstance(message, m.Text):
            self._require(LISTENING, message.type)
            await self._client_input(text=message.text)
        elif isinstance(message, m.EndOfTurn):
            for event in self.intake.flush():
                await self._endpoint(event)
        elif isinstance(message, m.BargeIn):
            await self.barge_in()
        elif isinstance(message, m.Played):
            if message.turn == self._task_turn:
                self._playback_until = 0.0
        elif isinstance(message, m.Review):
            await self._review(message)
        elif isinstance(message, m.Feedback):
            await self._feedback(message)
        elif isinstance(message, m.FlagReply):
            self.flagged.add(message.turn)
        elif isinstance(message, m.End):
            await self._client_end()
        elif isinstance(message, m.Erase):
            await self.end(EndReason.ERASED)
        else:
            raise ProtocolError(ErrorCode.NOT_ALLOWED_NOW, "hello was already received")

    async def handle_audio(self, frame: bytes) -> None:
        """One binary frame of client audio."""
        check_audio_in(frame)
        if self.state not in LISTENING or self.store.session is None:
            if self._audio_refused_in is not self.state:
                self._audio_refused_in = self.state  # one error per state, not per frame
                raise ProtocolError(ErrorCode.FRAME_MALFORMED, "audio is not accepted now")
            return
        for event in await self.intake.feed(frame):
            await self._endpoint(event)

    def _require(self, states: tuple[FlowState, ...], ref: str) -> None:
        if self.state not in states:
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED_NOW, f"not allowed in state {self.state}", ref=ref
            )

    # ----- flow -----------------------------------------------------------------------

    async def _settings(self, message: m.KioskSettings) -> None:
        changes = {k: v for k, v in message.model_dump(exclude={"type"}).items() if v is not None}
        for key, value in changes.items():
            setattr(self.prefs, key, value)
        if "end_silence_ms" in changes:
            self.intake.reconfigure(self._endpointer_config())
        await self.channel.event(
            SettingsEvent(
                lang=self.prefs.lang,
                tts_rate=self.prefs.tts_rate,
                end_silence_ms=self.prefs.end_silence_ms,
                audio_out=self.prefs.audio_out,
            )
        )

    def _endpointer_config(self) -> EndpointerConfig:
        return replace(self.policy.endpointer, end_silence_ms=self.prefs.end_silence_ms)

    async def _join(self, code: str) -> None:
        if self.store.session is not None:
            raise ProtocolError(ErrorCode.NOT_ALLOWED_NOW, "a session is running", ref="join")
        try:
            joined = await self.store.join(code)
        except CodeRejected as exc:
            raise ProtocolError(
                ErrorCode.CODE_INVALID, "that code is unknown, used or expired", ref="join"
            ) from exc
        self.lang = self.prefs.lang if self.prefs.lang in ("en", "es") else joined.language
        self.turn = self.client_turns = 0
        self.review, self.redactions, self.flagged = None, [], set()
        self.call_in_pending = False
        version, text = self.conversations.consent(
            self.lang, live_transcript=self.policy.live_transcript
        )
        await self.channel.event(
            Joined(
                session_id=str(joined.id),
                lang=self.lang,
                consent_version=version,
                consent_text=text,
                live_transcript=self.policy.live_transcript,
                max_turns=self.policy.max_turns,
                session_minutes=self.policy.session_minutes,
            )
        )
        await self._set_state(FlowState.CONSENT, Activity.WAITING)
        await self._say(text)

    async def _consent(self, message: m.Consent) -> None:
        self._require((FlowState.CONSENT,), message.type)
        await self._cancel_task()
        await self.store.consent(message.consent_version, message.accepted)
        if not message.accepted:
            await self.end(EndReason.DECLINED)
            return
        self.conversation = await self.pool.run(self.conversations.new, self.lang)
        self.started = time.monotonic()
        self.intake.reset()
        await self._set_state(FlowState.OPENING, Activity.LISTENING)
        await self._say(await self.pool.run(self.conversation.ask, "opening"))

    async def _client_end(self) -> None:
        await self._cancel_task()  # first: a finishing turn may still move the flow on
        if self.state in (FlowState.CONSENT, FlowState.IDLE):
            await self.end(EndReason.COMPLETED)
        elif self.state in (FlowState.OPENING, FlowState.REFLECTING):
            await self._cancel_task()
            if self.client_turns:
                await self._to_focus()
            else:
                await self.end(EndReason.COMPLETED)
        elif self.state is FlowState.FOCUS:
            await self._cancel_task()
            await self._to_review()
        else:
            await self.end(EndReason.COMPLETED)

    async def call_in(self) -> None:
        """The therapist is ready: wrap up gracefully."""
        if self.store.session is None:
            return
        await self.channel.event(CallIn(message=self.conversations.prompt(self.lang, "call_in")))
        if self.state in (FlowState.OPENING, FlowState.REFLECTING):
            if self._task is not None and not self._task.done():
                self.call_in_pending = True  # after the current reply
            else:
                await self._to_focus()
        elif self.state in (FlowState.CONSENT, FlowState.CRISIS):
            await self.end(EndReason.CALL_IN)

    async def _to_focus(self) -> None:
        self.call_in_pending = False
        await self._set_state(FlowState.FOCUS, Activity.LISTENING)
        assert self.conversation is not None
        await self._say(await self.pool.run(self.conversation.ask, "focus"))

    async def _to_review(self) -> None:
        if self.conversation is None:
            await self.end(EndReason.COMPLETED)
            return
        summary = await self.pool.run(self.conversation.summary)
        self.review = summary
        await self.store.summary(summary, approved=False, redactions=[])
        await self._set_state(FlowState.REVIEW, Activity.WAITING)
        await self.channel.event(SummaryEvent(summary=client_view(summary), draft=True))

    async def _review(self, message: m.Review) -> None:
        self._require((FlowState.REVIEW,), message.type)
        assert self.review is not None
        if message.action == "approve":
            await self.store.summary(self.review, approved=True, redactions=self.redactions)
            await self._set_state(FlowState.FEEDBACK, Activity.WAITING)
            return
        self.review, redaction = apply_review(self.review, message)
        self.redactions.append(redaction)
        await self.channel.event(SummaryEvent(summary=client_view(self.review), draft=True))

    async def _feedback(self, message: m.Feedback) -> None:
        self._require((FlowState.FEEDBACK,), message.type)
        flagged = sorted(self.flagged | set(message.flagged_turns))
        await self.store.feedback(message.rating, message.comment, flagged)
        await self._say(self.conversations.prompt(self.lang, "goodbye"), wait=True)
        await self.end(EndReason.COMPLETED)

    async def end(self, reason: EndReason) -> None:
        """End the session (or just clear the kiosk) and go back to idle."""
        await self._cancel_task()
        await self.store.end(reason)
        self.conversation = None
        self.review = None
        self.intake.reset()
        if self.channel.open:
            await self.channel.event(Ended(reason=reason))
            await self._set_state(FlowState.IDLE, Activity.WAITING)
        else:
            self.state = FlowState.IDLE

    async def check_inactivity(self) -> None:
        """Called periodically: an abandoned session times out."""
        idle = time.monotonic() - self.last_activity
        busy = self._task is not None and not self._task.done()
        if self.store.session is not None and not busy and idle > self.policy.inactivity_s:
            await self.end(EndReason.TIMEOUT)

    async def _after_turn(self, state: TurnState, heard: Heard, was_focus: bool) -> None:
        level = state.screening.level if state.screening else 0
        await self.store.reply_turn(state.turn, heard.text, state.reply_text, level)
        assert self.conversation is not None
        summary = await self.pool.run(self.conversation.summary)
        await self.store.summary(summary, approved=False, redactions=[])
        if state.crisis is not None and state.crisis.urgent:
            await self._set_state(FlowState.CRISIS, Activity.LISTENING)
        elif was_focus:
            await self._to_review()
        elif self.call_in_pending or self._time_is_up():
            await self._to_focus()
        else:
            await self.channel.event(StateChanged(state=self.state, activity=Activity.LISTENING))

    def _time_is_up(self) -> bool:
        elapsed_min = (time.monotonic() - self.started) / 60.0
        return (
            self.client_turns >= self.policy.max_turns or elapsed_min >= self.policy.session_minutes
        )
