"""The annual check on a 390-px phone, in a real browser: a checker opens an asset's page the way
its QR label does, marks it seen as damaged with a note, and the round's page and its PDF report
show the mark; a second checker, assigned to another school, opens the same label and is told
they may not mark it (and gets no form to do so)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monitor.accounts.users import create_user
from monitor.assets import check_queries as cq
from monitor.db.models import Device
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import NOW
from tests.reports.test_monthly_report import compact, pdf_text
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def round_on_two_schools(live_server, db):
    base, ids = live_server
    with db.begin() as s:
        s01 = s.get(Device, ids["s01_router"]).site_id
        s02 = s.get(Device, ids["s02_router"]).site_id
        notebook = Device(
            site_id=s01,
            name="โน้ตบุ๊กห้องวิชาการ",
            kind="notebook",
            asset_number="7440-001-0101/67",
            price=Decimal("25900.00"),
            room="ห้องวิชาการ",
            condition="usable",
            enabled=True,
            created_at=NOW,
            updated_at=NOW,
        )
        s.add(notebook)
        somsri = create_user(s, "somsri", PASSWORD, role="viewer", display_name="สมศรี")
        somchai = create_user(s, "somchai", PASSWORD, role="operator", display_name="สมชาย")
        s.flush()
        round_id = cq.open_round(s, 2027, [s01, s02], "ตรวจประจำปี", "officer", NOW)
        info = cq.load_round(s, round_id)
        cq.assign(s, info, s01, [somsri.id])
        cq.assign(s, info, s02, [somchai.id])
        notebook_id = notebook.id
    return base, round_id, notebook_id


def phone_page(browser_page):
    context = browser_page.context.browser.new_context(
        viewport=PHONE, locale="th-TH", timezone_id="Asia/Bangkok", is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    # As the shared page fixture does: a CSP violation or a failed request is a failure.
    problems: list[str] = []
    phone.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    phone.on("pageerror", lambda e: problems.append(str(e)))
    phone.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    phone.problems = problems
    return phone


def sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_checker_marks_a_scanned_asset_and_another_school_cannot(page, round_on_two_schools):
    base, round_id, notebook_id = round_on_two_schools
    phone = phone_page(page)
    phone.set_default_timeout(15_000)
    try:
        sign_in(phone, base, "somsri")
        phone.goto(f"{base}/assets/{notebook_id}")  # what the label's QR code opens
        assert fits_the_screen(phone)
        form = phone.locator(f"#asset-check-{round_id}")
        form.get_by_label("ชำรุด").check()
        form.get_by_label("หมายเหตุ").fill("จอแตกมุมขวา")
        form.locator("#check-mark-button").click()
        mark = phone.locator("#asset-check-mark")
        mark.wait_for()
        assert "ตรวจพบแล้วโดย somsri" in mark.inner_text()
        assert "ชำรุด" in mark.inner_text() and "จอแตกมุมขวา" in mark.inner_text()
        phone.screenshot(path=f"{SCREENSHOTS}/ictmon-390-asset-check-marked.png", full_page=True)

        phone.goto(f"{base}/assets/checks/{round_id}")
        assert fits_the_screen(phone)
        s01 = phone.locator('#check-summary tr[data-site="S01"] td')
        assert s01.nth(2).inner_text().strip() == "1"  # seen
        assert s01.nth(4).inner_text().strip() == "1"  # condition changed
        report = phone.request.get(f"{base}/assets/checks/{round_id}/report.pdf")
        assert report.ok
        text = compact(pdf_text(report.body()))
        assert "7440-001-0101/67" in text and "จอแตกมุมขวา" in text and "สภาพเปลี่ยน" in text

        phone.context.clear_cookies()
        sign_in(phone, base, "somchai")  # checks S02, not S01
        phone.goto(f"{base}/assets/{notebook_id}")
        refusal = phone.locator("#asset-check-refusal")
        assert "คุณไม่ได้รับมอบหมายให้ตรวจครุภัณฑ์ของหน่วยงานนี้" in refusal.inner_text()
        assert phone.locator("#check-mark-button").count() == 0
        assert fits_the_screen(phone)
        phone.screenshot(path=f"{SCREENSHOTS}/ictmon-390-asset-check-refused.png", full_page=True)
        assert phone.problems == []
    finally:
        phone.context.close()
