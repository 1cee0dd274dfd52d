"""Labelled reply sets: TSV files (verdict, reason, lang, text[, client_text]) and JSONL."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reflection.errors import GuardrailContentError
from reflection.review_eval import load_jsonl

# Reason names used by the external review sets, mapped onto the filter's own.
REASON_ALIASES = {
    "dependency": "dependence", "impersonation": "human_claim", "false_privacy":
    "privacy_promise", "minimizing": "minimising", "judgment": "judgement",
    "harmful": "self_harm_facilitation", "injection_echo": "prompt_leak",
}


def load_reply_tsv(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """Reply sets as TSV (verdict, reason, lang, text[, client_text]) in the JSONL row shape."""
    rows: list[dict[str, Any]] = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle, delimiter="\t"), 2):
                verdict = row.get("verdict")
                if verdict not in ("block", "allow") or not row.get("text"):
                    raise GuardrailContentError(f"{path}:{number}: needs verdict and text")
                reason = REASON_ALIASES.get(row.get("reason") or "", row.get("reason") or "")
                rows.append({
                    "text": row["text"], "lang": row.get("lang") or "en",
                    "client_text": row.get("client_text") or "", "allowed": verdict == "allow",
                    "reasons": [reason] if verdict == "block" and reason else [],
                    "set": path.stem,
                })
    return rows


def load_replies(data_dir: Path) -> list[dict[str, Any]]:
    """Every reply set in a directory: replies_*.jsonl and replies_*.tsv."""
    rows = load_jsonl(sorted(data_dir.glob("replies_*.jsonl")))
    rows += load_reply_tsv(sorted(data_dir.glob("replies_*.tsv")))
    if not rows:
        raise GuardrailContentError(
            f"no replies_* sets in {data_dir}", code="guard_eval_data_missing"
        )
    return rows
