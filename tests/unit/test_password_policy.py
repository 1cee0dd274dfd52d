"""Issue 19: NIST SP 800-63B password rules; the common passwords the attack got through."""

from __future__ import annotations

import pytest

from models.errors import PasswordPolicyError
from models.password_policy import PASSWORD_RULES, check_password_policy

# The 20 common passwords tried in issue 19 (14 were accepted before).
COMMON = [
    "Password123!", "Welcome2024!", "Therapist2024", "Password1234", "Qwerty123456!",
    "Summer2024!!", "Iloveyou2024", "Letmein12345!", "Admin1234567", "Changeme2024!",
    "P@ssw0rd1234", "Football2024", "Sunshine2024!", "Princess1234", "Monkey123456",
    "Dragon123456!", "Baseball2024", "Master123456", "Trustno1trustno1", "abc123abc123",
]


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_refused(password: str) -> None:
    with pytest.raises(PasswordPolicyError) as refused:
        check_password_policy(password, username="dr_ana")
    assert PASSWORD_RULES in str(refused.value)  # every refusal states the rules


@pytest.mark.parametrize("password", ["short pass", "x" * 129, "dr_ana-likes-tea-9"])
def test_length_and_username_rules(password: str) -> None:
    with pytest.raises(PasswordPolicyError):
        check_password_policy(password, username="dr_ana")


@pytest.mark.parametrize(
    "password",
    ["violet kettle harbour 42", "blue kettle on a windy hill", "amber lantern orchard 17"],
)
def test_passphrases_are_accepted(password: str) -> None:
    check_password_policy(password, username="dr_ana")


def test_one_time_passwords_have_no_look_alike_characters() -> None:
    """Issue 14: read off a screen and typed, so no 0/O/o or 1/l/I; and they pass the rules."""
    from models.password_policy import readable_password
    from server.api.admin_users import one_time_password

    for password in [readable_password() for _ in range(50)] + [one_time_password("dr_rivera")]:
        assert not set(password) & set("0Oo1lI"), password
        check_password_policy(password, username="dr_rivera")
