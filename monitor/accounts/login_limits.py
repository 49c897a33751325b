"""Sign-in lock-out: too many failed sign-ins lock a username (and an address) for a while.

The decision is a pure function of the failure times and now (`lock_end`, `decide`); the rows live
in `login_failures` so every worker and process of the web front agrees. A username is locked
while `max_failures` of its failures fall inside the window, and unlocks when the oldest of those
ages out; an address likewise with its own, larger cap, so one machine cannot spray guesses over
many usernames. Attempts refused while locked are not checked and not counted: they tell the
guesser nothing, and counting them would let anyone keep an officer locked out for ever.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from monitor.db.models import LoginFailure


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


def record_failure(session, username: str, address: str, now: datetime, limits: Limits) -> None:
    session.add(LoginFailure(username=normalise(username), address=(address or "")[:64], at=now))
    # Rows older than the window decide nothing any more; pruned here rather than by a job.
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - limits.window))
    session.flush()


def clear_failures(session, username: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.username == normalise(username)))
