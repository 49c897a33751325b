"""A school's collector out of contact is an incident with no device: every list that names an
incident by its device (the status page's "recovered", the incident log and page, the API, the
monthly report's major incidents) names this one by its title, "the school — collector S012-pi
offline", never by an empty device."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from monitor.availability.periods import parse_period
from monitor.db.models import Collector, CollectorSite, Incident
from monitor.edge import liveness
from monitor.edge.ingest import apply_batch
from monitor.edge.protocol import Batch, PingOutcome, Sweep
from monitor.reports.data import build_report
from monitor.reports.html import render_html
from monitor.reports.pdf import render_pdf
from monitor.reports.xlsx import render_xlsx
from monitor.settings import CollectorSettings, PingSettings
from tests.conftest import NOW, add_device, add_site
from tests.reports.test_monthly_report import compact, pdf_text

SCHOOL = "โรงเรียนบ้านหนองบัว"
TITLE_TH = f"{SCHOOL} (S012) — ตัวเก็บข้อมูล S012-pi ขาดการติดต่อ"
LOST = NOW - timedelta(hours=3)  # the collector's last upload before the school's link dropped
BACK = NOW - timedelta(hours=1)  # its buffer arrives
NOVEMBER = parse_period("2569-11")


@pytest.fixture
def edge_settings(settings):
    return replace(
        settings,
        ping=PingSettings(interval=60, timeout=1, count=1, spacing=0, confirmations=2),
        collector=CollectorSettings(push_interval=30),
    )


def _upload(s, collector_id: int, switch: int, start, end, settings) -> None:
    sweeps = []
    at = start
    while at <= end:  # one sweep a minute, every one answered
        sweeps.append(Sweep(at, (PingOutcome(switch, 1, 1, 0.5, 0.5, 0.5),)))
        at += timedelta(minutes=1)
    batch = Batch(f"b-{end:%H%M}", end, queue_length=0, sweeps=tuple(sweeps))
    apply_batch(s, s.get(Collector, collector_id), batch, received_at=end, settings=settings)


def collector_away_two_hours(db, settings) -> int:
    """S012's collector measures sw-1; it is silent from LOST until BACK, when its buffer
    arrives. The office never saw the school's router down, so the collector had an incident
    of its own. Returns that incident's id."""
    with db.begin() as s:
        office = add_site(s, "OFFICE", "สำนักงานเขต")
        core = add_device(s, office, "core", "127.40.0.1", "switch")
        school = add_site(s, "S012", SCHOOL)
        router = add_device(s, school, "router", "127.40.1.1", parent=core)
        switch = add_device(s, school, "sw-1", "127.41.1.2", "switch", parent=router)
        collector = Collector(name="S012-pi", created_at=LOST - timedelta(days=1))
        s.add(collector)
        s.flush()
        s.add(CollectorSite(collector_id=collector.id, site_id=school.id))
        s.flush()
        ids = collector.id, switch.id
    with db.begin() as s:
        _upload(s, *ids, LOST - timedelta(minutes=5), LOST, settings)
    with db.begin() as s:
        assert liveness.check(s, LOST + timedelta(minutes=5), settings) == ["S012-pi"]
    with db.begin() as s:
        _upload(s, *ids, LOST + timedelta(minutes=1), BACK, settings)
    with db() as s:
        incident = s.scalars(select(Incident).where(Incident.device_id.is_(None))).one()
        assert (incident.title, incident.state) == (TITLE_TH, "resolved")
        return incident.id


@pytest.fixture
def away(db, edge_settings):
    return collector_away_two_hours(db, edge_settings)


def test_the_status_page_names_what_came_back_by_the_collector(officer, away):
    page = officer.get("/").get_data(as_text=True)
    recovered = page[page.index('id="recovered"') :]
    assert f'/incidents/{away}">{TITLE_TH}</a>' in recovered
    assert "— —" not in recovered


def test_the_incident_log_and_page_name_the_collector_and_the_school(officer, away):
    log = officer.get("/incidents").get_data(as_text=True)
    row = log[log.index(f"#{away}</a>") :]
    row = row[: row.index("</tr>")]
    assert TITLE_TH in row and f"<td>{SCHOOL}</td>" in row
    page = officer.get(f"/incidents/{away}").get_data(as_text=True)
    assert TITLE_TH in page
    assert f'<a href="/sites/S012">{SCHOOL}</a>' in page
    assert "/devices/" not in page[page.index('class="detail-state"') : page.index("</header>")]


def test_the_api_gives_the_title_and_the_school_with_no_device(officer, away):
    [incident] = [i for i in officer.get("/api/v1/incidents").json if i["id"] == away]
    assert (incident["title"], incident["site"], incident["device"]) == (TITLE_TH, "S012", None)
    assert (incident["manual"], incident["state"]) == (False, "resolved")


def test_the_monthly_report_names_the_collector_in_every_format(db, edge_settings, away):
    with db() as session:
        report = build_report(session, NOVEMBER, edge_settings, NOW)
    [row] = [o for o in report.outages if o.device == ""]
    assert (row.site_name, row.title, row.manual) == (SCHOOL, TITLE_TH, False)
    assert row.duration == BACK - LOST
    assert compact(TITLE_TH) in compact(pdf_text(render_pdf(report)))
    html = render_html(report).decode()
    assert f"<td>{SCHOOL}</td><td>{TITLE_TH}</td>" in html
    sheet = load_workbook(io.BytesIO(render_xlsx(report)))["เหตุขัดข้องสำคัญ"]
    headings = [c.value for c in sheet[1]]
    [cells] = [dict(zip(headings, r)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells["อุปกรณ์/เหตุการณ์"] == TITLE_TH and cells["บันทึกโดยเจ้าหน้าที่"] == "ไม่ใช่"
