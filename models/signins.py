"""Dashboard sign-in rows: created at login, locked by the idle logoff, ended by sign-out or age.

Only the sha256 of the cookie value is stored, so a copy of the database cannot sign anyone in.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.tables import User, WebSignIn
from models.types import Role, utcnow


def token_digest(token: str) -> str:
    """sha256 (hex) of a cookie value (256 random bits, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class SignIn:
    """A sign-in row joined with its (active) user."""

    key: str
    user_id: uuid.UUID
    role: Role
    username: str
    display_name: str
    created_at: datetime
    last_seen_at: datetime
    locked: bool
    password_change_required: bool


def create(
    db: Session, *, token: str, user_id: uuid.UUID, password_change_required: bool,
    now: datetime | None = None,
) -> None:
    """Store a new sign-in."""
    now = now or utcnow()
    db.add(WebSignIn(token_hash=token_digest(token), user_id=user_id, created_at=now,
                     last_seen_at=now, locked_at=None,
                     password_change_required=password_change_required))
    db.flush()


def lookup(
    db: Session, *, token: str, idle: timedelta, max_age: timedelta, touch: bool,
    now: datetime | None = None,
) -> SignIn | None:
    """The sign-in for a cookie, locking it when idle too long; None when unknown or too old."""
    now = now or utcnow()
    key = token_digest(token)
    row = db.get(WebSignIn, key)
    if row is None:
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.active or now - row.created_at > max_age:
        db.delete(row)
        return None
    if row.locked_at is None and now - row.last_seen_at > idle:
        row.locked_at = now
    if touch and row.locked_at is None:
        row.last_seen_at = now
    return SignIn(key, user.id, user.role, user.username, user.display_name, row.created_at,
                  row.last_seen_at, row.locked_at is not None, row.password_change_required)


def unlock(db: Session, *, key: str, now: datetime | None = None) -> None:
    """The user re-entered their password (or code): the screen is live again."""
    row = db.get(WebSignIn, key)
    if row is not None:
        row.locked_at = None
        row.last_seen_at = now or utcnow()


def lock(db: Session, *, key: str, now: datetime | None = None) -> None:
    """Lock a sign-in now (the browser's own idle timer fired first)."""
    row = db.get(WebSignIn, key)
    if row is not None and row.locked_at is None:
        row.locked_at = now or utcnow()


def revoke(db: Session, *, key: str) -> None:
    """Sign out one browser."""
    db.execute(delete(WebSignIn).where(WebSignIn.token_hash == key))


def revoke_user(db: Session, *, user_id: uuid.UUID, keep: str | None = None) -> None:
    """Sign out every browser of a user, except the sign-in `keep` (a digest)."""
    query = delete(WebSignIn).where(WebSignIn.user_id == user_id)
    if keep is not None:
        query = query.where(WebSignIn.token_hash != keep)
    db.execute(query)


def password_changed(db: Session, *, key: str) -> None:
    """Lift the one-time-password block on this sign-in and end the user's others."""
    row = db.get(WebSignIn, key)
    if row is None:
        return
    row.password_change_required = False
    revoke_user(db, user_id=row.user_id, keep=key)


def prune(db: Session, *, max_age: timedelta, now: datetime | None = None) -> int:
    """Delete sign-ins older than the absolute limit; returns how many."""
    cutoff = (now or utcnow()) - max_age
    ids = list(db.scalars(select(WebSignIn.token_hash).where(WebSignIn.created_at < cutoff)))
    if ids:
        db.execute(delete(WebSignIn).where(WebSignIn.token_hash.in_(ids)))
    return len(ids)
