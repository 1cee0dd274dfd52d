"""The client's speech while a kiosk takes turns: speech starting (a barge-in, or held while
a reply plays), sustained speech, a backchannel ("mm-hm": dropped), an utterance's end (a
client turn)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING

from reflection.events import ReplyKind
from server.backchannel import done, transcript_of
from server.kiosk_events import Activity, SpeechEndedEvent, SpeechStartedEvent, StateChanged
from server.protocol import ErrorCode, ProtocolError
from server.speech import Heard
from voice.endpointer import (
    EndpointEvent,
    SpeechStarted,
    SpeechSustained,
    UtteranceEnded,
    UtteranceEndReason,
)

if TYPE_CHECKING:
    from server.turn import Turns


async def on_endpoint(turns: Turns, event: EndpointEvent) -> None:
    """One endpointer event of the client's audio."""
    if isinstance(event, SpeechSustained):
        if turns.held:  # long enough to be talking, not a backchannel
            await interrupt(turns)
        return
    lang = turns.host.options().lang
    if turns.speculator.observe(event, lang) or not isinstance(
        event, SpeechStarted | UtteranceEnded
    ):
        return  # pauses and resumptions only drive speculation; the kiosk hears nothing
    if isinstance(event, SpeechStarted):
        turns.held = False
        if turns.replying() and turns.reply_kind is not ReplyKind.CRISIS:
            if turns.turn_taking is not None:
                turns.held = True  # the words or the length decide (the kiosk plays on)
                return
            await turns.barge_in()
        await _hearing(turns)
        return
    if turns.held:
        turns.held = False
        dropped, ahead = await _backchannel(turns, event, lang)
        if dropped:
            return
    else:
        ahead = turns.speculator.take(event, lang)
    await turns.channel.event(SpeechEndedEvent(turn=turns.turn + 1, reason=event.reason.value))
    if event.reason is UtteranceEndReason.MAX_LENGTH:
        await turns.channel.error(
            ProtocolError(ErrorCode.UTTERANCE_TOO_LONG, "utterance cut at the maximum length")
        )
    await turns.client(audio=event.audio, ahead=ahead)

async def _hearing(turns: Turns) -> None:
    await turns.channel.event(SpeechStartedEvent(turn=turns.turn + 1))
    await turns.channel.event(StateChanged(state=turns.host.state, activity=Activity.HEARING))

async def interrupt(turns: Turns) -> None:
    """Held speech turned out to be real talk: stop the reply and show we are hearing."""
    turns.held = False
    await turns.barge_in()
    await _hearing(turns)

async def _backchannel(
    turns: Turns, ended: UtteranceEnded, lang: str | None
) -> tuple[bool, Future[Heard] | None]:
    """A short utterance during a reply: (True, None) if it was only a "mm-hm" (dropped),
    else (False, its transcript) after stopping the reply."""
    heard = await transcript_of(turns.speculator, turns.pool, turns.transcriber, ended, lang)
    assert turns.turn_taking is not None
    still = turns.replying()
    words = turns.turn_taking.barge_in
    if heard is not None and still and not words.interrupts(heard.text, heard.lang):
        turns.metrics.backchannels.inc()
        return True, None  # the reply goes on; nothing is stored (it carries no content)
    if still:
        await interrupt(turns)
    else:
        await _hearing(turns)  # the reply ended meanwhile: an ordinary turn
    return False, done(heard) if heard is not None else None
