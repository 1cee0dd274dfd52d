"""`reflect admin|keys|audit|purge|db`: accounts, kiosks, key rotation, audit check, retention."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from server.config import Settings

Handler = Callable[[argparse.Namespace, Settings], int]


def register(sub: Any) -> None:
    """Add the data-layer command groups."""
    admin = sub.add_parser("admin", help="accounts and kiosks").add_subparsers(
        dest="admin_command", required=True)
    create = admin.add_parser("create-user", help="create a staff account")
    create.add_argument("username")
    create.add_argument("--role", choices=["admin", "therapist", "front_desk"], required=True)
    create.add_argument("--display-name", default="")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from stdin (else a one-time one is printed)")
    create.set_defaults(handler=_guard(create_user))
    reset = admin.add_parser("reset-password", help="set a new password and unlock")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    reset.set_defaults(handler=_guard(reset_password))
    enroll = admin.add_parser("enroll-kiosk", help="enrol a kiosk; prints its one-time token")
    enroll.add_argument("name")
    enroll.add_argument("--pin", help="staff PIN (4-8 digits) that clears the crisis screen here")
    enroll.set_defaults(handler=_guard(enroll_kiosk))
    admin.add_parser("list", help="list accounts and kiosks").set_defaults(
        handler=_guard(list_accounts))

    keys = sub.add_parser("keys", help="encryption keys").add_subparsers(
        dest="keys_command", required=True)
    rotate = keys.add_parser("rotate", help="add a key and re-encrypt everything (resumable)")
    rotate.add_argument("--batch-size", type=int, default=200)
    rotate.set_defaults(handler=_guard(rotate_keys))
    keys.add_parser("retire", help="remove old keys no value uses (after a rotation)").set_defaults(
        handler=_guard(retire_keys))

    audit_parser = sub.add_parser("audit", help="audit log").add_subparsers(
        dest="audit_command", required=True)
    audit_parser.add_parser("verify", help="check the hash chain").set_defaults(
        handler=_guard(verify_audit))

    purge = sub.add_parser("purge", help="delete sessions older than the retention period")
    purge.add_argument("--days", type=float, default=None)
    purge.set_defaults(handler=_guard(purge_sessions))

    db_parser = sub.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True)
    db_parser.add_parser("upgrade", help="migrate to the latest schema").set_defaults(
        handler=_guard(upgrade_db))


def _guard(handler: Handler) -> Handler:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        from models.errors import DataError

        try:
            return handler(args, settings)
        except DataError as exc:
            print(f"error ({exc.code}): {exc}", file=sys.stderr)
            return 2

    return run


def open_configured(settings: Settings) -> Any:
    """Keyring (env value or file) and database from Settings; migrated and key-checked."""
    from models.db import open_database
    from models.keyring import load_keyring

    env_name = settings.security.keyring_env
    keyring = load_keyring(path=settings.keyring_file,
                           env_value=os.environ.get(env_name) if env_name else None)
    return open_database(settings.database_url, keyring=keyring)


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """The password from stdin, or a random one-time password the user must change."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    import secrets

    return secrets.token_urlsafe(15), True


def create_user(args: argparse.Namespace, settings: Settings) -> int:
    """Create an account."""
    from models import accounts
    from models.types import Role

    password, one_time = _password(args)
    database = open_configured(settings)
    with database.transaction() as db:
        user = accounts.create_user(db, username=args.username, password=password,
                                    role=Role(args.role), display_name=args.display_name,
                                    must_change_password=one_time)
    print(f"created {user.role.value} {user.username} ({user.id})")
    if one_time:
        print(f"one-time password (shown once; change at first login): {password}")
    return 0


def reset_password(args: argparse.Namespace, settings: Settings) -> int:
    """Reset a password and clear any lockout."""
    from models import accounts
    from models.errors import NotFoundError

    password, one_time = _password(args)
    database = open_configured(settings)
    with database.transaction() as db:
        user = accounts.get_user_by_username(db, username=args.username)
        if user is None:
            raise NotFoundError(f"no user {args.username!r}")
        accounts.set_password(db, user_id=user.id, new_password=password, must_change=one_time)
    print(f"password reset for {args.username}")
    if one_time:
        print(f"one-time password (shown once; change at first login): {password}")
    return 0


