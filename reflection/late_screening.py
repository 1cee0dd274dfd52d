"""Runs an optional model grade beside the reply; its answer can only raise a later decision."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from reflection.risk import NO_RISK, RiskAssessment
from reflection.screening import RiskClassifier, combine

log = logging.getLogger(__name__)


class LateScreen:
    """One background worker per engine: start a grade, collect it later without waiting."""

    def __init__(self, classifier: RiskClassifier) -> None:
        self._classifier = classifier
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="late-screen")

    def start(self, text: str, lang: str) -> Future[RiskAssessment]:
        """Begin grading one client turn off the calling thread."""
        return self._pool.submit(self._classifier.classify, text, lang)

    def close(self) -> None:
        """Stop the worker (pending grades are dropped)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def collect(pending: Future[RiskAssessment] | None) -> RiskAssessment:
    """The finished grade, or NONE when it is not ready or failed (never blocks)."""
    if pending is None or not pending.done() or pending.cancelled():
        return NO_RISK
    try:
        return pending.result(timeout=0)
    except Exception as exc:  # an optional model failing must never lower or stop anything
        log.warning("late screening failed (%s)", type(exc).__name__)
        return NO_RISK


def raise_with(floor: RiskAssessment, late: RiskAssessment) -> RiskAssessment:
    """The floor, raised by a late grade when that grade is higher."""
    return combine(floor, late) if late.level > floor.level else floor
