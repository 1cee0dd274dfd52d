"""The transcript of a short utterance heard while the kiosk speaks (is it only a "mm-hm"?)."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future

from server.speculation import Speculator
from server.speech import Heard, Transcriber
from server.workers import ModelPool
from voice.endpointer import UtteranceEnded

log = logging.getLogger(__name__)


async def transcript_of(
    speculator: Speculator,
    pool: ModelPool,
    transcriber: Transcriber,
    ended: UtteranceEnded,
    lang: str | None,
) -> Heard | None:
    """The speculative guess if it fits, else a transcription now; None if STT failed."""
    ahead = speculator.take(ended, lang)
    heard = await _guess(ahead) if ahead is not None else None
    if heard is not None:
        return heard
    try:
        return await pool.run(transcriber.transcribe, ended.audio, lang)
    except Exception as exc:  # when in doubt it is a turn: the caller transcribes it again
        log.warning("backchannel check failed: %s", type(exc).__name__)
        return None


def done(heard: Heard) -> Future[Heard]:
    """A transcript already made, in the form a turn takes its speculative guess."""
    future: Future[Heard] = Future()
    future.set_result(heard)
    return future


async def _guess(ahead: Future[Heard]) -> Heard | None:
    try:
        return await asyncio.wrap_future(ahead)
    except asyncio.CancelledError:
        raise
    except Exception:  # redone at full priority
        return None
