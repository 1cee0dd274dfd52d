"""Pattern rules loaded from guardrail data files, matched against normalised text."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from reflection.errors import GuardrailContentError
from reflection.screening_text import NormalisedText

_MACRO_RE = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Rule:
    """One data-file rule: patterns plus how its matches interact with other rules' matches."""

    id: str
    level: int
    labels: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    # Globs of rule ids whose overlapping matches this rule cancels (idioms, denials, history).
    supersedes: tuple[str, ...] = ()
    # Globs of rule ids of which one must also match somewhere (e.g. means + suicidal context).
    requires: tuple[str, ...] = ()
    # Reply filter only: allowed when the flagged term is the client's own word.
    reflect_ok: bool = False


@dataclass(frozen=True)
class RuleMatch:
    """A rule that matched normalised characters [start, end)."""

    rule: Rule
    start: int
    end: int
    term: str

    def overlaps(self, other: RuleMatch) -> bool:
        """True when the two spans share at least one character."""
        return self.start < other.end and other.start < self.end


def expand_macros(pattern: str, macros: Mapping[str, str], rule_id: str) -> str:
    for _ in range(5):  # macros may use macros; a small bound stops accidental cycles
        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in macros:
                raise GuardrailContentError(f"rule {rule_id}: unknown macro {{{name}}}")
            return f"(?:{macros[name]})"

        expanded = _MACRO_RE.sub(substitute, pattern)
        if expanded == pattern:
            return expanded
        pattern = expanded
    raise GuardrailContentError(f"rule {rule_id}: macros nest too deeply")


def _as_strings(value: Any, what: str, rule_id: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise GuardrailContentError(f"rule {rule_id}: {what} must be a list of strings")
    return tuple(value)


def compile_rules(
    data: Mapping[str, Any], *, label_key: str, whole_words: bool = True
) -> tuple[Rule, ...]:
    """Build rules from a parsed data file's `[macros]` and `[[rules]]` tables."""
    macros = data.get("macros", {})
    rules: list[Rule] = []
    seen: set[str] = set()
    for raw in data.get("rules", []):
        rule_id = str(raw.get("id", ""))
        if not rule_id or rule_id in seen:
            raise GuardrailContentError(f"rule id missing or duplicated: {rule_id!r}")
        seen.add(rule_id)
        compiled: list[re.Pattern[str]] = []
        for pattern in _as_strings(raw.get("patterns", []), "patterns", rule_id):
            source = expand_macros(pattern, macros, rule_id)
            try:
                # Patterns match whole words of the normalised text; the data files stay readable.
                wrapped = rf"(?<!\w)(?:{source})(?!\w)" if whole_words else source
                compiled.append(re.compile(wrapped))
            except re.error as exc:
                message = f"rule {rule_id}: bad pattern {pattern!r}: {exc}"
                raise GuardrailContentError(message) from exc
        level = raw.get("level", 0)
        if not isinstance(level, int) or not 0 <= level <= 3:
            raise GuardrailContentError(f"rule {rule_id}: level must be 0-3")
        rules.append(
            Rule(
                id=rule_id,
                level=level,
                labels=_as_strings(raw.get(label_key, []), label_key, rule_id),
                patterns=tuple(compiled),
                supersedes=_as_strings(raw.get("supersedes", []), "supersedes", rule_id),
                requires=_as_strings(raw.get("requires", []), "requires", rule_id),
                reflect_ok=bool(raw.get("reflect_ok", False)),
            )
        )
    return tuple(rules)


def _matches_any(rule_id: str, globs: Sequence[str]) -> bool:
    return any(fnmatchcase(rule_id, glob) for glob in globs)


def match_rules(rules: Sequence[Rule], text: NormalisedText) -> list[RuleMatch]:
    """All matches left after cancellation (supersedes) and context checks (requires)."""
    raw: list[RuleMatch] = []
    for rule in rules:
        for pattern in rule.patterns:
            for found in pattern.finditer(text.text):
                term = found.groupdict().get("term") or found.group()
                raw.append(RuleMatch(rule, found.start(), found.end(), term))
    standing = [
        match
        for match in raw
        if not any(
            other.rule.id != match.rule.id
            and _matches_any(match.rule.id, other.rule.supersedes)
            and other.overlaps(match)
            for other in raw
        )
    ]
    return [
        match
        for match in standing
        if not match.rule.requires
        or any(
            other is not match and _matches_any(other.rule.id, match.rule.requires)
            for other in standing
        )
    ]
