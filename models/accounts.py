"""Staff accounts: argon2 passwords, password policy, optional one-time TOTP, bootstrap admin.

Repeated failures are throttled by the server (server/login_throttle.py), never a hard lock
that anyone could trigger for any account.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import pyotp
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import audit, recovery_codes
from models.audit import AuditAction
from models.db import context_of
from models.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PasswordPolicyError,
)
from models.password_policy import check_password_policy as check_password_policy
from models.password_policy import readable_password
from models.tables import User
from models.totp import accepted_step
from models.types import Role, utcnow


@dataclass(frozen=True)
class LoginResult:
    """Outcome of a login; `code` is ok, bad_credentials, inactive or totp_required."""

    ok: bool
    code: str
    user: User | None = None


def create_user(
    db: Session,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str = "",
    must_change_password: bool = False,
    actor_id: uuid.UUID | None = None,
) -> User:
    """Create an account (password checked against the policy); ConflictError if the name exists."""
    username = username.strip()
    if not username or len(username) > 64:
        raise InvalidInputError("username must be 1-64 characters")
    check_password_policy(password, username=username, extra_words=tuple(display_name.split()))
    if get_user_by_username(db, username=username) is not None:
        raise ConflictError(f"user {username!r} already exists")
    user = User(
        id=uuid.uuid4(),
        username=username,
        display_name=display_name,
        role=Role(role),
        password_hash=context_of(db).password_hasher.hash(password),
        must_change_password=must_change_password,
        failed_logins=0,
        active=True,
        created_at=utcnow(),
    )
    db.add(user)
    db.flush()
    audit.record(db, action=AuditAction.ACCOUNT_CREATED, actor_id=actor_id,
                 actor_kind="user" if actor_id else "system",
                 detail={"user_id": str(user.id), "role": user.role.value})
    return user


def get_user(db: Session, *, user_id: uuid.UUID) -> User:
    """The user with this id, or NotFoundError."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFoundError("no such user")
    return user


def get_user_by_username(db: Session, *, username: str) -> User | None:
    """The user with this username, if any."""
    return db.scalars(select(User).where(User.username == username.strip())).first()


def list_users(db: Session) -> list[User]:
    """All accounts, by username."""
    return list(db.scalars(select(User).order_by(User.username)))


def set_password(
    db: Session,
    *,
    user_id: uuid.UUID,
    new_password: str,
    must_change: bool = False,
    actor_id: uuid.UUID | None = None,
) -> None:
    """Set a password (admin reset or after `change_password` checked the old one); unlocks."""
    user = get_user(db, user_id=user_id)
    check_password_policy(new_password, username=user.username)
    user.password_hash = context_of(db).password_hasher.hash(new_password)
    user.must_change_password = must_change
    user.failed_logins = 0
    user.locked_until = None
    audit.record(db, action=AuditAction.PASSWORD_CHANGED, actor_id=actor_id or user.id,
                 detail={"user_id": str(user.id), "reset": actor_id not in (None, user.id)})


def change_password(
    db: Session, *, user_id: uuid.UUID, old_password: str, new_password: str
) -> None:
    """A user changes their own password; AuthenticationError if the old one is wrong."""
    user = get_user(db, user_id=user_id)
    if not _verify(db, user, old_password):
        raise AuthenticationError("current password is wrong")
    if old_password == new_password:
        raise PasswordPolicyError("the new password must differ from the old one")
    set_password(db, user_id=user_id, new_password=new_password, actor_id=user_id)


def set_active(db: Session, *, user_id: uuid.UUID, active: bool, actor_id: uuid.UUID) -> None:
    """Enable or disable an account."""
    user = get_user(db, user_id=user_id)
    user.active = active
    audit.record(db, action=AuditAction.ACCOUNT_UPDATED, actor_id=actor_id,
                 detail={"user_id": str(user.id), "active": active})


def new_totp_secret() -> str:
    """A fresh base32 TOTP secret to show the user (QR / provisioning URI)."""
    return pyotp.random_base32()


def totp_uri(secret: str, *, username: str, issuer: str = "Reflect Kiosk") -> str:
    """The otpauth:// URI an authenticator app scans."""
    return str(pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer))


