"""Concept screening: risk as combinations of concepts, with modifiers scoped to their clause."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reflection.errors import GuardrailContentError
from reflection.screening_rules import expand_macros
from reflection.screening_text import NormalisedText

# A negator governs risk words at most this many words after it ("not ... kill myself").
_NEGATION_REACH = 6
# A denial said after the act ("killing myself? no, that's not me") reaches this far back.
_AFTER_REACH = 8
# How many words before a hit are read for its subject ("I want to die": "i" is before the hit).
_SUBJECT_REACH = 2
_KINDS = ("span", "before", "clause", "previous", "after")
_EFFECTS = ("drop", "cap1")
# Modifiers may also govern the phrase rules' matches, under this pseudo-concept name.
RULES = "rules"


@dataclass(frozen=True)
class Hit:
    """A concept found on tokens [start, end) of clause `clause`; `cap` limits its level."""

    concept: str
    start: int
    end: int
    clause: int
    cap: int = 3


@dataclass(frozen=True)
class Modifier:
    """Denial, idiom, media, medication, past or third party: lowers only what it governs."""

    id: str
    # span: overlapping hits; before: hits after it in the clause; clause: its clause;
    # previous: the clause before it (a recovery said of what came just before: "..., but
    # they went away with therapy"), and its own clause; after: hits that end before it, in its
    # clause or the one before ("ending it all? no, that's never been me")
    kind: str
    effect: str  # drop the hit, or cap it at level 1 (history, someone else)
    patterns: tuple[re.Pattern[str], ...]
    governs: frozenset[str]
    exempt: tuple[re.Pattern[str], ...] = ()
    # When set, only hits whose words (or the few before them) match are governed ("he shot
    # himself", "mi hermano se cortaba").
    only: tuple[re.Pattern[str], ...] = ()
    # Media and someone else's story never lower the client's own words: a hit whose words, or
    # the few words before them, name the speaker ("I", "myself", "matarme") keeps its level.
    spare_self: bool = False


@dataclass(frozen=True)
class Combo:
    """Concepts that together mean a risk level in one category."""

    id: str
    all: tuple[str, ...]
    level: int
    category: str


@dataclass(frozen=True)
class ConceptFinding:
    """A combo that fired, the level it was allowed, and the tokens behind it."""

    combo: Combo
    level: int
    hits: tuple[Hit, ...]


def _compile(patterns: Sequence[str], macros: Mapping[str, str], owner: str
             ) -> tuple[re.Pattern[str], ...]:
    out = []
    for pattern in patterns:
        source = expand_macros(pattern, macros, owner)
        try:
            out.append(re.compile(rf"(?<!\w)(?:{source})(?!\w)"))
        except re.error as exc:
            raise GuardrailContentError(f"{owner}: bad pattern {pattern!r}: {exc}") from exc
    return tuple(out)


def _strings(value: Any, owner: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GuardrailContentError(f"{owner}: expected a list of strings")
    return list(value)


@dataclass(frozen=True)
class ConceptLexicon:
    """One language's concepts, modifiers, combos and clause breaks, from screening.toml."""

    concepts: Mapping[str, tuple[re.Pattern[str], ...]]
    modifiers: tuple[Modifier, ...]
    combos: tuple[Combo, ...]
    breaks: frozenset[str]
    # Patterns over the lemma view ("carve" covers carved/carving), by concept name.
    lemma_concepts: Mapping[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)
    # Words that make the speaker the subject or object of a hit (for `spare_self` modifiers).
    first_person: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def compile(cls, data: Mapping[str, Any]) -> ConceptLexicon:
        """Build from the parsed data file (`[concepts]`, `[[modifiers]]`, `[[combos]]`)."""
        macros = data.get("macros", {})
        concepts = {name: _compile(_strings(p, f"concept {name}"), macros, f"concept {name}")
                    for name, p in data.get("concepts", {}).items()}
        modifiers = []
        for raw in data.get("modifiers", []):
            mid = str(raw.get("id", ""))
            kind, effect = raw.get("kind", "clause"), raw.get("effect", "drop")
            if kind not in _KINDS or effect not in _EFFECTS:
                raise GuardrailContentError(f"modifier {mid}: bad kind or effect")
            governs = frozenset(_strings(raw.get("governs", []), f"modifier {mid}"))
            if unknown := governs - concepts.keys() - {RULES}:
                raise GuardrailContentError(f"modifier {mid}: unknown concepts {sorted(unknown)}")
            spare = raw.get("spare_self", False)
            if not isinstance(spare, bool):
                raise GuardrailContentError(f"modifier {mid}: spare_self must be true or false")
            modifiers.append(Modifier(
                mid, kind, effect, _compile(_strings(raw.get("patterns", []), mid), macros, mid),
                governs, _compile(_strings(raw.get("exempt", []), mid), macros, mid),
                _compile(_strings(raw.get("only", []), mid), macros, mid), spare))
        combos = []
        for raw in data.get("combos", []):
            cid = str(raw.get("id", ""))
            needs = tuple(_strings(raw.get("all", []), f"combo {cid}"))
            if not needs or set(needs) - concepts.keys():
                raise GuardrailContentError(f"combo {cid}: unknown or missing concepts")
            level = raw.get("level")
            if not isinstance(level, int) or not 1 <= level <= 3:
                raise GuardrailContentError(f"combo {cid}: level must be 1-3")
            combos.append(Combo(cid, needs, level, str(raw.get("category", ""))))
        breaks = frozenset(_strings(data.get("clause_breaks", []), "clause_breaks"))
        lemmas = {name: _compile(_strings(p, f"lemma concept {name}"), macros, name)
                  for name, p in data.get("lemma_concepts", {}).items()}
        if missing := sorted(set(lemmas) - set(concepts)):
            raise GuardrailContentError(f"lemma_concepts: unknown concepts {missing}")
        first = _compile(_strings(data.get("first_person", []), "first_person"), macros,
                         "first_person")
        if any(m.spare_self for m in modifiers) and not first:
            raise GuardrailContentError("a spare_self modifier needs a first_person list")
        return cls(concepts, tuple(modifiers), tuple(combos), breaks, lemmas, first)

    def find(self, text: NormalisedText, rule_spans: Sequence[tuple[int, int]] = (),
             lemmas: NormalisedText | None = None
             ) -> tuple[list[ConceptFinding], list[Hit], int]:
        """Combos left standing after the modifiers lowered what they govern, the phrase
        rules' matches (token spans `rule_spans`) after the same modifiers, and how many risk
        hits a modifier dropped (an idiom, denial, medication or media reading was found)."""
        clauses = clause_index(text, self.breaks)
        hits = [h for name, patterns in self.concepts.items()
                for h in _hits(name, patterns, text, clauses)]
        if lemmas is not None and len(lemmas.tokens) == len(text.tokens):
            hits += [h for name, patterns in self.lemma_concepts.items()
                     for h in _hits(name, patterns, lemmas, clauses)]
        hits += [Hit(RULES, a, b, clauses[a]) for a, b in rule_spans if a < len(clauses)]
        dropped = 0
        for modifier in self.modifiers:
            spans = _modifier_spans(modifier, text)
            if spans:
                lowered = [_apply(modifier, spans, hit, clauses, text, self.first_person)
                           for hit in hits]
                hits = [h for h in lowered if h is not None]
                dropped += len(lowered) - len(hits)
        rules = [h for h in hits if h.concept == RULES]
        best: dict[str, Hit] = {}
        for hit in hits:
            if hit.concept not in best or hit.cap > best[hit.concept].cap:
                best[hit.concept] = hit
        found = []
        for combo in self.combos:
            if all(c in best for c in combo.all):
                used = tuple(best[c] for c in combo.all)
                found.append(ConceptFinding(combo, min(combo.level, *(h.cap for h in used)), used))
        return found, rules, dropped


