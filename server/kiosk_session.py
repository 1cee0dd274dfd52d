"""One kiosk's session: feeds the pure `reflection.flow.SessionFlow` and performs what it decides.

The flow decides where the session goes; this object does the I/O (storage through
`KioskStore`, speech through `Turns`, events through the `Relay`, which outlives a socket so
that a kiosk can resume within the window).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from reflection.errors import FlowError
from reflection.flow import LISTENING, EndReason, FlowState, SessionFlow
from server import messages as m
from server.audio_intake import AudioIntake, ProbabilityStream
from server.conversations import ClientConversation, ConversationFactory
from server.kiosk_closing import to_review
from server.kiosk_connection import CodeRejected
from server.kiosk_events import (
    Activity,
    CallIn,
    Ended,
    Joined,
    Resumed,
    SettingsEvent,
    StateChanged,
)
from server.kiosk_messages import dispatch
from server.kiosk_policy import KioskPolicy as KioskPolicy
from server.kiosk_policy import KioskPrefs as KioskPrefs
from server.kiosk_relay import Relay
from server.kiosk_store import KioskStore
from server.kiosk_turn_host import SessionTurnHost
from server.metrics import ServerMetrics
from server.protocol import ErrorCode, ProtocolError, check_audio_in
from server.speech import Speaker as SpeakerStage
from server.speech import Transcriber
from server.turn import Turns
from server.workers import ModelPool
from server.ws_common import Channel
from voice.endpointer import EndpointerConfig
from voice.turn_taking import TurnTaking

log = logging.getLogger(__name__)


class KioskSession:
    """Drives one kiosk after hello; `handle_*` are called by the socket's receive loop."""

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
        self.channel = Relay(channel)
        self.store = store
        self.pool = pool
        self.conversations = conversations
        self.policy = policy
        self.prefs = prefs
        self.intake = AudioIntake(
            pool, new_vad_stream, self._endpointer_config(), turns=turns, hint=self._hint
        )
        self.turns = Turns(
            channel=self.channel, store=store, pool=pool, transcriber=transcriber,
            speaker=speaker, metrics=metrics, host=SessionTurnHost(self), turn_taking=turns,
        )
        self.flow = self._new_flow()
        self.conversation: ClientConversation | None = None
        self.lang = "en"
        self.resume_token = ""
        self.last_activity = time.monotonic()
        self.review: dict[str, Any] | None = None
        self.redactions: list[dict[str, Any]] = []
        self.flagged: set[int] = set()
        self._audio_refused_in: FlowState | None = None

    @property
    def state(self) -> FlowState:
        """Where the flow is (ended sessions show the idle screen)."""
        return FlowState.IDLE if self.flow.state is FlowState.ENDED else self.flow.state

    def _new_flow(self) -> SessionFlow:
        return SessionFlow(max_turns=self.policy.max_turns,
                           max_minutes=self.policy.session_minutes)

    # ----- messages -------------------------------------------------------------------

    async def handle(self, message: Any) -> None:
        """Dispatch one validated client message (server.kiosk_messages)."""
        self.last_activity = time.monotonic()
        await dispatch(self, message)

    async def handle_audio(self, frame: bytes) -> None:
        """One binary frame of client audio."""
        check_audio_in(frame)
        if self.state not in LISTENING or self.store.session is None:
            if self._audio_refused_in is not self.state:
                self._audio_refused_in = self.state  # one error per state, not per frame
                raise ProtocolError(ErrorCode.FRAME_MALFORMED, "audio is not accepted now")
            return
        for event in await self.intake.feed(frame):
            await self.turns.endpoint(event)

    def require(self, states: frozenset[FlowState] | tuple[FlowState, ...], ref: str) -> None:
        if self.state not in states:
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED_NOW, f"not allowed in state {self.state}", ref=ref
            )

    async def apply_settings(self, message: m.KioskSettings) -> None:
        changes = {k: v for k, v in message.model_dump(exclude={"type"}).items() if v is not None}
        for key, value in changes.items():
            setattr(self.prefs, key, value)
        if "end_silence_ms" in changes:
            self.intake.reconfigure(self._endpointer_config())
        if changes.get("lang") in ("en", "es") and self.store.session is not None:
            self.store.language(changes["lang"])  # the replies follow the kiosk's choice
        await self.channel.event(
            SettingsEvent(
                lang=self.prefs.lang, tts_rate=self.prefs.tts_rate,
                end_silence_ms=self.prefs.end_silence_ms, audio_out=self.prefs.audio_out,
            )
        )

    def _hint(self) -> tuple[tuple[float, float], str, str] | None:
        """The latest speculative transcript, for the end-of-turn decision."""
        return self.turns.speculator.guessed()

    def _endpointer_config(self) -> EndpointerConfig:
        return replace(self.policy.endpointer, end_silence_ms=self.prefs.end_silence_ms)

    # ----- the flow's events ----------------------------------------------------------

    async def join(self, code: str) -> None:
        if self.store.session is not None:
            raise ProtocolError(ErrorCode.NOT_ALLOWED_NOW, "a session is running", ref="join")
        try:
            joined = await self.store.join(code)
        except CodeRejected as exc:
            if exc.expired:
                raise ProtocolError(ErrorCode.CODE_EXPIRED, "that code has expired",
                                    ref="join") from exc
            raise ProtocolError(
                ErrorCode.CODE_INVALID, "that code is unknown, used or expired", ref="join"
            ) from exc
        self.lang = self.prefs.lang if self.prefs.lang in ("en", "es") else joined.language
        self.store.language(self.lang)
        self.flow = self._new_flow()
        self.flow.joined()
        self.turns.turn = 0
        self.review, self.redactions, self.flagged = None, [], set()
        self.resume_token = secrets.token_urlsafe(24)
        version, text = self.conversations.consent(
            self.lang, live_transcript=self.policy.live_transcript
        )
        await self.channel.event(
            Joined(
                session_id=str(joined.id), lang=self.lang, consent_version=version,
                consent_text=text, live_transcript=self.policy.live_transcript,
                max_turns=self.policy.max_turns, session_minutes=self.policy.session_minutes,
                resume_token=self.resume_token,
            )
        )
        await self.show(Activity.WAITING)
        await self.turns.say(text)

    async def consent(self, message: m.Consent) -> None:
        self.require((FlowState.CONSENT,), message.type)
        await self.turns.cancel()
        await self.store.consent(message.consent_version, message.accepted)
        if self.flow.consent(message.accepted, now=time.monotonic()) is FlowState.ENDED:
            await self.end(EndReason.DECLINED)
            return
        self.conversation = await self.pool.run(self.conversations.new, self.lang)
        self.channel.forget()  # a resumed screen shows the conversation, not the consent
        self.intake.reset()
        await self.show(Activity.LISTENING)
        await self.turns.say(await self.pool.run(self.conversation.ask, "opening"))

    async def client_end(self) -> None:
        await self.turns.cancel()  # first: a finishing turn may still move the flow on
        await self.turns.settle()  # and a turn being screened may open the crisis screen
        before = self.flow.state
        try:
            await self.perform(self.flow.finish(), EndReason.COMPLETED, before=before)
        except FlowError as exc:
            raise ProtocolError(ErrorCode.NOT_ALLOWED_NOW, str(exc), ref="end") from exc

    async def staff_clear(self, pin: str) -> None:
        self.require((FlowState.CRISIS,), "staff_clear")
        if not await self.store.staff_pin_ok(pin):
            raise ProtocolError(ErrorCode.PIN_INVALID, "that staff PIN is not right")
        await self.clear_crisis()

    async def clear_crisis(self) -> bool:
        """Staff cleared the crisis screen (at the kiosk or from the dashboard)."""
        if self.flow.state is not FlowState.CRISIS:
            return False
        await self.turns.cancel()
        self.flow.staff_clear()
        await self.end(EndReason.STAFF_CLEARED)
        return True

    async def call_in(self) -> None:
        """The therapist is ready: review the summary, then done."""
        if self.store.session is None:
            return
        await self.channel.event(CallIn(message=self.conversations.prompt(self.lang, "call_in")))
        before = self.flow.state
        after = self.flow.call_in(replying=self.turns.busy)
        await self.perform(after, EndReason.CALL_IN, before=before)

    async def end(self, reason: EndReason) -> None:
        """End the session (or just clear the kiosk) and go back to idle."""
        await self.turns.cancel()
        await self.turns.settle()  # a turn still being screened raises its alert first
        await self.store.end(reason)
        self.flow.stop(reason)
        self.conversation = None
        self.review = None
        self.resume_token = ""
        self.channel.forget()
        self.intake.reset()
        if self.channel.open:
            await self.channel.event(Ended(reason=reason))
            await self.channel.event(StateChanged(state=FlowState.IDLE, activity=Activity.WAITING))

    async def check_inactivity(self) -> None:
        """Called periodically: an abandoned session times out (never the crisis screen)."""
        idle = time.monotonic() - self.last_activity
        if self.store.session is None or self.turns.busy or idle <= self.policy.inactivity_s:
            return
        if self.flow.inactive() is FlowState.ENDED:
            await self.end(EndReason.TIMEOUT)

    # ----- a dropped connection -------------------------------------------------------

    def detach(self) -> None:
        """The kiosk's socket closed: keep the session for the resume window."""
        self.channel.attach(None)
        self.flow.disconnected(now=time.monotonic())
        self.intake.reset()

    async def resume(self, channel: Channel) -> bool:
        """A kiosk came back with this session's token: continue where it was."""
        if not self.flow.resume(now=time.monotonic(), window_s=self.policy.resume_window_s):
            return False
        self.channel.attach(channel)
        self.last_activity = time.monotonic()
        await self.channel.event(
            Resumed(state=self.state, lang=self.lang, transcript=tuple(self.channel.transcript),
                    crisis=self.channel.crisis)
        )
        activity = Activity.LISTENING if self.state in LISTENING else Activity.WAITING
        await self.show(activity)
        return True

    async def perform(self, after: FlowState, reason: EndReason, *, before: FlowState) -> None:
        """Do what the flow decided: the focus question, the review, or the end."""
        if after is before:
            return
        if after is FlowState.ENDED:
            await self.end(self.flow.end_reason or reason)
        elif after is FlowState.FOCUS:
            await self.show(Activity.LISTENING)
            assert self.conversation is not None
            await self.turns.say(await self.pool.run(self.conversation.ask, "focus"))
        elif after is FlowState.REVIEW:
            await self.turns.cancel()
            await to_review(self)

    async def show(self, activity: Activity) -> None:
        await self.channel.event(StateChanged(state=self.state, activity=activity))
