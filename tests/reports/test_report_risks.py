"""The monthly report lists the open high and very-high risks of the register."""

from __future__ import annotations

from monitor.availability.periods import parse_period
from monitor.reports.data import build_report
from monitor.reports.html import render_html
from monitor.reports.pdf import render_pdf
from monitor.risks.register import create_risk
from tests.conftest import NOW, add_site
from tests.reports.test_monthly_report import compact, pdf_text

OCTOBER = parse_period("2569-10")


def test_report_lists_open_high_risks_only(db, settings):
    with db.begin() as s:
        site = add_site(s, "S07", "โรงเรียนริมน้ำ")
        for title, likelihood, impact, status in (
            ("น้ำท่วมห้องเซิร์ฟเวอร์", 4, 5, "open"),  # 20 very high
            ("สายอัปลิงก์เส้นเดียว", 3, 4, "mitigating"),  # 12 high
            ("ป้ายชื่อหาย", 2, 2, "open"),  # 4 low
            ("ไฟดับ (ยอมรับแล้ว)", 4, 4, "accepted"),
            ("ไฟดับ (ปิดแล้ว)", 5, 5, "closed"),
        ):
            create_risk(
                s,
                {
                    "title": title,
                    "category": "other",
                    "likelihood": likelihood,
                    "impact": impact,
                    "status": status,
                    "owner": "ครูสมชาย",
                    "site_id": site.id,
                },
                "officer",
                NOW,
            )
    with db() as s:
        report = build_report(s, OCTOBER, settings, NOW)
    assert [r.level for r in report.risks] == ["very_high", "high"]
    page = render_html(report).decode()
    section = page[page.index('class="report-risks"') :]
    assert "น้ำท่วมห้องเซิร์ฟเวอร์ (โรงเรียนริมน้ำ)" in section and "สูงมาก" in section
    assert "ป้ายชื่อหาย" not in page and "ยอมรับแล้ว" not in page
    text = compact(pdf_text(render_pdf(report)))
    assert compact("น้ำท่วมห้องเซิร์ฟเวอร์") in text and "สูงมาก" in text
    assert "Veryhigh" in compact(render_html(report, "en").decode())


def test_report_without_high_risks_says_so(db, settings):
    with db() as s:
        report = build_report(s, OCTOBER, settings, NOW)
    assert report.risks == []
    assert "ไม่มีความเสี่ยงระดับสูงที่ยังเปิดอยู่" in render_html(report).decode()
