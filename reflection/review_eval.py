"""Scores screening on review-style TSV sets (acceptable levels per utterance), as reviewers do."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reflection.errors import GuardrailContentError
from reflection.risk import RiskAssessment
from reflection.screening import RiskScreener
from reflection.screening_context import ScreeningContext
from reflection.screening_embed import Example

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


@dataclass(frozen=True)
class ReviewSet:
    """A review-style file and whether the rules were tuned on it."""

    name: str
    file: str
    in_sample: bool
    # Held to the in-sample thresholds: only sets whose misses were fixed one by one. Set 4 trains
    # the model and its misses were generalised into concepts, not patched, so it is reported.
    gated: bool = True
    # Sets 5-12 were kept out of the model's training while they were forecasts. Once a set's
    # first-contact figure is recorded (docs/guardrails.md) and a newer held-out set outside the
    # repository has taken over the forecast, its labels are worth more as training data:
    # leave-one-set-out on sets 8, 10 and 12, each held out in turn, showed it (round 8).
    trains: bool = False

    @property
    def trains_model(self) -> bool:
        """True when `reflect guard train` learns from this set (in-sample or released)."""
        return self.in_sample or self.trains


# Each first-contact set was written before the change it judges and scored once: set 1 on the
# old phrase-list design, set 2 on the first concept design, set 3 on the lemma view, set 4 on
# round 2, set 5 on round 3 (concepts + model), set 6 on round 3's final tree before round 4,
# set 7 on round 4's final tree before round 5.
# After scoring, sets 1-4 were tuned on (in-sample; they also train the model). Sets 5 and 6
# do not train the model; round 4 generalised the kinds set 6 missed into concepts (and saw
# set 5 as a development set), so neither is a clean forecast any more: see guardrails.md.
# Round 8 (2026-12-03 night): sets 5-12 train the model (`trains=True`; the rules' figures on
# them stay reported, ungated). The forecast is now a held-out set kept outside the repository
# by an evaluator who sees no code or data, scored before and after the round.
REVIEW_SETS = (
    ReviewSet("round1_dev", "review_round1_crisis.tsv", True),
    ReviewSet("first_contact_1", "screening_first_contact_1.tsv", True),
    ReviewSet("first_contact_2", "screening_first_contact_2.tsv", True),
    ReviewSet("first_contact_3", "screening_first_contact_3.tsv", True),
    ReviewSet("first_contact_4", "screening_first_contact_4.tsv", True, gated=False),
    ReviewSet("first_contact_5", "screening_first_contact_5.tsv", False, trains=True),
    ReviewSet("first_contact_6", "screening_first_contact_6.tsv", False, trains=True),
    # Round 5: written and scored once on f9e4fca before any change (rules + model 0.485 /
    # 0.671 / 0.121 / 0.061); its miss kinds were then generalised into concepts.
    ReviewSet("first_contact_7", "screening_first_contact_7.tsv", False, trains=True),
    # Written after the round-5 change (same kinds, new wordings) and scored once on it
    # (0.324 / 0.541 / 0.114 / 0.068): round 5's honest forecast and the next round's first
    # contact.
    ReviewSet("first_contact_8", "screening_first_contact_8.tsv", False, trains=True),
    # Round 6 (2026-12-03): written before any change, weighted to the weak groups (indirect,
    # goodbye, plan, research, harm to others, self-harm) with 82 level-0 hard negatives, and
    # scored once on f6750c6.
    ReviewSet("first_contact_9", "screening_first_contact_9.tsv", False, trains=True),
    # Round 6 probe: written after the round-6 change (ASR split words, Spanish negation scope)
    # and scored once on it; the round's honest forecast.
    ReviewSet("first_contact_10", "screening_first_contact_10.tsv", False, trains=True),
    # Round 7 (2026-12-03 afternoon): written before any change (media, third-party past,
    # post-nominal denials, medication, idioms as hard negatives; plans, means, rehearsal,
    # goodbye, burden, abuse, a child at risk) and scored once on 98cff8d.
    ReviewSet("first_contact_11", "screening_first_contact_11.tsv", False, trains=True),
    # Round 7 probe: written after the round-7 change (new wordings, same kinds) and scored
    # once on it; the round's honest forecast.
    ReviewSet("first_contact_12", "screening_first_contact_12.tsv", False, trains=True),
)


def context_screen(screener: RiskScreener) -> ScreenFn:
    """A ScreenFn that passes a row's context ("after_check_in") to the screener."""
    def screen(text: str, lang: str, context: str) -> RiskAssessment:
        return screener.screen(text, lang, context=ScreeningContext(
            after_check_in=context == "after_check_in"))

    return screen


def score_sets(screener: RiskScreener, data_dir: Path) -> dict[str, dict[str, Any]]:
    """Every review set present in `data_dir`, scored, with its in-sample flag."""
    out: dict[str, dict[str, Any]] = {}
    for review in REVIEW_SETS:
        path = data_dir / review.file
        if path.exists():
            scored = score_review(context_screen(screener), load_review_tsv(path))
            out[review.name] = {"in_sample": review.in_sample,
                                "gated": review.in_sample and review.gated, **scored}
    return out


def latency(screener: RiskScreener, texts: Sequence[str], repeat: int = 3) -> dict[str, float]:
    """Per-utterance screening time in ms (p50, p95, max); noisy on a busy machine."""
    times: list[float] = []
    for _ in range(repeat):
        for text in texts:
            start = time.perf_counter()
            screener.screen(text, "auto")
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    if not times:
        return {"n": 0, "p50_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
    return {"n": len(times), "p50_ms": round(times[len(times) // 2], 3),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 3), "max_ms": round(times[-1], 3)}


def load_jsonl(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """Rows from JSONL files, with a clear error naming a bad line."""
    rows: list[dict[str, Any]] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise GuardrailContentError(f"{path}:{number}: not JSON: {exc}") from exc
    return rows


def training_examples(data_dir: Path) -> list[Example]:
    """The labelled utterances that train the model (no unreleased first-contact set)."""
    out = [Example(i.text, i.lowest, i.category if i.category != "none" else "")
           for r in REVIEW_SETS if r.trains_model and (data_dir / r.file).exists()
           for i in load_review_tsv(data_dir / r.file)]
    out += [Example(str(row["text"]), int(row["level"]), (row.get("categories") or [""])[0])
            for row in load_jsonl(sorted(data_dir.glob("screening_*.jsonl")))]
    return out
