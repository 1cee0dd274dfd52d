"""Dashboard sign-in sessions: an opaque httpOnly cookie, a double-submit CSRF token, idle logoff.

Sessions live in memory, keyed by the sha256 of the cookie value: a restart signs everyone out,
which is the safe failure.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from models.types import Role

SESSION_COOKIE = "reflect_session"
CSRF_COOKIE = "reflect_csrf"
CSRF_HEADER = "X-CSRF-Token"
MAX_SESSIONS = 10_000


@dataclass
class WebSession:
    """One signed-in browser."""

    user_id: uuid.UUID
    role: Role
    username: str
    display_name: str
    csrf_token: str
    last_seen: float
    # Set while the account still has a one-time password: only the password change is allowed.
    password_change_required: bool = False
    # A TOTP secret shown by /api/me/totp/setup, kept here until the user confirms a code.
    pending_totp_secret: str | None = None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class WebSessionStore:
    """In-memory sign-in sessions with an idle timeout."""

    def __init__(self, idle_seconds: float, *, clock: Callable[[], float] = time.monotonic):
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._sessions: dict[str, WebSession] = {}

    def create(
        self,
        *,
        user_id: uuid.UUID,
        role: Role,
        username: str,
        display_name: str,
        password_change_required: bool = False,
    ) -> tuple[str, WebSession]:
        """A new session; returns the cookie value (never stored) and the session."""
        self._prune()
        token = secrets.token_urlsafe(32)
        session = WebSession(
            user_id=user_id, role=role, username=username, display_name=display_name,
            csrf_token=secrets.token_urlsafe(32), last_seen=self._clock(),
            password_change_required=password_change_required,
        )
        self._sessions[_digest(token)] = session
        return token, session

    def get(
        self, token: str | None, *, touch: bool = True, allow_password_change: bool = False
    ) -> WebSession | None:
        """The live session for a cookie value, or None if unknown or idle too long.

        A session that must change its password first counts as signed in only when the
        caller passes `allow_password_change` (so e.g. the live stream refuses it).
        """
        if not token:
            return None
        key = _digest(token)
        session = self._sessions.get(key)
        if session is None:
            return None
        now = self._clock()
        if now - session.last_seen > self.idle_seconds:
            del self._sessions[key]
            return None
        if session.password_change_required and not allow_password_change:
            return None
        if touch:
            session.last_seen = now
        return session

    def revoke(self, token: str | None) -> None:
        """Sign out one browser."""
        if token:
            self._sessions.pop(_digest(token), None)

    def revoke_user(self, user_id: uuid.UUID, *, keep: str | None = None) -> None:
        """Sign out every browser of a user (e.g. deactivated), except the cookie `keep`."""
        kept = _digest(keep) if keep else None
        for key in [k for k, s in self._sessions.items() if s.user_id == user_id and k != kept]:
            del self._sessions[key]

    def password_changed(self, token: str) -> None:
        """The user changed their password here: lift the block, sign out their other browsers."""
        session = self._sessions.get(_digest(token))
        if session is None:
            return
        session.password_change_required = False
        self.revoke_user(session.user_id, keep=token)

    def _prune(self) -> None:
        now = self._clock()
        for key in [k for k, s in self._sessions.items() if now - s.last_seen > self.idle_seconds]:
            del self._sessions[key]
        while len(self._sessions) >= MAX_SESSIONS:
            oldest = min(self._sessions, key=lambda k: self._sessions[k].last_seen)
            del self._sessions[oldest]


def csrf_ok(session: WebSession, cookie_value: str | None, header_value: str | None) -> bool:
    """Double submit: header == cookie == the token bound to this session."""
    if not cookie_value or not header_value:
        return False
    return hmac.compare_digest(header_value, cookie_value) and hmac.compare_digest(
        header_value, session.csrf_token
    )
