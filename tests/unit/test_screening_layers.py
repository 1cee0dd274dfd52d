"""Settings choose the optional screening layers; a missing model leaves the rules alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflection import reply_embed
from reflection.content_files import ContentStore
from reflection.screening_layers import ScreeningLayers, build_screening, embedded_classifier
from reflection.screening_model import ModelScreen, ModelWeights
from server.config import Settings


def test_defaults_turn_the_embedded_model_on_and_the_guard_off() -> None:
    settings = Settings()
    assert settings.screening.embedded is True
    assert settings.screening.guard_model == ""


def test_rules_only_when_both_layers_are_off() -> None:
    screener, late = build_screening(ContentStore(), ScreeningLayers(embedded=False))
    assert screener.classifier is None and late is None


def test_a_guard_model_runs_beside_the_reply() -> None:
    _, late = build_screening(ContentStore(), ScreeningLayers(embedded=False,
                                                              guard_model="llama-guard3"))
    assert late is not None
    late.close()


def test_missing_weights_mean_rules_alone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path
                                          ) -> None:
    def load(encoder: object = None) -> ModelScreen:
        return ModelScreen(ModelWeights.load(tmp_path / "absent.npz"), encoder=encoder)

    monkeypatch.setattr(ModelScreen, "load", staticmethod(load))
    monkeypatch.setattr(reply_embed, "shared_encoder", lambda: object())
    assert embedded_classifier(True) is None


def test_the_screening_model_shares_the_process_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    shared = object()
    handed: list[object] = []

    def load(encoder: object = None) -> object:
        handed.append(encoder)
        return object()

    monkeypatch.setattr(ModelScreen, "load", staticmethod(load))
    monkeypatch.setattr(reply_embed, "shared_encoder", lambda: shared)
    embedded_classifier(True)
    assert handed == [shared]  # not a second copy of the encoder's weights
