"""The morning look, in a real browser: sign in, see the offline school first, open it, open its
router, see the latency chart drawn. Chromium is Debian's; the server is waitress on loopback."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_morning_look_from_login_to_the_routers_chart(live_server, page):
    base, ids = live_server

    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("#username", "officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".tiles")

    first = page.locator(".tile").first
    assert "โรงเรียนดอยสูง" in first.inner_text()
    assert "ขัดข้องมาแล้ว 2 ชั่วโมง 5 นาที" in first.inner_text()
    assert "level-offline" in first.get_attribute("class")
    assert "โรงเรียนออฟไลน์ 1 แห่ง" in page.inner_text(".summary")
    # The tiles refresh in place, without a reload.
    page.wait_for_selector("#overview[data-refreshed-at]", state="attached")
    assert "โรงเรียนดอยสูง" in page.locator(".tile").first.inner_text()
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-status.png", full_page=True)

    first.locator("a").click()
    page.wait_for_url("**/sites/S02")
    assert "s02-switch" in page.inner_text("table.devices")
    assert "office-core" in page.inner_text(".uplink-row")
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-site.png", full_page=True)

    page.click("text=s02-router")
    page.wait_for_url(f"**/devices/{ids['s02_router']}")
    canvas = page.wait_for_selector("#latency-chart canvas")
    box = canvas.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    assert "ประวัติสถานะ" in page.inner_text("main")
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-device.png", full_page=True)

    page.click("#chart-ranges button[data-range='7d']")
    page.wait_for_selector("#chart-ranges button[data-range='7d'].active")
    # The new range redraws the chart: the old canvas may still be there, then vanish. Wait until
    # the drawn chart is wide, rather than measuring whichever canvas is there first.
    page.wait_for_function(
        "() => (document.querySelector('#latency-chart canvas')"
        "?.getBoundingClientRect().width ?? 0) > 100"
    )
    page.locator("#latency-chart").screenshot(path=f"{SCREENSHOTS}/ictmon-chart-7d.png")

    assert page.problems == [], page.problems


def test_status_page_in_english_on_a_phone(live_server, page):
    base, _ = live_server
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/login?lang=en")
    page.fill("#username", "officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".tiles")
    assert "Down for 2 h 5 min" in page.locator(".tile").first.inner_text()
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-status-phone-en.png", full_page=True)
    assert page.problems == [], page.problems
