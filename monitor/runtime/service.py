"""`ictmon run`: the scheduler and the web application in one process (the default install).

A larger deployment runs the same pieces apart (poller and web against PostgreSQL); this module
only wires them together and handles a clean stop on SIGTERM/Ctrl-C.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from waitress import create_server

from collectors.ping import IcmpNotPermitted, icmp_permission_problem
from monitor.db import engine as dbmod
from monitor.runtime.scheduler import build_scheduler
from monitor.secrets import web_secret_key
from monitor.settings import Settings

log = logging.getLogger(__name__)


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


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
    scheduler = build_scheduler(settings, sessions) if poller else None
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    if scheduler is not None:
        scheduler.start()
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
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        if server is not None:
            server.close()
        engine.dispose()
