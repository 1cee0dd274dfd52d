"""Embedded honesty-intent model: which question about the kiosk a turn asks, by meaning.

A multinomial logistic regression over the same multilingual sentence encoder the screening
model and the reply model use (one shared instance per process, `reply_embed.shared_encoder`).
Training utterances live in `content/<lang>/honesty_examples.toml`; weights and thresholds are
made by `python -m reflection.honesty_train` and committed (nothing is trained at run time).
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reflection.content_files import PACKAGED_CONTENT_DIR, ContentStore, base_language
from reflection.screening_model import Softmax
from reflection.screening_repair import WordRepair

WEIGHTS_PATH = PACKAGED_CONTENT_DIR / "honesty_model.npz"
LANGUAGES = ("en", "es")
NONE = "none"
# The model's classes mapped onto the answers in honesty.toml (`retention` also answers recording).
INTENT_OF = {"identity": "identity", "privacy": "privacy", "retention": "retention",
             "secret": "secret", "diagnosis": "diagnosis", "medication": "medication",
             "decide": "decide", "yes_no": "yes_no", "injection": "injection"}
# Phrase intents that refine a model class (the phrase's finer answer is kept).
REFINES = {"recording": "retention", "purpose": "identity"}
# A phrase intent kept over a confident model reading of a neighbouring class: asking that
# something be kept from the therapist is answered as a secret (that answer also says what the
# therapist sees), even when it reads like a who-sees question ("promise she won't find out?").
# Likewise "who reads this besides you" is answered with who sees what, not only "I'm a program".
KEEP_PHRASE = frozenset({("secret", "privacy"), ("privacy", "identity")})
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[¿?]")


# At most this many utterances from one composition (the full product can run to hundreds).
MAX_COMPOSED = 40


def compose(spec: Mapping[str, Any], seed: str) -> list[str]:
    """Utterances from one `[[compose]]` table: word classes joined, a fixed sample kept.

    `parts` is a list of word classes (lists of strings, "" for an optional slot); every
    combination is one utterance, and a deterministic sample of `keep` of them is used, so the
    model learns the concept (who types back vs who reads; a secret vs a recording) from many
    wordings instead of one line per wording.
    """
    parts = [[str(w) for w in part] for part in spec["parts"]]
    joined = [" ".join(w for w in combo if w).replace(" ?", "?").replace(" ,", ",")
              for combo in itertools.product(*parts)]
    keep = min(int(spec.get("keep", MAX_COMPOSED)), MAX_COMPOSED, len(joined))
    return random.Random(seed).sample(joined, keep)


def examples(store: ContentStore) -> list[tuple[str, str, str]]:
    """(text, class, language) for every training utterance in both languages: the lists,
    then every `[[compose]]` table expanded."""
    rows = []
    for lang in LANGUAGES:
        data = store.load(lang, "honesty_examples")
        for name, items in data.items():
            if isinstance(items, list) and name != "compose":
                rows += [(str(text), name, lang) for text in items]
        for index, spec in enumerate(data.get("compose", [])):
            name = str(spec["class"])
            rows += [(text, name, lang) for text in compose(spec, f"{lang}:{index}:{name}")]
    return rows


def fingerprint(rows: Sequence[tuple[str, str, str]]) -> str:
    """A short hash of the training utterances (the weights must be rebuilt when it changes)."""
    joined = "\n".join("\t".join(row) for row in rows)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Normaliser:
    """Lowercase words with texting forms spelled out and misspellings of known words repaired."""

    repairs: Mapping[str, WordRepair]
    # Role words read as the therapist ("counselor", "psicóloga"), applied after repair.
    roles: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, store: ContentStore) -> Normaliser:
        """Slang from honesty.toml `[slang]`; the vocabulary is every word the examples use.

        `[roles]` words join the vocabulary, so a misspelt "counsler" is repaired onto
        "counselor" and then read as "therapist"."""
        roles = {lang: {str(k).lower(): str(v).lower()
                        for k, v in store.load(lang, "honesty").get("roles", {}).items()}
                 for lang in LANGUAGES}
        vocabulary = {w for text, _, _ in examples(store) for w in _WORD.findall(text.lower())}
        vocabulary |= {w for table in roles.values() for w in table}
        repairs = {}
        for lang in LANGUAGES:
            slang = store.load(lang, "honesty").get("slang", {})
            repairs[lang] = WordRepair.build(lang, slang, sorted(vocabulary))
        return cls(repairs, roles)

    def __call__(self, text: str, lang: str) -> str:
        lang = base_language(lang)
        repair = self.repairs.get(lang) or self.repairs["en"]
        roles = {**self.roles.get("en", {}), **self.roles.get("es", {})}
        out: list[str] = []
        for word in _WORD.findall(text.lower().replace("’", "'")):
            repaired = repair(word, word) if word not in "¿?" else (word,)
            out.extend(roles.get(w, w) for w in repaired)
        return " ".join(out).replace(" ?", "?").replace("¿ ", "¿")


@dataclass(frozen=True)
class IntentGuess:
    """The most likely tool question (the best class other than none) and P(none)."""

    intent: str | None
    none: float

    @property
    def asked(self) -> float:
        """The probability that the turn asks something about the tool at all."""
        return 1.0 - self.none


@dataclass(frozen=True)
class IntentModel:
    """Answers the best tool question when P(not none) >= threshold; `veto` is the P(none) that
    overrules a phrase match in a statement (not a question): "my boss is not a real person"."""

    model: Softmax
    classes: tuple[str, ...]
    threshold: float
    veto: float
    fingerprint: str
    encode: Callable[[list[str]], Any]
    normalise: Normaliser

    @classmethod
    def load(cls, store: ContentStore | None = None, *, encoder: Any = None) -> IntentModel:
        """The committed weights with the shared encoder (screening's loader, loaded once)."""
        from reflection.reply_embed import shared_encoder

        store = store or ContentStore()
        with np.load(WEIGHTS_PATH, allow_pickle=False) as data:
            model = Softmax(data["weights"].astype(float), data["bias"].astype(float))
            classes = tuple(str(c) for c in data["classes"])
            threshold, veto = (float(v) for v in data["thresholds"])
            mark = str(data["fingerprint"])
        use = encoder if encoder is not None else shared_encoder()
        return cls(model, classes, threshold, veto, mark, use.encode, Normaliser.load(store))

    def guess(self, text: str, lang: str) -> IntentGuess:
        """The model's reading of one client turn."""
        x = np.asarray(self.encode([self.normalise(text, lang)]), dtype=float)
        p = self.model.probs(x)[0]
        at_none = self.classes.index(NONE)
        best = max((i for i in range(len(p)) if i != at_none), key=lambda i: float(p[i]))
        return IntentGuess(INTENT_OF.get(self.classes[best]), float(p[at_none]))

    def decide(self, phrase: str | None, guess: IntentGuess, *, question: bool,
               skip: Sequence[str] = (), asked_only: Sequence[str] = ()) -> str | None:
        """Combine the phrase matcher's intent with the model's guess (pure).

        `asked_only`: intents the model may give only when the turn is a question ("I'd like to
        focus on the medication today" is a topic, not a medication question).
        """
        allowed = question or guess.intent not in asked_only
        if guess.intent and guess.intent not in skip and allowed and \
                guess.asked >= self.threshold:
            if phrase and REFINES.get(phrase, phrase) == guess.intent:
                return phrase
            if phrase == "injection":
                return phrase  # a prompt-injection phrase is never overruled
            if (phrase, guess.intent) in KEEP_PHRASE:
                return phrase
            return guess.intent
        if phrase and phrase != "injection" and not question and guess.none >= self.veto:
            return None
        return phrase
