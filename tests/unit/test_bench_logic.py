"""The benchmark's own pure logic: percentiles, corpus, budget verdicts, frame parsing, WER."""

from __future__ import annotations

import json
import struct
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks.budget import last_level_within, lookup, verdicts, within_budget
from benchmarks.corpus import (
    CRISIS_UTTERANCES,
    MAX_SECONDS,
    UTTERANCES,
    estimated_seconds,
    noise_floor,
    pick,
    speech_bounds,
)
from benchmarks.experiments import window_frames, word_error_rate, word_errors, words
from benchmarks.kiosk_sim import Said, TurnTimes, parse_audio_frame, pcm16
from benchmarks.server_proc import settings_env
from benchmarks.stats import percentile, ratio, summarize
from benchmarks.v2v import concurrency_summary, latency_table, loopback_hosts
from server.config import Settings


def test_percentile_interpolates_like_numpy() -> None:
    values = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0]
    for q in (0, 10, 50, 90, 95, 100):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))
    assert percentile([4.0], 95) == 4.0


def test_percentile_rejects_nothing_and_bad_q() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summarize_skips_missing_values() -> None:
    summary = summarize([10.0, None, 20.0, 30.0, float("nan")])
    assert summary["n"] == 3
    assert summary["p50"] == 20.0
    assert summary["max"] == 30.0
    assert summarize([None])["p95"] is None
    assert ratio(300.0, 150.0) == 2.0
    assert ratio(1.0, 0.0) is None


def test_corpus_has_enough_utterances_of_the_right_length() -> None:
    assert len(UTTERANCES) >= 20 and len(set(UTTERANCES)) == len(UTTERANCES)
    assert len(CRISIS_UTTERANCES) >= 1
    # Nominal speaking time: no utterance is a single word or longer than the limit.
    assert all(len(text.split()) >= 5 for text in UTTERANCES)
    assert all(estimated_seconds(text) <= MAX_SECONDS for text in UTTERANCES)
    assert max(estimated_seconds(t) for t in UTTERANCES) > 3 * min(
        estimated_seconds(t) for t in UTTERANCES)


def test_pick_spreads_over_the_corpus() -> None:
    texts = [f"t{i}" for i in range(20)]
    assert pick(texts, 4) == ["t0", "t5", "t10", "t15"]
    assert pick(texts, 50) == texts
    assert pick(texts, 0) == []


def test_speech_bounds_and_noise_floor() -> None:
    audio = np.zeros(1000, dtype=np.float32)
    audio[100:400] = 0.5
    assert speech_bounds(audio) == (100, 400)
    assert speech_bounds(np.zeros(10, dtype=np.float32)) == (0, 0)
    noise = noise_floor(1.0, seed=3)
    assert len(noise) == 16000 and noise.dtype == np.float32
    rms_db = 20 * np.log10(float(np.sqrt(np.mean(noise.astype(np.float64) ** 2))))
    assert rms_db == pytest.approx(-65.0, abs=0.5)
    assert np.array_equal(noise, noise_floor(1.0, seed=3))


def test_audio_frame_header_is_parsed() -> None:
    header = struct.pack("<2sBBIHHI", b"RK", 1, 0b11, 7, 2, 0xFFFF, 22050)
    parsed = parse_audio_frame(header + b"\x00\x01" * 4)
    assert parsed is not None
    assert (parsed.turn, parsed.index, parsed.seq) == (7, 2, 0xFFFF)
    assert parsed.end_of_reply and parsed.payload_bytes == 8
    assert parse_audio_frame(b"XX" + header[2:]) is None
    assert parse_audio_frame(b"RK") is None


def test_pcm16_clips_and_scales() -> None:
    data = pcm16(np.array([0.0, 1.5, -2.0, 0.5], dtype=np.float32))
    assert np.frombuffer(data, "<i2").tolist() == [0, 32767, -32767, 16383]


def _said(end: float, ended: float, first: float | None, last: float | None) -> Said:
    times = TurnTimes(speech_ended=ended, transcript=ended + 0.2, first_sentence=ended + 0.21,
                      first_audio=first, last_audio=last, reply_done=last)
    return Said(speech_end=end, turn=3, times=times)


def test_latency_table_measures_spans_between_marks() -> None:
    said = [_said(10.0, 10.7, 11.2, 12.2), _said(20.0, 20.75, 21.35, 21.95),
            Said(speech_end=30.0, turn=None, times=None, error="no_reply")]
    table = latency_table(said)
    assert table["response_ms"]["n"] == 2
    assert table["response_ms"]["p50"] == pytest.approx(550.0)
    assert table["felt_ms"]["max"] == pytest.approx(1350.0)
    assert table["end_of_turn_decision_ms"]["p50"] == pytest.approx(725.0)
    assert table["non_streaming_ms"]["p50"] == pytest.approx(1350.0)
    assert table["answered"] == 2 and table["utterances"] == 3


