"""True answers, from content files, to questions about the kiosk itself."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reflection.content_files import ContentStore, base_language
from reflection.disclosure import DisclosureFacts
from reflection.honesty_embed import IntentModel
from reflection.intents import IntentMatcher, has_phrase
from reflection.responders.composer import sentence_key

log = logging.getLogger(__name__)

# Questions only a professional may answer: the kiosk offers to note them for the therapist.
FOR_THERAPIST = frozenset({"diagnosis", "medication", "decide", "yes_no"})
# Talk about the tool itself, not the client's story (kept out of the summary).
ABOUT_TOOL = frozenset({"identity", "privacy", "retention", "injection", "noted_yes", "noted_no"})
MAX_WORDS = 60
_YES_NO_WORDS = 8


@dataclass(frozen=True)
class HonestAnswer:
    """What to say to a question about the tool, and what it means for the session."""

    intent: str
    sentences: tuple[str, ...]

    @property
    def offers_note(self) -> bool:
        """True when the answer offered to add the client's question to the summary."""
        return self.intent in FOR_THERAPIST


def _first_unused(options: Sequence[str], used: set[str], fills: Mapping[str, Any]) -> str:
    for option in options:
        sentence = option.format(**fills)
        if sentence_key(sentence) not in used:
            return sentence
    return ""


def _lowered(sentence: str) -> str:
    """A sentence continued after a prefix ("As I said, " + "the text..."); "I" stays upper."""
    first = sentence.split(" ", 1)[0]
    keep = first == "I" or first.startswith(("I'", "I’"))
    return sentence if keep else sentence[:1].lower() + sentence[1:]


class HonestAnswers:
    """Detects questions about the tool and answers them true to the running configuration."""

    def __init__(self, store: ContentStore | None = None, *,
                 model: IntentModel | bool | None = True) -> None:
        """`model`: an IntentModel, True to load the committed one when first needed (if
        `embedded_model` is on in honesty.toml), or None/False for the phrase lists alone."""
        self._store = store or ContentStore()
        self._matchers: dict[str, IntentMatcher] = {}
        self._model: IntentModel | bool | None = model

    def model(self) -> IntentModel | None:
        """The intent model, loaded on first use; None when it is off or cannot load."""
        if self._model is True:
            self._model = None
            if self._content("en").get("embedded_model", False):
                try:
                    self._model = IntentModel.load(self._store)
                except (OSError, ImportError, KeyError, ValueError) as exc:
                    log.warning("honesty intent model unavailable (%s); phrases alone decide",
                                type(exc).__name__)
        return self._model or None

    def _content(self, lang: str) -> Mapping[str, Any]:
        return self._store.load(base_language(lang), "honesty")

    def matcher(self, lang: str) -> IntentMatcher:
        """The intent matcher for one language (built once)."""
        lang = base_language(lang)
        if lang not in self._matchers:
            data = self._content(lang)
            self._matchers[lang] = IntentMatcher(
                data["intents"], data["order"], data.get("question_starts", ()))
        return self._matchers[lang]

    def intent(self, text: str, lang: str, *, level: int = 0) -> str | None:
        """The tool question in a turn; advice questions are left alone when risk was heard.

        The phrase lists and the embedded model both read the turn: a confident model reading
        wins (it knows wordings no list holds), and a statement the model is sure asks nothing
        ("my boss is not a real person to me") overrules a phrase match.
        """
        skip = FOR_THERAPIST if level else frozenset()
        matcher = self.matcher(lang)
        phrase, by_concept = matcher.match_how(text, skip=skip)
        model = self.model()
        if model is None or by_concept:
            # A two-part concept ("a staff member" + "typing these answers") is kept over the
            # model, which reads "who writes the replies" as "who sees them".
            return phrase
        if phrase is None:  # the phrases also read the turn with texting forms spelled out
            phrase = matcher.match(model.normalise(text, lang), skip=skip)
        guess = model.guess(text, lang)
        return model.decide(phrase, guess, question=matcher.is_question(text), skip=tuple(skip),
                            asked_only=tuple(FOR_THERAPIST))

    def answer(self, text: str, lang: str, facts: DisclosureFacts, used: Collection[str], *,
               level: int = 0, note_offered: bool = False) -> HonestAnswer | None:
        """The honest answer for this turn, or None when the turn is not about the tool."""
        data = self._content(lang)
        seen = {sentence_key(u) for u in used}
        fills = {"retention_days": facts.retention_days}
        if note_offered and len(text.split()) <= _YES_NO_WORDS:
            reply = self._yes_no(text, data, seen)
            if reply is not None:
                return reply
        intent = self.intent(text, lang, level=level)
        if intent is None:
            return None
        spec = data["intents"][intent]
        out: list[str] = []
        for slot in spec.get("slots", []):
            sentence = _first_unused(slot, seen, fills)
            if not sentence and not out:  # the answer itself is never left out
                again = [p + _lowered(o) for p in data.get("again_prefixes", []) for o in slot]
                sentence = _first_unused(again, seen, fills) or slot[-1].format(**fills)
            out.append(sentence)
        if intent == "privacy":
            out.append(_first_unused(spec["live_on" if facts.live_view else "live_off"], seen,
                                     fills))
            out.append(_first_unused(spec.get("safety", []), seen, fills))
        return HonestAnswer(intent, self._finish(out, data, seen, spec.get("invite", True)))

    def _yes_no(self, text: str, data: Mapping[str, Any], seen: set[str]) -> HonestAnswer | None:
        # "no" is checked first: "no, don't add it" contains "add it".
        for key in ("no", "yes"):
            if has_phrase(text, data.get(key, [])):
                line = _first_unused(data["noted"][key], seen, {})
                return HonestAnswer(f"noted_{key}", self._finish([line], data, seen))
        return None

    @staticmethod
    def _finish(out: list[str], data: Mapping[str, Any], seen: set[str], invite: bool = True
                ) -> tuple[str, ...]:
        """Drop empty slots; with no question asked, invite the client back to their story."""
        kept = [s for s in out if s]
        if invite and not any(s.endswith("?") for s in kept):
            line = _first_unused(data.get("invite", []), seen | {sentence_key(s) for s in kept},
                                 {})
            if line and len(" ".join([*kept, line]).split()) <= MAX_WORDS:
                kept.append(line)
        while len(" ".join(kept).split()) > MAX_WORDS and len(kept) > 1:
            kept.pop()
        return tuple(kept)
