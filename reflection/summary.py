"""Structured therapist summaries, and the built-in extractive summarizer (no model)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from reflection.content_files import ContentStore, base_language
from reflection.responders.cues import CueReader, fold, tokenize
from reflection.responders.tokens import find

Intensity = Literal["low", "medium", "high"]
_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2}
_CLAUSE_SPLIT = re.compile(r"[.!?¿¡;:,\n]+")
_CLAUSE_KEYS = frozenset(".!?¿¡;:,")


class FeelingNote(BaseModel):
    """A feeling the client named, in their word, with how strongly they put it."""

    model_config = ConfigDict(frozen=True)

    word: str = Field(max_length=60)
    intensity: Intensity = "medium"


class RiskFlag(BaseModel):
    """A screening result worth the therapist's attention (no client text)."""

    model_config = ConfigDict(frozen=True)

    turn: int
    level: int = Field(ge=0, le=3)
    categories: list[str] = Field(default_factory=list)


class Summary(BaseModel):
    """What the therapist sees; drafts are marked until the client approves."""

    model_config = ConfigDict(frozen=True)

    themes: list[str] = Field(default_factory=list, max_length=12)
    feelings: list[FeelingNote] = Field(default_factory=list, max_length=12)
    key_phrases: list[str] = Field(default_factory=list, max_length=12)
    focus: str = Field(default="", max_length=400)
    risk_flags: list[RiskFlag] = Field(default_factory=list)
    # The client's own words where risk was heard, and their answer to the check-in question.
    disclosures: list[str] = Field(default_factory=list, max_length=12)
    # Questions the client asked to bring to the therapist (diagnosis, medication, decisions).
    questions: list[str] = Field(default_factory=list, max_length=12)
    turn_count: int = 0
    draft: bool = True
    language: str = "en"


@dataclass(frozen=True)
class TurnRecord:
    """One client turn as the summarizer sees it."""

    index: int
    text: str
    language: str = "en"
    level: int = 0
    categories: tuple[str, ...] = ()
    is_focus: bool = False
    # Injection attempts and talk about the tool are not the client's story.
    meta: bool = False
    # The client agreed to add this turn's question to the summary for the therapist.
    for_therapist: bool = False
    # This turn answered the level-1 check-in question.
    answers_check_in: bool = False


class Summarizer(Protocol):
    """Builds a Summary from the turns so far."""

    def summarize(self, turns: Sequence[TurnRecord], *, language: str) -> Summary:
        """A draft summary of every turn so far."""
        ...


def risk_flags(turns: Sequence[TurnRecord]) -> list[RiskFlag]:
    """Flags come from screening, never from a model."""
    return [
        RiskFlag(turn=t.index, level=t.level, categories=sorted(t.categories))
        for t in turns
        if t.level > 0
    ]


def focus_text(
    turns: Sequence[TurnRecord], max_words: int = 40, statements: Sequence[str] = ()
) -> str:
    """What the client wants to focus on, in their words: the focus answer, then any "I want to
    talk about..." statements made along the way."""
    said = [t.text.strip() for t in turns if t.is_focus and t.text.strip()]
    parts = list(dict.fromkeys([*said, *statements]))
    words = "; ".join(parts).split()
    return " ".join(words[:max_words])


def disclosures(turns: Sequence[TurnRecord], max_chars: int = 300) -> list[str]:
    """The client's own words where risk was heard, and their answer to the check-in."""
    out = [t.text.strip()[:max_chars] for t in turns
           if (t.level > 0 or t.answers_check_in) and t.text.strip()]
    return list(dict.fromkeys(out))[:12]


def _about_self(keys: Sequence[str], index: int, markers: set[str]) -> bool:
    """A first-person word earlier in the same clause, or a bare one- or two-word answer."""
    start = index
    while start > 0 and keys[start - 1] not in _CLAUSE_KEYS:
        start -= 1
    end = index
    while end < len(keys) and keys[end] not in _CLAUSE_KEYS:
        end += 1
    return bool(markers & set(keys[start:index])) or end - start <= 2


