"""After the crisis message: short, calm, consistent answers; never the whole block again."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from reflection.content_files import ContentStore, base_language
from reflection.intents import IntentMatcher, has_phrase
from reflection.responders.composer import sentence_key
from reflection.responders.tokens import fold
from reflection.risk import RiskLevel
from reflection.secrecy import SecrecyConcept

# Tool questions the crisis follow-ups answer themselves (honesty.toml intents, read by the
# phrase lists and, when given, the honesty intent model): who it is, secrets, who sees.
_HONEST = ("identity", "secret", "privacy")


class IntentReader(Protocol):
    """What the follow-ups need from reflection.honesty.HonestAnswers."""

    def intent(self, text: str, lang: str, *, level: int = 0) -> str | None: ...

_YES = ("yes", "yeah", "ok", "okay", "sure", "please", "si", "vale", "claro", "bueno")
_BREATH = ("breath", "breathe", "breathing", "respira", "respirar", "respiracion", "respiremos")


@dataclass
class FollowUpState:
    """Where one session is in the follow-ups (which grounding step comes next)."""

    exercise: int = 0
    step: int = 0
    # The last thing said offered grounding, so a bare "yes" accepts it.
    grounding_offered: bool = True


@dataclass(frozen=True)
class FollowUpReply:
    """A crisis-protocol reply after the crisis message (shape of reflection.stages.CrisisReply)."""

    message: str
    lines: tuple[str, ...]
    level: RiskLevel = RiskLevel.HIGH
    lang: str = "en"
    kind: str = "crisis"
    intent: str = ""
    extra: tuple[str, ...] = field(default=())

    @property
    def sentences(self) -> tuple[str, ...]:
        """What is shown and spoken, in order."""
        return self.lines


class CrisisFollowUps:
    """Answers every turn after the crisis message from crisis_followup.toml and grounding.toml."""

    def __init__(self, store: ContentStore | None = None, *, country: str = "US",
                 honesty: IntentReader | None = None) -> None:
        self._store = store or ContentStore()
        self._country = country
        self._honesty = honesty
        self._matchers: dict[str, IntentMatcher] = {}
        self._identity: dict[str, IntentMatcher] = {}
        self._secrecy: dict[str, SecrecyConcept] = {}
        self._requests: dict[str, tuple[re.Pattern[str], ...]] = {}

    def _data(self, lang: str) -> Mapping[str, Any]:
        return self._store.load(lang, "crisis_followup")

    def intent(self, text: str, lang: str) -> str:
        """Which follow-up the turn asks for ("default" when none is recognised)."""
        lang = base_language(lang)
        if lang not in self._matchers:
            data = self._data(lang)
            self._matchers[lang] = IntentMatcher(data["triggers"], data["order"])
            honesty = self._store.load(lang, "honesty")
            self._identity[lang] = IntentMatcher(honesty["intents"], list(_HONEST))
            self._secrecy[lang] = SecrecyConcept.from_data(lang, data.get("secrecy", {}))
        # Asked to keep it from someone: before the phrase lists ("keep it out of my file" is a
        # secrecy request although it names where text goes).
        if self._secrecy[lang].asks(text):
            return "secret"
        if found := self._identity[lang].match(text):
            return found
        own = self._matchers[lang].match(text)
        if own in (None, "wait", "thanks", "other_topic") and self._honesty is not None:
            # A tool question in words no list holds ("will anyone else read this?").
            asked = self._honesty.intent(text, lang)
            if asked in _HONEST:
                return asked
        return own or "default"

    def asks_grounding(self, text: str, lang: str) -> bool:
        """The turn asks for help to calm down (grounding.toml `[request]` frames), any time."""
        lang = base_language(lang)
        if lang not in self._requests:
            frames = self._store.load(lang, "grounding").get("request", {}).get("frames", [])
            self._requests[lang] = tuple(re.compile(p) for p in frames)
        folded = fold(text)
        return any(p.search(folded) for p in self._requests[lang])

    def grounding(self, text: str, lang: str, used: Collection[str], state: FollowUpState
                  ) -> tuple[str, ...]:
        """Grounding asked for outside a crisis: the next steps of an exercise, nothing else."""
        lang = base_language(lang)
        seen = {sentence_key(u) for u in used}
        return tuple(self._grounding(text, lang, self._data(lang), seen, state))

    def reply(self, text: str, lang: str, used: Collection[str], state: FollowUpState, *,
              level: RiskLevel = RiskLevel.HIGH, delivered: bool = True) -> FollowUpReply:
        """The follow-up for one turn; every sentence is new to this session."""
        lang = base_language(lang)
        data = self._data(lang)
        seen = {sentence_key(u) for u in used}
        intent = self.intent(text, lang)
        if intent in ("wait", "default") and state.grounding_offered and has_phrase(text, _YES):
            intent = "grounding"  # "yes" to the grounding offer
        if intent == "grounding":
            lines = self._grounding(text, lang, data, seen, state)
        else:
            state.grounding_offered = False
            lines = self._pick(self._options(intent, data, delivered), seen)
        if not lines:  # a long wait: one calm sentence not said yet
            lines = self._pick([[line] for line in data.get("calm", [])], seen)
        if not lines:  # after very many turns, a repeat beats silence
            lines = list(data["answers"]["default"][0])
        return FollowUpReply(" ".join(lines), tuple(lines), level, lang, intent=intent)

    def _options(self, intent: str, data: Mapping[str, Any], delivered: bool
                 ) -> Sequence[Sequence[str]]:
        answers = data["answers"]
        if intent == "resources":
            again = data.get("resources_again", {})
            return list(again.get(self._country) or again.get("US") or [])
        if intent in ("coming", "next", "police") and not delivered:
            return list(answers.get("coming_unconfirmed", [])) + list(answers["default"])
        return list(answers.get(intent, [])) + list(answers["default"])

    @staticmethod
    def _pick(options: Sequence[Sequence[str]], seen: set[str]) -> list[str]:
        for option in options:
            if not any(sentence_key(s) in seen for s in option):
                return list(option)
        return []

    def _grounding(self, text: str, lang: str, data: Mapping[str, Any], seen: set[str],
                   state: FollowUpState) -> list[str]:
        """The next two steps of a grounding exercise (breathing when asked for by name)."""
        exercises = self._store.load(lang, "grounding").get("exercise", [])
        if not exercises:
            return []
        if has_phrase(text, _BREATH):
            wanted = next((i for i, e in enumerate(exercises) if "breath" in str(e["id"])), 0)
            if wanted != state.exercise:
                state.exercise, state.step = wanted, 0
        steps: list[str] = list(exercises[state.exercise].get("steps", []))
        if state.step >= len(steps):  # this one is done: move on to the next exercise
            state.exercise, state.step = (state.exercise + 1) % len(exercises), 0
            steps = list(exercises[state.exercise].get("steps", []))
        lead_pool = data["grounding"]["start" if state.step == 0 else "more"]
        lead = next((s for s in lead_pool if sentence_key(s) not in seen), "")
        fresh = [s for s in steps[state.step:] if sentence_key(s) not in seen][:2]
        state.step += 2
        state.grounding_offered = False
        lines = [lead, *fresh] if lead else fresh
        if state.step >= len(steps):
            done = next((s for s in data["grounding"]["done"] if sentence_key(s) not in seen), "")
            if done and len(lines) < 3:
                lines.append(done)
        return [line for line in lines if line]
