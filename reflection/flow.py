"""The kiosk session flow as a pure state machine (no I/O; the caller passes the time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from reflection.errors import FlowError


class FlowState(StrEnum):
    """Where a kiosk session is."""

    IDLE = "idle"
    CODE = "code"
    CONSENT = "consent"
    OPENING = "opening"
    REFLECTING = "reflecting"
    FOCUS = "focus"
    REVIEW = "review"
    FEEDBACK = "feedback"
    ENDED = "ended"


class ReviewAction(StrEnum):
    """What the client did with the draft summary."""

    APPROVE = "approve"
    EDIT = "edit"
    REMOVE = "remove"


class EndReason(StrEnum):
    """Why a session ended."""

    DECLINED = "declined"
    COMPLETED = "completed"
    CALLED_IN = "called_in"
    CLIENT_ENDED = "client_ended"
    ERASED = "erased"
    INACTIVE = "inactive"


_BEFORE_CONSENT = frozenset({FlowState.IDLE, FlowState.CODE, FlowState.CONSENT})


@dataclass
class SessionFlow:
    """idle -> code -> consent -> opening -> reflecting -> focus -> review -> feedback -> ended."""

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
    history: list[FlowState] = field(default_factory=list)

    @property
    def recording(self) -> bool:
        """True when this session's turns may be stored (consented and not erased)."""
        return self.consented and not self.erased

    def begin(self) -> FlowState:
        """The client touched the screen: ask for the session code."""
        return self._move({FlowState.IDLE}, FlowState.CODE, "begin")

    def code_accepted(self) -> FlowState:
        """A valid code was entered: show consent."""
        return self._move({FlowState.CODE}, FlowState.CONSENT, "code_accepted")

    def consent(self, accepted: bool, *, now: float) -> FlowState:
        """Consent given (start the clock) or declined (nothing is recorded)."""
        self._require({FlowState.CONSENT}, "consent")
        if not accepted:
            return self._end(EndReason.DECLINED)
        self.consented = True
        self.started_at = now
        return self._set(FlowState.OPENING)

    def client_turn(self, *, now: float) -> FlowState:
        """A client utterance was handled; move on when the time box is full."""
        self._require({FlowState.OPENING, FlowState.REFLECTING, FlowState.FOCUS}, "client_turn")
        if self.state is FlowState.FOCUS:
            return self._set(FlowState.REVIEW)  # that turn answered the focus question
        self.turns += 1
        self._set(FlowState.REFLECTING)
        if self.wrap_up_due(now=now):
            return self._set(FlowState.FOCUS)
        return self.state

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

    def review(self, action: ReviewAction) -> FlowState:
        """Approve, edit (stay in review) or remove the draft summary."""
        self._require({FlowState.REVIEW}, "review")
        self.review_action = ReviewAction(action)
        if self.review_action is ReviewAction.EDIT:
            return self.state
        return self._set(FlowState.FEEDBACK)

    def feedback(self, rating: int | None) -> FlowState:
        """Rating 1-5, or None to skip; then the thank-you and a cleared screen."""
        self._require({FlowState.FEEDBACK}, "feedback")
        if rating is not None and not 1 <= rating <= 5:
            raise FlowError(f"rating must be 1-5, got {rating}", code="flow_invalid_rating")
        self.rating = rating
        return self._end(EndReason.CALLED_IN if self.called_in else EndReason.COMPLETED)

    def call_in(self) -> FlowState:
        """The therapist is ready: wrap up gracefully from wherever the client is."""
        if self.state is FlowState.ENDED:
            return self.state
        self.called_in = True
        if self.state in _BEFORE_CONSENT or self.state is FlowState.FEEDBACK:
            return self._end(EndReason.CALLED_IN)
        if self.state in (FlowState.OPENING, FlowState.REFLECTING, FlowState.FOCUS):
            # Only a session with something said has a summary worth reviewing.
            if self.turns == 0:
                return self._end(EndReason.CALLED_IN)
            return self._set(FlowState.REVIEW)
        return self.state  # already in review: the screen shows that the therapist is ready

    def end(self, *, inactive: bool = False) -> FlowState:
        """The client ended (or walked away); what was said and approved is kept."""
        if self.state is FlowState.ENDED:
            return self.state
        return self._end(EndReason.INACTIVE if inactive else EndReason.CLIENT_ENDED)

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
        return self._set(FlowState.ENDED)
