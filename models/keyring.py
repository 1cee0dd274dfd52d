"""The keyring: AES-256 data keys (one active) plus the HMAC key for session codes.

The JSON form is
`{"version": 1, "active": "k1", "keys": {"k1": "<base64>"}, "mac_key": "<base64>"}`.
It lives in a 0600 file created on first run, or arrives as the *value* of an environment
variable that the edge (server/CLI) reads and passes in; nothing here reads os.environ.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from models.errors import KeyringError

log = logging.getLogger(__name__)

KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

BACKUP_WARNING = (
    "A NEW ENCRYPTION KEYRING WAS CREATED at {path}. Back it up NOW to a safe place "
    "(offline, separate from database backups). Without it every stored client text "
    "is unreadable, permanently."
)


@dataclass(frozen=True)
class Keyring:
    """Data keys by id, which one encrypts new values, and the code-HMAC key."""

    keys: Mapping[str, bytes]
    active: str
    mac_key: bytes

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise KeyringError(f"keyring: active key {self.active!r} is not among its keys")
        for key_id, key in self.keys.items():
            if not _KEY_ID.match(key_id):
                raise KeyringError(f"keyring: bad key id {key_id!r}")
            if len(key) != KEY_BYTES:
                raise KeyringError(f"keyring: key {key_id!r} must be {KEY_BYTES} bytes")
        if len(self.mac_key) < KEY_BYTES:
            raise KeyringError(f"keyring: mac_key must be at least {KEY_BYTES} bytes")

    def key(self, key_id: str) -> bytes:
        """The key with this id, or a KeyringError naming the missing id."""
        try:
            return self.keys[key_id]
        except KeyError:
            raise KeyringError(
                f"keyring has no key {key_id!r} (wrong or outdated keyring?)"
            ) from None

    def with_new_active_key(self) -> Keyring:
        """A copy with one more freshly generated key, which becomes the active one."""
        numbers = [int(k[1:]) for k in self.keys if k[:1] == "k" and k[1:].isdigit()]
        new_id = f"k{max(numbers, default=0) + 1}"
        keys = dict(self.keys)
        keys[new_id] = secrets.token_bytes(KEY_BYTES)
        return Keyring(keys=keys, active=new_id, mac_key=self.mac_key)


def generate_keyring() -> Keyring:
    """A brand-new keyring with one random data key and a random MAC key."""
    return Keyring(
        keys={"k1": secrets.token_bytes(KEY_BYTES)},
        active="k1",
        mac_key=secrets.token_bytes(KEY_BYTES),
    )


def dump_keyring(keyring: Keyring) -> str:
    """The JSON text of a keyring."""
    return json.dumps(
        {
            "version": 1,
            "active": keyring.active,
            "keys": {k: base64.b64encode(v).decode() for k, v in keyring.keys.items()},
            "mac_key": base64.b64encode(keyring.mac_key).decode(),
        },
        indent=2,
        sort_keys=True,
    )


def parse_keyring(text: str, *, source: str = "keyring") -> Keyring:
    """Parse keyring JSON; any problem is a KeyringError that names the source."""
    try:
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("version") != 1:
            raise ValueError("expected an object with version 1")
        keys = {str(k): base64.b64decode(v, validate=True) for k, v in raw["keys"].items()}
        mac_key = base64.b64decode(raw["mac_key"], validate=True)
        active = str(raw["active"])
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise KeyringError(f"{source}: not a valid keyring ({exc})") from None
    try:
        return Keyring(keys=keys, active=active, mac_key=mac_key)
    except KeyringError as exc:
        raise KeyringError(f"{source}: {exc}") from None


def save_keyring_file(path: Path, keyring: Keyring, *, replace: bool = True) -> None:
    """Write the keyring atomically with 0600 permissions; FileExistsError if not `replace`."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dump_keyring(keyring))
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if another process created it first
    finally:
        tmp.unlink(missing_ok=True)


def read_keyring_file(path: Path) -> Keyring:
    """Read an existing keyring file; warn if others can read it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyringError(f"keyring file {path} does not exist") from None
    if path.stat().st_mode & 0o077:
        log.warning("keyring file %s is readable by other users; chmod 600 it", path)
    return parse_keyring(text, source=str(path))


def load_keyring(
    *,
    path: Path,
    env_value: str | None = None,
    create: bool = True,
    print_warning: bool = True,
) -> Keyring:
    """The keyring from an environment variable's value, else from the file (made if absent)."""
    if env_value:
        return parse_keyring(env_value, source="keyring environment variable")
    if path.exists() or not create:
        return read_keyring_file(path)
    keyring = generate_keyring()
    try:
        save_keyring_file(path, keyring, replace=False)
    except FileExistsError:
        return read_keyring_file(path)
    message = BACKUP_WARNING.format(path=path)
    log.warning(message)
    if print_warning:  # also on the terminal: a log line alone is too easy to miss
        print(f"\n*** WARNING: {message} ***\n", file=sys.stderr, flush=True)
    return keyring
