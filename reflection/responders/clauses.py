"""Clause cues: "I feel like...", self-evaluations, wants, focus, reported words, ambivalence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reflection.responders.tokens import (
    SENTENCE_END,
    Phrase,
    Token,
    contains,
    find,
    fold,
    phrases,
    starts_with,
    until_clause_end,
    verbatim,
)
from reflection.responders.turning import Turner


@dataclass(frozen=True)
class ClauseCues:
    """Reflectable clauses, already turned round to second person."""

    like: str = ""  # "like you're not good enough"
    belief: str = ""  # a self-evaluation as a clause: "you're not good enough"
    label: str = ""  # the self-evaluation in the client's exact words: "not good enough"
    outlook: str = ""  # a hopeless-sounding word as said: "pointless"
    want: str = ""  # "feel more confident"
    want_said: str = ""  # "I want to feel more confident", verbatim, for the summary
    focus: str = ""  # "talk about your mom today"
    focus_said: str = ""  # "I want to talk about my mom today", verbatim
    who: str = ""  # "your mom" in "<my mom> always said..."
    said: str = ""  # "you would never amount to anything"
    sides: tuple[str, str] | None = None  # both sides of an ambivalence
    parts: tuple[str, str] | None = None  # the same as "part of you..." clauses
    ambivalent: bool = False
    growth: bool = False  # the want is one to affirm ("feel more confident", not "punch a wall")
    sensitive: bool = False  # talk of death or harm: nothing is mirrored verbatim


def _match_at(keys: Sequence[str], at: int, phrase: Phrase, fillers: frozenset[str]) -> int:
    """End index when the phrase starts at `at`, allowing filler words inside it; else -1."""
    j = at
    for n, word in enumerate(phrase):
        skipped = 0
        while n and j < len(keys) and keys[j] != word and keys[j] in fillers and skipped < 2:
            j, skipped = j + 1, skipped + 1
        if j >= len(keys) or keys[j] != word:
            return -1
        j += 1
    return j


class ClauseReader:
    """Finds clause cues using one language's [clauses] section."""

    def __init__(self, content: Mapping[str, Any], people: Sequence[Phrase]) -> None:
        lex, phrasing = content["lexicon"], content["phrasing"]
        c: Mapping[str, Any] = content.get("clauses", {})
        self.turner = Turner(phrasing, c)
        self._people = sorted(people, key=len, reverse=True)
        self._possessives = {p for p in phrasing.get("possessives", [])}

        def keys(name: str) -> frozenset[str]:
            return frozenset(p[0] for p in phrases(c.get(name, [])) if len(p) == 1)

        self._fillers = keys("fillers")
        self._speaker = keys("speaker")
        self._subjects = keys("subjects")
        self._feel_words = keys("feel_words")
        self._negations = frozenset(p[0] for p in phrases(lex.get("negations", [])))
        self._subject_drop = bool(c.get("subject_drop", False))
        evaluations: Mapping[str, list[str]] = lex.get("evaluations", {})
        self._self = phrases(evaluations.get("self", []))
        self._outlook = phrases(evaluations.get("outlook", []))
        self._feel = phrases(c.get("feel", []))
        self._like_starts = phrases(c.get("like_starts", []))
        self._wants = phrases(c.get("wants", []))
        self._want_blockers = phrases(c.get("want_blockers", []))
        self._want_endings = tuple(str(e) for e in c.get("want_verb_endings", []))
        self._growth_words = {fold(str(w)) for w in c.get("growth_verbs", [])}
        self._focus_wants = phrases(c.get("focus_wants", []))
        self._focus_verbs = phrases(c.get("focus_verbs", []))
        self._said = phrases(c.get("said", []))
        self._said_skip = keys("said_skip")
        self._sensitive = phrases(c.get("sensitive", []))
        self._starts = phrases(phrasing.get("ambivalence_starts", []))
        self._turns = phrases(phrasing.get("ambivalence_turns", []))
        self._b_subjects = keys("ambivalence_subjects")

    def read(self, text: str, tokens: Sequence[Token]) -> ClauseCues:
        """Every clause cue in one utterance."""
        keys = [t.key for t in tokens]
        if contains(keys, self._sensitive):
            # Screening runs first and answers danger; this is a second line of defence so
            # that no clause about death or harm is ever mirrored, affirmed or asked about.
            return ClauseCues(ambivalent=self._ambivalence(tokens, keys)[1], sensitive=True)
        label, belief, outlook = self._evaluation(tokens, keys)
        want, want_said, focus, focus_said = self._wants_and_focus(text, tokens, keys)
        who, said = self._reported(tokens, keys)
        sides, ambivalent = self._ambivalence(tokens, keys)
        parts = None
        if sides:
            pa, pb = (self.turner.as_part(side) for side in sides)
            parts = (pa, pb) if pa and pb else None
        return ClauseCues(
            like=self._like(tokens, keys), belief=belief, label=label, outlook=outlook,
            want=want, want_said=want_said, focus=focus, focus_said=focus_said, who=who,
            said=said, sides=sides, parts=parts, ambivalent=ambivalent,
            growth=bool(want) and fold(want.split()[0]) in self._growth_words,
        )

    # -- helpers ------------------------------------------------------------------------

    def _search(self, keys: Sequence[str], options: Sequence[Phrase], start: int = 0
                ) -> tuple[int, int] | None:
        for i in range(start, len(keys)):
            for phrase in options:  # longest first
                end = _match_at(keys, i, phrase, self._fillers)
                if end >= 0:
                    return i, end
        return None

    def _blocked(self, keys: Sequence[str], index: int) -> bool:
        """ "more than I'd like to admit", "I don't know what I want to...": not a want."""
        return any(tuple(keys[max(0, index - len(p)) : index]) == p for p in self._want_blockers)

    def _clause_to(self, tokens: Sequence[Token], start: int) -> list[Token]:
        """Tokens from start to the end of the clause, stopping before "but"."""
        out = until_clause_end(tokens[start:])
        keys = [t.key for t in out]
        for i in range(1, len(out)):
            if starts_with(keys, i, self._turns):
                return out[:i]
        return out

    def _turned(self, tokens: Sequence[Token], max_words: int = 10) -> str:
        return self.turner.turn(tokens, max_words=max_words)

    def _negated(self, keys: Sequence[str], index: int) -> bool:
        for k in reversed(keys[max(0, index - 3) : index]):
            if not k[:1].isalnum():
                return False  # negation scope ends at clause punctuation
            if k in self._negations or k.endswith("n't"):
                return True
        return False

    def _clause_start(self, tokens: Sequence[Token], index: int) -> int:
        start = index
        while start > 0 and tokens[start - 1].is_word:
            start -= 1
        return start

    # -- cues ---------------------------------------------------------------------------

    def _evaluation(self, tokens: Sequence[Token], keys: Sequence[str]) -> tuple[str, str, str]:
        label = belief = outlook = ""
        for i in range(len(keys)):
            if label and outlook:
                break
            found = None if outlook else starts_with(keys, i, self._outlook)
            if found and not self._negated(keys, i):
                outlook = " ".join(t.lower for t in tokens[i : i + len(found)])
            if label or not (p := starts_with(keys, i, self._self)) or self._negated(keys, i):
                continue
            start = self._clause_start(tokens, i)
            if not set(keys[start : i + len(p)]) & self._speaker:
                continue
            label = " ".join(t.lower for t in tokens[i : i + len(p)])
            subject = next((s for s in range(i, start - 1, -1) if keys[s] in self._subjects), -1)
            if subject < 0 and self._subject_drop:
                subject = i
            if subject >= 0 and not set(keys[subject:i]) & self._feel_words:
                belief = self._turned(self._clause_to(tokens, subject))
        return label, belief, outlook

    def _like(self, tokens: Sequence[Token], keys: Sequence[str]) -> str:
        hit = self._search(keys, self._feel)
        if hit is None or self._negated(keys, hit[0]):
            return ""  # "I don't feel like going out" is not a feeling to mirror
        if not starts_with(keys, hit[1], self._like_starts):
            return ""
        return self._turned(self._clause_to(tokens, hit[1]), max_words=12)

    def _wants_and_focus(self, text: str, tokens: Sequence[Token], keys: Sequence[str]
                         ) -> tuple[str, str, str, str]:
        want = want_said = focus = focus_said = ""
        start = 0
        while (hit := self._search(keys, self._focus_wants, start)) is not None:
            verb = hit[1]
            if self._negated(keys, hit[0]) or self._blocked(keys, hit[0]):
                break  # "I don't want to talk about..." is not a focus
            while verb < len(keys) and keys[verb] in self._fillers:
                verb += 1
            if starts_with(keys, verb, self._focus_verbs):
                vp = self._clause_to(tokens, verb)
                focus = self._turned(vp, max_words=12)
                if focus:
                    focus_said = verbatim(text, self._clause_to(tokens, hit[0]))
                    break
            start = hit[0] + 1
        hit = self._search(keys, self._wants)
        if hit is not None and (self._negated(keys, hit[0]) or self._blocked(keys, hit[0])):
            hit = None  # "I don't want to..." must never come back as "you want to..."
        if hit is not None and not focus:
            obj = self._clause_to(tokens, hit[1])
            verb_first = not self._want_endings or (
                bool(obj) and obj[0].key.endswith(self._want_endings))
            want = self._turned(obj) if verb_first else ""
            want_said = verbatim(text, [*tokens[hit[0] : hit[1]], *obj]) if want else ""
        return want, want_said, focus, focus_said

    def _reported(self, tokens: Sequence[Token], keys: Sequence[str]) -> tuple[str, str]:
        for k, tok in enumerate(tokens[:-1]):
            owned = tok.lower in self._possessives
            person = starts_with(keys, k + 1, self._people) if owned else None
            if person is None:
                continue
            after = k + 1 + len(person)
            marker = self._search(keys[: after + 3], self._said, after)
            if marker is None:
                continue
            start = marker[1]
            while start < len(keys) and keys[start] in self._said_skip:
                start += 1
            clause = self._clause_to(tokens, start)
            said = self._turned(clause, max_words=12)
            about_client = bool({t.key for t in clause} & self._speaker) or (
                self._subject_drop and said != " ".join(t.lower for t in clause))
            if said and about_client:
                who = self.turner.turn(tokens[k:after])
                return who, said
        return "", ""

    def _ambivalence(self, tokens: Sequence[Token], keys: Sequence[str]
                     ) -> tuple[tuple[str, str] | None, bool]:
        for start_phrase in self._starts:
            s = find(keys, start_phrase)
            if s < 0:
                continue
            for t in range(s + len(start_phrase), len(tokens)):
                if tokens[t].text in SENTENCE_END:
                    break
                turn = starts_with(keys, t, self._turns)
                if turn is None:
                    continue
                b_tokens = until_clause_end(tokens[t + len(turn) :])
                a = self.turner.turn(tokens[s:t], min_words=2, max_words=10)
                b = self.turner.turn(b_tokens, min_words=2, max_words=10)
                ok_b = not self._b_subjects or (b_tokens and b_tokens[0].key in self._b_subjects)
                if a and b and ok_b:
                    return (a, b), True
                return None, True
        return None, False
