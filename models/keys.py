"""Keyring checks against the database, and resumable key rotation.

Start-up: every key id that has ever encrypted data here has a canary row in `key_checks`;
the keyring must hold each of those keys and decrypt each canary, or start-up stops with a
KeyringError before anything is written.

Rotation: a new key is added to the keyring file and made active, then every encrypted cell
is re-encrypted in batches, each batch committed together with the progress cursor. Old keys
stay in the keyring, so a crash at any point leaves every value readable, and running the
rotation again resumes from the cursor.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit
from models.audit import AuditAction
from models.canary import check_canaries
from models.crypto import envelope_key_id
from models.db import Database, context_of, open_database
from models.errors import KeyringError
from models.keyring import Keyring, read_keyring_file, save_keyring_file
from models.tables import (
    BreakGlassAccess,
    Feedback,
    KeyRotation,
    Kiosk,
    OutboxEvent,
    ReflectionSession,
    RiskAlert,
    Summary,
    Turn,
    User,
)
from models.types import utcnow

# Every encrypted cell: table -> (ORM class, [(attribute, column name used in the AAD)]).
ENCRYPTED_COLUMNS: dict[str, tuple[Any, list[tuple[str, str]]]] = {
    "users": (User, [("totp_secret_enc", "totp_secret")]),
    "turns": (Turn, [("text_enc", "text")]),
    "summaries": (Summary, [("content_enc", "content"), ("redactions_enc", "redactions")]),
    "risk_alerts": (RiskAlert, [("evidence_enc", "evidence"), ("ack_note_enc", "ack_note")]),
    "feedback": (Feedback, [("comment_enc", "comment")]),
    "event_outbox": (OutboxEvent, [("payload_enc", "payload")]),
    # Later tables are appended, so a rotation interrupted before they existed reaches them.
    "reflection_sessions": (ReflectionSession, [("label_enc", "label"), ("code_enc", "code")]),
    "break_glass_accesses": (BreakGlassAccess, [("reason_enc", "reason")]),
    "kiosks": (Kiosk, [("enrol_token_enc", "enrol_token")]),
}


@dataclass(frozen=True)
class RotationReport:
    """What a rotation run did."""

    target_key_id: str
    rows_reencrypted: int
    resumed: bool


def verify_keyring(db: Session) -> None:
    """KeyringError unless the keyring opens every key's canary; records the active key's."""
    check_canaries(db, context_of(db).cipher)


def pending_rotation(db: Session) -> KeyRotation | None:
    """The unfinished rotation, if one was interrupted."""
    return db.scalars(select(KeyRotation).where(KeyRotation.status == "running")
                      .order_by(KeyRotation.id.desc())).first()


def start_rotation(db: Session, *, actor_id: uuid.UUID | None = None) -> KeyRotation:
    """Record a rotation to the cipher's active key (the caller already made it active)."""
    target = context_of(db).cipher.active_key_id
    row = KeyRotation(target_key_id=target, status="running", table_name="", last_id="",
                      rows_done=0, started_at=utcnow())
    db.add(row)
    db.flush()
    audit.record(db, action=AuditAction.KEY_ROTATION_STARTED, actor_id=actor_id,
                 actor_kind="user" if actor_id else "system",
                 detail={"target_key_id": target, "rotation_id": row.id})
    return row


def run_rotation(
    database: Database,
    *,
    batch_size: int = 200,
    on_batch: Callable[[str, int], None] | None = None,
) -> RotationReport:
    """Re-encrypt everything not under the target key, resuming from the recorded cursor.

    `on_batch(table, rows_done)` runs inside each batch's transaction before it commits (tests use
    it to inject a crash; an exception there rolls that batch back).
    """
    cipher = database.context.cipher
    with database.transaction() as db:
        rotation = pending_rotation(db)
        if rotation is None:
            raise KeyringError("no key rotation is in progress")
        rotation_id, target = rotation.id, rotation.target_key_id
        resumed = bool(rotation.table_name)
        if target != cipher.active_key_id:
            raise KeyringError(f"the interrupted rotation targets key {target!r}, but the "
                               f"keyring's active key is {cipher.active_key_id!r}")
    tables = list(ENCRYPTED_COLUMNS)
    changed = 0
    while True:
        with database.transaction() as db:
            rotation = db.get(KeyRotation, rotation_id, populate_existing=True)
            assert rotation is not None
            table = rotation.table_name or tables[0]
            cls, columns = ENCRYPTED_COLUMNS[table]
            query = select(cls).order_by(cls.id).limit(batch_size)
            if rotation.last_id:
                query = query.where(cls.id > uuid.UUID(rotation.last_id))
            rows = list(db.scalars(query))
            for row in rows:
                for attr, column in columns:
                    blob = getattr(row, attr)
                    if blob is None or envelope_key_id(blob) == target:
                        continue
                    plain = cipher.decrypt(blob, table=table, column=column, row_id=row.id)
                    setattr(row, attr, cipher.encrypt_with(target, plain, table=table,
                                                           column=column, row_id=row.id))
                    changed += 1
            if rows:
                rotation.table_name, rotation.last_id = table, str(rows[-1].id)
                rotation.rows_done += len(rows)
            elif table != tables[-1]:
                rotation.table_name, rotation.last_id = tables[tables.index(table) + 1], ""
            else:
                rotation.status, rotation.finished_at = "done", utcnow()
                audit.record(db, action=AuditAction.KEY_ROTATION_FINISHED, actor_kind="system",
                             detail={"target_key_id": target, "rotation_id": rotation_id,
                                     "rows_scanned": rotation.rows_done})
            if on_batch is not None:
                on_batch(table, rotation.rows_done)
            if rotation.status == "done":
                return RotationReport(target, changed, resumed)


def rotate_keyring_file(
    url: str,
    *,
    keyring_path: Path,
    actor_id: uuid.UUID | None = None,
    batch_size: int = 200,
    on_batch: Callable[[str, int], None] | None = None,
    **engine_kwargs: Any,
) -> RotationReport:
    """`reflect keys rotate`: resume an interrupted rotation, or add a key and rotate to it."""
    keyring = read_keyring_file(keyring_path)
    database = open_database(url, keyring=keyring, **engine_kwargs)
    try:
        with database.transaction() as db:
            running = pending_rotation(db) is not None
        if not running:
            database.dispose()
            keyring = _add_key(keyring_path, keyring)
            database = open_database(url, keyring=keyring, **engine_kwargs)
            with database.transaction() as db:
                start_rotation(db, actor_id=actor_id)
        return run_rotation(database, batch_size=batch_size, on_batch=on_batch)
    finally:
        database.dispose()


def _add_key(path: Path, keyring: Keyring) -> Keyring:
    # The file is written (atomically) before any value uses the new key.
    new = keyring.with_new_active_key()
    save_keyring_file(path, new)
    return new
