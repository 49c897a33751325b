"""One holder of a named duty per database: a lease row, taken over when its holder stops renewing.

`ictmon run` holds the "scheduler" lease: two pollers on one database would sweep every device
twice and write every change twice. A second `ictmon run` waits as a stand-by and takes over when
the active one stops (killed, crashed, its machine gone).

Why a lease row on both databases, not PostgreSQL's advisory lock: one design, one set of tests,
and a holder that pages and `/metrics` can name. It is as safe because
- taking and renewing are single conditional UPDATEs (`… WHERE expires_at < now OR holder =
  me`): on SQLite under the one writer lock, on PostgreSQL under the row's lock, re-checked
  after a wait, so two takers never both win;
- time is the database's own on PostgreSQL (`clock_timestamp()`: the processes may run on
  machines whose clocks differ) and the machine's on SQLite (one file, one machine);
- a holder that was frozen (SIGSTOP, a stalled VM) and wakes after its lease ran out must not act
  on it: `fresh()` is a local check, on the monotonic clock, that the last successful renewal is
  younger than the lease minus one renewal period; the scheduler runs no job without it. An
  advisory lock would not need this, but it would also keep a frozen holder's lock for ever.

Times: a lease lasts `ttl` seconds and is renewed every `ttl / 4.5` (with the scheduler's ttl of
1.5 ping intervals: every third of an interval). A stand-by tries as often, so it takes over at
most ttl + one try after the holder's last renewal: under two intervals. The holder's last sweep
was before its last renewal plus a third of an interval, so the next sweep, the new holder's
first, comes more than an interval later: never two sweeps of a device in one interval.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from monitor.db.engine import reason_of, rowcount
from monitor.db.models import Lease as LeaseRow

log = logging.getLogger(__name__)

SCHEDULER = "scheduler"
RENEWALS_PER_TTL = 4.5


@dataclass(frozen=True)
class Holder:
    """Who holds a lease, as the database says."""

    holder: str
    acquired_at: datetime
    expires_at: datetime
    expired: bool


def new_holder_id() -> str:
    """This process, recognisable in logs and on /metrics: host, pid and a random suffix (a pid
    is reused after a restart; the suffix is not)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


def _now(connection: Connection) -> float:
    """Seconds since the epoch by the clock every taker agrees on (see the module's docstring)."""
    if connection.dialect.name == "postgresql":
        return float(
            connection.execute(text("SELECT extract(epoch FROM clock_timestamp())")).scalar_one()
        )
    return time.time()


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class Lease:
    """acquire / renew / release / holder for one named lease; thread-safe in use by one keeper
    thread and any number of `fresh()` readers."""

    def __init__(self, engine: Engine, name: str, ttl: float, holder: str | None = None):
        if ttl <= 0:
            raise ValueError("a lease needs a positive ttl")
        self.engine, self.name, self.ttl = engine, name, float(ttl)
        self.holder_id = holder or new_holder_id()
        self._renewed_mono: float | None = (
            None  # monotonic time of the last success; None: not held
        )

    @property
    def period(self) -> float:
        """How often the holder renews and a stand-by tries."""
        return self.ttl / RENEWALS_PER_TTL

    def acquire(self) -> bool:
        """Take the lease if it is free, expired or already ours; True when we hold it now."""
        started = time.monotonic()
        try:
            with self.engine.begin() as connection:
                now = _now(connection)
                taken = rowcount(
                    connection.execute(
                        update(LeaseRow)
                        .where(
                            LeaseRow.name == self.name,
                            (LeaseRow.expires_at < now) | (LeaseRow.holder == self.holder_id),
                        )
                        .values(holder=self.holder_id, acquired_at=now, expires_at=now + self.ttl)
                    )
                )
                if not taken:
                    exists = connection.execute(
                        select(LeaseRow.name).where(LeaseRow.name == self.name)
                    ).first()
                    if exists:
                        return False
                    connection.execute(
                        insert(LeaseRow).values(
                            name=self.name,
                            holder=self.holder_id,
                            acquired_at=now,
                            expires_at=now + self.ttl,
                        )
                    )
        except IntegrityError:
            return False  # another process inserted the row first: theirs
        except SQLAlchemyError as exc:
            log.warning("lease %s not taken: %s", self.name, reason_of(exc))
            return False
        self._renewed_mono = started
        return True

    def renew(self) -> bool:
        """Extend our lease; False (and no longer held) when it is not ours any more or the
        database cannot be reached."""
        started = time.monotonic()
        try:
            with self.engine.begin() as connection:
                now = _now(connection)
                kept = rowcount(
                    connection.execute(
                        update(LeaseRow)
                        .where(LeaseRow.name == self.name, LeaseRow.holder == self.holder_id)
                        .values(expires_at=now + self.ttl)
                    )
                )
        except SQLAlchemyError as exc:
            log.warning("lease %s not renewed: %s", self.name, reason_of(exc))
            kept = 0
        if kept:
            self._renewed_mono = started
            return True
        self._renewed_mono = None
        return False

    def release(self) -> None:
        """Give the lease up at once (a clean stop): a stand-by need not wait for it to run out."""
        self._renewed_mono = None
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    delete(LeaseRow).where(
                        LeaseRow.name == self.name, LeaseRow.holder == self.holder_id
                    )
                )
        except SQLAlchemyError as exc:
            log.warning(
                "lease %s not released (it runs out by itself): %s", self.name, reason_of(exc)
            )

    def holder(self) -> Holder | None:
        """Who holds the lease now, or None when nobody ever took it (or it was released)."""
        with self.engine.connect() as connection:
            now = _now(connection)
            row = connection.execute(
                select(LeaseRow.holder, LeaseRow.acquired_at, LeaseRow.expires_at).where(
                    LeaseRow.name == self.name
                )
            ).first()
        if row is None:
            return None
        return Holder(row[0], _moment(row[1]), _moment(row[2]), row[2] < now)

    def fresh(self) -> bool:
        """Held, and renewed recently enough by this process's own clock that no one can have
        taken it over meanwhile (a frozen process wakes up stale)."""
        renewed = self._renewed_mono
        return renewed is not None and time.monotonic() - renewed < self.ttl - self.period


def keep(
    lease: Lease,
    stopping: threading.Event,
    *,
    held: bool,
    on_gain: Callable[[], None],
    on_loss: Callable[[], None],
) -> None:
    """Every `lease.period` until `stopping` is set: renew the lease while held, try to take it
    while not. `on_gain` / `on_loss` are called on each change (start or pause the work)."""
    while not stopping.wait(lease.period):
        if held and not lease.renew():
            held = False
            log.warning("lease %s lost: %s stands by", lease.name, lease.holder_id)
            on_loss()
        elif not held and lease.acquire():
            held = True
            log.warning("lease %s taken over by %s", lease.name, lease.holder_id)
            on_gain()
