"""Loop detection used to distrust a fast decode (pure text logic)."""

from __future__ import annotations

import pytest

from voice.stt_decode import FastDecode, is_looped, words


@pytest.mark.parametrize("text", [
    "No... No... No... No... No... No...",
    "Work... Work... Work...",
    "I'm so happy to be here, I'm so happy to be here, I'm so happy to be here",
    "I went home. Then I went home. I went home.",
    "thank you thank you thank you",
])
def test_loops_are_detected(text: str) -> None:
    assert is_looped(text)


@pytest.mark.parametrize("text", [
    "No.", "Not really.", "I don't know, I don't know.", "Yes, yes.",
    "I have been feeling very tired at work this week.",
    "My sister called me yesterday and we talked for an hour about our mother.",
])
def test_real_talk_is_not_a_loop(text: str) -> None:
    assert not is_looped(text)


def test_a_decode_that_hit_its_token_budget_is_looped() -> None:
    assert FastDecode("Fine.", -0.2, 0.1, hit_budget=True).looped
    assert not FastDecode("Fine.", -0.2, 0.1, hit_budget=False).looped


def test_words_ignore_case_and_punctuation() -> None:
    assert words("I'm OKAY...") == ["i'm", "okay"]
