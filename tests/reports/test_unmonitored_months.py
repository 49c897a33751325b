"""A month ictmon did not watch: no report is kept or mailed for it, the Reports page does not open
on it, and a month watched only from some day on says so on the report."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

from pypdf import PdfReader

from monitor.availability.periods import month_period
from monitor.db.models import GeneratedReport, OutboxMessage, StateInterval
from monitor.localtime import BANGKOK
from monitor.reports.data import build_report
from monitor.reports.delivery import deliver_due_report
from monitor.reports.html import render_fragment
from monitor.reports.pdf import render_pdf
from monitor.reports.produce import opening_period
from monitor.settings import ReportSettings
from tests.conftest import NOW, add_device, add_site
from tests.reports.district import seed_october


def bkk(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=BANGKOK)


def monitored_from(db, start: datetime) -> None:
    """One school router watched (up) from `start` on, still watched now."""
    with db.begin() as s:
        site = add_site(s, "S01", "โรงเรียนบ้านหนองบัววิทยาคม")
        router = add_device(s, site, "router", "127.20.1.1")
        s.add(StateInterval(device_id=router.id, status="up", started_at=start, ended_at=None))


def mailing(settings):
    return replace(settings, reports=ReportSettings(recipients="director@example.org"))


def test_no_report_is_kept_or_mailed_for_a_month_before_monitoring_began(db, settings):
    monitored_from(db, bkk(11, 1, 0))  # installed on 1 November
    first_of_november = bkk(11, 1, 8).astimezone(UTC)
    assert deliver_due_report(db, mailing(settings), first_of_november) is None
    with db() as s:
        assert s.query(GeneratedReport).count() == 0
        assert s.query(OutboxMessage).count() == 0


def test_a_month_with_monitoring_is_kept_and_mailed(db, settings):
    monitored_from(db, bkk(10, 20, 9))
    delivered = deliver_due_report(db, mailing(settings), bkk(11, 1, 8).astimezone(UTC))
    assert delivered is not None and delivered.queued
    with db() as s:
        assert s.query(GeneratedReport).one().period_key == "2026-10"


def test_a_month_monitored_from_the_20th_says_so(db, settings):
    monitored_from(db, bkk(10, 20, 9))
    with db() as s:
        october = opening_period(s, NOW)
        report = build_report(s, october, settings, NOW)
    assert october.key == "2026-10"
    assert report.monitored and report.partly_monitored
    pdf = render_pdf(report)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "เริ่มมีข้อมูลการติดตามเมื่อ" in text and "20 ต.ค. 2569" in text
    assert 'data-note="partly-monitored"' in render_fragment(report, "th")


def test_a_fully_monitored_month_has_no_such_note(db, settings):
    seed_october(db)
    with db() as s:
        report = build_report(s, opening_period(s, NOW), settings, NOW)
    assert report.monitored and not report.partly_monitored
    assert "data-note" not in render_fragment(report, "th")


def test_an_unmonitored_month_built_on_demand_says_nothing_was_monitored(db, settings):
    monitored_from(db, bkk(11, 1, 0))
    with db() as s:
        report = build_report(s, month_period(2569, 10), settings, NOW)
    assert report.period.key == "2026-10"
    assert not report.monitored
    assert 'data-note="no-monitoring"' in render_fragment(report, "th")


def test_the_reports_page_opens_on_this_month_when_monitoring_began_in_it(officer, db):
    monitored_from(db, bkk(11, 5, 10))  # NOW is 24 November
    page = officer.get("/reports").get_data(as_text=True)
    assert '<option value="2026-11" selected>' in page
    assert "โรงเรียนบ้านหนองบัววิทยาคม" in page


def test_the_reports_page_opens_on_last_month_when_it_has_data(officer, db):
    seed_october(db)
    page = officer.get("/reports").get_data(as_text=True)
    assert '<option value="2026-10" selected>' in page


def test_with_nothing_monitored_the_page_opens_on_last_month(db):
    with db() as s:
        assert opening_period(s, NOW).key == "2026-10"
