"""Personal data sealed at rest: e-mail addresses are stored encrypted (AES-GCM) under the
deployment's data key, so that a copy of the data file or of Redis does not give them away.

The key is ``data_key`` (config); without it the embedded store keeps one in its folder
(``speedmeet.key``, readable by the server's user only), and the Redis store refuses to start:
every process must share it.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import StartupRefused

PREFIX = "s1:"  # sealed with version 1 of this format: AES-256-GCM, 12-byte nonce
KEY_FILE = "speedmeet.key"


def new_key() -> str:
    """A fresh data key, as ``data_key`` takes it (32 random bytes, base64url)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def _decode_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise StartupRefused(
            "data_key must be 32 bytes in base64url (make one with: "
            "python -c 'import secrets, base64; print(base64.urlsafe_b64encode("
            "secrets.token_bytes(32)).decode())')"
        )
    return key


class Sealer:
    """Seals and opens text with one key."""

    def __init__(self, key: str) -> None:
        self._aead = AESGCM(_decode_key(key))

    def seal(self, text: str) -> str:
        """``text`` encrypted (``""`` stays ``""``)."""
        if not text:
            return text
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(nonce, text.encode("utf-8"), None)
        return PREFIX + base64.urlsafe_b64encode(sealed).decode()

    def open(self, text: str) -> str:
        """The text ``seal`` gave; text that was never sealed comes back as it is."""
        if not text.startswith(PREFIX):
            return text
        raw = base64.urlsafe_b64decode(text[len(PREFIX) :])
        try:
            return self._aead.decrypt(raw[:12], raw[12:], None).decode("utf-8")
        except InvalidTag as exc:
            raise StartupRefused(
                "the data key does not open the stored data: data_key is not the one the data "
                "was written with"
            ) from exc


def folder_key(folder: Path) -> str:
    """The embedded store's key kept in its folder (made at the first start)."""
    path = folder / KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = new_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key + "\n")
    return key
