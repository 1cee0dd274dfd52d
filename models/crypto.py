"""AES-256-GCM value encryption with a self-describing envelope.

Envelope: version (1 byte) | key-id length (1 byte) | key id (ASCII) | nonce (12 bytes)
| ciphertext+tag.
Associated data is `table \\x1f column \\x1f row id`, so a value copied to another row, column
or table fails authentication instead of decrypting.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models.errors import DecryptionError, KeyringError
from models.keyring import Keyring

ENVELOPE_VERSION = 1
NONCE_BYTES = 12


def associated_data(table: str, column: str, row_id: object) -> bytes:
    """The bytes that bind a value to its table, column and row."""
    return f"{table}\x1f{column}\x1f{row_id}".encode()


def envelope_key_id(blob: bytes) -> str:
    """The key id recorded in an envelope (no decryption)."""
    if len(blob) < 2 or blob[0] != ENVELOPE_VERSION:
        raise DecryptionError("stored value is not a recognised encrypted envelope")
    size = blob[1]
    if len(blob) < 2 + size + NONCE_BYTES + 16:
        raise DecryptionError("stored value is truncated")
    return blob[2 : 2 + size].decode("ascii")


class Cipher:
    """Encrypts with the keyring's active key; decrypts with whichever key a value names."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._aead = {key_id: AESGCM(key) for key_id, key in keyring.keys.items()}

    @property
    def keyring(self) -> Keyring:
        """The keyring this cipher uses."""
        return self._keyring

    @property
    def active_key_id(self) -> str:
        """The id of the key new values are encrypted with."""
        return self._keyring.active

    def encrypt(self, plaintext: bytes, *, table: str, column: str, row_id: object) -> bytes:
        """Encrypt bytes for one cell, with a fresh random nonce."""
        return self.encrypt_with(self._keyring.active, plaintext, table=table, column=column,
                                 row_id=row_id)

    def encrypt_with(
        self, key_id: str, plaintext: bytes, *, table: str, column: str, row_id: object
    ) -> bytes:
        """Encrypt bytes for one cell with a named key."""
        aead = self._aead_for(key_id)
        nonce = os.urandom(NONCE_BYTES)
        sealed = aead.encrypt(nonce, plaintext, associated_data(table, column, row_id))
        kid = key_id.encode("ascii")
        return bytes([ENVELOPE_VERSION, len(kid)]) + kid + nonce + sealed

    def decrypt(self, blob: bytes, *, table: str, column: str, row_id: object) -> bytes:
        """Decrypt one cell; DecryptionError if the key, row or bytes are wrong."""
        key_id = envelope_key_id(blob)
        start = 2 + len(key_id)
        nonce = blob[start : start + NONCE_BYTES]
        try:
            return self._aead_for(key_id).decrypt(
                nonce, blob[start + NONCE_BYTES :], associated_data(table, column, row_id)
            )
        except InvalidTag:
            raise DecryptionError(
                f"{table}.{column} of row {row_id} failed authentication "
                "(wrong key, value moved from another row, or tampering)"
            ) from None

    def encrypt_text(self, text: str, *, table: str, column: str, row_id: object) -> bytes:
        """Encrypt a string (UTF-8)."""
        return self.encrypt(text.encode("utf-8"), table=table, column=column, row_id=row_id)

    def decrypt_text(self, blob: bytes, *, table: str, column: str, row_id: object) -> str:
        """Decrypt a string (UTF-8)."""
        return self.decrypt(blob, table=table, column=column, row_id=row_id).decode("utf-8")

    def encrypt_json(self, value: Any, *, table: str, column: str, row_id: object) -> bytes:
        """Encrypt a JSON-serialisable value."""
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return self.encrypt(data, table=table, column=column, row_id=row_id)

    def decrypt_json(self, blob: bytes, *, table: str, column: str, row_id: object) -> Any:
        """Decrypt a JSON value."""
        return json.loads(self.decrypt(blob, table=table, column=column, row_id=row_id))

    def code_mac(self, code: str) -> str:
        """HMAC-SHA256 (hex) of a short one-time code under the keyring's MAC key."""
        return hmac.new(self._keyring.mac_key, code.encode("utf-8"), hashlib.sha256).hexdigest()

    def _aead_for(self, key_id: str) -> AESGCM:
        try:
            return self._aead[key_id]
        except KeyError:
            raise KeyringError(
                f"keyring has no key {key_id!r}; a stored value needs it (wrong keyring?)"
            ) from None
