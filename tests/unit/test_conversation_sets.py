"""Every reply over the development conversation sets passes the basic and honesty checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflection.content_files import ContentStore
from reflection.conversation_checks import CheckReport, check_all, load_conversations
from reflection.engine import ReflectionEngine
from reflection.mi_coder import code_run, total

DATA = Path(__file__).resolve().parent.parent / "data"
SETS = ("conversations_round1.json", "conversations_first_contact.json",
        "conversations_first_contact_2.json")


@pytest.fixture(scope="module")
def report() -> CheckReport:
    items = [item for name in SETS for item in load_conversations(DATA / name)]
    return check_all(ReflectionEngine.load(ContentStore()), items)


def test_enough_conversations_of_every_kind(report: CheckReport) -> None:
    assert len(report.runs) >= 25
    langs = {run.lang for run in report.runs if run.crisis_at is not None}
    assert langs == {"en", "es"}  # a crisis in each language


def test_basic_checks_pass_on_every_reply(report: CheckReport) -> None:
    # At most one question, 5-60 words, no sentence twice in a session, the session language.
    assert report.basic == [], report.basic


def test_honesty_language_and_follow_up_checks_pass(report: CheckReport) -> None:
    # Every per-turn expectation (AI disclosure, who sees what, retention, secrets, no label or
    # advice, crisis at crisis_at, follow-ups never the block, resources and grounding on request).
    assert report.expectations == [], report.expectations


def test_mi_targets_over_the_set(report: CheckReport) -> None:
    figures = [code_run(run) for run in report.runs]
    overall = total(figures)
    assert overall.r_to_q >= 1.0 and overall.complex_share >= 0.40
    # Reflections keep up with questions in every session that was not all crisis protocol.
    assert all(f.r_to_q >= 1.0 for f in figures if f.questions), [
        (f.name, f.r_to_q) for f in figures if f.questions and f.r_to_q < 1.0]
