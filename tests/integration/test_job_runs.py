"""job_runs: a real APScheduler BackgroundScheduler runs tiny jobs and every run lands in the
database (duration, lag, last success, failures), as /metrics in another process will read it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from monitor.db.models import JobRun
from monitor.runtime import job_runs
from monitor.runtime.scheduler import _guarded, build_scheduler

WAIT_S = 10.0


def wait_for_runs(db, job: str, runs: int) -> JobRun:
    """The job's row once it counts `runs` runs; fails after WAIT_S (bounded)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        with db() as s:
            row = s.get(JobRun, job)
            if row is not None and row.runs >= runs:
                return row
        time.sleep(0.05)
    raise AssertionError(f"job {job} did not run {runs} times within {WAIT_S} s")


def started(scheduler):
    scheduler.start()
    return scheduler


def test_a_tiny_job_run_twice_is_recorded_with_duration_and_lag(db):
    calls = []

    def tiny():
        calls.append(time.monotonic())
        time.sleep(0.05)

    scheduler = BackgroundScheduler(timezone=UTC)
    job_runs.record_runs(scheduler, db)
    first = datetime.now(UTC) + timedelta(milliseconds=100)
    scheduler.add_job(job_runs.timed(tiny), "interval", seconds=0.3, id="tiny", next_run_time=first)
    started(scheduler)
    try:
        row = wait_for_runs(db, "tiny", 2)
    finally:
        scheduler.shutdown(wait=True)
    assert len(calls) >= 2
    assert row.ok is True and row.failures == 0 and row.error == ""
    assert 0.05 <= row.duration_s < 2.0
    assert 0.0 <= row.lag_s < 2.0
    assert row.scheduled_at >= first - timedelta(milliseconds=1)
    assert row.started_at >= row.scheduled_at - timedelta(milliseconds=1)
    assert row.finished_at > row.started_at
    assert row.last_success_at == row.finished_at


def test_a_failing_run_counts_and_keeps_the_last_success(db):
    calls = []

    def second_one_fails():
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("switch said\nno")

    scheduler = BackgroundScheduler(timezone=UTC)
    job_runs.record_runs(scheduler, db)
    scheduler.add_job(
        job_runs.timed(second_one_fails),
        "interval",
        seconds=0.3,
        id="flaky",
        next_run_time=datetime.now(UTC) + timedelta(milliseconds=50),
    )
    started(scheduler)
    try:
        after_one = wait_for_runs(db, "flaky", 1)
        after_two = wait_for_runs(db, "flaky", 2)
    finally:
        scheduler.shutdown(wait=True)
    assert after_one.ok is True
    assert after_two.ok is False and after_two.failures == 1
    assert after_two.error == "RuntimeError: switch said no"
    assert after_two.last_success_at == after_one.finished_at


def test_an_unwrapped_job_that_raises_is_recorded_as_a_failure(db):
    def raw():
        raise ValueError("boom")

    scheduler = BackgroundScheduler(timezone=UTC)
    job_runs.record_runs(scheduler, db)
    scheduler.add_job(raw, "date", run_date=datetime.now(UTC), id="raw")
    started(scheduler)
    try:
        row = wait_for_runs(db, "raw", 1)
    finally:
        scheduler.shutdown(wait=True)
    assert row.ok is False and row.failures == 1 and row.error == "ValueError: boom"
    assert row.last_success_at is None


def test_the_services_scheduler_records_its_jobs(settings, db):
    """build_scheduler registers the listener: a job run the way its own jobs are run lands in
    job_runs (its real jobs are left out: they would ping and mail)."""
    scheduler = build_scheduler(settings, db)
    scheduler.remove_all_jobs()
    scheduler.add_job(_guarded(lambda: None), "date", run_date=datetime.now(UTC), id="ping-sweep")
    started(scheduler)
    try:
        row = wait_for_runs(db, "ping-sweep", 1)
    finally:
        scheduler.shutdown(wait=True)
    assert row.ok is True and row.runs == 1


def test_record_folds_runs_into_one_row_per_job(any_db):
    at = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    runs = [
        job_runs.Run("ping-sweep", at, at + timedelta(seconds=2), at + timedelta(seconds=5), None),
        job_runs.Run(
            "ping-sweep",
            at + timedelta(minutes=1),
            at + timedelta(minutes=1, seconds=1),
            at + timedelta(minutes=1, seconds=1.5),
            "OSError: no socket",
        ),
    ]
    for run in runs:
        with any_db.begin() as s:
            job_runs.record(s, run)
    with any_db() as s:
        [row] = job_runs.latest(s)
    assert (row.job, row.runs, row.failures, row.ok) == ("ping-sweep", 2, 1, False)
    assert row.duration_s == 0.5 and row.lag_s == 1.0
    assert row.last_success_at == at + timedelta(seconds=5)
    assert row.error == "OSError: no socket"
