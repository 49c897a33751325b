"""The morning look, in a real browser: sign in, see the offline school first, open it, open its
router, see the latency chart drawn. Chromium is Debian's; the server is waitress on loopback."""
from __future__ import annotations

import os
import shutil
import threading

import pytest

from tests.support.requirements import require
from tests.web.conftest import PASSWORD, make_app
from tests.web.seed import seed_district, seed_heartbeat, seed_more_schools, seed_rollups
from monitor.users import create_user

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The policy a later change will serve: no inline script or style anywhere. Served here already,
# so a page that needs inline code fails this test (the browser reports the violation).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")
SCREENSHOTS = os.environ.get("ICTMON_SCREENSHOT_DIR", "/tmp")


@pytest.fixture
def live_server(settings, db):
    require(os.path.exists(CHROMIUM) or shutil.which("chromium") is not None,
            f"needs Debian's chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        require(False, "needs the playwright Python package")
    from waitress.server import create_server

    ids = seed_district(db)
    seed_more_schools(db, ids["core"])
    seed_rollups(db, ids["s02_router"], 300, 7)
    seed_rollups(db, ids["s02_router"], 3600, 30)
    seed_heartbeat(db)
    with db.begin() as s:
        create_user(s, "officer", PASSWORD, display_name="คุณสมชาย ใจดี")

    app = make_app(settings, db, csrf=True)
    app.config["ICTMON_REFRESH_SECONDS"] = 1

    @app.after_request
    def _csp(response):
        response.headers["Content-Security-Policy"] = CSP
        return response

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", ids
    finally:
        server.close()
        thread.join(timeout=5)


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="th-TH",
                                      timezone_id="Asia/Bangkok")
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                if r.status >= 400 else None)
        page.problems = problems
        try:
            yield page
        finally:
            context.close()
            browser.close()


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
    page.wait_for_selector("#latency-chart canvas")
    assert page.locator("#latency-chart canvas").bounding_box()["width"] > 100
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