def enroll_kiosk(args: argparse.Namespace, settings: Settings) -> int:
    """Enrol a kiosk and print its device token once."""
    from models import kiosks
    from models.kiosk_enrolment import issue_enrolment_code

    database = open_configured(settings)
    with database.transaction() as db:
        kiosk, token = kiosks.enroll_kiosk(db, name=args.name, staff_pin=args.pin)
        code, expires = issue_enrolment_code(db, kiosk_id=kiosk.id, token=token)
    print(f"enrolled kiosk {kiosk.name} ({kiosk.id})"
          + ("; staff PIN set" if args.pin else "; no staff PIN (clear crises from the dashboard)"))
    print(f"device token (shown once; configure it on the kiosk): {token}")
    base = settings.server.public_url.rstrip("/") or "<server>"
    print(f"or open once on the kiosk, before {expires:%H:%M} UTC: {base}/kiosk/#enrol={code}")
    return 0


def list_accounts(args: argparse.Namespace, settings: Settings) -> int:
    """Print accounts and kiosks."""
    from models import accounts, kiosks

    database = open_configured(settings)
    with database.transaction() as db:
        for user in accounts.list_users(db):
            flags = [f for f, on in (("inactive", not user.active),
                                     ("locked", user.locked_until is not None),
                                     ("must-change-password", user.must_change_password),
                                     ("totp", user.totp_secret_enc is not None)) if on]
            print(f"user   {user.username:<24} {user.role.value:<11} {' '.join(flags)}")
        for kiosk in kiosks.list_kiosks(db):
            seen = kiosk.last_seen_at.isoformat() if kiosk.last_seen_at else "never"
            state = "active" if kiosk.active else "revoked"
            print(f"kiosk  {kiosk.name:<24} {state:<11} last seen {seen}")
    return 0


def rotate_keys(args: argparse.Namespace, settings: Settings) -> int:
    """Add a key and re-encrypt, or resume an interrupted rotation."""
    from models.errors import KeyringError
    from models.keys import rotate_keyring_file

    env_name = settings.security.keyring_env
    if env_name and os.environ.get(env_name):
        raise KeyringError(f"the keyring comes from ${env_name}; rotation needs the keyring "
                           "file (unset the variable, rotate, then update it from the file)")
    report = rotate_keyring_file(settings.database_url, keyring_path=settings.keyring_file,
                                 batch_size=args.batch_size)
    verb = "resumed and finished" if report.resumed else "finished"
    print(f"key rotation {verb}: active key {report.target_key_id}, "
          f"{report.rows_reencrypted} values re-encrypted")
    print(f"back up the updated keyring now: {settings.keyring_file}")
    return 0


def retire_keys(args: argparse.Namespace, settings: Settings) -> int:
    """Remove keys that no stored value uses any more."""
    from models.key_retire import retire_keys as retire

    report = retire(settings.database_url, keyring_path=settings.keyring_file)
    names = ", ".join(report.retired) or "none"
    print(f"retired keys: {names}; active key {report.active}")
    if report.retired:
        print(f"back up the updated keyring now: {settings.keyring_file}")
    return 0


def verify_audit(args: argparse.Namespace, settings: Settings) -> int:
    """Check the audit hash chain; exit 1 and name the rows if broken."""
    from models import audit

    database = open_configured(settings)
    with database.transaction() as db:
        problems = audit.verify_chain(db)
    if not problems:
        print("audit log intact")
        return 0
    for problem in problems:
        print(f"row {problem.row_id}: {problem.problem}")
    return 1


def purge_sessions(args: argparse.Namespace, settings: Settings) -> int:
    """Delete expired sessions now."""
    from models.retention import purge_expired

    days = args.days if args.days is not None else settings.database.retention_days
    database = open_configured(settings)
    with database.transaction() as db:
        report = purge_expired(db, retention_days=days)
    print(f"purged {report.sessions} sessions created before {report.cutoff.isoformat()}")
    return 0


def upgrade_db(args: argparse.Namespace, settings: Settings) -> int:
    """Migrate the schema and make the bootstrap admin on a fresh database."""
    from models import accounts

    database = open_configured(settings)
    with database.transaction() as db:
        password = accounts.ensure_bootstrap_admin(db)
    print("database schema is up to date")
    if password:
        print(f"bootstrap admin 'admin' created; one-time password (shown ONCE): {password}")
    return 0
