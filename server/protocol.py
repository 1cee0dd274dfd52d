"""The one place that (de)serialises websocket messages and audio frames (docs/protocol.md)."""

from __future__ import annotations

import dataclasses
import json
import struct
from dataclasses import dataclass, fields, is_dataclass
from enum import Enum, StrEnum
from typing import Any, Final

from pydantic import TypeAdapter, ValidationError

from reflection.events import (
    CheckIn,
    CrisisTriggered,
    EngineEvent,
    ReplySentence,
    Screened,
    spoken_text,
)
from reflection.stages import CrisisReply
from server.events import ErrorEvent, Event
from server.messages import KioskMessage, KioskMessageType, TherapistMessage, TherapistMessageType

MAX_TEXT_FRAME_BYTES: Final = 16_384
MAX_AUDIO_IN_BYTES: Final = 32_000
MAX_AUDIO_OUT_PAYLOAD: Final = 32_768
AUDIO_MAGIC: Final = b"RK"
AUDIO_HEADER_VERSION: Final = 1
AUDIO_HEADER = struct.Struct("<2sBBIHHI")  # magic, version, flags, turn, index, frame seq, rate
FLAG_END_OF_SENTENCE: Final = 0x01
FLAG_END_OF_REPLY: Final = 0x02


class ErrorCode(StrEnum):
    """Stable error codes sent in `error` events (docs/protocol.md)."""

    BAD_JSON = "bad_json"
    BAD_MESSAGE = "bad_message"
    UNKNOWN_TYPE = "unknown_type"
    TOO_LARGE = "too_large"
    UNSUPPORTED_PROTOCOL = "unsupported_protocol"
    HELLO_REQUIRED = "hello_required"
    HELLO_TIMEOUT = "hello_timeout"
    AUTH_FAILED = "auth_failed"
    FORBIDDEN = "forbidden"
    TOO_MANY_CONNECTIONS = "too_many_connections"
    RATE_LIMITED = "rate_limited"
    NOT_ALLOWED_NOW = "not_allowed_now"
    NO_SESSION = "no_session"
    CODE_INVALID = "code_invalid"
    CODE_EXPIRED = "code_expired"
    FRAME_MALFORMED = "frame_malformed"
    FRAME_TOO_LARGE = "frame_too_large"
    UTTERANCE_TOO_LONG = "utterance_too_long"
    TEXT_TOO_LONG = "text_too_long"
    STT_FAILED = "stt_failed"
    TTS_FAILED = "tts_failed"
    SERVER_BUSY = "server_busy"
    SESSION_ENDED = "session_ended"
    PIN_INVALID = "pin_invalid"
    RESUME_EXPIRED = "resume_expired"
    INTERNAL = "internal"


class CloseCode:
    """Websocket close codes used by the server."""

    NORMAL = 1000
    GOING_AWAY = 1001
    INTERNAL = 1011
    PROTOCOL = 4400
    UNAUTHORIZED = 4401
    FORBIDDEN = 4403
    HELLO_TIMEOUT = 4408
    TOO_MANY = 4429


FATAL_CLOSE: Final[dict[ErrorCode, int]] = {
    ErrorCode.UNSUPPORTED_PROTOCOL: CloseCode.PROTOCOL,
    ErrorCode.HELLO_REQUIRED: CloseCode.PROTOCOL,
    ErrorCode.HELLO_TIMEOUT: CloseCode.HELLO_TIMEOUT,
    ErrorCode.AUTH_FAILED: CloseCode.UNAUTHORIZED,
    ErrorCode.FORBIDDEN: CloseCode.FORBIDDEN,
    ErrorCode.TOO_MANY_CONNECTIONS: CloseCode.TOO_MANY,
}


class ProtocolError(Exception):
    """A client message or frame that cannot be used; becomes an `error` event."""

    def __init__(
        self, code: ErrorCode, message: str, *, ref: str | None = None,
        retry_after_s: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.ref = ref
        self.retry_after_s = retry_after_s

    @property
    def fatal(self) -> bool:
        """Whether the connection must close after reporting it."""
        return self.code in FATAL_CLOSE

    def to_event(self) -> ErrorEvent:
        """The error event to send."""
        return ErrorEvent(code=self.code, message=str(self), fatal=self.fatal, ref=self.ref,
                          retry_after_s=self.retry_after_s)


_KIOSK_ADAPTER: TypeAdapter[KioskMessage] = TypeAdapter(KioskMessage)
_THERAPIST_ADAPTER: TypeAdapter[TherapistMessage] = TypeAdapter(TherapistMessage)


def _load_object(raw: str) -> dict[str, Any]:
    if len(raw.encode("utf-8", "surrogatepass")) > MAX_TEXT_FRAME_BYTES:
        raise ProtocolError(
            ErrorCode.TOO_LARGE, f"text frames are limited to {MAX_TEXT_FRAME_BYTES} bytes"
        )
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(ErrorCode.BAD_JSON, "text frame is not valid JSON") from exc
    if not isinstance(value, dict):
        raise ProtocolError(ErrorCode.BAD_JSON, "text frame must be a JSON object")
    return value


def _describe(exc: ValidationError) -> str:
    # Only field locations and error kinds: pydantic's default text would echo client input.
    parts = []
    for error in exc.errors(include_input=False, include_url=False)[:3]:
        where = ".".join(str(p) for p in error["loc"][1:]) or "message"
        parts.append(f"{where}: {error['type']}")
    return "; ".join(parts)


def _parse(raw: str, adapter: TypeAdapter[Any], known: type[StrEnum]) -> Any:
    value = _load_object(raw)
    kind = value.get("type")
    if not isinstance(kind, str):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, "field 'type' must be a string")
    if kind not in set(known):
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE, "unknown message type")
    try:
        # Validate the Python object (not JSON mode) so strict mode keeps JSON types honest.
        return adapter.validate_python(value)
    except ValidationError as exc:
        raise ProtocolError(ErrorCode.BAD_MESSAGE, _describe(exc), ref=kind) from exc


