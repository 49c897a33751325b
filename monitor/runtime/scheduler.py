"""The schedule: which job runs how often. Jobs are thin calls into the core."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from monitor.db.engine import transaction
from monitor.localtime import utcnow
from monitor.settings import Settings
from monitor.status import rollups
from monitor.status.poller import Poller

log = logging.getLogger(__name__)

HOUSEKEEPING_MINUTES = 5


def housekeeping(sessions: sessionmaker[Session], settings: Settings) -> None:
    now = utcnow()
    with transaction(sessions) as session:
        written = rollups.roll_up(session, now)
        deleted = rollups.prune(session, now, settings.retention)
    log.info("housekeeping: rollups %s, pruned %s", written, deleted)


def build_scheduler(
    settings: Settings, sessions: sessionmaker[Session], poller: Poller | None = None
) -> BackgroundScheduler:
    poller = poller or Poller(
        settings.ping, sessions, alerts=settings.alerts, base_url=settings.web.base_url
    )
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={
            # A sweep that overruns its interval is not stacked behind itself: the next one is
            # skipped, never run twice in a row to catch up.
            # (At least 1 s: APScheduler refuses 0, which a sub-second test interval would give.)
            "max_instances": 1,
            "coalesce": True,
            "misfire_grace_time": max(1, int(settings.ping.interval)),
        },
    )
    scheduler.add_job(
        _guarded(poller.sweep),
        "interval",
        seconds=settings.ping.interval,
        id="ping-sweep",
        name="ping sweep",
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        _guarded(housekeeping, sessions, settings),
        "interval",
        minutes=HOUSEKEEPING_MINUTES,
        id="housekeeping",
        name="rollups and pruning",
    )
    from datetime import timedelta

    from monitor.snmp.rounds import SnmpPoller  # issue 3: SNMP interfaces/health/inventory

    snmp = SnmpPoller(settings, sessions)
    scheduler.add_job(
        _guarded(snmp.run),
        "interval",
        seconds=settings.snmp.interval,
        id="snmp-poll",
        name="SNMP poll and inventory",
        misfire_grace_time=max(1, int(settings.snmp.interval)),
        next_run_time=datetime.now(UTC) + timedelta(seconds=5),
    )
    from monitor.configs.backup_job import run_scheduled  # issue 4: configuration backups over SSH

    # Checked often, run per device when due: a restart neither repeats nor postpones backups.
    scheduler.add_job(
        _guarded(run_scheduled, sessions, settings),
        "interval",
        seconds=min(settings.ssh.interval, 3600),
        id="ssh-backup",
        name="configuration backups",
        misfire_grace_time=3600,
        next_run_time=datetime.now(UTC) + timedelta(seconds=30),
    )
    from monitor.reports.delivery import CHECK_MINUTES, run_due  # issue 6: the monthly report

    # Checked every few minutes rather than fired once at the send time: a report missed while
    # ictmon was stopped goes out at the next start, and a kept report is never made again.
    scheduler.add_job(
        _guarded(run_due, sessions, settings),
        "interval",
        minutes=CHECK_MINUTES,
        id="monthly-report",
        name="monthly report",
        misfire_grace_time=3600,
        next_run_time=datetime.now(UTC) + timedelta(seconds=60),
    )
    from monitor.mail.sender import drain_outbox  # issue 5: alert (and report) mails

    scheduler.add_job(
        _guarded(drain_outbox, sessions, settings),
        "interval",
        seconds=settings.smtp.send_interval,
        id="outbox-sender",
        name="mail outbox",
        misfire_grace_time=60,
        next_run_time=datetime.now(UTC) + timedelta(seconds=1),
    )
    from monitor.risks.facts import run_scheduled as evaluate_risks  # issue 7: risk rules

    scheduler.add_job(
        _guarded(evaluate_risks, sessions, settings),
        "interval",
        seconds=settings.risks.evaluate_interval,
        id="risk-rules",
        name="risk rules",
        misfire_grace_time=3600,
        next_run_time=datetime.now(UTC)
        + timedelta(seconds=min(90.0, settings.risks.evaluate_interval)),
    )
    from monitor.runtime.job_runs import (
        record_runs,  # issue 8: each run's timing in job_runs, for /metrics
    )

    record_runs(scheduler, sessions)
    return scheduler


def _guarded(function, *args):
    """A failing job is logged with its traceback and runs again next time; it never stops the rest.
    Its start and error are returned to the job_runs listener (monitor.runtime.job_runs.timed)."""
    from monitor.runtime.job_runs import timed

    return timed(function, *args)
