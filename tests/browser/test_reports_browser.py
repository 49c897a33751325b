"""The Reports page in a real browser under the strict CSP: the officer picks last month, sees the
worst school first and the charts, switches month, downloads the PDF for the director."""

from __future__ import annotations

import os

import pytest

from monitor.accounts.users import create_user
from tests.browser.conftest import SCREENSHOTS, require_chromium, served
from tests.reports.district import SITE_NAMES, seed_october
from tests.web.conftest import PASSWORD, make_app

pytestmark = pytest.mark.browser


@pytest.fixture
def report_server(settings, db):
    require_chromium()

    seed_october(db)
    with db.begin() as s:
        create_user(s, "officer", PASSWORD, display_name="คุณสมชาย ใจดี")
    app = make_app(settings, db, csrf=True)

    with served(app) as base:
        yield base


def test_reports_page_charts_and_pdf_download(report_server, page, tmp_path):
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
