"""Values from the request as views take them: a day, a row id, a search text; no NUL anywhere.

Each either gives a value the database and the date arithmetic can take, or refuses the request
with 400 and a sentence in the person's language naming the field (`BadValue`) — never a value
that fails later, deep in a query, as a 500.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time

from flask import request

from monitor.availability.periods import PeriodError, parse_day
from monitor.db.models import MAX_ROW_ID
from monitor.localtime import BANGKOK
from web.errors import BadValue
from web.i18n import translate

# Longer than any name or address a search is meant to find; SQLite refuses a LIKE pattern past
# 50,000 characters, and a long pattern is slow on every row.
MAX_SEARCH = 200


def day_arg(args: Mapping[str, str], name: str) -> date | None:
    """The day typed as `name` (2026-11-24, 2569-11-24 or 24/11/2569), or None when empty."""
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        return parse_day(text)
    except PeriodError:
        raise BadValue(translate("bad_value_day", field=name)) from None


def row_id_arg(args: Mapping[str, str], name: str) -> int:
    """A row id (or interface index) given as `name`: digits, at most what the database holds."""
    text = (args.get(name) or "").strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ROW_ID:
        raise BadValue(translate("bad_value_number", field=name))
    return int(text)


def search_arg(args: Mapping[str, str], name: str = "q") -> str | None:
    """The search text, or None when empty; a text past MAX_SEARCH characters is refused."""
    text = (args.get(name) or "").strip()
    if len(text) > MAX_SEARCH:
        raise BadValue(translate("bad_value_search", field=name, limit=MAX_SEARCH))
    return text or None


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _json_may_hold_nul(body: bytes) -> bool:
    """Whether a JSON body can decode to a text with a NUL: only through the escape \\u0000,
    or in a UTF-16/32 body (which has zero bytes). Saves walking a collector's 2-MB upload
    value by value when neither is there."""
    return b"\x00" in body or b"\\u0000" in body


def refuse_nul_characters() -> None:
    """before_request: a NUL character in the path, the query, a form field or a JSON body is
    refused (400) before any view runs. No text ictmon keeps may hold one, and PostgreSQL refuses
    it in every query — a search and a sign-in as much as a write."""
    values: list[object] = [request.path, *request.args.keys(), *request.args.values()]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        values += [*request.form.keys(), *request.form.values()]
        values += [f.filename for f in request.files.values()]
        if request.is_json and _json_may_hold_nul(request.get_data(cache=True)):
            values.append(request.get_json(silent=True))
    if any(_has_nul(v) for v in values):
        raise BadValue(translate("bad_value_nul"))


_CLOCK = re.compile(r"^(?P<day>.+?)(?:[T ]+(?P<hour>\d{1,2})[:.](?P<minute>\d{2}))?$")


def local_moment(text: str | None) -> datetime | None:
    """A Bangkok moment as typed or picked: '2026-12-31T14:30' (the browser's picker),
    '31/12/2569 14:30' or '2569-12-31 14:30' (พ.ศ. or ค.ศ.); a day alone means its midnight.
    None when empty; PeriodError (naming the text) when it cannot be read."""
    text = (text or "").strip()
    if not text:
        return None
    m = _CLOCK.match(text)
    if m is None:
        raise PeriodError(f"time {text!r} not understood")
    day = parse_day(m.group("day").strip())
    hour, minute = int(m.group("hour") or 0), int(m.group("minute") or 0)
    if hour > 23 or minute > 59:
        raise PeriodError(f"time {text!r} not understood")
    return datetime.combine(day, time(hour, minute), BANGKOK)
