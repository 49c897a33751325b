"""The printed report as a superior reads it: lines break between Thai words, never inside a word,
a school name or a duration; tables stay inside the margins; the chart labels do not overlap.

The PDF is rendered from a report with long real school names and long notes, then read back with
pypdf, one text fragment per printed line with its position. Two fragments are lines of one
paragraph or table cell when the second follows the first in the content stream, one line lower.
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from PIL import Image
from pypdf import PdfReader
from pythainlp.tokenize import word_tokenize

from monitor.availability.intervals import Figures
from monitor.availability.periods import month_period
from monitor.reports.data import MonthlyReport, OutageRow, Row, TrendPoint
from monitor.reports.pdf import MARGIN_LEFT, render_pdf
from monitor.reports.risks import RiskRow
from monitor.settings import ConfigError, OfficeSettings

H = timedelta(hours=1)
PT_PER_MM = 72 / 25.4
OFFICE = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาขอนแก่น เขต 1"
SCHOOLS = [
    "โรงเรียนบ้านหนองบัววิทยาคม",
    "โรงเรียนเฉลิมพระเกียรติสมเด็จพระศรีนครินทร์ขอนแก่น",
    "โรงเรียนชุมชนบ้านโนนสะอาดพิทยาคม",
    "โรงเรียนบ้านดงบังวิทยาคาร",
    "โรงเรียนอนุบาลเมืองพลพิทยาคม",
    "โรงเรียนบ้านโคกสูงสามัคคีวิทยา",
]
NOTE = (
    "สายเคเบิลใยแก้วนำแสงขาดจากงานก่อสร้างถนนหน้าโรงเรียน แจ้งผู้ให้บริการแล้ว "
    "หมายเลขแจ้งซ่อม 1234567 เมื่อเวลา 08:15 น. ช่างเข้าซ่อมเสร็จ 148:33:00 ชั่วโมงต่อมา"
)


def _figures(down_hours: float, outages: int, unknown_hours: float = 0) -> Figures:
    month = 31 * 24 * H
    return Figures(
        up=month - (down_hours + unknown_hours) * H,
        down=down_hours * H,
        unknown=unknown_hours * H,
        outages=outages,
        longest_outage=down_hours * H / max(outages, 1),
    )


def _report() -> MonthlyReport:
    period = month_period(2569, 10)
    sites = [
        Row(
            f"S{n:02d}",
            SCHOOLS[n % len(SCHOOLS)] + ("" if n < len(SCHOOLS) else f" สาขา{n}"),
            _figures(148.5575 - n * 3.1, 3 + n % 4, 2),
            99.5,
            members=9,
        )
        for n in range(24)
    ]
    devices = [
        Row(
            str(n),
            f"เราเตอร์หลัก{SCHOOLS[n % len(SCHOOLS)]}",
            _figures(40 - n, 2),
            99.5,
            site=SCHOOLS[n % len(SCHOOLS)],
            site_code=f"S{n:02d}",
            kind="router",
            address=f"127.20.{n}.1",
        )
        for n in range(30)
    ]
    kinds = [Row(k, k, _figures(3, 2), 99.5, members=7) for k in ("router", "switch", "ups")]
    trend = [
        TrendPoint(month_period(2569, m), _figures(m % 7 + 1, 3), 20, 24) for m in range(5, 11)
    ]
    outages = [
        OutageRow(
            f"S{n:02d}",
            SCHOOLS[n % len(SCHOOLS)],
            period.start + n * H,
            period.start + (n + 148) * H,
            False,
            "isp",
            "router",
            notes=NOTE,
            within=timedelta(hours=148, minutes=33),
        )
        for n in range(8)
    ]
    risks = [
        RiskRow(
            f"ความพร้อมใช้งานของ{school}ต่ำกว่าเป้าหมายร้อยละ 99.5 ติดต่อกันสามเดือน",
            "very_high",
            owner="นายสมชาย ใจดีมากมาย",
        )
        for school in SCHOOLS
    ]
    return MonthlyReport(
        office_name=OFFICE,
        period=period,
        window_end=period.end,
        generated_at=period.end + H,
        prepared_by="นางสาวสมหญิง ตั้งใจทำงาน",
        prepared_by_position="นักวิชาการคอมพิวเตอร์ชำนาญการ",
        approver_position=f"ผู้อำนวยการ{OFFICE}",
        target=99.5,
        site_rule="uplink",
        district=_figures(300, 40, 5),
        sites=sites,
        kinds=kinds,
        devices=devices,
        trend=trend,
        outages=outages,
        outage_source="incidents",
        outage_total=43,
        risks=risks,
    )


@dataclass(frozen=True)
class Line:
    page: int
    x: float  # pt from the page's left edge
    y: float  # pt from the page's bottom edge
    size: float
    text: str


def _lines(pdf: bytes) -> list[Line]:
    lines: list[Line] = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):

        def visit(text, cm, tm, font, size, number=number):
            text = text.strip()
            if text:
                # pypdf reads a glyph of the shaped SARA AM back with a stray "(" or control
                # character after it: not on paper.
                text = re.sub(r"ำ[(\x00-\x1f]", "ำ", text)
                lines.append(Line(number, tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], size, text))

        page.extract_text(visitor_text=visit)
    return lines


def _continued(lines: list[Line]) -> list[tuple[Line, Line]]:
    """(line, next line of the same paragraph or cell): next in the stream, one line lower."""
    pairs = []
    for a, b in itertools.pairwise(lines):
        drop = a.y - b.y
        if a.page == b.page and a.size == b.size and 0.5 * a.size < drop <= 1.55 * a.size:
            pairs.append((a, b))
    return pairs


def _inside_a_word(a: str, b: str) -> bool:
    if not (re.search("[\u0e00-\u0e7f]$", a) and re.match("[\u0e00-\u0e7f]", b)):
        return False
    boundaries, at = set(), 0
    for token in word_tokenize(a + b, engine="newmm"):
        at += len(token)
        boundaries.add(at)
    return len(a) not in boundaries


def _inside_a_number(a: str, b: str) -> bool:
    """A digit or a separator on both sides of the break; the one break allowed between digits is
    the space between a date's year and its time ("1 ต.ค. 2569" | "08:15")."""
    if re.search(r"\b(25|20)\d\d$", a) and re.match(r"\d\d:\d\d\b", b):
        return False
    return bool(re.search(r"\d[:.,]?$", a) and re.match(r"[:.,%]?\d|%", b))


