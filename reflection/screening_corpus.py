"""The training corpus of the screening model: concepts with paraphrases, per language."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from reflection.content_files import SUPPORTED_LANGUAGES, ContentStore

_ALTERNATIVES = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class CorpusItem:
    """One training utterance; `group` ties the expansions of one written line together."""

    text: str
    level: int  # 0, 1 or 2 (meaning >= 2)
    category: str  # "" for level 0
    lang: str
    group: str


def expand(line: str) -> list[str]:
    """Every reading of a line with `{a|b}` alternatives ("{I|we} left" -> "I left", "we left")."""
    parts = _ALTERNATIVES.split(line)
    slots = [p.split("|") if i % 2 else [p] for i, p in enumerate(parts)]
    return [" ".join("".join(choice).split()) for choice in itertools.product(*slots)]


def load_corpus(store: ContentStore) -> list[CorpusItem]:
    """All languages' `screening_corpus.toml` files, expanded."""
    items: list[CorpusItem] = []
    for lang in SUPPORTED_LANGUAGES:
        for concept in store.load(lang, "screening_corpus").get("concept", []):
            lines = [s.strip() for s in str(concept["texts"]).splitlines() if s.strip()]
            for n, line in enumerate(lines):
                group = f"{lang}.{concept['id']}.{n}"
                items += [CorpusItem(text, min(int(concept["level"]), 2),
                                     str(concept.get("category", "")), lang, group)
                          for text in expand(line)]
    return items
