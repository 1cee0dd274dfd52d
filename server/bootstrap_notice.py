"""Show the bootstrap admin's one-time password once, on the console, never in a log.

When stderr is a terminal the operator is watching it, so the password is written there. When
it is not (systemd, Docker, a redirect: the log collectors), the password goes to a 0600 file
in the data directory and the log names only the file, which start-up removes once the
password has been changed.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from models.db import Database
from models.tables import User

log = logging.getLogger(__name__)
FILE_NAME = "bootstrap-admin-password.txt"


def announce(password: str, data_dir: Path) -> None:
    """Show the one-time password to the operator only."""
    if sys.stderr.isatty():
        sys.stderr.write(
            f"\n*** First start: created user 'admin' with one-time password: {password}\n"
            "*** Sign in at /dashboard and change it. It will not be shown again. ***\n\n"
        )
        sys.stderr.flush()
        return
    path = data_dir / FILE_NAME
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(password + "\n")
    log.warning("first start: created user 'admin'; its one-time password is in %s "
                "(readable by this account only; removed once the password is changed)", path)


def forget_if_changed(database: Database, data_dir: Path) -> None:
    """Remove the password file once the bootstrap admin chose their own password."""
    path = data_dir / FILE_NAME
    if not path.exists():
        return
    with database.transaction() as db:
        admin = db.query(User).filter(User.username == "admin").first()
        pending = admin is not None and admin.must_change_password
    if not pending:
        path.unlink(missing_ok=True)
