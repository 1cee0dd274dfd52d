"""Server-side errors with stable codes, and the mapping of every package's codes to the edge."""

from __future__ import annotations


class ServerError(Exception):
    """Base of server errors; `code` is stable, `status` is the HTTP status at the edge."""

    default_code = "server_error"
    status = 500

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code or self.default_code


class ServerBusyError(ServerError):
    """The model worker pool is saturated."""

    default_code = "server_busy"
    status = 503


class NotFoundError(ServerError):
    """The thing does not exist, or the caller may not know it exists."""

    default_code = "not_found"
    status = 404


class ForbiddenError(ServerError):
    """The caller is signed in but may not do this."""

    default_code = "forbidden"
    status = 403


class AuthError(ServerError):
    """Not signed in, or the sign-in is no longer valid."""

    default_code = "not_authenticated"
    status = 401


class BadRequestError(ServerError):
    """The request is understood but cannot be done."""

    default_code = "bad_request"
    status = 400
