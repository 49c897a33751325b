"""The schedule: which job runs how often, in one table (`jobs`). Jobs are thin calls into the core.

A job that fails is logged and runs again next time (monitor.runtime.job_runs.timed); each run's
timing is kept in job_runs for /metrics.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from monitor.channels.sender import drain_channels
from monitor.configs.backup_job import run_scheduled as back_up_configs
from monitor.db.engine import transaction
from monitor.edge import liveness
from monitor.incidents import ack_tokens
from monitor.localtime import utcnow
from monitor.mail import outbox
from monitor.mail.sender import drain_outbox
from monitor.reports.delivery import CHECK_MINUTES, run_due
from monitor.risks.facts import run_scheduled as evaluate_risks
from monitor.runtime.job_runs import record_runs, timed
from monitor.settings import Settings
from monitor.snmp.rounds import SnmpPoller
from monitor.status import rollups
from monitor.status.poller import Poller

log = logging.getLogger(__name__)

HOUSEKEEPING_MINUTES = 5


def housekeeping(sessions: sessionmaker[Session], settings: Settings) -> None:
    now = utcnow()
    with transaction(sessions) as session:
        written = rollups.roll_up(session, now)
        deleted = rollups.prune(session, now, settings.retention)
        deleted["sent_mails"] = outbox.prune_sent(
            session, now - timedelta(days=settings.retention.sent_mail_days)
        )
    log.info("housekeeping: rollups %s, pruned %s", written, deleted)


@dataclass(frozen=True)
class Job:
    """One scheduled job: `function(*args)` every `seconds`."""

    id: str
    name: str
    function: Callable[..., object]
    args: tuple[object, ...]
    seconds: float
    # Seconds after the start before the first run; None: one interval after it.
    first_after: float | None = None
    # How late a run may still start; None: the scheduler's default (one ping interval).
    misfire_grace: int | None = None


def jobs(settings: Settings, sessions: sessionmaker[Session], poller: Poller) -> list[Job]:
    """Every job ictmon runs on a schedule."""
    snmp = SnmpPoller(settings, sessions)
    return [
        Job("ping-sweep", "ping sweep", poller.sweep, (), settings.ping.interval, first_after=0),
        Job(
            "housekeeping",
            "rollups and pruning",
            housekeeping,
            (sessions, settings),
            HOUSEKEEPING_MINUTES * 60,
        ),
        Job(
            "snmp-poll",
            "SNMP poll and inventory",
            snmp.run,
            (),
            settings.snmp.interval,
            first_after=5,
            misfire_grace=max(1, int(settings.snmp.interval)),
        ),
        # Checked often, run per device when due: a restart neither repeats nor postpones backups.
        Job(
            "ssh-backup",
            "configuration backups",
            back_up_configs,
            (sessions, settings),
            min(settings.ssh.interval, 3600),
            first_after=30,
            misfire_grace=3600,
        ),
        # Checked every few minutes rather than fired once at the send time: a report missed while
        # ictmon was stopped goes out at the next start, and a kept report is never made again.
        Job(
            "monthly-report",
            "monthly report",
            run_due,
            (sessions, settings),
            CHECK_MINUTES * 60,
            first_after=60,
            misfire_grace=3600,
        ),
        Job(
            "outbox-sender",
            "mail outbox",
            drain_outbox,
            (sessions, settings),
            settings.smtp.send_interval,
            first_after=1,
            misfire_grace=60,
        ),
        # Each chat channel is drained on its own; a channel that is down holds back only itself.
        Job(
            "channel-sender",
            "alert channels",
            drain_channels,
            (sessions, settings),
            settings.smtp.send_interval,
            first_after=1,
            misfire_grace=60,
        ),
        # Edge collectors silent past [collector] offline_after: their devices unknown, one alert.
        Job(
            "collector-liveness",
            "edge collector liveness",
            liveness.run,
            (sessions, settings),
            settings.collector.push_interval,
            first_after=settings.collector.push_interval,
            misfire_grace=60,
        ),
        Job(
            "risk-rules",
            "risk rules",
            evaluate_risks,
            (sessions, settings),
            settings.risks.evaluate_interval,
            first_after=min(90.0, settings.risks.evaluate_interval),
            misfire_grace=3600,
        ),
    ]


def build_scheduler(
    settings: Settings, sessions: sessionmaker[Session], poller: Poller | None = None
) -> BackgroundScheduler:
    poller = poller or Poller(
        settings.ping,
        sessions,
        alerts=settings.alerts,
        base_url=settings.web.base_url,
        ack_key=ack_tokens.key_or_none(settings),
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
    now = datetime.now(UTC)
    for job in jobs(settings, sessions, poller):
        options: dict[str, object] = {}
        if job.first_after is not None:
            options["next_run_time"] = now + timedelta(seconds=job.first_after)
        if job.misfire_grace is not None:
            options["misfire_grace_time"] = job.misfire_grace
        scheduler.add_job(
            _guarded(job.function, *job.args),
            "interval",
            seconds=job.seconds,
            id=job.id,
            name=job.name,
            **options,
        )
    record_runs(scheduler, sessions)
    return scheduler


def _guarded(function, *args):
    """A failing job is logged with its traceback and runs again next time; it never stops the rest.
    Its start and error are returned to the job_runs listener (monitor.runtime.job_runs.timed)."""
    return timed(function, *args)
