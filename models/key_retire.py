"""`reflect keys retire`: drop keys no value uses any more (after a finished rotation).

Refused while a rotation is running or while any stored value still uses a key other than the
active one. The key's canary row goes first, then the key leaves the keyring file: a crash
between the two leaves an extra key in the file, which is harmless.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import audit
from models.crypto import envelope_key_id
from models.db import open_database
from models.errors import KeyringError
from models.keyring import Keyring, read_keyring_file, save_keyring_file
from models.keys import ENCRYPTED_COLUMNS, pending_rotation
from models.tables import KeyCheck

RETIRED = "keys.retired"


@dataclass(frozen=True)
class RetireReport:
    """Which keys were removed, and the one that stays active."""

    retired: tuple[str, ...]
    active: str


def key_use(db: Session) -> Counter[str]:
    """How many stored values each key id encrypts."""
    used: Counter[str] = Counter()
    for cls, columns in ENCRYPTED_COLUMNS.values():
        attrs = [getattr(cls, attr) for attr, _ in columns]
        for row in db.execute(select(*attrs)):
            used.update(envelope_key_id(blob) for blob in row if blob is not None)
    return used


def retire_keys(url: str, *, keyring_path: Path, **engine_kwargs: Any) -> RetireReport:
    """Remove every non-active key that no value uses; KeyringError if any still does."""
    keyring = read_keyring_file(keyring_path)
    database = open_database(url, keyring=keyring, **engine_kwargs)
    try:
        with database.transaction() as db:
            if pending_rotation(db) is not None:
                raise KeyringError("a key rotation is unfinished: run `reflect keys rotate` first")
            used = key_use(db)
            old = sorted(k for k in keyring.keys if k != keyring.active)
            still = {k: used[k] for k in old if used[k]}
            if still:
                counts = ", ".join(f"{k}: {n} values" for k, n in still.items())
                raise KeyringError(f"refusing to retire keys still in use ({counts}); run "
                                   "`reflect keys rotate` to re-encrypt them first")
            if old:
                db.execute(delete(KeyCheck).where(KeyCheck.key_id.in_(old)))
                audit.record(db, action=RETIRED, actor_kind="system",
                             detail={"retired": old, "active": keyring.active})
    finally:
        database.dispose()
    if old:
        kept = Keyring(keys={keyring.active: keyring.keys[keyring.active]},
                       active=keyring.active, mac_key=keyring.mac_key)
        save_keyring_file(keyring_path, kept)
    return RetireReport(tuple(old), keyring.active)