def clause_index(text: NormalisedText, breaks: frozenset[str]) -> tuple[int, ...]:
    """The clause number of every token: punctuation and words like "but" start a new one."""
    out: list[int] = []
    clause = 0
    after_break = False
    for token in text.tokens:
        is_break = token.text in breaks or token.text in ".,;:!?"
        # ", but" is one break, not two: no empty clause, so "the clause before" is a real one.
        if is_break and not after_break:
            clause += 1
        after_break = is_break
        out.append(clause)
    return tuple(out)


def token_span(text: NormalisedText, start: int, end: int) -> tuple[int, int]:
    """Token indices [first, last + 1) behind normalised characters [start, end)."""
    return text.token_at(start), text.token_at(max(start, end - 1)) + 1


def _hits(name: str, patterns: Sequence[re.Pattern[str]], text: NormalisedText,
          clauses: Sequence[int]) -> list[Hit]:
    out = []
    for pattern in patterns:
        for found in pattern.finditer(text.text):
            if found.end() > found.start():
                start, end = token_span(text, found.start(), found.end())
                out.append(Hit(name, start, end, clauses[start]))
    return out


def _modifier_spans(modifier: Modifier, text: NormalisedText) -> list[tuple[int, int]]:
    exempt = [token_span(text, m.start(), m.end())
              for p in modifier.exempt for m in p.finditer(text.text) if m.end() > m.start()]
    spans = []
    for pattern in modifier.patterns:
        for found in pattern.finditer(text.text):
            if found.end() <= found.start():
                continue
            span = token_span(text, found.start(), found.end())
            if not any(a < span[1] and span[0] < b for a, b in exempt):
                spans.append(span)
    return spans


