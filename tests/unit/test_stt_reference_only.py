"""Which languages a model decodes with the reference only (settings parsing, pure)."""

from __future__ import annotations

from server.voice_loading import reference_languages


def test_pairs_name_the_model_and_its_languages() -> None:
    pairs = ["base:en", "base:fr", "tiny.en:en", "small"]
    assert reference_languages(pairs, "base") == ("en", "fr")
    assert reference_languages(pairs, "tiny.en") == ("en",)
    assert reference_languages(pairs, "small") == ()  # no language: ignored
    assert reference_languages([], "base") == ()
