"""The consent names every view the therapist has, in both languages (issue 13)."""

from __future__ import annotations

import pytest

from reflection.consent import load_consent
from reflection.content_files import ContentStore

# Per language: the approved summary, the live draft, alert words, escalation, the live view.
VIEWS = {
    "en": ("summary you approve", "draft", "words that worried us", "front desk",
           "word for word"),
    "es": ("resumen que tú apruebes", "borrador", "palabras que nos preocuparon", "recepción",
           "palabra por palabra"),
}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_consent_names_every_view_and_the_live_view_only_when_on(lang: str) -> None:
    store = ContentStore()
    plain = " ".join(load_consent(store, lang, retention_days=30, live_transcript=False)
                     .paragraphs).lower()
    live = " ".join(load_consent(store, lang, retention_days=30, live_transcript=True)
                    .paragraphs).lower()
    *always, live_only = VIEWS[lang]
    for needle in always:
        assert needle in plain and needle in live
    assert live_only not in plain and live_only in live


def test_spanish_consent_uses_tu() -> None:
    body = " ".join(load_consent(ContentStore(), "es", retention_days=30,
                                 live_transcript=True).paragraphs).lower()
    for usted in (" usted", " su terapeuta", "diga ", "apruebe "):
        assert usted not in f" {body} "
