"""`ictmon run`: the scheduler and the web application in one process (the default install).

A larger deployment runs the same pieces apart (poller and web against PostgreSQL); this module
only wires them together and handles a clean stop on SIGTERM/Ctrl-C.

Exactly one scheduler works per database: it holds the "scheduler" lease (monitor.runtime.lease).
Another `ictmon run` on the same database starts its scheduler paused, as a stand-by, and takes
over when the active one stops renewing; no job runs in a process whose lease is not fresh.
"""

from __future__ import annotations

import faulthandler
import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.triggers.interval import IntervalTrigger
from waitress import create_server

from collectors.ping import IcmpNotPermitted, icmp_permission_problem
from monitor.db import engine as dbmod
from monitor.incidents import ack_tokens
from monitor.runtime import bus_error, lease
from monitor.runtime.scheduler import build_scheduler
from monitor.secrets import web_secret_key
from monitor.settings import Settings
from monitor.status.poller import Poller
from monitor.traps.follow_up import FollowUp
from monitor.traps.service import TrapService

log = logging.getLogger(__name__)


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


# The scheduler's lease lasts this many ping intervals (monitor.runtime.lease says why).
LEASE_INTERVALS = 1.5


class NotActiveScheduler(RuntimeError):
    """A job came due while this process's lease was not fresh: skipped, another may be active."""


def _fence(scheduler, held: lease.Lease) -> None:
    """Every job of `scheduler` runs only while `held` is fresh: a process that was frozen past
    its lease wakes up without sweeping beside the one that took over."""
    for job in scheduler.get_jobs():
        scheduler.modify_job(job.id, func=_fenced(job.func, held))


def _take_over(scheduler) -> None:
    """Start every job's interval afresh from now: the stand-by's own schedule, laid out when it
    started, would put its second sweep less than an interval after its first."""
    now = datetime.now(UTC)
    for job in scheduler.get_jobs():
        if isinstance(job.trigger, IntervalTrigger):
            job.reschedule(
                IntervalTrigger(
                    seconds=job.trigger.interval.total_seconds(), start_date=now, timezone=UTC
                )
            )
    scheduler.resume()


def _fenced(function, held: lease.Lease):
    def run():
        if not held.fresh():
            raise NotActiveScheduler(f"skipped: the {held.name} lease is not fresh")
        return function()

    run.__name__ = getattr(function, "__name__", "job")
    return run


def _start_traps(settings, sessions, pinger, held: lease.Lease | None, announce):
    """The trap receiver, when [traps] listen is set; it acts only while the lease is held. A
    port that cannot be bound is announced and the rest runs on: polling does not need traps."""
    if not settings.traps.listen or held is None:
        return None
    service = TrapService(
        settings, sessions, follow_up=FollowUp(settings, sessions, pinger), active=held.fresh
    )
    try:
        address, port = service.start()
    except OSError as exc:
        log.error("SNMP trap receiver not started: %s", exc)
        announce(f"SNMP traps: cannot listen on {settings.traps.listen} ({exc.strerror or exc})")
        return None
    announce(f"SNMP traps: listening on {address} port {port}")
    return service


PARTS = ("all", "web", "poller")


def serve(
    settings: Settings,
    create_app: Callable[..., Any],
    *,
    announce: Callable[[str], None] = print,
    login_hint: str | None = None,
    only: str = "all",
) -> None:
    """Run the web front, the scheduler (pollers, mail, reports, rules), or both (`only`).
    `create_app(settings, session_factory=...)` builds the web application (web.app's factory).

    Apart, each is one process against the same (PostgreSQL) database: several web processes
    may run, but exactly one scheduler, or sweeps and mails would be done twice."""
    if only not in PARTS:
        raise ValueError(f"only must be one of {', '.join(PARTS)}, got {only!r}")
    # A fatal signal (SIGSEGV, SIGABRT) then leaves a traceback in the service's log instead of
    # nothing; SIGBUS (the file system under SQLite's mapped WAL index gone read-only or away)
    # is logged in words too, and ends the process with a failure exit (monitor.runtime.bus_error).
    faulthandler.enable()
    bus_error.exit_on_bus_error()
    web, poller = only in ("all", "web"), only in ("all", "poller")
    if web:
        # First, before anything starts: a guessable session key lets anyone sign in as anyone.
        web_secret_key(settings)
    if poller:
        problem = icmp_permission_problem()
        if problem:
            raise IcmpNotPermitted(problem)
    engine = dbmod.make_engine(settings.database.url)
    if not dbmod.is_initialised(engine):
        raise dbmod.DatabaseError("the database has no ictmon schema yet: run `ictmon init`")
    sessions = dbmod.session_factory(engine)
    server = None
    if web:
        app = create_app(settings, session_factory=sessions)
        server = create_server(
            app, host=settings.web.host, port=settings.web.port, threads=8, ident="ictmon"
        )
    pinger = Poller(
        settings.ping,
        sessions,
        alerts=settings.alerts,
        base_url=settings.web.base_url,
        ack_key=ack_tokens.key_or_none(settings),
    )
    scheduler = build_scheduler(settings, sessions, pinger) if poller else None
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    stopping = threading.Event()
    scheduler_lease = keeper = None
    if scheduler is not None:
        scheduler_lease = lease.Lease(
            engine, lease.SCHEDULER, ttl=LEASE_INTERVALS * settings.ping.interval
        )
        active = scheduler_lease.acquire()
        _fence(scheduler, scheduler_lease)
        scheduler.start(paused=not active)
        if not active:
            holder = scheduler_lease.holder()
            announce(
                f"stand-by: another scheduler is active on this database "
                f"({holder.holder if holder else '?'}); taking over when it stops"
            )
        keeper = threading.Thread(
            target=lease.keep,
            args=(scheduler_lease, stopping),
            kwargs={
                "held": active,
                "on_gain": lambda: _take_over(scheduler),
                "on_loss": scheduler.pause,
            },
            name="scheduler-lease",
            daemon=True,
        )
        keeper.start()
    traps = _start_traps(settings, sessions, pinger, scheduler_lease, announce) if poller else None
    if server is not None:
        host = settings.web.host if ":" not in settings.web.host else f"[{settings.web.host}]"
        announce(f"ictmon is running: http://{host}:{server.effective_port}/")
        if login_hint:
            announce(login_hint)
    if scheduler is not None:
        announce(f"polling every {settings.ping.interval:g} s; stop with Ctrl-C")
    else:
        announce(
            "web front only: the scheduler runs in another process (`ictmon run --only poller`)"
        )
    stopped = threading.Event()
    try:
        if server is not None:
            server.run()
        else:
            while not stopped.wait(3600):  # the scheduler's threads do the work; wait for a signal
                pass
    except KeyboardInterrupt:
        pass
    finally:
        announce("stopping")
        stopping.set()
        if keeper is not None:
            keeper.join(timeout=10)
        if traps is not None:
            traps.stop()
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        if scheduler_lease is not None:
            scheduler_lease.release()  # the stand-by need not wait for the lease to run out
        if server is not None:
            server.close()
        engine.dispose()
