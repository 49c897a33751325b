"""The report's major incidents come from the incident log: cause and people's notes in
the PDF, the workbook and the page; months without logged incidents fall back to state history."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from monitor.availability.periods import parse_period
from monitor.db.models import Device, Incident, IncidentEvent, Site
from monitor.incidents import recording as incidents
from monitor.localtime import to_local
from monitor.reports.data import MAJOR_OUTAGES, build_report
from monitor.reports.html import render_html
from monitor.reports.incident_rows import NOTES_MAX_CHARS, concise
from monitor.reports.pdf import render_pdf
from monitor.reports.xlsx import render_xlsx
from tests.conftest import NOW
from tests.reports.district import NOV_START, S02_OUTAGE_1, SITE_NAMES, bkk, seed_october
from tests.reports.test_monthly_report import compact, pdf_text

OCTOBER = parse_period("2569-10")
FIBRE = "สายไฟเบอร์ขาด แจ้ง TOT เลขที่ 1234"
THEFT_TITLE = "โปรเจกเตอร์ห้องประชุมถูกขโมย"
THEFT_NOTE = "แจ้งความ สภ. แล้ว & รอเครื่องใหม่ <ห้อง 2>"
THEFT_OPENED = bkk(20, 9)
ISP_DOWN = S02_OUTAGE_1[1] - S02_OUTAGE_1[0]  # 3:25:17
THEFT_DOWN = NOV_START - THEFT_OPENED  # still open at the month's end


def _auto_incident(s, device: Device, opened, resolved, *, cause=None) -> Incident:
    """What the sweep writes for a device confirmed DOWN (monitor.incidents.recording.record_sweep)."""
    incident = Incident(
        title=f"{device.name} ขัดข้อง",
        manual=False,
        state="open",
        cause=cause,
        device_id=device.id,
        site_id=device.site_id,
        opened_at=opened,
        opened_by=incidents.SYSTEM,
    )
    s.add(incident)
    s.flush()
    s.add(
        IncidentEvent(
            incident_id=incident.id, at=opened, actor=incidents.SYSTEM, action="opened", text=""
        )
    )
    if resolved is not None:
        incidents.resolve(s, incident, incidents.SYSTEM, resolved)
        s.add(
            IncidentEvent(
                incident_id=incident.id,
                at=resolved,
                actor=incidents.SYSTEM,
                action="recovered",
                text="system text that is not a note",
            )
        )
    return incident


def seed_incidents(db) -> None:
    """Two incidents in October: the S02 router's outage of 5 Oct (cause ISP, an officer's note)
    and a theft at S01 logged by hand and still open; plus one in September that must not show."""
    with db.begin() as s:
        router = s.scalars(select(Device).where(Device.name == "s02-router")).one()
        isp = _auto_incident(s, router, *S02_OUTAGE_1)
        incidents.set_cause(s, isp, "somchai", S02_OUTAGE_1[0] + timedelta(minutes=20), "isp")
        incidents.comment(s, isp, "somchai", S02_OUTAGE_1[0] + timedelta(minutes=30), FIBRE)
        _auto_incident(s, router, bkk(10, 8, month=9), bkk(10, 9, month=9), cause="power")
        s01 = s.scalars(select(Site).where(Site.code == "S01")).one()
        incidents.open_manual(
            s,
            title=THEFT_TITLE,
            actor="somsri",
            at=THEFT_OPENED,
            site_id=s01.id,
            text=THEFT_NOTE,
            cause="theft",
        )


@pytest.fixture
def report(any_db, settings):
    seed_october(any_db)
    seed_incidents(any_db)
    with any_db() as session:
        return build_report(session, OCTOBER, settings, NOW)


def test_incidents_of_the_month_worst_first_with_cause_and_notes(report):
    assert report.outage_source == "incidents" and report.outage_total == 2
    theft, isp = report.outages
    assert (theft.manual, theft.title, theft.site_name) == (True, THEFT_TITLE, SITE_NAMES["S01"])
    assert theft.cause == "theft" and theft.notes == THEFT_NOTE
    assert theft.continues and theft.duration == THEFT_DOWN
    assert (isp.site_code, isp.device, isp.cause, isp.notes) == ("S02", "s02-router", "isp", FIBRE)
    assert (isp.start, isp.end, isp.duration) == (*S02_OUTAGE_1, ISP_DOWN)
    assert not isp.continues


def test_ranked_by_downtime_inside_the_period_not_in_total(any_db, settings):
    """A month-long September incident resolved ten minutes into October is a small one for
    October: it ranks after the ISP outage and its duration is the October part only."""
    seed_october(any_db)
    seed_incidents(any_db)
    with any_db.begin() as s:
        router = s.scalars(select(Device).where(Device.name == "s01-router")).one()
        _auto_incident(s, router, bkk(1, 0, month=9), bkk(1, 0, 10), cause="power")
    with any_db() as session:
        made = build_report(session, OCTOBER, settings, NOW)
    assert made.outage_total == 3
    assert [o.cause for o in made.outages] == ["theft", "isp", "power"]
    assert made.outages[2].duration == timedelta(minutes=10)
    assert made.outages[2].start == bkk(1, 0, month=9)


def test_pdf_shows_cause_notes_and_the_incident_count(report):
    text = pdf_text(render_pdf(report))
    flat = compact(text)
    assert compact("ผู้ให้บริการอินเทอร์เน็ต") in flat and compact(FIBRE) in flat
    assert compact("สูญหาย/ถูกขโมย") in flat and compact(THEFT_TITLE) in flat
    # The time may stand on the line under its date in the narrow column.
    assert "3:25:17" in text and compact("5 ต.ค. 2569 08:00") in flat
    assert compact("เหตุการณ์ในบันทึกเหตุการณ์") in flat and "2 ครั้ง" in text
    english = compact(pdf_text(render_pdf(report, "en")))
    assert compact("Internet provider") in english and compact(FIBRE) in english


def test_workbook_sheet_has_the_incidents_with_minutes_as_numbers(report):
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    sheet = book["เหตุขัดข้องสำคัญ"]
    headings = [c.value for c in sheet[1]]
    rows = [dict(zip(headings, r)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == 2
    theft, isp = rows
    assert isp["สาเหตุ"] == "ผู้ให้บริการอินเทอร์เน็ต" and isp["การแก้ไข/บันทึก"] == FIBRE
    assert isp["เวลาขัดข้องในงวด (นาที)"] == pytest.approx(ISP_DOWN.total_seconds() / 60, abs=0.01)
    assert isinstance(isp["เวลาขัดข้องในงวด (นาที)"], float)
    assert isp["ระยะเวลา"] == ISP_DOWN
    assert isp["เริ่ม"] == to_local(S02_OUTAGE_1[0]).replace(tzinfo=None)
    assert isp["อุปกรณ์/เหตุการณ์"] == "s02-router" and isp["บันทึกโดยเจ้าหน้าที่"] == "ไม่ใช่"
    assert theft["สาเหตุ"] == "สูญหาย/ถูกขโมย" and theft["การแก้ไข/บันทึก"] == THEFT_NOTE
    assert theft["บันทึกโดยเจ้าหน้าที่"] == "ใช่" and theft["สิ้นสุด"] == "ต่อเนื่องถึงสิ้นงวด"
    assert theft["เวลาขัดข้องในงวด (นาที)"] == THEFT_DOWN.total_seconds() / 60
    summary = {r[0]: r[1] for r in book["สรุป"].iter_rows(min_row=2, values_only=True)}
    assert summary["เหตุการณ์ในบันทึกเหตุการณ์"] == 2


def test_page_shows_cause_and_escaped_notes(report):
    html = render_html(report).decode()
    assert "ผู้ให้บริการอินเทอร์เน็ต" in html and FIBRE in html
    assert "แจ้งความ สภ. แล้ว &amp; รอเครื่องใหม่ &lt;ห้อง 2&gt;" in html
    assert "<ห้อง 2>" not in html
    assert 'data-figure="incidents">2 ครั้ง' in html
    english = render_html(report, "en").decode()
    assert "Internet provider" in english and "Lost/stolen" in english


def test_month_without_logged_incidents_falls_back_to_state_history(any_db, settings):
    seed_october(any_db)
    with any_db.begin() as s:  # an incident of September only: October has none in the log
        router = s.scalars(select(Device).where(Device.name == "s02-router")).one()
        _auto_incident(s, router, bkk(10, 8, month=9), bkk(10, 9, month=9), cause="power")
    with any_db() as session:
        made = build_report(session, OCTOBER, settings, NOW)
    assert made.outage_source == "history" and made.outage_total == 3
    longest = made.outages[0]
    assert (longest.site_code, longest.duration, longest.cause) == ("S02", ISP_DOWN, "")
    html = render_html(made).decode()
    assert "คำนวณจากประวัติสถานะ" in html and "ไฟฟ้า" not in html
    assert 'data-figure="incidents"' not in html
    assert compact("คำนวณจากประวัติสถานะ") in compact(pdf_text(render_pdf(made)))
    rows = list(
        load_workbook(io.BytesIO(render_xlsx(made)))["เหตุขัดข้องสำคัญ"].iter_rows(
            min_row=2, values_only=True
        )
    )
    assert len(rows) == 3 and rows[0][0] == "S02" and rows[0][6] == ISP_DOWN


def _incident_selects(any_db, settings) -> int:
    engine = any_db.kw["bind"]
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if "FROM incident" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with any_db() as session:
            build_report(session, OCTOBER, settings, NOW)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_section_reads_the_log_with_a_fixed_number_of_queries(any_db, settings):
    seed_october(any_db)
    seed_incidents(any_db)
    few = _incident_selects(any_db, settings)
    with any_db.begin() as s:
        router = s.scalars(select(Device).where(Device.name == "s01-ap")).one()
        for day in range(1, 16):
            i = _auto_incident(s, router, bkk(day, 1), bkk(day, 1, 5))
            incidents.comment(s, i, "somchai", bkk(day, 1, 3), f"รีสตาร์ตครั้งที่ {day}")
    assert _incident_selects(any_db, settings) == few == 2
    with any_db() as session:
        made = build_report(session, OCTOBER, settings, NOW)
    assert made.outage_total == 17 and len(made.outages) == MAJOR_OUTAGES


def test_notes_keep_the_latest_and_stay_short():
    assert concise(["  แรก  ", "สอง\nบรรทัด", "สาม"]) == "สอง บรรทัด · สาม"
    long = concise(["ก" * 1000])
    assert len(long) == NOTES_MAX_CHARS and long.endswith("…")
    assert concise([]) == ""
