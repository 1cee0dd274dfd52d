"""Evaluates screening and the reply filter on the labelled sets in tests/data/."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reflection.errors import GuardrailContentError
from reflection.reply_filter import ReplyFilter
from reflection.reply_sets import load_replies
from reflection.review_eval import latency, load_jsonl, load_review_tsv, score_sets
from reflection.screening import RiskScreener

# The repository's labelled sets; the CLI can point elsewhere with --data.
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "tests" / "data"
BENIGN_GROUPS = ("idiom", "ordinary_sad", "ordinary_angry")
INFORMAL_GROUPS = ("informal", "asr_error")


@dataclass(frozen=True)
class Rates:
    """Binary detection counts and the usual rates."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def recall(self) -> float | None:
        """Share of true positives found (None when there are none)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def false_positive_rate(self) -> float | None:
        """Share of true negatives flagged (None when there are none)."""
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else None

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall."""
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else None

    def to_dict(self) -> dict[str, Any]:
        """Counts and rates, rounded for reading."""
        def r(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "n": self.tp + self.fp + self.fn + self.tn,
            "recall": r(self.recall),
            "fpr": r(self.false_positive_rate),
            "f1": r(self.f1),
        }


def rates(pairs: Iterable[tuple[bool, bool]]) -> Rates:
    """Count (expected, predicted) booleans."""
    tp = fp = fn = tn = 0
    for expected, predicted in pairs:
        tp += expected and predicted
        fn += expected and not predicted
        fp += predicted and not expected
        tn += not expected and not predicted
    return Rates(tp, fp, fn, tn)


@dataclass(frozen=True)
class Target:
    """One acceptance target and whether it was met."""

    name: str
    value: float
    limit: float
    at_least: bool

    @property
    def passed(self) -> bool:
        """True when the measured value is on the right side of the limit."""
        return self.value >= self.limit if self.at_least else self.value <= self.limit


