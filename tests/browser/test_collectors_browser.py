"""Collectors in a real browser on a 390-px phone under the strict CSP: the admin adds a collector
for a school, reads its enrolment code and the command once, sees it listed, then revokes it
after confirming the question asked."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_admin_adds_a_collector_reads_its_code_once_and_revokes_it(live_server, page):
    base, _ = live_server
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/login")
    page.fill("#username", "officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".tiles")
    page.goto(base + "/manage/devices")
    page.click("#tab-collectors")
    page.wait_for_url("**/manage/collectors")
    page.fill("#collector-form input[name=name]", "S01-pi")
    page.fill("#collector-form input[name=sites]", "S01")
    page.click("#collector-form button[type=submit]")
    command = page.inner_text("#enrol-command")
    assert re.fullmatch(r"ictmon collector enrol http://127\.0\.0\.1:\d+ --code [\w-]+", command)
    assert "ยังไม่เคยติดต่อ" in page.inner_text("#collectors")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390-px phone"
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-collectors-390.png", full_page=True)

    page.goto(base + "/manage/collectors")
    assert page.locator("#enrolment-code").count() == 0  # shown once, never again
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#collectors form[action$='/revoke'] button")
    page.wait_for_selector("text=ยกเลิกตัวเก็บข้อมูล S01-pi แล้ว")
    assert "ถูกยกเลิก" in page.inner_text("#collectors")
    assert page.problems == [], page.problems
