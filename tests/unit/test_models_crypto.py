"""Envelope encryption and keyring handling (pure, no database)."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest

from models.accounts import check_password_policy
from models.crypto import Cipher, envelope_key_id
from models.errors import DecryptionError, KeyringError, PasswordPolicyError
from models.keyring import dump_keyring, generate_keyring, load_keyring, parse_keyring

CELL = {"table": "turns", "column": "text", "row_id": "row-1"}


def test_round_trip_and_envelope_layout() -> None:
    cipher = Cipher(generate_keyring())
    blob = cipher.encrypt_text("I feel stuck", **CELL)
    assert envelope_key_id(blob) == "k1"
    assert b"stuck" not in blob
    assert cipher.decrypt_text(blob, **CELL) == "I feel stuck"
    assert cipher.encrypt_text("I feel stuck", **CELL) != blob  # fresh nonce every time


@pytest.mark.parametrize("field", ["table", "column", "row_id"])
def test_associated_data_binds_the_cell(field: str) -> None:
    cipher = Cipher(generate_keyring())
    blob = cipher.encrypt_text("secret", **CELL)
    moved = {**CELL, field: "elsewhere"}
    with pytest.raises(DecryptionError):
        cipher.decrypt_text(blob, **moved)


def test_flipped_byte_and_wrong_key_fail() -> None:
    keyring = generate_keyring()
    blob = bytearray(Cipher(keyring).encrypt_text("secret", **CELL))
    blob[-1] ^= 1
    with pytest.raises(DecryptionError):
        Cipher(keyring).decrypt_text(bytes(blob), **CELL)
    good = Cipher(keyring).encrypt_text("secret", **CELL)
    with pytest.raises(DecryptionError):
        Cipher(generate_keyring()).decrypt_text(good, **CELL)


def test_old_values_stay_readable_after_a_new_active_key() -> None:
    keyring = generate_keyring()
    old = Cipher(keyring).encrypt_text("before", **CELL)
    rotated = Cipher(keyring.with_new_active_key())
    assert rotated.active_key_id == "k2"
    assert rotated.decrypt_text(old, **CELL) == "before"
    assert envelope_key_id(rotated.encrypt_text("after", **CELL)) == "k2"


def test_keyring_json_round_trip_and_clear_errors() -> None:
    keyring = generate_keyring().with_new_active_key()
    assert parse_keyring(dump_keyring(keyring)) == keyring
    with pytest.raises(KeyringError, match="REFLECT_KEYRING"):
        parse_keyring("{not json", source="REFLECT_KEYRING")
    broken = json.loads(dump_keyring(keyring))
    broken["active"] = "k9"
    with pytest.raises(KeyringError, match="k9"):
        parse_keyring(json.dumps(broken))


def test_first_run_creates_0600_keyring_with_loud_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "data" / "keyring.json"
    with caplog.at_level(logging.WARNING):
        created = load_keyring(path=path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "Back it up" in caplog.text and "Back it up" in capsys.readouterr().err
    assert load_keyring(path=path) == created  # second run reads, does not replace
    from_env = load_keyring(path=tmp_path / "unused.json", env_value=dump_keyring(created))
    assert from_env == created and not (tmp_path / "unused.json").exists()


@pytest.mark.parametrize("password", ["short", "password1234", "xx-carol-xxxxxx", "abababababab"])
def test_password_policy_rejects(password: str) -> None:
    with pytest.raises(PasswordPolicyError):
        check_password_policy(password, username="carol")


def test_password_policy_accepts_a_passphrase() -> None:
    check_password_policy("blue kettle on a windy hill", username="carol")
