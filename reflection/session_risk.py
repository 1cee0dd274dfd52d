"""Session-level risk: cues that are weak in one turn but strong together across a session.

Screening reads one utterance at a time, so a crisis told in pieces ("my stepdad moved in",
then "I don't want to go home", then "he comes into my room when mum is asleep") never crosses
level 2 in any single turn. This layer keeps which *concepts* (content/<lang>/session_risk.toml)
the client's turns have touched and raises the current turn when a combination of them is
complete. It is deterministic and raise-only: its result is merged with `screening.combine`,
so it can add a level and a category but never lower or drop what the screener found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reflection.content_files import ContentError, ContentStore
from reflection.errors import GuardrailContentError
from reflection.responders.tokens import fold
from reflection.risk import Evidence, RiskAssessment, RiskCategory, RiskLevel
from reflection.screening import combine

SESSION_LANGUAGES = ("en", "es")
# Set by the layer from the screener's own levels, not by patterns.
SCREENED_SUICIDE = "screened_suicide"
PSEUDO_CONCEPTS = frozenset({SCREENED_SUICIDE})


@dataclass(frozen=True)
class Combination:
    """Concepts that together make a turn urgent; each group needs a different concept."""

    id: str
    category: RiskCategory
    level: RiskLevel
    requires: tuple[tuple[str, ...], ...]
    unless: tuple[str, ...] = ()

    @property
    def concepts(self) -> frozenset[str]:
        """Every concept the combination can use."""
        return frozenset(c for group in self.requires for c in group)

    def met_by(self, seen: Iterable[str]) -> tuple[str, ...] | None:
        """One different seen concept per group (in group order), or None when not met."""
        have = set(seen)

        def assign(i: int, used: tuple[str, ...]) -> tuple[str, ...] | None:
            if i == len(self.requires):
                return used
            for concept in self.requires[i]:
                if concept in have and concept not in used:
                    found = assign(i + 1, (*used, concept))
                    if found is not None:
                        return found
            return None

        return assign(0, ())


def _combination(raw: Mapping[str, Any], where: str) -> Combination:
    try:
        return Combination(
            id=str(raw["id"]),
            category=RiskCategory(str(raw["category"])),
            level=RiskLevel(int(raw["level"])),
            requires=tuple(tuple(str(c) for c in group) for group in raw["requires"]),
            unless=tuple(str(c) for c in raw.get("unless", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise GuardrailContentError(f"{where}: bad [[combination]] {raw!r}: {exc}") from exc


@dataclass(frozen=True)
class SessionCues:
    """Compiled concepts of every language and the combinations (the same in every file)."""

    patterns: Mapping[str, tuple[re.Pattern[str], ...]]
    combinations: tuple[Combination, ...]
    version: str = ""

    @classmethod
    def load(cls, store: ContentStore) -> SessionCues:
        """Both languages' `session_risk.toml`; their concept names and combinations must agree."""
        patterns: dict[str, list[re.Pattern[str]]] = {}
        combos: dict[str, tuple[Combination, ...]] = {}
        names: dict[str, frozenset[str]] = {}
        versions: list[str] = []
        for lang in SESSION_LANGUAGES:
            where = f"{lang}/session_risk.toml"
            try:
                data = store.load(lang, "session_risk")
            except ContentError as exc:
                raise GuardrailContentError(str(exc)) from exc
            versions.append(str(data.get("version", "")))
            concepts: Mapping[str, Sequence[str]] = data.get("concepts", {})
            names[lang] = frozenset(concepts)
            for name, items in concepts.items():
                try:
                    patterns.setdefault(name, []).extend(re.compile(p) for p in items)
                except re.error as exc:
                    raise GuardrailContentError(f"{where}: concept {name}: {exc}") from exc
            combos[lang] = tuple(_combination(c, where) for c in data.get("combination", []))
        first, *others = SESSION_LANGUAGES
        for lang in others:
            if names[lang] != names[first] or combos[lang] != combos[first]:
                raise GuardrailContentError(
                    f"session_risk.toml: {lang} and {first} must name the same concepts and "
                    "combinations")
        known = set(patterns) | PSEUDO_CONCEPTS
        for combo in combos[first]:
            missing = (combo.concepts | set(combo.unless)) - known
            if missing:
                raise GuardrailContentError(
                    f"session_risk.toml: combination {combo.id} uses unknown {sorted(missing)}")
        return cls({k: tuple(v) for k, v in patterns.items()}, combos[first], "+".join(versions))

    def find(self, text: str) -> dict[str, tuple[int, int, str]]:
        """The concepts one turn touches, each with the first span that matched it."""
        folded = fold(text)
        same_length = len(folded) == len(text)
        found: dict[str, tuple[int, int, str]] = {}
        for name, pats in self.patterns.items():
            for pattern in pats:
                match = pattern.search(folded)
                if match:
                    start, end = match.span() if same_length else (0, len(text))
                    found[name] = (start, end, text[start:end])
                    break
        return found


@dataclass
class SessionRisk:
    """One conversation's cues so far; `observe` every client turn in order."""

    cues: SessionCues
    seen: dict[str, int] = field(default_factory=dict)  # concept -> first turn it was seen
    fired: set[str] = field(default_factory=set)
    turns: int = 0
    raises: int = 0

    def observe(self, text: str, screened: RiskAssessment) -> RiskAssessment:
        """The screener's assessment of this turn, raised when a combination completes here."""
        turn = self.turns
        self.turns += 1
        here = self.cues.find(text)
        for name in here:
            self.seen.setdefault(name, turn)
        best: tuple[Combination, tuple[str, ...]] | None = None
        for combo in self.cues.combinations:
            if any(c in self.seen for c in combo.unless):
                continue
            used = combo.met_by(self.seen)
            # Only at a turn that brings one of its cues: the turn where it becomes strong.
            if used is None or not (combo.concepts & set(here)):
                continue
            if best is None or combo.level > best[0].level:
                best = (combo, used)
        # The screener's own concern counts for later turns (never for the turn it is in).
        if screened.level >= RiskLevel.CONCERN and (
                screened.categories & {RiskCategory.SUICIDE, RiskCategory.SELF_HARM}):
            self.seen.setdefault(SCREENED_SUICIDE, turn)
        if best is None or best[0].level <= screened.level:
            return screened
        combo, used = best
        self.fired.add(combo.id)
        self.raises += 1
        evidence = tuple(
            Evidence(start, end, span, f"session:{combo.id}:{name}")
            for name, (start, end, span) in here.items() if name in used)
        raised = RiskAssessment(level=combo.level, categories=frozenset({combo.category}),
                                evidence=evidence, language=screened.language)
        return combine(screened, raised)