def enable_totp(db: Session, *, user_id: uuid.UUID, secret: str, code: str) -> None:
    """Turn on TOTP after the user proves their app shows `code` for `secret`."""
    step = accepted_step(secret, code, now=utcnow(), last_step=None)
    if step is None:
        raise AuthenticationError("that code does not match the new secret", code="totp_invalid")
    user = get_user(db, user_id=user_id)
    user.totp_last_step = step  # the confirming code cannot also sign in
    user.totp_secret_enc = context_of(db).cipher.encrypt_text(
        secret, table="users", column="totp_secret", row_id=user.id)
    audit.record(db, action=AuditAction.TOTP_ENABLED, actor_id=user.id,
                 detail={"user_id": str(user.id), "enabled": True})


def disable_totp(db: Session, *, user_id: uuid.UUID, actor_id: uuid.UUID) -> None:
    """Turn TOTP off (admin recovery)."""
    user = get_user(db, user_id=user_id)
    user.totp_secret_enc = None
    recovery_codes.discard(db, user_id=user.id)
    audit.record(db, action=AuditAction.TOTP_ENABLED, actor_id=actor_id,
                 detail={"user_id": str(user.id), "enabled": False})


def totp_secret(db: Session, *, user: User) -> str | None:
    """The user's decrypted TOTP secret, if TOTP is on."""
    if user.totp_secret_enc is None:
        return None
    return context_of(db).cipher.decrypt_text(
        user.totp_secret_enc, table="users", column="totp_secret", row_id=user.id)


def login(
    db: Session,
    *,
    username: str,
    password: str,
    totp_code: str | None = None,
    now: datetime | None = None,
) -> LoginResult:
    """Check credentials, count failures, audit. COMMIT whatever the result."""
    now = now or utcnow()
    user = get_user_by_username(db, username=username)
    if user is None:
        # Spend the same argon2 work as a real check, so response time does not
        # reveal which usernames exist.
        context_of(db).password_hasher.hash(password)
        _fail(db, None, "unknown_user", now)
        return LoginResult(ok=False, code="bad_credentials")
    if not _verify(db, user, password):
        return _count_failure(db, user, now, "bad_password")
    if not user.active:
        _fail(db, user, "inactive", now)
        return LoginResult(ok=False, code="inactive")
    secret = totp_secret(db, user=user)
    if secret is not None:
        if not totp_code:
            return LoginResult(ok=False, code="totp_required")
        if not _second_step(db, user, secret, totp_code, now):
            return _count_failure(db, user, now, "bad_totp")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(db, action=AuditAction.LOGIN_SUCCESS, actor_id=user.id, now=now,
                 detail={"username": user.username})
    return LoginResult(ok=True, code="ok", user=user)


def reauthenticate(
    db: Session, *, user_id: uuid.UUID, password: str | None, totp_code: str | None,
    now: datetime | None = None,
) -> LoginResult:
    """Unlock a locked screen: the password, or the authenticator code if the user has one."""
    now = now or utcnow()
    user = get_user(db, user_id=user_id)
    secret = totp_secret(db, user=user)
    ok = False
    if password:
        ok = _verify(db, user, password)
    elif secret and totp_code:
        ok = _second_step(db, user, secret, totp_code, now)
    if not ok or not user.active:
        return _count_failure(db, user, now, "bad_unlock")
    user.failed_logins = 0
    audit.record(db, action=AuditAction.LOGIN_SUCCESS, actor_id=user.id, now=now,
                 detail={"username": user.username, "unlock": True})
    return LoginResult(ok=True, code="ok", user=user)


def ensure_bootstrap_admin(db: Session, *, username: str = "admin") -> str | None:
    """If no admin exists, create one and return its one-time password (print it ONCE)."""
    admins = db.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN))
    if admins:
        return None
    password = readable_password()
    create_user(db, username=username, password=password, role=Role.ADMIN,
                display_name="Bootstrap administrator", must_change_password=True)
    return password


def _second_step(db: Session, user: User, secret: str, code: str, now: datetime) -> bool:
    """The authenticator's code (each works once) or one unused recovery code (then spent)."""
    step = accepted_step(secret, code, now=now, last_step=user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return True
    return recovery_codes.redeem(db, user_id=user.id, code=code, now=now)


def _verify(db: Session, user: User, password: str) -> bool:
    hasher = context_of(db).password_hasher
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def _count_failure(db: Session, user: User, now: datetime, reason: str) -> LoginResult:
    user.failed_logins += 1
    _fail(db, user, reason, now)
    return LoginResult(ok=False, code="bad_credentials")


def _fail(db: Session, user: User | None, reason: str, now: datetime) -> None:
    audit.record(db, action=AuditAction.LOGIN_FAILURE, actor_id=user.id if user else None,
                 actor_kind="user" if user else "anonymous", now=now,
                 detail={"reason": reason, **({"username": user.username} if user else {})})
