"""The monthly report on schedule: generated once per month at the configured Bangkok time, kept,
and never made twice — also after a restart (a new process simply finds it kept)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

from openpyxl import load_workbook
from pypdf import PdfReader

from monitor.db.models import GeneratedReport
from monitor.localtime import BANGKOK
from monitor.reports.delivery import deliver_due_report, due_period
from monitor.settings import ReportSettings
from tests.reports.district import seed_october


def at_bangkok(day, hour, minute=0, month=11):
    return datetime(2026, month, day, hour, minute, tzinfo=BANGKOK).astimezone(UTC)


def test_due_only_after_the_send_moment_in_bangkok(settings):
    timed = replace(settings, reports=ReportSettings(send_day=1, send_time="07:30"))
    assert due_period(at_bangkok(1, 7, 29), timed) is None
    assert due_period(at_bangkok(1, 7, 30), timed).key == "2026-10"
    assert due_period(at_bangkok(20, 3), timed).key == "2026-10"
    assert due_period(at_bangkok(1, 0, 5, month=12), timed) is None  # 1 Dec before 07:30


def test_the_report_is_generated_once_and_kept(db, settings):
    seed_october(db)
    first = deliver_due_report(db, settings, at_bangkok(1, 7, 5))
    assert first is not None and first.period.key == "2026-10"
    # The next checks (and a restarted process, which has only the database) find it kept.
    assert deliver_due_report(db, settings, at_bangkok(1, 7, 15)) is None
    assert deliver_due_report(db, settings, at_bangkok(2, 9, 0)) is None
    with db() as s:
        kept = s.query(GeneratedReport).all()
    assert [(r.period_key, r.period_label, r.created_by) for r in kept] == [
        ("2026-10", "ตุลาคม 2569", "schedule")
    ]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(kept[0].pdf)).pages)
    assert "ตุลาคม 2569" in text
    assert "รายสถานศึกษา" in load_workbook(io.BytesIO(kept[0].xlsx)).sheetnames


def test_nothing_before_the_send_time(db, settings):
    seed_october(db)
    assert deliver_due_report(db, settings, at_bangkok(1, 6, 59)) is None
    with db() as s:
        assert s.query(GeneratedReport).count() == 0


def test_the_service_schedule_checks_for_a_due_report(settings, db):
    from monitor.runtime.scheduler import build_scheduler

    job = build_scheduler(settings, db).get_job("monthly-report")
    assert job is not None and job.trigger.interval.total_seconds() == 600
