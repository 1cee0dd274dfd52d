"""Reply flags: the message is validated like the others; the turn facts the report counts."""

from __future__ import annotations

import pytest

from server.messages import FlagReply
from server.protocol import ErrorCode, ProtocolError, parse_kiosk_message
from server.reply_flags import reply_meta
from server.turn_state import TurnState
from tests.unit.reply_fakes import reply_done, sentence


def test_flag_reply_is_validated_like_every_kiosk_message() -> None:
    message = parse_kiosk_message('{"type": "flag_reply", "turn": 7}')
    assert isinstance(message, FlagReply) and message.turn == 7
    for bad in ('{"type": "flag_reply"}', '{"type": "flag_reply", "turn": -1}',
                '{"type": "flag_reply", "turn": "7"}', '{"type": "flag_reply", "turn": 7.5}',
                '{"type": "flag_reply", "turn": 99999999999}',
                '{"type": "flag_reply", "turn": 1, "text": "why"}'):
        with pytest.raises(ProtocolError) as caught:
            parse_kiosk_message(bad)
        assert caught.value.code is ErrorCode.BAD_MESSAGE, bad


def test_reply_meta_keeps_reason_codes_of_blocked_sentences_only() -> None:
    state = TurnState(turn=4)
    state.sentences = [
        sentence(0, "fine"),
        sentence(1, "safe line", blocked=True, reasons=("clinical_advice", "diagnosis")),
        sentence(2, "other safe line", blocked=True, reasons=("diagnosis",)),
        sentence(3, "legacy", blocked=True),
    ]
    state.end = reply_done("ollama", blocked=3)
    meta = reply_meta(state)
    assert meta.kiosk_turn == 4 and meta.responder == "ollama"
    assert meta.filter_reasons == ("clinical_advice", "diagnosis", "unspecified")
    cut = reply_meta(state, spoken=1)  # barge-in after the first sentence: nothing blocked yet
    assert cut.filter_reasons == ()


def test_reply_meta_of_an_unfinished_reply_has_no_responder() -> None:
    meta = reply_meta(TurnState(turn=2))
    assert meta.responder is None and meta.filter_reasons == () and not meta.flagged
