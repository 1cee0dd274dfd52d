"""The kiosk session flow as a pure state machine (no I/O; the caller passes the time).

The server's kiosk session feeds it events (joined, consent, a client turn heard and
answered, crisis, call-in, review, feedback, end, staff clear, a dropped connection) and
performs what it decides; nothing else decides where a session goes next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from reflection.errors import FlowError


class FlowState(StrEnum):
    """Where a kiosk session is (the values are the kiosk protocol's `state`)."""

    IDLE = "idle"
    CODE = "code"
    CONSENT = "consent"
    OPENING = "opening"
    REFLECTING = "reflecting"
    FOCUS = "focus"
    REVIEW = "review"
    FEEDBACK = "feedback"
    CRISIS = "crisis"
    ENDED = "ended"


class ReviewAction(StrEnum):
    """What the client did with the draft summary."""

    APPROVE = "approve"
    EDIT = "edit"
    REMOVE = "remove"


class EndReason(StrEnum):
    """Why a session ended (the values are the kiosk protocol's `ended.reason`)."""

    COMPLETED = "completed"
    DECLINED = "declined"
    ERASED = "erased"
    TIMEOUT = "timeout"
    CALL_IN = "call_in"
    DISCONNECTED = "disconnected"
    SERVER = "server"
    STAFF_CLEARED = "staff_cleared"
    CLIENT_ENDED = "client_ended"
    CALLED_IN = "call_in"  # alias of CALL_IN
    INACTIVE = "timeout"  # alias of TIMEOUT


_BEFORE_CONSENT = frozenset({FlowState.IDLE, FlowState.CODE, FlowState.CONSENT})
TALKING = frozenset({FlowState.OPENING, FlowState.REFLECTING, FlowState.FOCUS})
# States in which the client may speak or type a turn.
LISTENING = frozenset({*TALKING, FlowState.CRISIS})


@dataclass
class SessionFlow:
    """idle -> code -> consent -> opening -> reflecting -> focus -> review -> feedback -> ended;
    any talking state -> crisis, which holds until staff clear it (no inactivity timeout)."""

    max_turns: int = 8
    max_minutes: float = 10.0
    state: FlowState = FlowState.IDLE
    turns: int = 0
    consented: bool = False
    started_at: float | None = None
    called_in: bool = False
    erased: bool = False
    review_action: ReviewAction | None = None
    rating: int | None = None
    end_reason: EndReason | None = None
    offline_since: float | None = None
    history: list[FlowState] = field(default_factory=list)

    @property
    def recording(self) -> bool:
        """True when this session's turns may be stored (consented and not erased)."""
        return self.consented and not self.erased

    @property
    def in_crisis(self) -> bool:
        """The crisis screen is showing."""
        return self.state is FlowState.CRISIS

    def begin(self) -> FlowState:
        """The client touched the screen: ask for the session code."""
        return self._move({FlowState.IDLE}, FlowState.CODE, "begin")

    def code_accepted(self) -> FlowState:
        """A valid code was entered: show consent."""
        return self._move({FlowState.CODE}, FlowState.CONSENT, "code_accepted")

    def joined(self) -> FlowState:
        """A kiosk redeemed a code (its keypad is the idle screen): show consent."""
        return self._move({FlowState.IDLE, FlowState.CODE}, FlowState.CONSENT, "joined")

    def consent(self, accepted: bool, *, now: float) -> FlowState:
        """Consent given (start the clock) or declined (nothing is recorded)."""
        self._require({FlowState.CONSENT}, "consent")
        if not accepted:
            return self._end(EndReason.DECLINED)
        self.consented = True
        self.started_at = now
        return self._set(FlowState.OPENING)

    def heard(self) -> bool:
        """A client turn with words was heard; True when it answers the focus question."""
        self._require(LISTENING, "heard")
        if self.state is FlowState.FOCUS:
            return True
        if self.state is not FlowState.CRISIS:
            self.turns += 1
            self._set(FlowState.REFLECTING)
        return False

    def replied(self, *, now: float, answered_focus: bool = False) -> FlowState:
        """The reply to a client turn was said: move on when the time box is full."""
        if self.state not in TALKING:
            return self.state  # crisis holds; a session ended meanwhile stays ended
        if answered_focus or self.called_in:
            return self._set(FlowState.REVIEW)  # call-in: the short path, no focus question
        if self.state is FlowState.REFLECTING and self.wrap_up_due(now=now):
            return self._set(FlowState.FOCUS)
        return self.state

    def client_turn(self, *, now: float) -> FlowState:
        """A client utterance was heard and answered."""
        self._require(TALKING, "client_turn")
        return self.replied(now=now, answered_focus=self.heard())

    def crisis(self) -> FlowState:
        """Screening found a crisis: the crisis screen opens and holds."""
        if self.state is FlowState.ENDED:
            return self.state
        return self._set(FlowState.CRISIS)

    def staff_clear(self) -> FlowState:
        """A staff member cleared the crisis screen (PIN at the kiosk, or the dashboard)."""
        self._require({FlowState.CRISIS}, "staff_clear")
        return self._end(EndReason.STAFF_CLEARED)

    def wrap_up_due(self, *, now: float) -> bool:
        """True when the turn or time limit is reached."""
        if self.started_at is None:
            return False
        elapsed_min = (now - self.started_at) / 60.0
        return self.turns >= self.max_turns or elapsed_min >= self.max_minutes

    def tick(self, *, now: float) -> FlowState:
        """Time passes: a reflecting session whose time is up moves to the focus question."""
        if self.state is FlowState.REFLECTING and self.wrap_up_due(now=now):
            return self._set(FlowState.FOCUS)
        return self.state

    def skip_focus(self) -> FlowState:
        """The client chose not to answer the focus question."""
        return self._move({FlowState.FOCUS}, FlowState.REVIEW, "skip_focus")

    def finish(self) -> FlowState:
        """The client pressed "I'm finished": wrap up from where they are."""
        if self.state in (FlowState.OPENING, FlowState.REFLECTING):
            return self._set(FlowState.FOCUS) if self.turns else self._end(EndReason.COMPLETED)
        if self.state is FlowState.FOCUS:
            return self._set(FlowState.REVIEW)
        if self.state is FlowState.CRISIS:
            raise FlowError("the crisis screen is cleared by staff", code="flow_crisis_holds")
        return self._end(EndReason.COMPLETED)

    def review(self, action: ReviewAction) -> FlowState:
        """Approve, edit (stay in review) or remove the draft summary; after a call-in, done."""
        self._require({FlowState.REVIEW}, "review")
        self.review_action = ReviewAction(action)
        if self.review_action is ReviewAction.EDIT:
            return self.state
        if self.called_in:
            return self._end(EndReason.CALL_IN)  # the therapist is waiting: no feedback step
        return self._set(FlowState.FEEDBACK)

    def feedback(self, rating: int | None) -> FlowState:
        """Rating 1-5, or None to skip; then the thank-you and a cleared screen."""
        self._require({FlowState.FEEDBACK}, "feedback")
        if rating is not None and not 1 <= rating <= 5:
            raise FlowError(f"rating must be 1-5, got {rating}", code="flow_invalid_rating")
        self.rating = rating
        return self._end(EndReason.CALLED_IN if self.called_in else EndReason.COMPLETED)

    def call_in(self, *, replying: bool = False) -> FlowState:
        """The therapist is ready: review the summary, then done (from wherever the client is).

        While a reply is being said (`replying`) the move waits for `replied`.
        """
        if self.state is FlowState.ENDED:
            return self.state
        self.called_in = True
        if self.state in _BEFORE_CONSENT or self.state in (FlowState.FEEDBACK, FlowState.CRISIS):
            return self._end(EndReason.CALLED_IN)  # in crisis the therapist takes over in person
        if self.state in TALKING:
            # Only a session with something said has a summary worth reviewing.
            if self.turns == 0:
                return self._end(EndReason.CALLED_IN)
            return self.state if replying else self._set(FlowState.REVIEW)
        return self.state  # already in review: the screen shows that the therapist is ready

    def inactive(self) -> FlowState:
        """Nobody used the kiosk for a while: end, except on the crisis screen, which holds."""
        if self.state in (FlowState.ENDED, FlowState.CRISIS):
            return self.state
        return self._end(EndReason.TIMEOUT)

    def disconnected(self, *, now: float) -> FlowState:
        """The kiosk's connection dropped: the session waits for it (see `resume`)."""
        if self.state is not FlowState.ENDED and self.offline_since is None:
            self.offline_since = now
        return self.state

    def resume(self, *, now: float, window_s: float) -> bool:
        """The kiosk reconnected: True (and online again) when within the resume window."""
        if self.state is FlowState.ENDED or self.offline_since is None:
            return False
        if now - self.offline_since > window_s and not self.in_crisis:
            self._end(EndReason.DISCONNECTED)  # (a crisis waits for staff, however long)
            return False
        self.offline_since = None
        return True

    def expire(self, *, now: float, window_s: float) -> FlowState:
        """Time passes while offline: after the window the session ends as disconnected."""
        if (self.offline_since is not None and now - self.offline_since > window_s
                and not self.in_crisis):
            return self._end(EndReason.DISCONNECTED)
        return self.state

    def end(self, *, inactive: bool = False) -> FlowState:
        """The client ended (or walked away); what was said and approved is kept."""
        if self.state is FlowState.ENDED:
            return self.state
        return self._end(EndReason.INACTIVE if inactive else EndReason.CLIENT_ENDED)

    def stop(self, reason: EndReason) -> FlowState:
        """End for a reason decided outside the flow (server shutdown, erase by the client)."""
        if reason is EndReason.ERASED:
            return self.erase()
        if self.state is FlowState.ENDED:
            return self.state
        return self._end(reason)

    def erase(self) -> FlowState:
        """The client ended and asked for everything to be erased."""
        self.erased = True
        if self.state is FlowState.ENDED:
            self.end_reason = EndReason.ERASED
            return self.state
        return self._end(EndReason.ERASED)

    def _require(self, allowed: set[FlowState] | frozenset[FlowState], action: str) -> None:
        if self.state not in allowed:
            raise FlowError(f"{action} is not allowed in state {self.state.value}")

    def _move(self, allowed: set[FlowState], target: FlowState, action: str) -> FlowState:
        self._require(allowed, action)
        return self._set(target)

    def _set(self, target: FlowState) -> FlowState:
        if target is not self.state:
            self.history.append(self.state)
            self.state = target
        return self.state

    def _end(self, reason: EndReason) -> FlowState:
        self.end_reason = reason
        self.offline_since = None
        return self._set(FlowState.ENDED)