def parse_kiosk_message(raw: str) -> KioskMessage:
    """Validate one kiosk JSON text frame; raises ProtocolError with a code."""
    result: KioskMessage = _parse(raw, _KIOSK_ADAPTER, KioskMessageType)
    return result


def parse_therapist_message(raw: str) -> TherapistMessage:
    """Validate one dashboard JSON text frame; raises ProtocolError with a code."""
    result: TherapistMessage = _parse(raw, _THERAPIST_ADAPTER, TherapistMessageType)
    return result


def event_to_dict(event: Event) -> dict[str, Any]:
    """The JSON-ready form of an event, with `type` first."""
    return {"type": str(event.type), **dataclasses.asdict(event)}


def _json_ready(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json_ready(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple | set | frozenset):
        items = [_json_ready(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    return value


def _response_dict(response: CrisisReply) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": str(response.kind), "message": response.message,
                           "text": spoken_text(response)}
    for name in ("resources", "grounding"):
        if hasattr(response, name):
            out[name] = _json_ready(getattr(response, name))
    return out


def engine_event_to_dict(event: EngineEvent) -> dict[str, Any]:
    """A JSON-ready view of any engine event (reflection.events)."""
    body: dict[str, Any] = {"kind": event.kind.value, "turn": event.turn}
    if isinstance(event, Screened):
        body["assessment"] = event.assessment.to_dict()
    elif isinstance(event, CrisisTriggered):
        body["response"] = _response_dict(event.response)
        body["repeated"] = event.repeated
    elif isinstance(event, CheckIn):
        body["response"] = _response_dict(event.response)
    elif isinstance(event, ReplySentence):
        body.update(index=event.index, text=event.text, blocked=event.blocked,
                    reasons=list(event.reasons))
    else:
        body.update(text=event.text, language=event.language, responder=event.responder,
                    level=event.level, crisis=event.crisis, check_in=event.check_in,
                    blocked=event.blocked)
    return body


def encode_event(event: Event) -> str:
    """Serialise an event as one JSON text frame."""
    return json.dumps(event_to_dict(event), ensure_ascii=False, separators=(",", ":"))


def check_audio_in(frame: bytes) -> bytes:
    """Validate one client audio frame (raw PCM16 LE mono 16 kHz)."""
    if len(frame) > MAX_AUDIO_IN_BYTES:
        raise ProtocolError(
            ErrorCode.FRAME_TOO_LARGE, f"audio frames are limited to {MAX_AUDIO_IN_BYTES} bytes"
        )
    if len(frame) % 2:
        raise ProtocolError(ErrorCode.FRAME_MALFORMED, "PCM16 frames need an even number of bytes")
    return frame


@dataclass(frozen=True)
class AudioFrameHeader:
    """The 16-byte header in front of every server audio frame."""

    turn: int
    index: int
    seq: int
    sample_rate: int
    end_of_sentence: bool = False
    end_of_reply: bool = False


def pack_audio_frame(header: AudioFrameHeader, pcm16: bytes) -> bytes:
    """Header + PCM16 LE payload (at most MAX_AUDIO_OUT_PAYLOAD bytes)."""
    if len(pcm16) > MAX_AUDIO_OUT_PAYLOAD or len(pcm16) % 2:
        raise ValueError("audio payload must be even and at most 32768 bytes")
    flags = (FLAG_END_OF_SENTENCE if header.end_of_sentence else 0) | (
        FLAG_END_OF_REPLY if header.end_of_reply else 0
    )
    head = AUDIO_HEADER.pack(
        AUDIO_MAGIC, AUDIO_HEADER_VERSION, flags, header.turn, header.index, header.seq,
        header.sample_rate,
    )
    return head + pcm16


def unpack_audio_frame(frame: bytes) -> tuple[AudioFrameHeader, bytes]:
    """Split a server audio frame into header and PCM16 payload (used by clients and tests)."""
    if len(frame) < AUDIO_HEADER.size:
        raise ValueError("audio frame shorter than its header")
    magic, version, flags, turn, index, seq, rate = AUDIO_HEADER.unpack_from(frame)
    if magic != AUDIO_MAGIC or version != AUDIO_HEADER_VERSION:
        raise ValueError("not a protocol-1 audio frame")
    header = AudioFrameHeader(
        turn=turn, index=index, seq=seq, sample_rate=rate,
        end_of_sentence=bool(flags & FLAG_END_OF_SENTENCE),
        end_of_reply=bool(flags & FLAG_END_OF_REPLY),
    )
    return header, frame[AUDIO_HEADER.size :]


def split_audio(
    pcm16: bytes, *, turn: int, index: int, sample_rate: int, last_sentence: bool
) -> list[bytes]:
    """One sentence's audio as protocol frames; the last carries the end flags."""
    step = MAX_AUDIO_OUT_PAYLOAD
    chunks = [pcm16[i : i + step] for i in range(0, len(pcm16), step)] or [b""]
    frames = []
    for seq, chunk in enumerate(chunks):
        last = seq == len(chunks) - 1
        header = AudioFrameHeader(
            turn=turn, index=index, seq=seq, sample_rate=sample_rate,
            end_of_sentence=last, end_of_reply=last and last_sentence,
        )
        frames.append(pack_audio_frame(header, chunk))
    return frames
