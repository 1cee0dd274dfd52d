"""Errors raised by the data layer; each carries a stable `code` the server maps at the edge."""

from __future__ import annotations


class DataError(Exception):
    """Base of every data-layer error."""

    code = "data_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class NotFoundError(DataError):
    """The requested row does not exist (or the viewer may not know it exists)."""

    code = "not_found"


class AuthorizationError(DataError):
    """The viewer's role or ownership does not allow this operation."""

    code = "forbidden"


class AuthenticationError(DataError):
    """Credentials (password, TOTP, device token, session code) were not accepted."""

    code = "unauthenticated"


class CodeExpiredError(AuthenticationError):
    """A session code that was issued but is past its expiry (still refused)."""

    code = "code_expired"


class AccountLockedError(AuthenticationError):
    """Too many failed logins; the account is locked until a given time."""

    code = "account_locked"


class PasswordPolicyError(DataError):
    """A new password does not meet the password policy."""

    code = "weak_password"


class InvalidInputError(DataError):
    """A value given to a repository function is not acceptable."""

    code = "invalid_input"


class ConflictError(DataError):
    """The operation conflicts with the current state (duplicate name, used code, ...)."""

    code = "conflict"


class KeyringError(DataError):
    """The keyring is missing, malformed, or does not match the database."""

    code = "keyring_error"


class DecryptionError(DataError):
    """A stored value failed authentication: wrong key, wrong row, or tampering."""

    code = "decryption_failed"


class AuditChainError(DataError):
    """The audit log's hash chain is broken."""

    code = "audit_chain_broken"