def _governed(modifier: Modifier, span: tuple[int, int], hit: Hit, clauses: Sequence[int]
              ) -> bool:
    start, end = span
    if modifier.kind == "span":
        return start < hit.end and hit.start < end
    if modifier.kind == "previous":
        return hit.clause in (clauses[start], clauses[start] - 1)
    if modifier.kind == "after":
        # A denial that follows the words it answers, close behind them, in the same clause or
        # the one just before (the question mark or comma between them is a clause break).
        return (hit.end <= start and start - hit.end < _AFTER_REACH
                and hit.clause in (clauses[start], clauses[start] - 1))
    if clauses[start] != hit.clause:
        return False
    if modifier.kind == "before":
        # The negator must come before the risk words; one inside them ("do not want to live")
        # is part of what the client said, not a denial of it.
        return end <= hit.start and hit.start - end < _NEGATION_REACH
    return True


def _words(text: NormalisedText, start: int, end: int) -> str:
    return " ".join(t.text for t in text.tokens[max(start, 0):end])


def _spared(modifier: Modifier, hit: Hit, text: NormalisedText,
            first_person: Sequence[re.Pattern[str]]) -> bool:
    """True when the modifier may not touch this hit (its subject is the speaker, or the
    modifier is limited to hits of another shape)."""
    around = _words(text, hit.start - _SUBJECT_REACH, hit.end)
    if modifier.only and not any(p.search(around) for p in modifier.only):
        return True
    if modifier.spare_self:
        return any(p.search(around) for p in first_person)
    return False


def _apply(modifier: Modifier, spans: Sequence[tuple[int, int]], hit: Hit,
           clauses: Sequence[int], text: NormalisedText,
           first_person: Sequence[re.Pattern[str]] = ()) -> Hit | None:
    if hit.concept not in modifier.governs:
        return hit
    if _spared(modifier, hit, text, first_person):
        return hit
    if not any(_governed(modifier, span, hit, clauses) for span in spans):
        return hit
    if modifier.effect == "drop":
        return None
    return Hit(hit.concept, hit.start, hit.end, hit.clause, min(hit.cap, 1))