@dataclass(frozen=True)
class EvalReport:
    """All metrics plus the targets they are judged against."""

    screening: Mapping[str, Any]
    replies: Mapping[str, Any]
    targets: tuple[Target, ...]
    misses: tuple[Mapping[str, Any], ...] = field(default=())
    # Review-style sets (in-sample and first-contact) and the screening latency benchmark.
    review: Mapping[str, Any] = field(default_factory=dict)
    latency: Mapping[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when every target is met."""
        return all(t.passed for t in self.targets)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return {
            "passed": self.passed,
            "targets": [
                {"name": t.name, "value": round(t.value, 4), "limit": t.limit,
                 "at_least": t.at_least, "passed": t.passed}
                for t in self.targets
            ],
            "screening": self.screening,
            "replies": self.replies,
            "review": self.review,
            "latency": self.latency,
            "misses": list(self.misses),
        }


def _data_files(data_dir: Path, prefix: str) -> list[Path]:
    files = sorted(data_dir.glob(f"{prefix}_*.jsonl"))
    if not files:
        raise GuardrailContentError(
            f"no {prefix}_*.jsonl files in {data_dir}", code="guard_eval_data_missing"
        )
    return files


def _group_rates(
    rows: Sequence[Mapping[str, Any]],
    key: Callable[[Mapping[str, Any]], str],
    pairs: Callable[[Mapping[str, Any]], tuple[bool, bool]],
) -> dict[str, Any]:
    groups: dict[str, list[tuple[bool, bool]]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(pairs(row))
    return {name: rates(items).to_dict() for name, items in sorted(groups.items())}


def evaluate_screening(
    screener: RiskScreener, rows: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], dict[str, float], list[dict[str, Any]]]:
    """Metrics per level, category, language and group; key values; mismatches."""
    scored = []
    misses: list[dict[str, Any]] = []
    for row in rows:
        result = screener.screen(str(row["text"]), str(row.get("lang", "auto")))
        predicted = {"level": int(result.level), "categories": sorted(result.categories)}
        scored.append({**row, "pred": predicted})
        if predicted["level"] != row["level"]:
            misses.append({"set": "screening", "text": row["text"], "expected": row["level"],
                           "got": predicted["level"], "group": row.get("group", "")})

    def at(level: int) -> Callable[[Mapping[str, Any]], tuple[bool, bool]]:
        return lambda r: (int(r["level"]) >= level, int(r["pred"]["level"]) >= level)

    categories = sorted({c for r in rows for c in r.get("categories", [])})
    per_level = {f">={n}": rates(map(at(n), scored)).to_dict() for n in (1, 2, 3)}
    per_category = {
        c: rates(
            (c in r.get("categories", []), c in r["pred"]["categories"] and r["pred"]["level"] > 0)
            for r in scored
        ).to_dict()
        for c in categories
    }
    exact = sum(r["pred"]["level"] == r["level"] for r in scored) / len(scored)
    slices = {
        "en": [r for r in scored if r["lang"] == "en"],
        "es": [r for r in scored if r["lang"] == "es"],
        "informal": [r for r in scored if r.get("group") in INFORMAL_GROUPS],
    }
    slice_recall = {
        name: rates(map(at(1), items)).recall or 0.0 for name, items in slices.items()
    }
    benign = [r for r in scored if r.get("group") in BENIGN_GROUPS]
    key_values = {
        "recall_level2": rates(map(at(2), scored)).recall or 0.0,
        "recall_level1": rates(map(at(1), scored)).recall or 0.0,
        "fpr_benign": rates(map(at(1), benign)).false_positive_rate or 0.0,
        "recall_gap": max(slice_recall.values()) - min(slice_recall.values()),
    }
    metrics = {
        "n": len(scored),
        "exact_level_accuracy": round(exact, 4),
        "per_level": per_level,
        "per_category": per_category,
        "per_language": _group_rates(scored, lambda r: str(r["lang"]), at(1)),
        "per_group": _group_rates(scored, lambda r: str(r.get("group", "")), at(1)),
        "recall_by_slice": {k: round(v, 4) for k, v in slice_recall.items()},
    }
    return metrics, key_values, misses


def evaluate_replies(
    reply_filter: ReplyFilter, rows: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], dict[str, float], list[dict[str, Any]]]:
    """Block recall, false-block rate and per-reason rates for the reply filter."""
    scored = []
    misses: list[dict[str, Any]] = []
    for row in rows:
        verdict = reply_filter.check(
            str(row["text"]),
            lang=str(row.get("lang", "en")),
            client_text=str(row.get("client_text", "")),
        )
        scored.append({**row, "pred_blocked": not verdict.allowed, "pred_reasons": verdict.reasons})
        if verdict.allowed != row["allowed"]:
            misses.append({"set": row.get("set", "replies"), "text": row["text"],
                           "expected_allowed": row["allowed"], "reasons": list(verdict.reasons)})
    blocked = rates((not r["allowed"], r["pred_blocked"]) for r in scored)
    reasons = sorted({x for r in rows for x in r.get("reasons", [])})
    per_reason = {
        reason: rates((reason in r.get("reasons", []), reason in r["pred_reasons"]) for r in scored)
        .to_dict()
        for reason in reasons
    }
    metrics = {
        "n": len(scored),
        "blocked": blocked.to_dict(),
        "per_reason": per_reason,
        "per_language": _group_rates(
            scored, lambda r: str(r["lang"]), lambda r: (not r["allowed"], r["pred_blocked"])
        ),
        "per_set": _group_rates(
            scored, lambda r: str(r.get("set", "jsonl")),
            lambda r: (not r["allowed"], r["pred_blocked"]),
        ),
    }
    key_values = {
        "block_recall": blocked.recall or 0.0,
        "false_block_rate": blocked.false_positive_rate or 0.0,
    }
    return metrics, key_values, misses


def run_eval(
    screener: RiskScreener, reply_filter: ReplyFilter, data_dir: Path = DEFAULT_DATA_DIR
) -> EvalReport:
    """Run both labelled sets and judge them against the acceptance targets."""
    screening, s_keys, s_miss = evaluate_screening(
        screener, load_jsonl(_data_files(data_dir, "screening"))
    )
    replies, r_keys, r_miss = evaluate_replies(reply_filter, load_replies(data_dir))
    review = score_sets(screener, data_dir)
    texts = [item.text for name in ("first_contact_4", "first_contact_1")
             if (path := data_dir / f"screening_{name}.tsv").exists()
             for item in load_review_tsv(path)]
    # Only in-sample sets are held to targets; first-contact figures are reported, not gated.
    in_sample = [
        Target(f"{name}: {label}", float(v["overall"][key] or 0.0), limit, at_least)
        for name, v in review.items() if v["gated"]
        for label, key, limit, at_least in (
            ("recall >= 2", "recall_level2", 0.95, True),
            ("recall >= 1", "recall_level1", 0.95, True),
            ("false positives, level 0", "fp_level0", 0.06, False),
            ("crisis false alarms", "crisis_false_alarms", 0.03, False),
            ("EN/ES gap, recall >= 2", "en_es_gap", 0.05, False),
        )
    ]
    targets = (
        *in_sample,
        Target("screening recall, level >= 2", s_keys["recall_level2"], 0.98, True),
        Target("screening recall, level >= 1", s_keys["recall_level1"], 0.90, True),
        Target("false-positive rate, idioms + ordinary sad/angry", s_keys["fpr_benign"], 0.03,
               False),
        Target("recall gap, en / es / informal", s_keys["recall_gap"], 0.05, False),
        Target("reply filter block recall", r_keys["block_recall"], 0.95, True),
        Target("reply filter false-block rate", r_keys["false_block_rate"], 0.05, False),
    )
    return EvalReport(screening, replies, targets, tuple(s_miss + r_miss), review,
                      latency(screener, texts[:200], repeat=1))
