"""The schedule: which job runs how often. Jobs are thin calls into the core."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from monitor import rollups
from monitor.db import transaction
from monitor.localtime import utcnow
from monitor.poller import Poller
from monitor.settings import Settings

log = logging.getLogger(__name__)

HOUSEKEEPING_MINUTES = 5


def housekeeping(sessions: sessionmaker[Session], settings: Settings) -> None:
    now = utcnow()
    with transaction(sessions) as session:
        written = rollups.roll_up(session, now)
        deleted = rollups.prune(session, now, settings.retention)
    log.info("housekeeping: rollups %s, pruned %s", written, deleted)


def build_scheduler(settings: Settings, sessions: sessionmaker[Session],
                    poller: Poller | None = None) -> BackgroundScheduler:
    poller = poller or Poller(settings.ping, sessions)
    scheduler = BackgroundScheduler(timezone=timezone.utc, job_defaults={
        # A sweep that overruns its interval is not stacked behind itself: the next one is
        # skipped, never run twice in a row to catch up.
        "max_instances": 1, "coalesce": True, "misfire_grace_time": int(settings.ping.interval)})
    scheduler.add_job(_guarded(poller.sweep), "interval", seconds=settings.ping.interval,
                      id="ping-sweep", name="ping sweep", next_run_time=datetime.now(timezone.utc))
    scheduler.add_job(_guarded(housekeeping, sessions, settings), "interval",
                      minutes=HOUSEKEEPING_MINUTES, id="housekeeping", name="rollups and pruning")
    return scheduler


def _guarded(function, *args):
    """A failing job is logged with its traceback and runs again next time; it never stops the rest."""
    def run():
        try:
            function(*args)
        except Exception:
            log.exception("job %s failed", getattr(function, "__qualname__", function))
    run.__name__ = getattr(function, "__name__", "job")
    return run
