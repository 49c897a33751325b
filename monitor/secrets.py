"""Credentials at rest: encrypted with a Fernet key that never sits in the database.

The key comes from [security] encryption_key (or ICTMON_SECURITY_ENCRYPTION_KEY), else from
<data_dir>/secret.key, which `ictmon init` creates (mode 0600) when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from monitor.settings import Settings

KEY_FILE = "secret.key"
WEB_KEY_FILE = "web-secret.key"


class SecretsError(RuntimeError):
    pass


def _key_path(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE


def ensure_keys(settings: Settings) -> list[Path]:
    """Create the encryption key and the web session key if missing; return the files created."""
    created = []
    if not settings.security.encryption_key:
        path = _key_path(settings)
        if not path.exists():
            _write_private(path, Fernet.generate_key())
            created.append(path)
    if not settings.web.secret_key:
        path = settings.data_dir / WEB_KEY_FILE
        if not path.exists():
            _write_private(path, os.urandom(32).hex().encode())
            created.append(path)
    return created


# Whoever knows the session key can sign a session cookie for any user, so a key copied from an
# example, a tutorial or a habit is as good as none. Compared lower-cased, punctuation dropped.
PLACEHOLDER_WEB_KEYS = frozenset(
    {
        "changeme",
        "changemeplease",
        "changethis",
        "replaceme",
        "secret",
        "secretkey",
        "mysecretkey",
        "yoursecretkey",
        "supersecret",
        "supersecretkey",
        "flasksecret",
        "flasksecretkey",
        "dev",
        "devkey",
        "development",
        "default",
        "test",
        "testing",
        "password",
        "ictmon",
        "ictmonsecret",
        "notsecret",
        "insecure",
        "none",
        "null",
        "xxx",
        "todo",
    }
)
MIN_WEB_KEY_LENGTH = 32
_FIX = (
    "set [web] secret_key (or ICTMON_WEB_SECRET_KEY) to a random value of 32 characters or "
    "more, e.g. the output of `python3 -c 'import secrets; print(secrets.token_hex(32))'`, "
    "or leave it empty and run `ictmon init` to generate {file}"
)


def web_secret_key_problem(key: str) -> str | None:
    """Why `key` must not sign session cookies, or None when it may. Pure."""
    folded = "".join(ch for ch in key.lower() if ch.isalnum())
    if folded in PLACEHOLDER_WEB_KEYS or folded.startswith(("changeme", "replaceme")):
        return "is a known placeholder"
    if len(key) < MIN_WEB_KEY_LENGTH:
        return f"is shorter than {MIN_WEB_KEY_LENGTH} characters"
    if len(set(key)) < 8:
        return "is not random (fewer than 8 different characters)"
    return None


def web_secret_key(settings: Settings) -> str:
    """The key that signs session cookies: [web] secret_key, else the generated key file. Refuses
    (SecretsError, one line naming the setting and the fix) a missing, placeholder or short key."""
    path = settings.data_dir / WEB_KEY_FILE
    fix = _FIX.format(file=path)
    key = settings.web.secret_key
    if key.strip():
        where = "[web] secret_key"
    else:
        where = f"[web] secret_key is empty and its key file {path}"
        try:
            key = path.read_text().strip()
        except FileNotFoundError:
            raise SecretsError(
                f"[web] secret_key is empty and {path} does not exist: {fix}"
            ) from None
    problem = web_secret_key_problem(key)
    if problem:
        raise SecretsError(f"{where} {problem}: refusing to start; {fix}")
    return key


def _write_private(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


class Vault:
    """Encrypts and decrypts device credentials."""

    def __init__(self, key: bytes | str):
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise SecretsError(
                "[security] encryption_key: not a valid Fernet key "
                "(32 url-safe base64-encoded bytes)"
            ) from None

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        if settings.security.encryption_key:
            return cls(settings.security.encryption_key)
        path = _key_path(settings)
        try:
            return cls(path.read_bytes().strip())
        except FileNotFoundError:
            raise SecretsError(
                f"encryption key {path} does not exist: run `ictmon init` first"
            ) from None

    def encrypt(self, plain: str | None) -> bytes | None:
        return None if plain in (None, "") else self._fernet.encrypt(plain.encode("utf-8"))

    def decrypt(self, token: bytes | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except InvalidToken:
            raise SecretsError(
                "a stored credential cannot be decrypted with the current key "
                "(was [security] encryption_key changed?)"
            ) from None
