"""PURE: how a collector stands as the central sees it, for its page and the command line.

A collector is `revoked` once an admin revoked it, `never` until its first contact (created,
maybe enrolled, never heard from), `online` while its last contact is within offline_after
([collector] offline_after_seconds), `offline` past that. Its clock is `ok`, `warn` beyond
clock_warn_seconds and `refuse` beyond clock_refuse_seconds (the central refuses its results).
"""

from __future__ import annotations

from datetime import datetime

REVOKED = "revoked"
NEVER = "never"
ONLINE = "online"
OFFLINE = "offline"
STATES = (ONLINE, OFFLINE, NEVER, REVOKED)

CLOCK_OK = "ok"
CLOCK_WARN = "warn"
CLOCK_REFUSE = "refuse"


def collector_state(
    *,
    revoked_at: datetime | None,
    last_contact_at: datetime | None,
    now: datetime,
    offline_after: float,
) -> str:
    if revoked_at is not None:
        return REVOKED
    if last_contact_at is None:
        return NEVER
    if (now - last_contact_at).total_seconds() > offline_after:
        return OFFLINE
    return ONLINE


def clock_level(offset_seconds: float | None, *, warn: float, refuse: float) -> str | None:
    """None when no offset was ever measured."""
    if offset_seconds is None:
        return None
    off = abs(offset_seconds)
    if off > refuse:
        return CLOCK_REFUSE
    if off > warn:
        return CLOCK_WARN
    return CLOCK_OK


def enrol_command(central_url: str, code: str) -> str:
    """The exact line to run on the school's machine."""
    return f"ictmon collector enrol {central_url.rstrip('/')} --code {code}"
