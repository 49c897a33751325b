"""Exactly one scheduler per database (monitor.runtime.lease): the lease's own rules, then two real
`ictmon run --only poller` processes on one database — SQLite and PostgreSQL — where the second
stands by, takes over when the first is killed with SIGKILL, and the devices' ping samples show
never two sweeps within one interval. Real ICMP to 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

from sqlalchemy import select

from monitor.db.models import PingSample
from monitor.runtime.lease import SCHEDULER, Lease
from tests.conftest import add_device, add_site
from tests.support.requirements import require
from tests.support.waiting import wait_until

INTERVAL = 3.0  # seconds between sweeps in the processes below
WAIT_S = 90  # a bound for waits on a loaded machine; nothing asserts on speed


def engine_of(factory):
    return factory.kw["bind"]


def test_one_holder_at_a_time_and_a_release_frees_it(any_db):
    engine = engine_of(any_db)
    first, second = Lease(engine, "duty", ttl=60), Lease(engine, "duty", ttl=60)
    assert first.acquire()
    assert not second.acquire()
    holder = second.holder()
    assert holder is not None and holder.holder == first.holder_id and not holder.expired
    assert first.renew() and first.fresh()
    assert first.acquire()  # taking what one holds is keeping it
    first.release()
    assert not first.fresh()
    assert second.acquire()
    assert not first.renew()  # lost: renewing does not take it back
    assert not first.fresh()
    assert Lease(engine, "another duty", ttl=60).acquire()  # names are independent


def test_an_expired_lease_is_taken_over(any_db):
    engine = engine_of(any_db)
    gone = Lease(engine, "duty", ttl=0.5)
    assert gone.acquire()
    standby = Lease(engine, "duty", ttl=60)
    # The holder stops renewing (killed); the stand-by's tries succeed once the lease runs out.
    wait_until(standby.acquire, within=WAIT_S, what="the expired lease to be taken", every=0.1)
    assert standby.holder().holder == standby.holder_id
    assert not gone.renew()


def _database_url(any_db) -> str:
    return engine_of(any_db).url.render_as_string(hide_password=False)


def _start(config: Path, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "run", "--only", "poller"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _sample_times(any_db, device_id: int):
    with any_db() as s:
        return list(
            s.scalars(
                select(PingSample.at)
                .where(PingSample.device_id == device_id)
                .order_by(PingSample.at)
            )
        )


def test_a_stand_by_takes_over_from_a_killed_scheduler_and_never_doubles_a_sweep(
    any_db, settings, tmp_path
):
    from collectors.ping import icmp_permission_problem

    require(icmp_permission_problem() is None, "needs ICMP permission (root or ping_group_range)")
    with any_db.begin() as s:
        device_id = add_device(s, add_site(s), "router", "127.0.0.1", "router").id
    config = tmp_path / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "{_database_url(any_db)}"\n'
        f'[paths]\ndata_dir = "{settings.paths.data_dir}"\n'
        f"[ping]\ninterval = {INTERVAL}\ntimeout = 0.5\ncount = 1\n",
        encoding="utf-8",
    )
    lease = Lease(engine_of(any_db), SCHEDULER, ttl=1)  # only to read who holds it
    first = _start(config, tmp_path / "first.log")
    second = None
    try:
        wait_until(lambda: _sample_times(any_db, device_id), within=WAIT_S, what="a first sweep")
        second = _start(config, tmp_path / "second.log")
        wait_until(
            lambda: "stand-by" in (tmp_path / "second.log").read_text(),
            within=WAIT_S,
            what="the second process to stand by",
        )
        holder = lease.holder()
        assert holder is not None and f":{first.pid}:" in holder.holder
        # Both run side by side for a few intervals: only the first sweeps.
        wait_until(
            lambda: len(_sample_times(any_db, device_id)) >= 4,
            within=WAIT_S,
            what="sweeps while both processes run",
        )

        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        killed_at = len(_sample_times(any_db, device_id))
        wait_until(
            lambda: (h := lease.holder()) is not None and f":{second.pid}:" in h.holder,
            within=WAIT_S,
            what="the stand-by to take the lease",
        )
        wait_until(
            lambda: len(_sample_times(any_db, device_id)) >= killed_at + 3,
            within=WAIT_S,
            what="the new scheduler's sweeps",
        )
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
    times = _sample_times(any_db, device_id)
    gaps = [(b - a).total_seconds() for a, b in pairwise(times)]
    # Two schedulers, whatever their offset, put two sweeps within half an interval of each
    # other at least once per interval; one scheduler's sweeps are an interval apart (or more,
    # across the take-over).
    assert min(gaps) > 0.6 * INTERVAL, (gaps, (tmp_path / "second.log").read_text())
    assert "taken over" in (tmp_path / "second.log").read_text()
