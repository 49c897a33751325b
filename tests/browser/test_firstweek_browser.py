"""The first week in chromium: the calendar beside date fields (Thai months, พ.ศ., keyboard
only, under the strict CSP), the phone's compact top bar, SSH backup set up from the device page,
and a school's tile naming the office failure behind it. Screenshots go to SCREENSHOTS."""

from __future__ import annotations

import re

import pytest

from monitor.db.models import Device, SshCredentialProfile
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from tests.conftest import NOW
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def sign_in(page, base):
    page.goto(base + "/login")
    page.fill("#username", "officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_the_calendar_picks_a_day_in_thai_with_the_keyboard(live_server, page):
    base, _ = live_server
    sign_in(page, base)
    page.goto(base + "/admin/audit")
    field = page.locator("input[name=from]")
    field.fill("15/11/2569")
    button = page.locator("input[name=from] + .calendar-button")
    button.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".calendar-popup")
    popup.wait_for()
    assert popup.locator(".calendar-title").inner_text() == "พฤศจิกายน พ.ศ. 2569"
    assert page.evaluate("document.activeElement.dataset.day") == "15"
    assert popup.locator(".calendar-day.chosen").inner_text() == "15"
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-1366-th-calendar.png")
    page.keyboard.press("ArrowRight")  # 16
    page.keyboard.press("ArrowDown")  # 23
    page.keyboard.press("PageDown")  # 23 December
    assert popup.locator(".calendar-title").inner_text() == "ธันวาคม พ.ศ. 2569"
    page.keyboard.press("Enter")
    assert field.input_value() == "23/12/2569"
    assert page.locator(".calendar-popup").count() == 0
    assert page.evaluate("document.activeElement.classList.contains('calendar-button')")
    # Escape closes without choosing.
    page.keyboard.press("Enter")
    page.locator(".calendar-popup").wait_for()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Escape")
    assert page.locator(".calendar-popup").count() == 0
    assert field.input_value() == "23/12/2569"
    # The server reads what the calendar wrote.
    page.click("form.filter button[type=submit], form button[type=submit] >> nth=0")
    assert "วันที่ไม่ถูกต้อง" not in page.inner_text("main")
    assert page.problems == []


def test_a_moment_field_gets_the_day_and_the_time_in_english_too(live_server, page):
    base, _ = live_server
    sign_in(page, base)
    page.goto(base + "/incidents/new?lang=en")
    field = page.locator("#started_at")
    field.fill("01/02/2026 09:00")
    page.click("#started_at + .calendar-button")
    popup = page.locator(".calendar-popup")
    popup.wait_for()
    assert popup.locator(".calendar-title").inner_text() == "February 2026"
    popup.locator(".calendar-time input").fill("14:30")
    popup.locator(".calendar-day[data-day='5']").click()
    assert field.input_value() == "05/02/2026 14:30"
    assert page.problems == []


def test_the_phone_top_bar_is_one_row_until_the_menu_opens(live_server):
    from playwright.sync_api import sync_playwright

    base, _ = live_server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE, locale="th-TH", timezone_id="Asia/Bangkok")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            sign_in(page, base)
            bar = page.locator("header.topbar")
            closed = bar.bounding_box()["height"]
            assert closed <= 64, closed
            for selector in ("#nav-toggle", ".lang-switch a >> nth=0"):
                assert page.locator(selector).bounding_box()["height"] >= 40
            assert not page.locator("#global-search").is_visible()
            page.screenshot(path=f"{SCREENSHOTS}/ictmon-390-th-topbar-closed.png")
            page.click("#nav-toggle")
            assert page.locator("#global-search").is_visible()
            assert page.locator("#my-account").is_visible()
            assert page.locator("#main-nav .nav-link").first.is_visible()
            page.screenshot(path=f"{SCREENSHOTS}/ictmon-390-th-topbar-open.png")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"]
        finally:
            context.close()
            browser.close()


def test_ssh_backup_is_set_up_on_the_device_page(live_server, page, db):
    base, ids = live_server
    with db.begin() as s:
        s.add(SshCredentialProfile(name="โปรไฟล์สวิตช์โรงเรียน", username="backup", created_at=NOW))
    sign_in(page, base)
    page.goto(f"{base}/devices/{ids['s02_switch']}")
    assert page.locator("#edit-device").is_visible()
    setup = page.locator("#ssh-setup")
    setup.wait_for()
    types = setup.locator("select[name=ssh_device_type] option").all_inner_texts()
    assert any("cisco_ios" in t for t in types) and not any("apc" in t.lower() for t in types)
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-1366-th-device-ssh-setup.png", full_page=True)
    setup.locator("select[name=ssh_device_type]").select_option("hp_procurve")
    setup.locator("button[type=submit]").click()
    page.wait_for_selector("#ssh-state")
    assert "hp_procurve" in page.inner_text("#configs")
    with db() as s:
        assert s.get(Device, ids["s02_switch"]).ssh_device_type == "hp_procurve"
    assert page.problems == []


def test_a_school_behind_a_failed_office_core_names_it(live_server, page, db):
    base, ids = live_server
    with db.begin() as s:
        s.get(Device, ids["core"]).state.status = "down"
        s.get(Device, ids["s01_router"]).state.status = "unreachable"
    sign_in(page, base)
    tile = page.locator(".tile", has_text="โรงเรียนบ้านสบาย")
    cause = tile.locator(".remote-cause")
    assert re.sub(r"\s+", " ", cause.inner_text()).strip() == (
        "เข้าถึงไม่ได้เพราะ office-core ที่ สำนักงานเขตพื้นที่การศึกษา ล่ม"
    )
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-1366-th-status-remote-cause.png", full_page=True)
    cause.locator("a.cause-device").click()
    page.wait_for_url(f"**/devices/{ids['core']}")
