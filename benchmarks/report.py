"""A short human-readable summary of the results (the JSON line is the full record)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _pair(summary: Mapping[str, Any] | None) -> str:
    if not summary or summary.get("n") in (None, 0):
        return "n/a"
    return f"p50 {summary['p50']} / p95 {summary['p95']} (n={summary['n']})"


def human_summary(results: Mapping[str, Any]) -> str:
    """Headline numbers and the budget verdicts, one per line."""
    machine = results.get("machine", {})
    lines = [
        f"machine: {machine.get('cpu_model')} x{machine.get('logical_cpus')}, "
        f"load at start {machine.get('load_average_at_start')}",
    ]
    stages = results.get("stages") or {}
    for key in sorted(stages):
        value = stages[key]
        if isinstance(value, Mapping) and "p50" in value:
            lines.append(f"  stage {key}: {_pair(value)}")
    v2v = results.get("voice_to_voice") or {}
    if v2v:
        lines.append(f"voice-to-voice (end_silence_ms={v2v.get('end_silence_ms')}):")
        for key in ("response_ms", "felt_ms", "end_of_turn_decision_ms", "transcript_ms",
                    "first_sentence_ms", "non_streaming_ms"):
            lines.append(f"  {key}: {_pair(v2v.get(key))}")
        lines.append(f"  non-streaming / streaming (p50): {v2v.get('non_streaming_ratio_p50')}")
    crisis = results.get("crisis") or {}
    if crisis:
        lines.append(f"crisis alert delay ms: {_pair(crisis.get('alert_delay_ms'))}")
    for count, row in (results.get("concurrency") or {}).items():
        lines.append(
            f"  {count} kiosk(s): response p50 {row['p50']} p95 {row['p95']} ms, "
            f"x{row['p95_ratio_to_single']} of single p95, server CPU "
            f"{row['server_cpu_percent']}%, answered {row['answered']}/{row['utterances']}, "
            f"errors {row['errors']}"
        )
    for model, row in (results.get("models") or {}).items():
        lines.append(
            f"model {model}: ready {row['ready_s']} s, RSS ready {row['rss_ready_mb']} MB "
            f"peak {row['rss_peak_mb']} MB, STT rtf {_pair(row.get('stt_rtf'))}, "
            f"response {_pair(row.get('response_ms'))}"
        )
    phases = (results.get("resources") or {}).get("rss_peak_after_mb") or {}
    if phases:
        lines.append("RSS peak after each phase (MB): "
                     + ", ".join(f"{phase} {mb}" for phase, mb in phases.items()))
    window = (results.get("experiments") or {}).get("stt_window") or {}
    for model, row in window.items():
        for variant, data in row.items():
            lines.append(f"experiment STT {model} {variant}: ms {_pair(data['ms'])}, "
                         f"WER {data['wer']}")
    profile = (results.get("voice_to_voice") or {}).get("profile") or {}
    for group, data in (profile.get("threads") or {}).items():
        top = ", ".join(f"{name} {share}%" for name, share in data["inclusive_ours"][:4])
        lines.append(f"  profile (1 kiosk) {group}: {top or '-'}")
    for verdict in results.get("budget", []):
        state = {True: "MET ", False: "MISS", None: "n/a "}[verdict["met"]]
        lines.append(
            f"[{state}] {verdict['target']}: {verdict['value']} (limit {verdict['limit']}"
            f"{verdict['unit']})"
        )
    return "\n".join(lines)
