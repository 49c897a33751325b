"""SSH private keys only from the admins' key directory ([ssh] key_dir).

A profile's or a device's key file is a path anyone allowed to edit profiles may type; without a
bound, ictmon would offer any private key the service can read (its own TLS key, another
service's deploy key). So a key path must name a file inside [ssh] key_dir — after following
symbolic links, so a link in the directory cannot point out of it — and with no key_dir set, key
files are not used at all. Checked when a path is saved (web, API, CLI) and again before every
use (a path saved before the rule, or a link changed since).
"""

from __future__ import annotations

from pathlib import Path


class KeyOutsideDirectory(ValueError):
    """The key path is not inside [ssh] key_dir; the message says so in one line."""


def key_file(key_path: str | None, key_dir: str) -> str | None:
    """The key's real path inside `key_dir`, or None for no key; KeyOutsideDirectory otherwise.
    A relative path is taken inside the directory."""
    if not key_path:
        return None
    if not key_dir:
        raise KeyOutsideDirectory(
            f"key file {key_path!r} not allowed: set [ssh] key_dir to the directory of key files"
        )
    base = Path(key_dir).resolve()
    real = (base / key_path).resolve()
    if real == base or not real.is_relative_to(base):
        raise KeyOutsideDirectory(f"key file {key_path!r} is outside [ssh] key_dir ({base})")
    return str(real)


def key_problem(key_path: str | None, key_dir: str) -> str | None:
    """What is wrong with `key_path` as a key file, or None."""
    try:
        key_file(key_path, key_dir)
    except KeyOutsideDirectory as exc:
        return str(exc)
    return None


MAX_KEY_BYTES = 65_536  # an OpenSSH RSA-16384 key is under 13 kB; more is no key


def key_text(key_file_path: str) -> str:
    """The text of a key file key_file() allowed, for an edge collector that logs in with it in
    memory (monitor.edge.config); OSError (or ValueError for a file that is no key) otherwise."""
    with open(key_file_path, "rb") as handle:
        data = handle.read(MAX_KEY_BYTES + 1)
    if len(data) > MAX_KEY_BYTES:
        raise ValueError(f"key file {key_file_path!r} is larger than {MAX_KEY_BYTES} bytes")
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise ValueError(f"key file {key_file_path!r} is not a text key") from None
