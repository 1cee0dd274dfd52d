"""Who may do what: therapist scoping and role checks, enforced in the repositories.

A therapist sees only their own sessions' text; an admin reads text only through break-glass;
front desk creates sessions for any therapist and sees session metadata, never text.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from models.errors import AuthorizationError
from models.tables import ReflectionSession
from models.types import Role


class Viewer(Protocol):
    """Anything with a user id and a role: a `User` row or an `Actor`."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def role(self) -> Role: ...


@dataclass(frozen=True)
class Actor:
    """A lightweight viewer for callers that keep only the id and role (e.g. a token)."""

    id: uuid.UUID
    role: Role


def require_role(viewer: Viewer, *roles: Role) -> None:
    """AuthorizationError unless the viewer has one of `roles`."""
    if viewer.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise AuthorizationError(f"this needs the role {allowed}; you are {viewer.role.value}")


def require_text_reader(viewer: Viewer, session: ReflectionSession) -> None:
    """Only the session's own therapist reads its client text (admins use break-glass)."""
    if viewer.role is Role.THERAPIST and session.therapist_id == viewer.id:
        return
    if viewer.role is Role.ADMIN:
        raise AuthorizationError(
            "admins read client text only through emergency access (break-glass) with a reason"
        )
    raise AuthorizationError("only the session's own therapist may read its client text")


def require_session_visible(viewer: Viewer, session: ReflectionSession) -> None:
    """Metadata: a therapist sees their own sessions; admin and front desk see all."""
    if viewer.role is Role.THERAPIST and session.therapist_id != viewer.id:
        raise AuthorizationError("a therapist sees only their own sessions")


def require_session_manager(viewer: Viewer, session: ReflectionSession) -> None:
    """Erase, end, acknowledge: the owning therapist, or an admin."""
    if viewer.role is Role.ADMIN:
        return
    if viewer.role is Role.THERAPIST and session.therapist_id == viewer.id:
        return
    raise AuthorizationError("only the session's therapist or an admin may do this")


def require_session_creator(viewer: Viewer, therapist_id: uuid.UUID) -> None:
    """Front desk and admins create sessions for any therapist; a therapist only for self."""
    if viewer.role in (Role.ADMIN, Role.FRONT_DESK):
        return
    if viewer.role is Role.THERAPIST and therapist_id == viewer.id:
        return
    raise AuthorizationError("a therapist may create sessions only for themself")
