"""The monthly report's "network changes" section: the devices a confirmed discovery run created
and the uplinks it changed in the month, in the PDF, the workbook and the HTML; no section in a
month without any."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from monitor.availability.periods import parse_period
from monitor.db.models import Device, Site
from monitor.discovery import apply
from monitor.reports.data import build_report
from monitor.reports.html import render_html
from monitor.reports.pdf import render_pdf
from monitor.reports.xlsx import render_xlsx
from tests.conftest import NOW, add_device, add_site
from tests.reports.test_monthly_report import compact, pdf_text
from tests.support import discovery_site as school
from tests.support.discovery_runs import proposed_run

NOVEMBER = parse_period("2569-11")  # NOW is 24 November 2026
OCTOBER = parse_period("2569-10")
HEADING = "การเปลี่ยนแปลงของเครือข่าย"


def confirm(db, found=None):
    with db.begin() as s:
        site_id = s.scalar(select(Site.id))
        run_id = proposed_run(s, site_id, NOW - timedelta(days=2), found)
        apply.confirm(s, run_id, now=NOW - timedelta(days=2), actor="somchai")


def test_the_months_new_devices_and_changed_uplinks_are_listed(db, settings):
    with db.begin() as s:
        add_device(s, add_site(s, "S012", "โรงเรียนบ้านเขา"), "เราเตอร์", school.ROUTER.address)
    confirm(db)
    ap4 = school.APS[3]
    links = tuple(
        (school.SW1, "7", ap4, "eth0", school.LLDP) if link[2] is ap4 else link
        for link in school.LINKS
    )
    confirm(db, school.site(links))  # ap4 moved to the first switch
    with db() as s:
        report = build_report(s, NOVEMBER, settings, NOW)
    assert [(c.device, c.change) for c in report.network_changes][-1] == (
        "ap4-s012",
        "parent_changed",
    )
    assert len(report.network_changes) == 8  # seven devices appeared, one uplink changed

    text = compact(pdf_text(render_pdf(report)))
    assert compact(HEADING) in text
    assert compact("ap4-s012 เปลี่ยนอุปลิงก์ sw2-s012 sw1-s012") in text
    assert compact("lib-c2960 อุปกรณ์ใหม่") in text

    page = render_html(report).decode()
    section = page[page.index('class="report-network-changes"') :]
    assert "ap4-s012" in section and "เปลี่ยนอุปลิงก์" in section and "โรงเรียนบ้านเขา" in section
    assert "Uplink changed" in render_html(report, "en").decode()

    book = load_workbook(io.BytesIO(render_xlsx(report)))
    sheet = book["การเปลี่ยนแปลงเครือข่าย"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert rows[-1][1:] == [
        "S012",
        "โรงเรียนบ้านเขา",
        "ap4-s012",
        "เปลี่ยนอุปลิงก์",
        "sw2-s012",
        "sw1-s012",
    ]


def test_a_month_without_changes_has_no_section(db, settings):
    with db.begin() as s:
        add_device(s, add_site(s, "S012", "โรงเรียนบ้านเขา"), "เราเตอร์", school.ROUTER.address)
    confirm(db)  # in November
    with db() as s:
        report = build_report(s, OCTOBER, settings, NOW)
    assert report.network_changes == []
    assert compact(HEADING) not in compact(pdf_text(render_pdf(report)))
    assert "report-network-changes" not in render_html(report).decode()
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    assert "การเปลี่ยนแปลงเครือข่าย" not in book.sheetnames
    with db() as s:
        assert s.scalar(select(Device).where(Device.name == "sw1-s012")) is not None
