"""`ictmon run`: the scheduler and the web application in one process (the default install).

A larger deployment runs the same pieces apart (poller and web against PostgreSQL); this module
only wires them together and handles a clean stop on SIGTERM/Ctrl-C.
"""
from __future__ import annotations

import logging
import signal
from typing import Callable

from monitor import db as dbmod
from monitor.settings import Settings

log = logging.getLogger(__name__)


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def serve(settings: Settings, *, announce: Callable[[str], None] = print,
          login_hint: str | None = None) -> None:
    from waitress import create_server

    from collectors.ping import icmp_permission_problem
    from monitor.scheduler import build_scheduler
    from web import create_app

    problem = icmp_permission_problem()
    if problem:
        from collectors.ping import IcmpNotPermitted
        raise IcmpNotPermitted(problem)
    engine = dbmod.make_engine(settings.database.url)
    if not dbmod.is_initialised(engine):
        raise dbmod.DatabaseError("the database has no ictmon schema yet: run `ictmon init`")
    sessions = dbmod.session_factory(engine)
    app = create_app(settings, session_factory=sessions)
    server = create_server(app, host=settings.web.host, port=settings.web.port, threads=8,
                           ident="ictmon")
    scheduler = build_scheduler(settings, sessions)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    scheduler.start()
    host = settings.web.host if ":" not in settings.web.host else f"[{settings.web.host}]"
    announce(f"ictmon is running: http://{host}:{server.effective_port}/")
    if login_hint:
        announce(login_hint)
    announce(f"polling every {settings.ping.interval:g} s; stop with Ctrl-C")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        announce("stopping")
        scheduler.shutdown(wait=True)
        server.close()
        engine.dispose()
