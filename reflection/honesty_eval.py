"""Scores honest-answer intent detection on a labelled TSV set: `python -m reflection.honesty_eval`.

Columns: intent, lang, group, text. Intents: human, privacy, retention, secret, diagnosis,
medication, decide, yes_no, none. Each row is also screened (rules + the default layers), because a
question about the tool must never open a check-in: a row with level >= 1 is listed.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reflection.errors import GuardrailContentError

# The answer's intent (content/<lang>/honesty.toml) mapped onto the set's labels. `purpose`
# ("what is this thing?") says it is a computer program, so it answers an identity question;
# `recording` answers a retention question (both say what is kept and for how long).
LABEL_OF = {"identity": "human", "purpose": "human", "privacy": "privacy",
            "recording": "retention", "retention": "retention", "secret": "secret",
            "diagnosis": "diagnosis", "medication": "medication", "decide": "decide",
            "yes_no": "yes_no"}
# A set label that also accepts a finer answer: sets 1 and 2 label retention and recording
# questions "privacy" (sets 3 and later give them their own label, "retention").
ALSO_ACCEPTS = {"privacy": frozenset({"retention"}), "yes_no": frozenset({"decide"})}
# Labels whose answers are interchangeable for the client: each refuses and offers a note.
ADVICE = frozenset({"diagnosis", "medication", "decide", "yes_no"})


@dataclass(frozen=True)
class Item:
    """One labelled client utterance."""

    intent: str
    lang: str
    group: str
    text: str


def load_items(path: Path) -> list[Item]:
    """A TSV set with a header row: intent, lang, group, text."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    items = [Item(r["intent"], r["lang"], r.get("group", ""), r["text"]) for r in rows]
    if not items or any(not i.text or not i.intent for i in items):
        raise GuardrailContentError(f"{path}: needs intent and text on every row")
    return items


def label(intent: str | None) -> str:
    """The set label of a detected intent ("none" for no tool question, "other" else)."""
    return "none" if intent is None else LABEL_OF.get(intent, "other")


def correct(expected: str, found: str, *, grouped: bool = False) -> bool:
    """Strict: the same label (a yes/no demand may also get the decision answer, a privacy
    label the retention answer; a retention label needs the retention or recording answer)."""
    if expected == found or found in ALSO_ACCEPTS.get(expected, frozenset()):
        return True
    return grouped and expected in ADVICE and found in ADVICE


@dataclass(frozen=True)
class Score:
    """Accuracy, per-label recall and the none-rows that were answered as a tool question."""

    n: int
    strict: float
    grouped: float
    recall: Mapping[str, tuple[int, int]]
    false_answers: int
    negatives: int
    misses: tuple[tuple[Item, str], ...]


def score(items: Sequence[Item], detect: Callable[[str, str], str | None]) -> Score:
    """Run `detect(text, lang)` (an honesty intent or None) over every item."""
    found = [label(detect(i.text, i.lang)) for i in items]
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter(i.intent for i in items)
    misses = []
    for item, got in zip(items, found, strict=True):
        if correct(item.intent, got):
            hits[item.intent] += 1
        else:
            misses.append((item, got))
    negatives = [g for i, g in zip(items, found, strict=True) if i.intent == "none"]
    n = len(items)
    return Score(
        n=n, strict=sum(correct(i.intent, g) for i, g in zip(items, found, strict=True)) / n,
        grouped=sum(correct(i.intent, g, grouped=True)
                    for i, g in zip(items, found, strict=True)) / n,
        recall={k: (hits[k], totals[k]) for k in sorted(totals)},
        false_answers=sum(g != "none" for g in negatives), negatives=len(negatives),
        misses=tuple(misses))


def report(result: Score) -> str:
    """Plain text for the console and docs."""
    lines = [f"n={result.n} strict={result.strict:.3f} grouped={result.grouped:.3f} "
             f"none answered as a tool question: {result.false_answers}/{result.negatives}"]
    lines += [f"  {k:<11} {h}/{t}" for k, (h, t) in result.recall.items()]
    lines += [f"  miss [{i.intent} -> {got}] {i.lang} {i.text}" for i, got in result.misses]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Score the current detector (and list utterances screening flags) on each set."""
    from reflection.content_files import ContentStore
    from reflection.honesty import HonestAnswers
    from reflection.screening import RiskScreener
    from reflection.screening_layers import embedded_classifier

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sets", type=Path, nargs="+")
    parser.add_argument("--no-screen", action="store_true", help="skip the screening check")
    args = parser.parse_args(argv)
    store = ContentStore()
    answers = HonestAnswers(store)
    screener = None if args.no_screen else RiskScreener.load(
        store, classifier=embedded_classifier(True))
    for path in args.sets:
        items = load_items(path)
        print(f"== {path.name}")
        print(report(score(items, lambda text, lang: answers.intent(text, lang))))
        if screener is not None:
            for item in items:
                level = int(screener.screen(item.text, item.lang).level)
                if level:
                    print(f"  screened level {level}: [{item.intent}] {item.text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
