"""The morning look, in a real browser: sign in, see the offline school first, open it, open its
router, see the latency chart drawn. Chromium is Debian's; the server is waitress on loopback."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.db.models import ServiceHeartbeat
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import NOW
from tests.web.conftest import PASSWORD
from tests.web.seed import seed_incident

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

    first.locator("a.tile-link").click()
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


def sign_in(page, base, lang="th"):
    page.goto(f"{base}/login?lang={lang}")
    page.fill("#username", "officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".tiles")


def test_a_red_tile_names_the_router_and_acknowledges_its_incident(live_server, page, db):
    base, ids = live_server
    incident_id = seed_incident(db, ids["s02_router"])
    sign_in(page, base)
    # The tab says how many devices are down, the logo's dot is red.
    assert page.title() == "(2) สถานะเครือข่าย · ictmon"
    assert "state-down" in page.get_attribute("#brand-mark", "class")

    tile = page.locator(".tile", has_text="โรงเรียนดอยสูง")
    assert "s02-router" in tile.inner_text() and "127.0.2.1" in tile.inner_text()
    assert tile.locator(f"a[href='/incidents/{incident_id}']").inner_text() == (
        f"เหตุการณ์ #{incident_id}"
    )
    tile.locator("button", has_text="รับทราบ").click()
    page.wait_for_selector(".tile-acked")
    assert page.url == base + "/"
    assert "รับทราบแล้วโดย คุณสมชาย ใจดี" in tile.inner_text()
    assert tile.locator("button").count() == 0
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-status-acknowledged.png", full_page=True)
    assert page.problems == [], page.problems


def test_problems_only_hides_green_schools_and_is_remembered(live_server, page):
    base, _ = live_server
    sign_in(page, base)
    green = page.locator(".tile.level-ok")
    assert green.count() > 10 and green.first.is_visible()

    page.check("#problems-only")
    assert all(not green.nth(i).is_visible() for i in range(green.count()))
    assert page.locator(".tile.level-offline").is_visible()
    # Remembered across a reload and across the tiles' own refresh.
    page.reload()
    page.wait_for_selector(".tiles")
    assert page.is_checked("#problems-only")
    page.wait_for_selector("#overview[data-refreshed-at]", state="attached")
    assert not page.locator(".tile.level-ok").first.is_visible()
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-status-problems-only.png", full_page=True)

    page.uncheck("#problems-only")
    page.reload()
    page.wait_for_selector(".tiles")
    assert page.locator(".tile.level-ok").first.is_visible()
    assert page.problems == [], page.problems


def test_recovered_schools_of_the_last_day_are_listed(live_server, page, db):
    base, ids = live_server
    incident_id = seed_incident(
        db, ids["s01_router"], opened=NOW - timedelta(hours=3), resolved=NOW - timedelta(hours=1)
    )
    sign_in(page, base, lang="en")
    recovered = page.inner_text("#recovered")
    assert "Recovered in the last 24 hours" in recovered
    assert "s01-router (127.0.1.1)" in recovered and "after 2 h" in recovered
    page.click(f"#recovered a[href='/incidents/{incident_id}']")
    page.wait_for_url(f"**/incidents/{incident_id}")
    assert page.problems == [], page.problems


def test_stale_data_banner_on_every_page_when_the_poller_stops(live_server, page, db):
    base, _ = live_server
    with db.begin() as s:
        s.get(ServiceHeartbeat, "poller").beat_at = NOW - timedelta(minutes=30)
    sign_in(page, base)
    for path in ["/", "/incidents", "/inventory", "/sites/S02"]:
        page.goto(base + path)
        banner = page.locator("#stale-data")
        assert banner.is_visible(), path
        assert "ข้อมูลที่แสดงอาจไม่เป็นปัจจุบันตั้งแต่ 24 พ.ย. 2569 09:30" in banner.inner_text()
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-stale-banner.png", full_page=True)
    # The poller beats again: the status page's refresh takes the banner away without a reload.
    page.goto(base + "/")
    with db.begin() as s:
        s.get(ServiceHeartbeat, "poller").beat_at = NOW
    page.wait_for_selector("#stale-data", state="detached")
    assert page.problems == [], page.problems
