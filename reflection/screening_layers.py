"""Builds the screener with the optional layers a deployment turned on (once, at start-up)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from reflection.content_files import ContentStore
from reflection.late_screening import LateScreen
from reflection.screening import RiskClassifier, RiskScreener

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScreeningLayers:
    """Which layers to add: the embedded model, and an Ollama guard model beside the reply."""

    embedded: bool = True
    guard_model: str = ""
    guard_host: str = "http://127.0.0.1:11434"
    guard_timeout_s: float = 4.0


def embedded_classifier(enabled: bool) -> RiskClassifier | None:
    """The bundled model, or None when it is off or cannot load (the rules alone then decide)."""
    if not enabled:
        return None
    from reflection.reply_embed import shared_encoder
    from reflection.screening_model import ModelScreen

    try:
        # The process's one encoder instance (the honesty and reply models use it too): a
        # second copy of its weights cost 140 MB of resident memory per server process.
        return ModelScreen.load(encoder=shared_encoder())
    except (OSError, ImportError, KeyError, ValueError) as exc:
        log.warning("embedded screening model unavailable (%s); rules alone decide",
                    type(exc).__name__)
        return None


def build_screening(store: ContentStore, layers: ScreeningLayers
                    ) -> tuple[RiskScreener, LateScreen | None]:
    """The screener (rules + embedded model) and the late guard-model screen, if configured."""
    screener = RiskScreener.load(store, classifier=embedded_classifier(layers.embedded))
    if not layers.guard_model:
        return screener, None
    from reflection.guard_model import OllamaGuard

    guard = OllamaGuard(host=layers.guard_host, model=layers.guard_model, store=store,
                        timeout_s=layers.guard_timeout_s)
    return screener, LateScreen(guard)