@pytest.fixture(scope="module")
def thai_pdf_lines() -> list[Line]:
    return _lines(render_pdf(_report(), "th"))


def test_the_report_has_lines_broken_inside_cells_and_paragraphs(thai_pdf_lines):
    # The check below is only worth something if the report really wraps text.
    assert len(_continued(thai_pdf_lines)) >= 20


def test_no_line_ends_inside_a_thai_word(thai_pdf_lines):
    cut = [
        f"{a.text!r} | {b.text!r}"
        for a, b in _continued(thai_pdf_lines)
        if _inside_a_word(a.text, b.text)
    ]
    assert not cut, "\n".join(cut)


def test_no_line_ends_inside_a_number_or_duration(thai_pdf_lines):
    cut = [
        f"{a.text!r} | {b.text!r}"
        for a, b in _continued(thai_pdf_lines)
        if _inside_a_number(a.text, b.text)
    ]
    assert not cut, "\n".join(cut)
    durations = {line.text for line in thai_pdf_lines if re.fullmatch(r"\d+:\d\d:\d\d", line.text)}
    assert "148:33:00" in durations


def test_long_school_names_appear_whole_or_broken_between_words(thai_pdf_lines):
    text = "".join(line.text for line in thai_pdf_lines)
    assert "โรงเรียนบ้านหนองบัววิทยาคม" in text
    assert not any(line.text.endswith("พิ") for line in thai_pdf_lines)


def test_every_line_starts_inside_the_left_margin(thai_pdf_lines):
    left = MARGIN_LEFT * PT_PER_MM
    outside = [line.text for line in thai_pdf_lines if line.x < left - 0.5]
    assert not outside


def test_the_office_full_name_heads_the_memo(thai_pdf_lines):
    first_page = " ".join(line.text for line in thai_pdf_lines if line.page == 0)
    assert OFFICE in first_page


def test_the_target_label_stands_apart_from_the_axis_labels(thai_pdf_lines):
    chart_page = [line for line in thai_pdf_lines if line.page == 1]
    hundreds = [line for line in chart_page if line.text == "100"]
    targets = [line for line in chart_page if line.text == "เป้าหมาย 99.5%"]
    assert hundreds and targets
    for label in targets:
        for axis in hundreds:
            apart = abs(label.y - axis.y) >= label.size or abs(label.x - axis.x) >= 40
            assert apart, (label, axis)


def test_the_two_counts_are_explained(thai_pdf_lines):
    memo = "".join(line.text for line in thai_pdf_lines if line.page == 0)
    assert "จำนวนครั้งที่สถานศึกษาขาดการเชื่อมต่อ" in memo
    assert "เหตุการณ์ในบันทึกเหตุการณ์" in memo
    assert "สองจำนวนนับต่างกัน" in memo


def test_english_report_breaks_no_number_either():
    lines = _lines(render_pdf(_report(), "en"))
    assert not [(a, b) for a, b in _continued(lines) if _inside_a_number(a.text, b.text)]


def test_the_emblem_is_printed_at_the_head_of_the_memo(tmp_path):
    emblem = tmp_path / "emblem.png"
    Image.new("RGB", (60, 60), (200, 30, 30)).save(emblem)
    plain = PdfReader(io.BytesIO(render_pdf(_report()))).pages[0]
    marked = PdfReader(io.BytesIO(render_pdf(replace(_report(), emblem=str(emblem))))).pages[0]
    assert not list(plain.images)
    assert len(list(marked.images)) == 1


def test_an_emblem_that_is_not_an_image_is_refused():
    with pytest.raises(ConfigError, match="emblem"):
        OfficeSettings(emblem="emblem.gif")


def test_an_empty_office_name_is_refused():
    with pytest.raises(ConfigError, match="name"):
        OfficeSettings(name="  ")
