"""How a kiosk session closes: the client reviews the summary, gives feedback, hears goodbye."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reflection.flow import EndReason, FlowState, ReviewAction
from server import messages as m
from server.kiosk_events import Activity, SummaryEvent
from server.review import apply_review, client_view

if TYPE_CHECKING:
    from server.kiosk_session import KioskSession


async def review_step(session: KioskSession, message: m.Review) -> None:
    """An edit of the summary (shown again), or its approval (then goodbye when called in)."""
    session.require((FlowState.REVIEW,), message.type)
    assert session.review is not None
    if message.action != "approve":
        session.review, redaction = apply_review(session.review, message)
        session.redactions.append(redaction)
        session.flow.review(ReviewAction.EDIT)
        await session.channel.event(SummaryEvent(summary=client_view(session.review), draft=True))
        return
    await session.store.summary(session.review, approved=True, redactions=session.redactions)
    if session.flow.review(ReviewAction.APPROVE) is FlowState.ENDED:  # called in: done
        await session.turns.say(session.conversations.prompt(session.lang, "goodbye"), wait=True)
        await session.end(EndReason.CALL_IN)
    else:
        await session.show(Activity.WAITING)


async def feedback(session: KioskSession, message: m.Feedback) -> None:
    """The client's rating and flags: stored, then goodbye and the end."""
    session.require((FlowState.FEEDBACK,), message.type)
    flagged = sorted(session.flagged | set(message.flagged_turns))
    await session.store.feedback(message.rating, message.comment, flagged)
    session.flow.feedback(message.rating)
    await session.turns.say(session.conversations.prompt(session.lang, "goodbye"), wait=True)
    await session.end(session.flow.end_reason or EndReason.COMPLETED)


async def to_review(session: KioskSession) -> None:
    """The flow reached the review: show the client the summary so far."""
    if session.conversation is None:
        await session.end(EndReason.COMPLETED)
        return
    summary = await session.pool.run(session.conversation.summary)
    session.review = summary
    await session.store.summary(summary, approved=False, redactions=[])
    await session.show(Activity.WAITING)
    await session.channel.event(SummaryEvent(summary=client_view(summary), draft=True))
