"""The Reports page in a real browser under the strict CSP: the officer picks last month, sees the
worst school first and the charts, switches month, downloads the PDF for the director."""
from __future__ import annotations

import os
import shutil
import threading

import pytest

from monitor.users import create_user
from tests.browser.test_status_browser import CHROMIUM, CSP, SCREENSHOTS, page  # noqa: F401
from tests.reports.district import SITE_NAMES, seed_october
from tests.support.requirements import require
from tests.web.conftest import PASSWORD, make_app

pytestmark = pytest.mark.browser


@pytest.fixture
def report_server(settings, db):
    require(os.path.exists(CHROMIUM) or shutil.which("chromium") is not None,
            f"needs Debian's chromium at {CHROMIUM}")
    from waitress.server import create_server

    seed_october(db)
    with db.begin() as s:
        create_user(s, "officer", PASSWORD, display_name="คุณสมชาย ใจดี")
    app = make_app(settings, db, csrf=True)

    @app.after_request
    def _csp(response):
        response.headers["Content-Security-Policy"] = CSP
        return response

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)


def test_reports_page_charts_and_pdf_download(report_server, page, tmp_path):  # noqa: F811
    base = report_server
    page.goto(base + "/login")
    page.fill("#username", "officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.click("a.nav-link[href='/reports']")
    assert "/reports" in page.url
    first_row = page.locator("table.report-sites tbody tr").first
    assert SITE_NAMES["S02"] in first_row.inner_text()
    assert "ไม่ผ่าน" in first_row.inner_text()
    assert page.locator("svg.report-chart rect").count() == 4
    assert page.locator("svg.report-chart circle").count() >= 2
    page.screenshot(path=os.path.join(SCREENSHOTS, "ictmon-reports.png"), full_page=True)

    page.select_option("#period", "2026-09")
    page.click(".report-picker button")
    page.wait_for_url("**period=2026-09**")
    assert "กันยายน 2569" in page.locator(".memo-head").inner_text()

    with page.expect_download() as download:
        page.click(".report-downloads a:text('PDF')")
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert page.problems == []
