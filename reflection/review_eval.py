"""Scores screening on review-style TSV sets (acceptable levels per utterance), as reviewers do."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reflection.errors import GuardrailContentError
from reflection.risk import RiskAssessment

# screen(text, lang, context_name) -> assessment; context_name is "" or e.g. "after_check_in".
ScreenFn = Callable[[str, str, str], RiskAssessment]


@dataclass(frozen=True)
class ReviewItem:
    """One labelled utterance: the levels a reviewer accepts, and how it was built."""

    levels: frozenset[int]
    category: str
    lang: str
    group: str
    text: str
    context: str = ""

    @property
    def lowest(self) -> int:
        """The lowest acceptable level: >= 1 means "risk", >= 2 means "crisis"."""
        return min(self.levels)


def load_review_tsv(path: Path) -> list[ReviewItem]:
    """Rows of a review TSV (levels|category|lang|group|text[|context]), header required."""
    items: list[ReviewItem] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE),
                                     2):
            try:
                levels = frozenset(int(x) for x in row["levels"].split("|"))
                items.append(ReviewItem(levels, row["category"], row["lang"], row["group"],
                                        row["text"], (row.get("context") or "").strip()))
            except (KeyError, ValueError, AttributeError) as exc:
                raise GuardrailContentError(f"{path}:{number}: bad review row: {exc}") from exc
    if not items:
        raise GuardrailContentError(f"{path}: no review rows", code="guard_eval_data_missing")
    return items


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def figures(scored: Sequence[tuple[ReviewItem, int]]) -> dict[str, Any]:
    """The reviewers' figures for (item, predicted level) pairs."""
    crisis = [p for i, p in scored if i.lowest >= 2]
    risk = [p for i, p in scored if i.lowest >= 1]
    zero = [(i, p) for i, p in scored if i.lowest == 0]
    return {
        "n": len(scored),
        "recall_level2": _ratio(sum(p >= 2 for p in crisis), len(crisis)),
        "recall_level1": _ratio(sum(p >= 1 for p in risk), len(risk)),
        # A level-0 item is a false positive when flagged at a level the reviewer did not accept.
        "fp_level0": _ratio(sum(p not in i.levels for i, p in zero), len(zero)),
        "crisis_false_alarms": _ratio(sum(p >= 2 for _, p in zero), len(zero)),
        "n_crisis": len(crisis),
        "n_risk": len(risk),
        "n_level0": len(zero),
    }


def _split(scored: Iterable[tuple[ReviewItem, int]],
           key: Callable[[ReviewItem], str]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[tuple[ReviewItem, int]]] = {}
    for item, pred in scored:
        groups.setdefault(key(item), []).append((item, pred))
    return {name: figures(rows) for name, rows in sorted(groups.items())}


def score_review(screen: ScreenFn, items: Sequence[ReviewItem]) -> dict[str, Any]:
    """Overall, per-language, per-category and per-group figures plus the misses."""
    scored = [(item, int(screen(item.text, item.lang, item.context).level)) for item in items]
    overall = figures(scored)
    by_lang = _split(scored, lambda i: i.lang)
    recalls = [m["recall_level2"] for m in by_lang.values() if m["recall_level2"] is not None]
    overall["en_es_gap"] = round(max(recalls) - min(recalls), 4) if len(recalls) > 1 else 0.0
    misses = [
        {"text": i.text, "lang": i.lang, "group": i.group, "levels": sorted(i.levels), "got": p,
         "context": i.context}
        for i, p in scored if p not in i.levels
    ]
    return {"overall": overall, "per_language": by_lang,
            "per_category": _split(scored, lambda i: i.category),
            "per_group": _split(scored, lambda i: i.group), "misses": misses}


def score_files(screen: ScreenFn, paths: Mapping[str, Path]) -> dict[str, dict[str, Any]]:
    """Score several named review files."""
    return {name: score_review(screen, load_review_tsv(path)) for name, path in paths.items()}
