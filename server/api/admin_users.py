"""Account administration: create with a one-time password, reset, enable/disable, TOTP recovery."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from models import accounts
from models.errors import PasswordPolicyError
from models.password_policy import readable_password
from models.tables import User
from models.types import Role
from server.api.account_schemas import (
    AdminUserList,
    AdminUserOut,
    NewUserRequest,
    OneTimePassword,
    SetActiveRequest,
)
from server.deps import AdminDep, DbDep, ServicesDep
from server.errors import BadRequestError

router = APIRouter(prefix="/api/admin/users", tags=["admin"])
ERRORS: dict[int | str, dict[str, object]] = {400: {}, 401: {}, 403: {}, 404: {}, 422: {}}


def admin_user_out(user: User) -> AdminUserOut:
    """Shape an account row (never the password hash or TOTP secret)."""
    return AdminUserOut(
        id=user.id,
        username=user.username,
        role=user.role.value,
        display_name=user.display_name,
        active=user.active,
        locked_until=user.locked_until,
        totp_enabled=user.totp_secret_enc is not None,
        password_change_required=user.must_change_password,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def one_time_password(username: str) -> str:
    """A random password that passes the policy (a short username may occur in it by chance)."""
    for _ in range(100):
        candidate = readable_password()
        try:
            accounts.check_password_policy(candidate, username=username)
        except PasswordPolicyError:
            continue
        return candidate
    raise BadRequestError("could not make a password for this username", code="username_unsuitable")


@router.get("", responses=ERRORS)
def list_accounts(admin: AdminDep, db: DbDep) -> AdminUserList:
    """Every account with its state (active, locked, TOTP, pending password change)."""
    return AdminUserList(users=[admin_user_out(u) for u in accounts.list_users(db)])


@router.post("", status_code=201, responses={**ERRORS, 409: {}})
def create_account(body: NewUserRequest, admin: AdminDep, services: ServicesDep) -> OneTimePassword:
    """A new account with a one-time password (shown once; changed at first sign-in)."""
    password = one_time_password(body.username)
    # Committed before the password is shown, so it is never handed out for a lost account.
    with services.database.transaction() as db:
        user = accounts.create_user(
            db,
            username=body.username,
            password=password,
            role=Role(body.role),
            display_name=body.display_name,
            must_change_password=True,
            actor_id=admin.id,
        )
        shaped = admin_user_out(user)
    return OneTimePassword(user=shaped, one_time_password=password)


@router.post("/{user_id}/reset-password", responses=ERRORS)
def reset_password(user_id: uuid.UUID, admin: AdminDep, services: ServicesDep) -> OneTimePassword:
    """A new one-time password; clears a lockout and signs the user out everywhere."""
    with services.database.transaction() as db:
        user = accounts.get_user(db, user_id=user_id)
        password = one_time_password(user.username)
        accounts.set_password(
            db, user_id=user.id, new_password=password, must_change=True, actor_id=admin.id
        )
        shaped = admin_user_out(user)
    services.web_sessions.revoke_user(user_id)
    return OneTimePassword(user=shaped, one_time_password=password)


@router.post("/{user_id}/active", responses=ERRORS)
def set_active(
    user_id: uuid.UUID, body: SetActiveRequest, admin: AdminDep, services: ServicesDep
) -> AdminUserOut:
    """Enable or disable an account; disabling signs it out everywhere at once."""
    if user_id == admin.id and not body.active:
        raise BadRequestError("you cannot disable your own account", code="cannot_disable_self")
    with services.database.transaction() as db:
        accounts.set_active(db, user_id=user_id, active=body.active, actor_id=admin.id)
        shaped = admin_user_out(accounts.get_user(db, user_id=user_id))
    if not body.active:
        services.web_sessions.revoke_user(user_id)
    return shaped


@router.post("/{user_id}/totp/disable", responses=ERRORS)
def disable_totp(user_id: uuid.UUID, admin: AdminDep, services: ServicesDep) -> AdminUserOut:
    """Recovery for a lost authenticator: turn the user's second factor off."""
    with services.database.transaction() as db:
        user = accounts.get_user(db, user_id=user_id)
        if user.totp_secret_enc is not None:
            accounts.disable_totp(db, user_id=user.id, actor_id=admin.id)
        shaped = admin_user_out(user)
    return shaped
