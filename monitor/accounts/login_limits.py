"""Sign-in lock-out: too many failed sign-ins lock a username (and an address) for a while.

The decision is a pure function of the failure times and now (`lock_end`, `decide`); the rows live
in `login_failures` so every worker and process of the web front agrees. A username is locked
while `max_failures` of its failures fall inside the window, and unlocks when the oldest of those
ages out; an address likewise with its own, larger cap, so one machine cannot spray guesses over
many usernames. Attempts refused while locked are not checked and not counted: they tell the
guesser nothing, and counting them would let anyone keep an officer locked out for ever.

Checking and counting are one step (`reserve_attempt`): an attempt is recorded as a failure before
its password is checked, under a lock every sign-in takes, and a right password takes the record
back. Checked first and counted after, parallel guesses would all pass the check before any of
them was counted.

When the attempt cannot be recorded (the database read-only, its disk full, its write lock held
longer than `RESERVATION_LOCK_WAIT_MS`), sign-in does not fail: the limit is checked read-only
and the log says that this attempt went uncounted. The wait is long next to the queue of
parallel sign-ins (each holds the lock for a few statements), so contention alone never turns
reservations into uncounted checks; only a database that truly cannot be written does.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from monitor.db.engine import lock_wait, reason_of
from monitor.db.models import LoginFailure

log = logging.getLogger(__name__)

# How long a reservation waits for the database's write lock before the limit is checked read-only.
RESERVATION_LOCK_WAIT_MS = 10_000


@dataclass(frozen=True)
class Limits:
    max_failures: int = 5
    max_failures_per_address: int = 20
    window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, security) -> Limits:
        return cls(
            max_failures=security.login_max_failures,
            max_failures_per_address=security.login_max_failures_per_address,
            window=timedelta(minutes=security.login_lockout_minutes),
        )


@dataclass(frozen=True)
class Lock:
    until: datetime
    by: str  # "username" or "address": which cap was reached

    def minutes_left(self, now: datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds() / 60))


def lock_end(
    failures: Iterable[datetime], now: datetime, cap: int, window: timedelta
) -> datetime | None:
    """When the lock that `failures` put on one name or address ends; None when not locked."""
    recent = sorted(t for t in failures if now - window < t <= now)
    if len(recent) < cap:
        return None
    # The cap-th newest failure is the one whose ageing out brings the count below the cap.
    return recent[-cap] + window


def decide(
    username_failures: Iterable[datetime],
    address_failures: Iterable[datetime],
    now: datetime,
    limits: Limits,
) -> Lock | None:
    """The lock in force for this sign-in attempt, the later-ending one when both are."""
    locks = [
        Lock(end, by)
        for end, by in (
            (lock_end(username_failures, now, limits.max_failures, limits.window), "username"),
            (
                lock_end(address_failures, now, limits.max_failures_per_address, limits.window),
                "address",
            ),
        )
        if end is not None
    ]
    return max(locks, key=lambda lock: lock.until) if locks else None


def normalise(username: str) -> str:
    """The name failures are counted under: 'Admin ' and 'admin' are one target."""
    return (username or "").strip().lower()[:64]


def lock_for(session, username: str, address: str, now: datetime, limits: Limits) -> Lock | None:
    since = now - limits.window
    by_name = session.scalars(
        select(LoginFailure.at).where(
            LoginFailure.username == normalise(username), LoginFailure.at > since
        )
    )
    by_address = session.scalars(
        select(LoginFailure.at).where(
            LoginFailure.address == (address or "")[:64], LoginFailure.at > since
        )
    )
    return decide(list(by_name), list(by_address), now, limits)


# The PostgreSQL advisory lock every sign-in's check-and-count takes (any fixed number will do).
SIGN_IN_LOCK = 0x1C7_5161


def reserve_attempt(
    session, username: str, address: str, now: datetime, limits: Limits
) -> Lock | None:
    """The lock in force for this attempt; or None, with the attempt already recorded (and
    committed) as a failure, to be taken back by `clear_failures` when the password is right.
    When it cannot be recorded, the lock a read-only check finds (see the module's docstring)."""
    try:
        with lock_wait(session, RESERVATION_LOCK_WAIT_MS):
            lock = _reserve(session, username, address, now, limits)
        session.commit()
        return lock
    except SQLAlchemyError as exc:
        session.rollback()
        log.warning(
            "sign-in attempt for %r from %s not counted: the database cannot be written (%s); "
            "the lock-out was checked read-only",
            normalise(username),
            address,
            reason_of(exc),
        )
        lock = lock_for(session, username, address, now, limits)
        session.rollback()  # ends the read: the caller's writes are best-effort from here
        return lock


def _reserve(session, username: str, address: str, now: datetime, limits: Limits) -> Lock | None:
    if session.get_bind().dialect.name == "postgresql":
        # Held to the commit: the check and the count of one attempt are never interleaved
        # with another's. (Row locks cannot do it: the rows that would count do not exist yet.)
        session.execute(select(func.pg_advisory_xact_lock(SIGN_IN_LOCK)))
    # On SQLite this first write takes the database's single writer lock, held to the commit, and
    # the reads after it see every attempt committed before.
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - limits.window))
    lock = lock_for(session, username, address, now, limits)
    if lock is None:
        session.add(
            LoginFailure(username=normalise(username), address=(address or "")[:64], at=now)
        )
    session.flush()
    return lock


def clear_failures(session, username: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.username == normalise(username)))
