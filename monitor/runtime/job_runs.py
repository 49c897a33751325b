"""How each scheduled job last ran: duration, lag behind its schedule, last success, failures.

The scheduler runs every job through `timed()` and registers `record_runs()` as its APScheduler
listener; each finished run updates that job's one `job_runs` row in its own short transaction.
Kept in the database, not in memory, because /metrics may be served by another process.

APScheduler's event knows when a run was scheduled and when it ended, but not when it began, and
`timed` catches a job's exception (a failing job must never stop the others) so APScheduler sees a
normal return: the run's start and its error therefore travel back as the job's return value, an
`Outcome`. A job not wrapped by `timed` still gets a row; its start is taken as the scheduled
time (lag 0, the wait counted as duration).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from monitor.db.engine import transaction
from monitor.db.models import JobRun
from monitor.localtime import as_utc, utcnow

log = logging.getLogger(__name__)

ERROR_LENGTH = 500


@dataclass(frozen=True)
class Outcome:
    """What one run of a job reports to the listener."""

    started_at: datetime
    error: str | None = None


@dataclass(frozen=True)
class Run:
    """One finished run, as recorded."""

    job: str
    scheduled_at: datetime
    started_at: datetime
    finished_at: datetime
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def timed(function: Callable, *args) -> Callable[[], Outcome]:
    """The job as the scheduler runs it: a failure is logged with its traceback and reported,
    never raised, so it runs again next time and never stops the rest."""

    def run() -> Outcome:
        started = utcnow()
        try:
            function(*args)
        except Exception as exc:
            log.exception("job %s failed", getattr(function, "__qualname__", function))
            return Outcome(started, _one_line(exc))
        return Outcome(started)

    run.__name__ = getattr(function, "__name__", "job")
    return run


def _one_line(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text[:ERROR_LENGTH]


def run_of(event: JobExecutionEvent, finished_at: datetime) -> Run:
    """Pure: the recorded run from APScheduler's event and the moment it arrived."""
    scheduled = as_utc(event.scheduled_run_time)
    outcome = event.retval if isinstance(event.retval, Outcome) else None
    error: str | None
    if event.exception is not None:
        error = _one_line(event.exception)
    else:
        error = outcome.error if outcome else None
    started = outcome.started_at if outcome else scheduled
    return Run(
        job=event.job_id,
        scheduled_at=scheduled,
        started_at=started,
        finished_at=finished_at,
        error=error,
    )


def record(session: Session, run: Run) -> JobRun:
    """Fold one run into the job's row (created on its first run)."""
    row = session.get(JobRun, run.job)
    if row is None:
        row = JobRun(job=run.job, runs=0, failures=0)
        session.add(row)
    row.scheduled_at = run.scheduled_at
    row.started_at = run.started_at
    row.finished_at = run.finished_at
    row.duration_s = max(0.0, (run.finished_at - run.started_at).total_seconds())
    # A run started a hair before its nominal time (clock granularity) is not early, it is on time.
    row.lag_s = max(0.0, (run.started_at - run.scheduled_at).total_seconds())
    row.ok = run.ok
    row.error = run.error or ""
    row.runs = (row.runs or 0) + 1
    if run.ok:
        row.last_success_at = run.finished_at
    else:
        row.failures = (row.failures or 0) + 1
    session.flush()
    return row


def record_runs(scheduler, sessions: sessionmaker[Session]) -> None:
    """Register the listener that keeps `job_runs` for every job of `scheduler`."""

    def on_event(event: JobExecutionEvent) -> None:
        run = run_of(event, utcnow())
        try:
            with transaction(sessions) as session:
                record(session, run)
        except SQLAlchemyError as exc:
            # The job itself ran; only its bookkeeping is lost, and the next run writes again.
            log.warning("could not record the run of job %s: %s", run.job, exc)

    scheduler.add_listener(on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)


def latest(session: Session) -> list[JobRun]:
    """Every job's row, by name; one query."""
    return list(session.scalars(select(JobRun).order_by(JobRun.job)))
