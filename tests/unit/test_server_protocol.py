"""Websocket message validation, event encoding and the audio frame layout."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reflection.flow import FlowState
from server.events import TherapistEvent, TherapistEventKind
from server.kiosk_events import Activity, CrisisEvent, StateChanged
from server.messages import Feedback, Join, KioskHello, TherapistHello
from server.protocol import (
    AUDIO_HEADER,
    MAX_AUDIO_IN_BYTES,
    MAX_AUDIO_OUT_PAYLOAD,
    MAX_TEXT_FRAME_BYTES,
    AudioFrameHeader,
    ErrorCode,
    ProtocolError,
    check_audio_in,
    encode_event,
    pack_audio_frame,
    parse_kiosk_message,
    parse_therapist_message,
    split_audio,
    unpack_audio_frame,
)


def test_valid_kiosk_messages_parse_into_typed_models() -> None:
    hello = parse_kiosk_message(
        json.dumps(
            {"type": "hello", "protocol": 1, "token": "t0k", "capabilities": {"audio_out": False}}
        )
    )
    assert isinstance(hello, KioskHello)
    assert hello.capabilities.audio_out is False and hello.capabilities.audio_in is True
    join = parse_kiosk_message('{"type": "join", "code": "AB12-CD"}')
    assert isinstance(join, Join) and join.code == "AB12-CD"
    feedback = parse_kiosk_message('{"type": "feedback", "rating": null, "flagged_turns": [1, 2]}')
    assert (
        isinstance(feedback, Feedback)
        and feedback.rating is None
        and feedback.flagged_turns == [1, 2]
    )


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", ErrorCode.BAD_JSON),
        ("[1, 2]", ErrorCode.BAD_JSON),
        ('{"type": "launch"}', ErrorCode.UNKNOWN_TYPE),
        ('{"type": 5}', ErrorCode.BAD_MESSAGE),
        ('{"type": "join"}', ErrorCode.BAD_MESSAGE),
        ('{"type": "join", "code": 1234}', ErrorCode.BAD_MESSAGE),
        ('{"type": "ping", "extra": 1}', ErrorCode.BAD_MESSAGE),
        ('{"type": "feedback", "rating": 9}', ErrorCode.BAD_MESSAGE),
        ('{"type": "feedback", "rating": true}', ErrorCode.BAD_MESSAGE),
        ('{"type": "settings", "tts_rate": NaN}', ErrorCode.BAD_MESSAGE),
        ('{"type": "hello", "protocol": "1", "token": "x"}', ErrorCode.BAD_MESSAGE),
    ],
)
def test_bad_kiosk_messages_get_a_code(raw: str, code: ErrorCode) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_kiosk_message(raw)
    assert caught.value.code == code
    assert caught.value.to_event().fatal is False


def test_oversized_text_frame_is_refused() -> None:
    raw = json.dumps({"type": "text", "text": "a" * MAX_TEXT_FRAME_BYTES})
    with pytest.raises(ProtocolError) as caught:
        parse_kiosk_message(raw)
    assert caught.value.code == ErrorCode.TOO_LARGE


def test_error_messages_never_echo_client_input() -> None:
    secret = "my private words"
    with pytest.raises(ProtocolError) as caught:
        parse_kiosk_message(json.dumps({"type": "join", "code": secret * 5}))
    assert secret not in str(caught.value)


def test_therapist_hello() -> None:
    hello = parse_therapist_message('{"type": "hello", "protocol": 1, "last_seq": 41}')
    assert isinstance(hello, TherapistHello) and hello.last_seq == 41
    with pytest.raises(ProtocolError) as caught:
        parse_therapist_message('{"type": "hello", "protocol": 1, "last_seq": -1}')
    assert caught.value.code == ErrorCode.BAD_MESSAGE
    with pytest.raises(ProtocolError) as caught:
        parse_therapist_message('{"type": "join", "code": "x"}')  # a kiosk message
    assert caught.value.code == ErrorCode.UNKNOWN_TYPE


def test_events_encode_with_type_first() -> None:
    text = encode_event(StateChanged(state=FlowState.CONSENT, activity=Activity.WAITING))
    assert text.startswith('{"type":"state"')
    assert json.loads(text) == {"type": "state", "state": "consent", "activity": "waiting"}
    crisis = json.loads(
        encode_event(
            CrisisEvent(
                turn=2,
                level=3,
                message="m",
                resources=({"name": "988"},),
                grounding="g",
                therapist_notified=True,
            )
        )
    )
    assert crisis["resources"] == [{"name": "988"}] and crisis["level"] == 3
    event = json.loads(
        encode_event(
            TherapistEvent(
                seq=7,
                event=TherapistEventKind.RISK_ALERT,
                session_id="s",
                at="t",
                data={"level": 2},
            )
        )
    )
    assert event == {
        "type": "event",
        "seq": 7,
        "event": "risk_alert",
        "session_id": "s",
        "at": "t",
        "data": {"level": 2},
    }


def test_audio_frame_round_trip_and_layout() -> None:
    header = AudioFrameHeader(turn=70000, index=3, seq=2, sample_rate=22050, end_of_sentence=True)
    frame = pack_audio_frame(header, b"\x01\x00\xff\x7f")
    assert AUDIO_HEADER.size == 16
    assert frame[:2] == b"RK" and frame[2] == 1 and frame[3] == 0b01
    assert int.from_bytes(frame[4:8], "little") == 70000
    assert int.from_bytes(frame[12:16], "little") == 22050
    assert unpack_audio_frame(frame) == (header, b"\x01\x00\xff\x7f")


def test_split_audio_chunks_a_sentence_and_flags_the_last_frame() -> None:
    pcm = bytes(range(256)) * ((MAX_AUDIO_OUT_PAYLOAD * 2 + 1000) // 256)
    frames = split_audio(pcm, turn=1, index=0, sample_rate=16000, last_sentence=True)
    parsed = [unpack_audio_frame(frame) for frame in frames]
    assert b"".join(payload for _, payload in parsed) == pcm
    assert [h.seq for h, _ in parsed] == list(range(len(frames)))
    assert [h.end_of_sentence for h, _ in parsed] == [False] * (len(frames) - 1) + [True]
    assert parsed[-1][0].end_of_reply and not parsed[0][0].end_of_reply


def test_client_audio_limits() -> None:
    assert check_audio_in(b"\x00\x00" * 512) == b"\x00\x00" * 512
    with pytest.raises(ProtocolError) as caught:
        check_audio_in(b"\x00" * 3)
    assert caught.value.code == ErrorCode.FRAME_MALFORMED
    with pytest.raises(ProtocolError) as caught:
        check_audio_in(b"\x00" * (MAX_AUDIO_IN_BYTES + 2))
    assert caught.value.code == ErrorCode.FRAME_TOO_LARGE


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
_types = st.sampled_from(
    ["hello", "join", "consent", "text", "review", "feedback", "settings", "ping", "x"]
)


@settings(max_examples=300, deadline=None)
@given(
    kind=_types,
    fields=st.dictionaries(st.text(max_size=12), _json, max_size=5),
    raw=st.text(max_size=50),
)
def test_fuzzed_messages_either_parse_or_raise_a_protocol_error(
    kind: str, fields: dict[str, object], raw: str
) -> None:
    for text in (json.dumps({"type": kind, **fields}), raw):
        for parse in (parse_kiosk_message, parse_therapist_message):
            try:
                parse(text)
            except ProtocolError as exc:
                assert exc.code in set(ErrorCode)
