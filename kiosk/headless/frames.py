"""Server audio frames (docs/protocol.md): a 16-byte header followed by PCM16 samples."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

HEADER = struct.Struct("<2sBBIHHI")  # magic, version, flags, turn, index, frame seq, rate
MAGIC: Final = b"RK"
VERSION: Final = 1


class FrameError(ValueError):
    """A binary frame that is not a protocol-1 audio frame."""

    code = "frame_malformed"


@dataclass(frozen=True)
class ReplyAudio:
    """One frame of reply audio."""

    turn: int
    index: int
    seq: int
    sample_rate: int
    end_of_sentence: bool
    end_of_reply: bool
    pcm16: bytes


def parse_frame(frame: bytes) -> ReplyAudio:
    """Split a server audio frame into its header fields and PCM16 payload."""
    if len(frame) < HEADER.size:
        raise FrameError("audio frame shorter than its header")
    magic, version, flags, turn, index, seq, rate = HEADER.unpack_from(frame)
    if magic != MAGIC or version != VERSION:
        raise FrameError("not a protocol-1 audio frame")
    return ReplyAudio(turn, index, seq, rate, bool(flags & 1), bool(flags & 2),
                      frame[HEADER.size :])