def test_concurrency_summary_and_budget_levels() -> None:
    def level(p50: float, p95: float) -> dict[str, object]:
        span = {"p50": p50, "p95": p95}
        return {"response_ms": span, "felt_ms": span, "transcript_ms": span,
                "first_sentence_ms": span, "answered": 4, "utterances": 4, "errors": {}}

    table = concurrency_summary(
        {"1": level(400, 800), "2": level(500, 900), "4": level(900, 1700), "8": level(2000,
                                                                                        4000)},
        single_p95=800)
    assert table["4"]["p95_ratio_to_single"] == pytest.approx(2.12)
    assert table["2"]["within_budget"] and not table["4"]["within_budget"]
    assert last_level_within(table, "within_budget") == 2
    assert last_level_within(table, "within_2x_single") == 2
    assert within_budget(600, 1000) and not within_budget(None, 10)


def test_budget_verdicts_report_misses_by_factor() -> None:
    results = {"voice_to_voice": {"response_ms": {"p50": 900.0, "p95": 950.0}},
               "resources": {"rss_peak_mb": 500, "ready_s": 8.0}}
    by_name = {v["target"]: v for v in verdicts(results)}
    assert by_name["response latency p50 (1 kiosk)"]["met"] is False
    assert by_name["response latency p50 (1 kiosk)"]["miss_factor"] == 1.5
    assert by_name["response latency p95 (1 kiosk)"]["met"] is True
    assert by_name["peak RSS"]["met"] is True
    assert by_name["crisis alert delay p95"]["met"] is None
    assert lookup(results, ("resources", "nothing")) is None


def test_word_error_rate() -> None:
    assert words("I'm fine, thanks!") == ["i'm", "fine", "thanks"]
    assert word_errors(["a", "b", "c"], ["a", "x", "c", "d"]) == 2
    assert word_error_rate(["the cat sat"], ["the cat sat"]) == 0.0
    assert word_error_rate(["the cat sat", "on a mat"], ["the bat sat", "on mat"]) == 0.333


def test_window_frames_covers_the_utterance_plus_margin() -> None:
    assert window_frames(16000 * 2) == 400  # 2 s + 1 s margin, rounded up to 100 frames
    assert window_frames(16000 * 29) == 3000
    assert window_frames(0) == 200


def test_bench_server_env_carries_speech_settings_and_bench_policy(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "ignored")
    settings = settings.model_copy(update={"stt": replace(
        settings.stt, cpu_threads=1, verify_checksums=False)})
    env = settings_env(settings, tmp_path / "bench", "base")
    assert env["REFLECT_STT__MODEL"] == "base"
    assert env["REFLECT_STT__CPU_THREADS"] == "1"
    assert env["REFLECT_STT__VERIFY_CHECKSUMS"] == "false"
    assert env["REFLECT_RESPONDER__KIND"] == "scripted"
    assert env["REFLECT_DATA_DIR"] == str(tmp_path / "bench")
    assert all(key.startswith("REFLECT_") for key in env)
    # List settings travel as JSON, the form pydantic-settings reads back.
    assert json.loads(env["REFLECT_STT__REFERENCE_ONLY"]) == list(settings.stt.reference_only)


def test_loopback_hosts_are_distinct_loopback_addresses() -> None:
    hosts = loopback_hosts()
    first = [next(hosts) for _ in range(300)]
    assert len(set(first)) == 300
    assert all(host.startswith("127.") for host in first)
    assert "127.0.0.1" not in first


def test_profile_frames_and_threads_are_named_shortly() -> None:
    from benchmarks.profiling import frame_name, thread_group

    assert frame_name("encode (/x/.venv/lib/python3.11/site-packages/faster_whisper/t.py:12)") \
        == "faster_whisper/t.py:encode"
    assert frame_name("speak (/work/main/server/voice_stack.py:140)") == \
        "server/voice_stack.py:speak"
    assert thread_group("thread (14832): reflect-model_1") == "reflect-model"
    assert thread_group("thread (1): MainThread") == "MainThread"


def test_collapsed_stacks_are_summarised_per_thread_group() -> None:
    from benchmarks.profiling import summarize_collapsed

    lines = [
        "thread (1): reflect-model_0;run (/a/server/voice_stack.py:1);"
        "synthesize (/a/voice/tts.py:2) 30",
        "thread (2): reflect-model_1;_worker (/usr/lib/concurrent/futures/thread.py:81) 10",
        "thread (3): MainThread;run (/usr/lib/asyncio/runners.py:118) 5",
        "garbage",
    ]
    summary = summarize_collapsed(lines)
    model = summary["reflect-model"]
    assert model["samples"] == 40
    assert model["self"][0] == ("voice/tts.py:synthesize", 75.0)
    assert ("server/voice_stack.py:run", 75.0) in model["inclusive_ours"]
    assert summary["MainThread"]["inclusive_ours"] == []
