"""Keyset pagination of long API lists: `limit` and an opaque `cursor` in, the next page's cursor
out. PURE: no Flask, no database.

The cursor is the last id of the page, base64url-encoded with a tag so that a client treats it as
opaque and a mistyped one is refused rather than read as some other position. Paging by id (`WHERE
id > :after ORDER BY id`) costs the same on page 400 as on page 1, and a device added while a
client walks the list appears on a later page instead of shifting the pages it has seen.
"""

from __future__ import annotations

import base64
import binascii
import re

DEFAULT_LIMIT = 500
MAX_LIMIT = 5_000
_TAG = "after:"
_CURSOR_TEXT = re.compile(_TAG + r"(0|[1-9][0-9]{0,18})")


class PagingError(ValueError):
    """A `limit` or `cursor` that cannot be used; the message says which and why."""


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_TAG}{last_id}".encode()).decode().rstrip("=")


def decode_cursor(text: str, max_id: int) -> int:
    """The id a cursor from encode_cursor stands for; PagingError for anything else."""
    refused = PagingError("cursor is not one this API gave out: take it from the `next` link")
    if not text or len(text) > 64 or not text.isascii():
        raise refused
    try:
        plain = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        raise refused from None
    match = _CURSOR_TEXT.fullmatch(plain)
    if match is None or int(match.group(1)) > max_id:
        raise refused
    return int(match.group(1))


def parse_limit(text: str | None) -> int:
    """`limit` as typed: absent → DEFAULT_LIMIT; a whole number 1..MAX_LIMIT, else PagingError."""
    if text is None or text == "":
        return DEFAULT_LIMIT
    if (
        not (text.isascii() and text.isdigit() and len(text) <= 6)
        or not 1 <= int(text) <= MAX_LIMIT
    ):
        raise PagingError(f"limit must be a whole number from 1 to {MAX_LIMIT:,}")
    return int(text)
