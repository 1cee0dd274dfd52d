"""Password rules per NIST SP 800-63B 5.1.1: length, no breached or guessable passwords.

The breached/common list and the guessability estimate both come from `zxcvbn` (offline: its
frequency lists, from leaked-password corpora, ship inside the package).
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from models.errors import PasswordPolicyError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
# zxcvbn score 0-4; 3 means "safely unguessable" (about 10^8 guesses or more).
MIN_STRENGTH_SCORE = 3
# Words of this product and trade that an attacker would try first ("Therapist2024").
CONTEXT_WORDS = ("reflect", "kiosk", "therapist", "therapy", "clinic", "admin", "welcome")
# Every rule check_password_policy applies, in words; shown wherever a password is chosen
# (the dashboard reads them from GET /api/auth/password-rules) and listed in the README.
RULE_LINES = (
    f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters (spaces are allowed)",
    "not a known breached or common password, and not one with only digits or symbols added "
    "at its start or end (Monkey123456 counts as monkey)",
    "not easy to guess: no name, year, keyboard pattern or word of this product or trade "
    f"({', '.join(CONTEXT_WORDS)}) as its main part",
    "not containing your username, and not built on your display name",
)
PASSWORD_RULES = "; ".join(RULE_LINES) + ". Three or four unrelated words work well."


# One-time passwords are read off a screen and typed: no look-alikes (0/O/o, 1/l/I).
READABLE_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def readable_password(groups: int = 4, size: int = 4) -> str:
    """A random password in dash-separated groups from READABLE_ALPHABET (about 93 bits)."""
    return "-".join(
        "".join(secrets.choice(READABLE_ALPHABET) for _ in range(size)) for _ in range(groups)
    )


@lru_cache(maxsize=1)
def _breached() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def _core(password: str) -> str:
    """The password without the digits and symbols people add to pass composition rules."""
    return password.lower().rstrip("0123456789!@#$%^&*?.,;:-_+= ").lstrip("0123456789!@#$ ")


def check_password_policy(
    password: str, *, username: str, extra_words: tuple[str, ...] = ()
) -> None:
    """PasswordPolicyError (stating the rules) unless the password satisfies every rule."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        _refuse(f"password must be {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters")
    lowered = password.lower()
    if username and username.lower() in lowered:
        _refuse("password must not contain the username")
    breached = _breached()
    core = _core(password)
    if lowered in breached or (len(core) >= 6 and core in breached):
        _refuse("this password appears in lists of breached or common passwords")
    inputs = [username, *CONTEXT_WORDS, *extra_words]
    # zxcvbn's cost grows with length; the first 100 characters decide the score anyway.
    if zxcvbn(password[:100], user_inputs=[w for w in inputs if w])["score"] < MIN_STRENGTH_SCORE:
        _refuse("this password is too easy to guess")


def _refuse(reason: str) -> None:
    raise PasswordPolicyError(f"{reason}. Rules: {PASSWORD_RULES}")
