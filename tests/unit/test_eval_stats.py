"""The evaluation report's pure statistics: suppression, percentiles, two-proportion z-test."""

from __future__ import annotations

import math

import pytest

from models.eval_stats import (
    SUPPRESSED,
    enough_data,
    is_disparity,
    percentile,
    suppress,
    two_proportion_z,
)


def test_small_counts_are_suppressed_zero_and_five_are_not() -> None:
    assert [suppress(n) for n in range(7)] == [0, SUPPRESSED, SUPPRESSED, SUPPRESSED,
                                               SUPPRESSED, 5, 6]


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)
    assert percentile(list(map(float, range(1, 101))), 95) == pytest.approx(95.05)


def test_z_test_matches_a_worked_example() -> None:
    # 40/100 vs 20/100: pooled p = 0.3, se = sqrt(0.3*0.7*0.02) = 0.0648, z = 3.086.
    test = two_proportion_z(40, 100, 20, 100)
    assert test is not None
    assert test.z == pytest.approx(0.2 / math.sqrt(0.3 * 0.7 * 0.02))
    assert test.z == pytest.approx(3.086, abs=1e-3)
    assert test.p_value == pytest.approx(0.00203, abs=1e-4)


def test_z_test_agrees_with_scipy_when_installed() -> None:
    stats = pytest.importorskip("scipy.stats")
    test = two_proportion_z(13, 61, 25, 58)
    assert test is not None
    assert test.p_value == pytest.approx(2 * stats.norm.sf(abs(test.z)))


def test_degenerate_groups_give_no_test() -> None:
    assert two_proportion_z(0, 0, 3, 10) is None
    assert two_proportion_z(0, 10, 0, 12) is None
    assert two_proportion_z(10, 10, 12, 12) is None


def test_disparity_needs_both_margin_and_significance() -> None:
    big_and_sure = two_proportion_z(40, 100, 20, 100)
    small_but_sure = two_proportion_z(5200, 10000, 5000, 10000)
    big_but_unsure = two_proportion_z(3, 6, 1, 6)
    assert big_and_sure and small_but_sure and big_but_unsure
    assert is_disparity(big_and_sure, margin=0.1, alpha=0.05)
    assert not is_disparity(small_but_sure, margin=0.1, alpha=0.05)
    assert not is_disparity(big_but_unsure, margin=0.1, alpha=0.05)
    assert enough_data(20, 20, 20) and not enough_data(19, 40, 20)


def test_report_windows_parse_and_bad_ones_are_refused() -> None:
    from datetime import timedelta

    from models.evaluation import parse_window

    assert parse_window("30d") == timedelta(days=30)
    assert parse_window("12h") == timedelta(hours=12)
    assert parse_window("8w") == timedelta(weeks=8)
    for bad in ("", "30", "d30", "-3d", "3y", "1.5d"):
        with pytest.raises(ValueError):
            parse_window(bad)