class ExtractiveSummarizer:
    """Themes, feelings and phrases taken only from what the client actually said."""

    def __init__(self, store: ContentStore | None = None) -> None:
        self._store = store or ContentStore()
        self._readers: dict[str, CueReader] = {}

    def _reader(self, lang: str) -> CueReader:
        if lang not in self._readers:
            self._readers[lang] = CueReader(self._store.load(lang, "reflections"))
        return self._readers[lang]

    def summarize(self, turns: Sequence[TurnRecord], *, language: str) -> Summary:
        """A draft summary of every turn so far."""
        lang = base_language(language)
        config = self._store.load(lang, "summary")
        labels: dict[str, str] = config.get("themes", {})
        story = [t for t in turns if not t.meta and t.text.strip()]
        theme_counts: Counter[str] = Counter()
        first_seen: dict[str, int] = {}
        feelings: dict[str, Intensity] = {}
        phrases: list[str] = []
        statements: list[str] = []
        wants: list[str] = []
        for turn in story:
            reader = self._reader(base_language(turn.language))
            for theme in reader.themes(turn.text):
                theme_counts[theme] += 1
                first_seen.setdefault(theme, len(first_seen))
            for index, word, _family in self._feelings(turn.text, reader, config):
                level = self._intensity(turn.text, index, config)
                if word not in feelings or _RANK[level] > _RANK[feelings[word]]:
                    feelings[word] = level
            phrases.extend(self._phrases(turn.text, reader, config))
            clauses = reader.read(turn.text).clauses
            # Wants are what the client would like to work on: they go to focus.
            if clauses.focus_said and not turn.is_focus:
                statements.append(clauses.focus_said)
            if clauses.want_said and clauses.growth and not turn.is_focus:
                wants.append(clauses.want_said)
        themes = sorted(theme_counts, key=lambda t: (-theme_counts[t], first_seen[t]))
        limit = int(config.get("max_key_phrases", 6))
        return Summary(
            themes=[labels.get(t, t) for t in themes][:12],
            feelings=[FeelingNote(word=w, intensity=i) for w, i in feelings.items()][:12],
            key_phrases=list(dict.fromkeys(phrases))[:limit],
            focus=focus_text(turns, statements=[*statements, *wants]),
            risk_flags=risk_flags(turns),
            disclosures=disclosures(turns, int(config.get("max_disclosure_chars", 300))),
            questions=[t.text.strip() for t in turns if t.for_therapist][:12],
            turn_count=len(turns),
            draft=True,
            language=lang,
        )

    @staticmethod
    def _feelings(text: str, reader: CueReader, config: dict[str, Any]
                  ) -> list[tuple[int, str, str]]:
        """Feeling words said about oneself, self-evaluations and hopeless words, as said."""
        tokens = tokenize(text)
        keys = [t.key for t in tokens]
        clauses = reader.read(text).clauses
        markers = {fold(str(w)) for w in config.get("self_markers", [])}
        blocked = [tuple(fold(str(p)).split()) for p in config.get("not_feelings", [])]
        found = []
        for index, word, family in reader.feelings(text):
            if family == "good" and clauses.sensitive:
                continue  # "better off without me" must never read as feeling better
            if any(find(keys[max(0, index - 1):], p) == 0 for p in blocked):
                continue
            if _about_self(keys, index, markers):
                found.append((index, word, family))
        for word, kind in ((clauses.label, "evaluation"), (clauses.outlook, "outlook")):
            if word:
                found.append((max(0, find(keys, tuple(fold(word).split()))), word, kind))
        return sorted(found)

    @staticmethod
    def _intensity(text: str, index: int, config: dict[str, Any]) -> Intensity:
        words = [t.key for t in tokenize(text)]
        before = " ".join(words[max(0, index - 3) : index])
        boosts = {fold(str(w)) for w in config.get("intensifiers", [])}
        softs = [fold(str(w)) for w in config.get("softeners", [])]
        if any(f" {s} " in f" {before} " for s in softs):
            return "low"
        if boosts & set(words[max(0, index - 2) : index]):
            return "high"
        return "medium"

    @staticmethod
    def _phrases(text: str, reader: CueReader, config: dict[str, Any]) -> list[str]:
        """Short clauses, verbatim, that carry a feeling or a topic."""
        max_words = int(config.get("max_phrase_words", 10))
        breaks = {fold(str(w)) for w in config.get("clause_breaks", [])}
        out = []
        for clause in _CLAUSE_SPLIT.split(text):
            words = clause.split()
            # Long clauses are cut at a conjunction so each phrase stays one thought.
            parts: list[list[str]] = [[]]
            for word in words:
                if fold(word) in breaks and len(parts[-1]) >= 3:
                    parts.append([])
                    continue  # the conjunction belongs to neither thought
                parts[-1].append(word)
            for part in parts:
                if not 2 <= len(part) <= max_words:
                    continue
                phrase = " ".join(part)
                cues = reader.read(phrase)
                c = cues.clauses
                if cues.feeling or cues.noun or cues.topic or c.label or c.outlook or c.want:
                    out.append(phrase)
        return out

