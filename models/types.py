"""Column types and enums shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC, on every backend (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use timezone-aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Role(StrEnum):
    """What an account may do."""

    ADMIN = "admin"
    THERAPIST = "therapist"
    FRONT_DESK = "front_desk"


class SessionStatus(StrEnum):
    """Life cycle of a reflection session."""

    PENDING = "pending"  # created, code not yet redeemed
    ACTIVE = "active"  # a kiosk redeemed the code
    ENDED = "ended"
    ERASED = "erased"  # client text removed on request


class Speaker(StrEnum):
    """Who said a turn."""

    CLIENT = "client"
    REFLECTOR = "reflector"
    SYSTEM = "system"


class SummaryStatus(StrEnum):
    """Whether the client has approved a summary version."""

    DRAFT = "draft"
    APPROVED = "approved"
