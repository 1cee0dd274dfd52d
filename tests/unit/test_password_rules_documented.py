"""Every password rule the policy applies is stated in the README, word for word."""

from __future__ import annotations

from pathlib import Path

from models.password_policy import (
    CONTEXT_WORDS,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    RULE_LINES,
)

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_lists_every_password_rule() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [rule for rule in RULE_LINES if f"- {rule}\n" not in text]
    assert missing == []


def test_the_rules_name_every_limit_and_word_the_check_uses() -> None:
    rules = " ".join(RULE_LINES)
    assert f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters" in rules
    assert all(word in rules for word in CONTEXT_WORDS)
    assert "username" in rules and "display name" in rules
