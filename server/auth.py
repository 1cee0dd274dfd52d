"""Dashboard sign-ins: an opaque httpOnly cookie, a double-submit CSRF token, idle lock.

Sign-ins live in the database (`models.signins`, keyed by the sha256 of the cookie value), so a
server restart signs nobody out. The idle logoff (HIPAA 164.312(a)(2)(iii)) locks a sign-in
instead of ending it: a locked dashboard still receives urgent alerts, but no client text, until
the user re-enters their password or authenticator code. Sign-ins end at sign-out, when the
account is deactivated, or after `max_age_hours` whatever the activity.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from models import signins
from models.db import Database
from models.types import Role, utcnow

SESSION_COOKIE = "reflect_session"
CSRF_COOKIE = "reflect_csrf"
CSRF_HEADER = "X-CSRF-Token"


@dataclass
class WebSession:
    """One signed-in browser."""

    key: str  # sha256 of the cookie value: the row's id
    user_id: uuid.UUID
    role: Role
    username: str
    display_name: str
    csrf_token: str
    # Set while the account still has a one-time password: only the password change is allowed.
    password_change_required: bool = False
    # The idle logoff fired: alerts only, until the user re-enters.
    locked: bool = False


def csrf_for(token: str) -> str:
    """The CSRF token bound to a cookie value (derived, so nothing else needs storing)."""
    digest = hmac.new(token.encode("utf-8", "surrogatepass"), b"reflect-csrf", hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")


class WebSessionStore:
    """Database-backed sign-ins with an idle lock and an absolute age limit."""

    def __init__(
        self,
        database: Database,
        idle_seconds: float,
        *,
        max_age_hours: float = 12.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database = database
        self.idle_seconds = idle_seconds
        self.max_age = timedelta(hours=max_age_hours)
        self._clock = clock
        # A TOTP secret shown by /api/me/totp/setup until confirmed; memory only on purpose
        # (after a restart the user simply starts the setup again).
        self._pending_totp: dict[str, str] = {}

    def create(
        self,
        *,
        user_id: uuid.UUID,
        role: Role,
        username: str,
        display_name: str,
        password_change_required: bool = False,
    ) -> tuple[str, WebSession]:
        """A new sign-in; returns the cookie value (never stored) and the session."""
        token = secrets.token_urlsafe(32)
        with self.database.transaction() as db:
            signins.prune(db, max_age=self.max_age, now=self._clock())
            signins.create(db, token=token, user_id=user_id, now=self._clock(),
                           password_change_required=password_change_required)
        session = WebSession(
            key=signins.token_digest(token), user_id=user_id, role=role, username=username,
            display_name=display_name, csrf_token=csrf_for(token),
            password_change_required=password_change_required,
        )
        return token, session

    def lookup(self, token: str | None, *, touch: bool = True) -> WebSession | None:
        """The sign-in for a cookie value, locked or not; None if unknown or too old."""
        if not token:
            return None
        with self.database.transaction() as db:
            row = signins.lookup(db, token=token, idle=timedelta(seconds=self.idle_seconds),
                                 max_age=self.max_age, touch=touch, now=self._clock())
        if row is None:
            return None
        return WebSession(
            key=row.key, user_id=row.user_id, role=row.role, username=row.username,
            display_name=row.display_name, csrf_token=csrf_for(token),
            password_change_required=row.password_change_required, locked=row.locked,
        )

    def get(
        self, token: str | None, *, touch: bool = True, allow_password_change: bool = False
    ) -> WebSession | None:
        """The live, unlocked session for a cookie value, or None.

        A session that must change its password first counts as signed in only when the
        caller passes `allow_password_change` (so e.g. the live stream refuses it).
        """
        session = self.lookup(token, touch=touch)
        if session is None or session.locked:
            return None
        if session.password_change_required and not allow_password_change:
            return None
        return session

    def lock(self, token: str) -> None:
        """Lock now (the browser's idle timer fired)."""
        with self.database.transaction() as db:
            signins.lock(db, key=signins.token_digest(token), now=self._clock())

    def unlock(self, token: str) -> None:
        """The user proved who they are again: unlock this sign-in."""
        with self.database.transaction() as db:
            signins.unlock(db, key=signins.token_digest(token), now=self._clock())

    def revoke(self, token: str | None) -> None:
        """Sign out one browser."""
        if token:
            self._pending_totp.pop(signins.token_digest(token), None)
            with self.database.transaction() as db:
                signins.revoke(db, key=signins.token_digest(token))

    def revoke_user(self, user_id: uuid.UUID, *, keep: str | None = None) -> None:
        """Sign out every browser of a user (e.g. deactivated), except the cookie `keep`."""
        with self.database.transaction() as db:
            signins.revoke_user(
                db, user_id=user_id, keep=signins.token_digest(keep) if keep else None
            )

    def password_changed(self, token: str) -> None:
        """The user changed their password here: lift the block, sign out their other browsers."""
        with self.database.transaction() as db:
            signins.password_changed(db, key=signins.token_digest(token))

    def set_pending_totp(self, session: WebSession, secret: str | None) -> None:
        """Remember (or forget) the TOTP secret being set up in this browser."""
        if secret is None:
            self._pending_totp.pop(session.key, None)
        else:
            self._pending_totp[session.key] = secret

    def pending_totp(self, session: WebSession) -> str | None:
        """The TOTP secret being set up in this browser, if any."""
        return self._pending_totp.get(session.key)


def csrf_ok(session: WebSession, cookie_value: str | None, header_value: str | None) -> bool:
    """Double submit: header == cookie == the token bound to this session."""
    if not cookie_value or not header_value:
        return False
    return hmac.compare_digest(header_value, cookie_value) and hmac.compare_digest(
        header_value, session.csrf_token
    )
