"""The signed-in user's own account: password change, TOTP second factor."""

from __future__ import annotations

import uuid

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from models import accounts, recovery_codes
from models.db import context_of
from models.errors import AuthenticationError
from models.tables import User
from server.api.account_schemas import (
    AccountOut,
    ChangePasswordRequest,
    RecoveryCodesOut,
    TotpConfirmRequest,
    TotpDisableRequest,
    TotpSetup,
    TotpState,
)
from server.api.auth_routes import TooManyError, signed_in_answer
from server.api.schemas import SignedIn
from server.auth import SESSION_COOKIE, WebSession
from server.deps import DbDep, ServicesDep, SignedInDep, WebSessionDep
from server.errors import BadRequestError, ServerError
from server.qr import qr_data_uri

router = APIRouter(prefix="/api/me", tags=["account"])
ISSUER = "Reflect Kiosk"
ERRORS: dict[int | str, dict[str, object]] = {400: {}, 401: {}, 403: {}, 409: {}, 429: {}}


class StateConflictError(ServerError):
    """The account is not in the state this step needs."""

    default_code = "conflict"
    status = 409


def _guard_password_guessing(services: ServicesDep, user_id: uuid.UUID) -> None:
    """A stolen sign-in must not become an unlimited password oracle."""
    if services.limits.auth_failures.exhausted(f"password:{user_id}"):
        raise TooManyError("too many wrong passwords; wait a minute")


def _wrong_password(services: ServicesDep, user_id: uuid.UUID) -> BadRequestError:
    services.limits.auth_failures.allow(f"password:{user_id}")
    # 400, not 401: the sign-in itself is still valid, the dashboard must not sign out.
    return BadRequestError("the current password is wrong", code="wrong_password")


@router.get("", responses=ERRORS)
def my_account(session: SignedInDep, db: DbDep) -> AccountOut:
    """The signed-in user's account settings (allowed before a pending password change)."""
    user = accounts.get_user(db, user_id=session.user_id)
    return AccountOut(
        id=user.id,
        username=user.username,
        role=user.role.value,
        display_name=user.display_name,
        totp_enabled=user.totp_secret_enc is not None,
        password_change_required=user.must_change_password,
        last_login_at=user.last_login_at,
        recovery_codes_left=recovery_codes.remaining(db, user_id=user.id),
    )


@router.post("/password", responses={**ERRORS, 422: {}})
def change_password(
    body: ChangePasswordRequest, request: Request, session: SignedInDep, services: ServicesDep
) -> SignedIn:
    """Change one's own password; lifts a one-time-password block, signs out other browsers."""
    _guard_password_guessing(services, session.user_id)
    try:
        with services.database.transaction() as db:
            accounts.change_password(
                db,
                user_id=session.user_id,
                old_password=body.current_password,
                new_password=body.new_password,
            )
    except AuthenticationError:
        raise _wrong_password(services, session.user_id) from None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        services.web_sessions.password_changed(token)
    session.password_change_required = False
    return signed_in_answer(session, services)


@router.post("/totp/setup", responses=ERRORS)
def totp_setup(session: WebSessionDep, db: DbDep, services: ServicesDep) -> TotpSetup:
    """A new TOTP secret to scan; not active until /api/me/totp/confirm gets a matching code."""
    user = accounts.get_user(db, user_id=session.user_id)
    if user.totp_secret_enc is not None:
        raise StateConflictError(
            "two-step sign-in is already on; turn it off first", code="totp_already_enabled"
        )
    secret = accounts.new_totp_secret()
    services.web_sessions.set_pending_totp(session, secret)
    uri = accounts.totp_uri(secret, username=user.username, issuer=ISSUER)
    return TotpSetup(secret=secret, otpauth_uri=uri, issuer=ISSUER, qr=qr_data_uri(uri))


@router.post("/totp/confirm", responses=ERRORS)
def totp_confirm(
    body: TotpConfirmRequest, session: WebSessionDep, services: ServicesDep
) -> TotpState:
    """Activate the secret from setup once the app's code matches; sign-in then asks for it."""
    secret = services.web_sessions.pending_totp(session)
    if secret is None:
        raise StateConflictError("start with /api/me/totp/setup", code="totp_setup_required")
    try:
        with services.database.transaction() as db:
            accounts.enable_totp(db, user_id=session.user_id, secret=secret, code=body.code)
            codes = recovery_codes.issue(db, user_id=session.user_id)
    except AuthenticationError:
        raise BadRequestError(
            "that code does not match; check the app's clock and try the next code",
            code="totp_invalid",
        ) from None
    services.web_sessions.set_pending_totp(session, None)
    return TotpState(totp_enabled=True, recovery_codes=codes)


@router.post("/recovery-codes", responses=ERRORS)
def new_recovery_codes(
    body: TotpDisableRequest, session: WebSessionDep, services: ServicesDep
) -> RecoveryCodesOut:
    """Replace the recovery codes (the old ones stop working); needs the current password."""
    _guard_password_guessing(services, session.user_id)
    with services.database.transaction() as db:
        user = _password_confirmed(db, services, session, body.password)
        if user.totp_secret_enc is None:
            raise StateConflictError("turn on two-step sign-in first", code="totp_not_enabled")
        codes = recovery_codes.issue(db, user_id=user.id)
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/totp/disable", responses=ERRORS)
def totp_disable(
    body: TotpDisableRequest, session: WebSessionDep, services: ServicesDep
) -> TotpState:
    """Turn the second factor off; needs the current password."""
    _guard_password_guessing(services, session.user_id)
    with services.database.transaction() as db:
        user = _password_confirmed(db, services, session, body.password)
        if user.totp_secret_enc is not None:
            accounts.disable_totp(db, user_id=user.id, actor_id=user.id)
    services.web_sessions.set_pending_totp(session, None)
    return TotpState(totp_enabled=False)


def _password_confirmed(
    db: Session, services: ServicesDep, session: WebSession, password: str
) -> User:
    """The signed-in user, once their current password matched (a wrong one is counted)."""
    user = accounts.get_user(db, user_id=session.user_id)
    if not _password_matches(db, user.password_hash, password):
        raise _wrong_password(services, session.user_id)
    return user


def _password_matches(db: Session, password_hash: str, password: str) -> bool:
    """Check a password without the side effects of a sign-in (no lockout count, no audit row)."""
    try:
        return bool(context_of(db).password_hasher.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
