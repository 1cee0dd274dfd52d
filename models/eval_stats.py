"""Pure statistics for the evaluation report: small-count suppression, percentiles, and the
two-proportion z-test behind the disparity flags."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SUPPRESS_BELOW = 5
SUPPRESSED = "< 5"

Cell = int | str  # a count, or SUPPRESSED


def suppress(count: int, below: int = SUPPRESS_BELOW) -> Cell:
    """A count as shown: 1 to below-1 could point at one person, so it becomes "< 5"."""
    return SUPPRESSED if 0 < count < below else count


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between closest ranks; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class ProportionTest:
    """Two rates compared: the difference, the pooled z statistic and its two-sided p-value."""

    rate_a: float
    rate_b: float
    difference: float
    z: float
    p_value: float


def two_proportion_z(hits_a: int, n_a: int, hits_b: int, n_b: int) -> ProportionTest | None:
    """Pooled two-proportion z-test; None when a group is empty or the pooled rate is 0 or 1.

    z = (p_a - p_b) / sqrt(p (1 - p) (1/n_a + 1/n_b)), with p = (x_a + x_b) / (n_a + n_b);
    two-sided p = erfc(|z| / sqrt 2). See NIST/SEMATECH e-Handbook of Statistical Methods,
    section 7.3.3 ("How can we determine whether two processes produce the same proportion of
    defectives?"), https://www.itl.nist.gov/div898/handbook/prc/section3/prc33.htm
    """
    if n_a <= 0 or n_b <= 0:
        return None
    rate_a, rate_b = hits_a / n_a, hits_b / n_b
    pooled = (hits_a + hits_b) / (n_a + n_b)
    variance = pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b)
    if variance <= 0.0:
        return None
    z = (rate_a - rate_b) / math.sqrt(variance)
    return ProportionTest(rate_a, rate_b, rate_a - rate_b, z, math.erfc(abs(z) / math.sqrt(2.0)))


def is_disparity(test: ProportionTest, *, margin: float, alpha: float) -> bool:
    """Flag only a difference both larger than the clinic's margin and unlikely to be chance."""
    return abs(test.difference) > margin and test.p_value < alpha


def enough_data(n_a: int, n_b: int, minimum: int) -> bool:
    """Both groups have at least `minimum` cases (else no rate is compared at all)."""
    return n_a >= minimum and n_b >= minimum
