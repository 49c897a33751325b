"""A month of history for a small district → the figures the director reads, to the second, in
the report data, the PDF's text and the workbook's cells."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from monitor.availability.periods import parse_period
from monitor.reports.data import build_report
from monitor.reports.html import render_html
from monitor.reports.pdf import render_pdf
from monitor.reports.words import hms, pct
from monitor.reports.xlsx import render_xlsx
from monitor.settings import ReportSettings
from tests.conftest import NOW
from tests.reports.district import (
    DISTRICT_DOWN,
    DISTRICT_PCT,
    EXPECTED,
    EXPECTED_PCT,
    SITE_NAMES,
    seed_october,
)

OCTOBER = parse_period("2569-10")


@pytest.fixture
def report(any_db, settings):
    seed_october(any_db)
    with any_db() as session:
        return build_report(session, OCTOBER, settings, NOW)


def seconds(td: timedelta) -> float:
    return td.total_seconds()


def test_site_figures_are_exact_to_the_second(report):
    by_code = {row.key: row for row in report.sites}
    assert set(by_code) == set(EXPECTED)
    for code, expected in EXPECTED.items():
        f = by_code[code].figures
        got = {
            "up": seconds(f.up),
            "down": seconds(f.down),
            "unreachable": seconds(f.unreachable),
            "maintenance": seconds(f.maintenance),
            "unknown": seconds(f.unknown),
            "outages": f.outages,
        }
        want = {k: expected.get(k, 0) for k in got}
        assert got == want, code
        assert by_code[code].pct == pytest.approx(EXPECTED_PCT[code], abs=1e-9)
    assert seconds(report.district.down) == DISTRICT_DOWN
    assert report.district.availability_pct == pytest.approx(DISTRICT_PCT, abs=1e-9)


def test_sites_are_worst_first_and_marked_against_the_target(report):
    assert [row.key for row in report.sites] == ["S02", "OFFICE", "S01", "S03"]
    assert [row.met for row in report.sites] == [False, True, True, True]
    assert (report.sites_met, report.sites_measured) == (3, 4)


def test_the_outage_crossing_into_november_counts_its_october_hour_only(report):
    longest = report.outages[0]
    assert longest.site_code == "S02" and longest.duration == timedelta(
        hours=3, seconds=25 * 60 + 17
    )
    last = [o for o in report.outages if o.continues]
    assert len(last) == 1 and last[0].duration == timedelta(hours=1)


def test_kind_figures_add_up_the_devices(report):
    by_kind = {row.key: row for row in report.kinds}
    assert seconds(by_kind["ap"].figures.down) == 2 * 3600
    assert by_kind["router"].members == 4
    assert seconds(by_kind["router"].figures.down) == DISTRICT_DOWN


def test_trend_ends_with_the_report_month(report):
    assert [p.period.key for p in report.trend][-2:] == ["2026-09", "2026-10"]
    assert report.trend[-1].figures == report.district
    assert report.trend[-2].figures.down == timedelta(0)


def test_per_site_and_per_kind_targets_apply(any_db, settings):
    seed_october(any_db)
    strict = replace(
        settings,
        reports=ReportSettings(target=99.0, site_targets="S01=100", kind_targets="ap=99.9"),
    )
    with any_db() as session:
        made = build_report(session, OCTOBER, strict, NOW)
    sites = {r.key: r for r in made.sites}
    assert sites["S02"].met is True and sites["S01"].target == 100.0
    assert {r.key: r.met for r in made.kinds}["ap"] is False


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    # The PDF's text layer spells สระอำ as nikhahit + sara aa (and marks the shaped cluster with
    # a control character); both read the same. Table cells wrap long names over lines.
    text = text.replace("\u0e4d\u0e32", "\u0e33")
    return "".join(ch for ch in text if ch.isprintable() or ch == "\n")


def compact(text: str) -> str:
    return "".join(text.split())


def test_pdf_holds_the_month_the_sites_and_the_figures(report):
    content = render_pdf(report)
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "ตุลาคม 2569" in text and "บันทึกข้อความ" in text
    for name in SITE_NAMES.values():
        assert compact(name) in compact(text)
    for code in EXPECTED:
        assert pct(EXPECTED_PCT[code]) in text
    assert "99.40" in text  # S02: misses the 99.5 % target
    assert "4:25:17" in text  # S02's downtime: 3:25:17 on 5 Oct + 1:00:00 on 31 Oct
    assert hms(timedelta(seconds=DISTRICT_DOWN)) in text
    assert f"{pct(DISTRICT_PCT)}%" in text
    assert "ไม่ผ่าน" in text and "3 จาก 4 แห่ง" in text


def test_pdf_is_a4(report):
    page = PdfReader(io.BytesIO(render_pdf(report))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_english_pdf(report):
    text = pdf_text(render_pdf(report, "en"))
    assert "Oct 2026" in text and "Memorandum" in text


def test_workbook_has_the_same_numbers_as_real_numbers(report):
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    assert book.sheetnames == [
        "สรุป",
        "รายสถานศึกษา",
        "ตามประเภทอุปกรณ์",
        "รายอุปกรณ์",
        "แนวโน้มรายเดือน",
        "เหตุขัดข้องสำคัญ",
    ]
    sites = book["รายสถานศึกษา"]
    headings = [c.value for c in sites[1]]
    col = {name: headings.index(name) for name in headings}
    rows = {r[1]: r for r in sites.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == set(EXPECTED)
    for code, expected in EXPECTED.items():
        row = rows[code]
        assert isinstance(row[col["ความพร้อมใช้งาน (%)"]], (int, float))  # a number, not text
        assert row[col["ความพร้อมใช้งาน (%)"]] == pytest.approx(EXPECTED_PCT[code], abs=1e-4)
        assert row[col["เวลาขัดข้อง (ชม.:นาที:วินาที)"]] == timedelta(seconds=expected["down"])
        assert row[col["ไม่ทราบสถานะ (ชม.:นาที:วินาที)"]] == timedelta(seconds=expected["unknown"])
        assert row[col["ขัดข้อง (ครั้ง)"]] == expected["outages"]
    assert rows["S02"][2] == SITE_NAMES["S02"]
    summary = {r[0]: r[1] for r in book["สรุป"].iter_rows(min_row=2, values_only=True)}
    assert summary["ช่วงเวลา"] == "ตุลาคม 2569"
    assert summary["ความพร้อมใช้งานของเครือข่ายทั้งเขต"] == pytest.approx(DISTRICT_PCT, abs=1e-4)
    assert summary["เวลาขัดข้องรวม (ระดับสถานศึกษา)"] == timedelta(seconds=DISTRICT_DOWN)
    assert len(list(book["รายอุปกรณ์"].iter_rows(min_row=2))) == 6


def test_html_report_is_standalone_and_escapes_names(any_db, settings):
    seed_october(any_db)
    from monitor.db.models import Site

    with any_db.begin() as s:
        s.query(Site).filter_by(code="S01").one().name = "<script>alert(1)</script>"
    with any_db() as session:
        made = build_report(session, OCTOBER, settings, NOW)
    html = render_html(made).decode()
    assert "ตุลาคม 2569" in html and "<svg" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "http://" not in html and "https://" not in html


def test_a_month_still_running_is_measured_until_now(any_db, settings):
    seed_october(any_db)
    november = parse_period("2569-11")
    with any_db() as session:
        made = build_report(session, november, settings, NOW)
    assert made.window_end == NOW and not made.complete
    assert made.district.total == (NOW - november.start) * 4
    assert "ข้อมูลถึง" in pdf_text(render_pdf(made))
