"""Consent text shown and spoken before a session records anything."""

from __future__ import annotations

from dataclasses import dataclass

from reflection.content_files import ContentError, ContentStore, base_language
from reflection.errors import GuardrailContentError


@dataclass(frozen=True)
class ConsentText:
    """The consent wording for one language; `version` is stored with each consent given."""

    version: str
    lang: str
    title: str
    paragraphs: tuple[str, ...]
    question: str
    accept: str
    decline: str

    @property
    def sentences(self) -> tuple[str, ...]:
        """What the kiosk reads aloud, in order."""
        return (*self.paragraphs, self.question)


def load_consent(
    store: ContentStore, lang: str | None, *, retention_days: int, live_transcript: bool
) -> ConsentText:
    """Consent text with the retention period filled in and the live-view sentence if enabled."""
    language = base_language(lang)
    try:
        data = store.load(language, "consent")
    except ContentError as exc:
        raise GuardrailContentError(str(exc)) from exc
    try:
        paragraphs = [str(p).format(retention_days=retention_days) for p in data["paragraphs"]]
        if live_transcript:
            # Right after the paragraphs on what the therapist sees (the summary and its draft).
            paragraphs.insert(4, str(data["live_transcript"]))
        return ConsentText(
            version=str(data["version"]),
            lang=language,
            title=str(data["title"]),
            paragraphs=tuple(paragraphs),
            question=str(data["question"]),
            accept=str(data["accept"]),
            decline=str(data["decline"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise GuardrailContentError(f"{language}/consent.toml is incomplete: {exc}") from exc
