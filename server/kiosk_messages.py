"""Routes one validated kiosk message to what the session does with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reflection.flow import LISTENING, EndReason
from server import messages as m
from server.events import Pong
from server.kiosk_closing import feedback, review_step
from server.protocol import ErrorCode, ProtocolError
from server.reply_flags import store_reply_flag

if TYPE_CHECKING:
    from server.kiosk_session import KioskSession


async def dispatch(session: KioskSession, message: Any) -> None:
    """Dispatch one client message (after hello) to the session."""
    if isinstance(message, m.KioskSettings):
        await session.apply_settings(message)
    elif isinstance(message, m.KioskPing):
        await session.channel.event(Pong(nonce=message.nonce))
    elif isinstance(message, m.Join):
        await session.join(message.code)
    elif session.store.session is None:
        raise ProtocolError(ErrorCode.NO_SESSION, "join a session first", ref=message.type)
    elif isinstance(message, m.Consent):
        await session.consent(message)
    elif isinstance(message, m.Text):
        session.require(LISTENING, message.type)
        await session.turns.client(text=message.text)
    elif isinstance(message, m.EndOfTurn):
        for event in session.intake.flush():
            await session.turns.endpoint(event)
    elif isinstance(message, m.BargeIn):
        await session.turns.barge_in()
    elif isinstance(message, m.Played):
        session.turns.played(message.turn)
    elif isinstance(message, m.Review):
        await review_step(session, message)
    elif isinstance(message, m.Feedback):
        await feedback(session, message)
    elif isinstance(message, m.FlagReply):
        session.flagged.add(message.turn)
        store_reply_flag(session.store, message.turn)  # the one place a flag is stored at once
    elif isinstance(message, m.End):
        await session.client_end()
    elif isinstance(message, m.Erase):
        await session.end(EndReason.ERASED)
    elif isinstance(message, m.StaffClear):
        await session.staff_clear(message.pin)
    else:
        raise ProtocolError(ErrorCode.NOT_ALLOWED_NOW, "hello was already received")
