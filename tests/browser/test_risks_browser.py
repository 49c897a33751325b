"""The risk register in a real browser under the strict CSP: a heat-map cell opens the matching
risks; editing one records the officer's name and the time in its history."""

from __future__ import annotations

import pytest

from monitor.localtime import format_datetime
from monitor.risks.register import create_risk
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import NOW
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_heatmap_cell_opens_its_risks_and_an_edit_is_recorded(live_server, page, db):
    base, ids = live_server
    with db.begin() as s:
        flood = create_risk(
            s,
            {"title": "น้ำท่วมห้องเซิร์ฟเวอร์", "category": "power", "likelihood": 4, "impact": 5},
            "ictmon",
            NOW,
        ).id
        create_risk(
            s,
            {"title": "ป้ายชื่อหาย", "category": "other", "likelihood": 1, "impact": 2},
            "ictmon",
            NOW,
        )
        create_risk(
            s,
            {
                "title": "สายอัปลิงก์เส้นเดียว",
                "category": "availability",
                "likelihood": 3,
                "impact": 4,
                "device_id": ids["s02_router"],
            },
            "ictmon",
            NOW,
        )

    page.goto(base + "/login")
    page.fill("#username", "officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".tiles")
    assert "น้ำท่วมห้องเซิร์ฟเวอร์" in page.inner_text("#status-risks")
    page.click("a.nav-link:has-text('ความเสี่ยง')")
    page.wait_for_url("**/risks")
    assert page.locator("#risk-list tr.risk-row").count() == 3

    page.click('#heatmap td[data-likelihood="4"][data-impact="5"] a')
    page.wait_for_url("**/risks?likelihood=4&impact=5*")
    assert page.locator("#risk-list tr.risk-row").all_inner_texts()[0].count("น้ำท่วม") == 1
    assert page.locator("#risk-list tr.risk-row").count() == 1

    page.click("#risk-list a:has-text('น้ำท่วมห้องเซิร์ฟเวอร์')")
    page.wait_for_url(f"**/risks/{flood}")
    page.click("#edit-risk")
    page.fill("input[name=owner]", "ครูสมหญิง")
    page.select_option("select[name=status]", "mitigating")
    page.fill("input[name=impact]", "3")
    page.click("#risk-form button[type=submit]")
    page.wait_for_url(f"**/risks/{flood}")
    assert page.inner_text("#risk-owner") == "ครูสมหญิง"
    assert "กำลังลดความเสี่ยง" in page.inner_text("#risk-status")
    assert "สูง (4 × 3 = 12)" in page.inner_text("#risk-level")
    latest = page.locator("#risk-history tbody tr").first.inner_text()
    # The test app's clock is NOW: the edit is stamped with it, in Bangkok time.
    assert "คุณสมชาย ใจดี" in latest and format_datetime(NOW, "th") in latest
    assert "ผลกระทบ 5 → 3" in latest and "ผู้รับผิดชอบ → ครูสมหญิง" in latest
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-risks.png", full_page=True)
    assert page.problems == [], page.problems
