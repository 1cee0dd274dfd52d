"""`reflect bench --writes` turns the server's histogram into per-kind means and a summary."""

from __future__ import annotations

from benchmarks.write_load import _write_ms, human


def test_mean_write_time_per_kind_comes_from_the_histogram_sum_and_count() -> None:
    metrics = {
        "reflect_write_seconds_sum{kind=alert}": 0.03,
        "reflect_write_seconds_count{kind=alert}": 2.0,
        "reflect_write_seconds_sum{kind=summary}": 0.0,
        "reflect_write_seconds_count{kind=summary}": 0.0,
        "reflect_turns_total{input=typed}": 5.0,
    }
    assert _write_ms(metrics) == {"alert": 15.0}


def test_the_summary_names_the_backlog_and_both_alert_delays() -> None:
    text = human({
        "busy_kiosks": 3, "turns": 120, "seconds": 60.0, "turns_per_s": 2.0,
        "backlog_at_crisis": 40, "backlog_at_stop": 7, "drain_s": 1.5, "dropped": 0,
        "alert_live_ms": 150, "alert_stored_ms": 320, "write_ms_by_kind": {"alert": 15.0},
    })
    assert "40 at the crisis" in text and "stored copy 320 ms" in text
    assert "alert 15.0 ms" in text and "0 dropped" in text
