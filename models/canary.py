"""Key canaries: one encrypted known value per key, so a wrong keyring is refused at start."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.crypto import Cipher
from models.errors import DecryptionError, KeyringError
from models.tables import KeyCheck
from models.types import utcnow

CANARY = b"reflect-kiosk key check v1"


def check_canaries(db: Session, cipher: Cipher) -> None:
    """KeyringError unless the keyring opens every key's canary; records the active key's."""
    checks = list(db.scalars(select(KeyCheck)))
    for check in checks:
        if check.key_id not in cipher.keyring.keys:
            raise KeyringError(
                f"this database has data encrypted with key {check.key_id!r}, which the keyring "
                "does not contain: wrong or outdated keyring file / environment variable"
            )
        try:
            ok = cipher.decrypt(check.canary_enc, table="key_checks", column="canary",
                                row_id=check.key_id) == CANARY
        except DecryptionError:
            ok = False
        if not ok:
            raise KeyringError(
                f"key {check.key_id!r} in the keyring is not the key this database was "
                "encrypted with: wrong keyring; refusing to start"
            )
    if cipher.active_key_id not in {c.key_id for c in checks}:
        db.add(KeyCheck(
            key_id=cipher.active_key_id, created_at=utcnow(),
            canary_enc=cipher.encrypt(CANARY, table="key_checks", column="canary",
                                      row_id=cipher.active_key_id),
        ))
        db.flush()
