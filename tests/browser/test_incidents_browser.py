"""An incident worked through in a real browser: acknowledge, comment, set the cause, resolve;
the timeline shows every step with the officer's name. Same server and CSP as the status test."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.incidents import recording as incidents
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import NOW
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_officer_acknowledges_comments_and_resolves_an_incident(live_server, page, db):
    base, ids = live_server
    with db.begin() as s:
        incident = incidents.open_manual(
            s,
            title="s02-router (127.0.2.1)",
            actor="ictmon",
            at=NOW - timedelta(hours=2),
            site_id=None,
            device_id=ids["s02_router"],
        )
        incident_id = incident.id

    page.goto(base + "/login")
    page.fill("#username", "officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".tiles")
    page.click("a.nav-link:has-text('เหตุการณ์')")
    page.wait_for_url("**/incidents")
    page.click(f"text=#{incident_id}")
    page.wait_for_url(f"**/incidents/{incident_id}")

    page.click("#acknowledge")
    page.wait_for_selector("#incident-state:has-text('รับทราบแล้ว')")
    page.fill("#comment", "สาย ISP ขาด แจ้ง TOT ticket 1234 <b>ด่วน</b>")
    page.click("#add-comment")
    page.wait_for_selector("#timeline .ev-comment")
    page.select_option("#cause", "isp")
    page.click("#set-cause")
    page.wait_for_selector("#timeline .ev-cause")
    page.click("#resolve")
    page.wait_for_selector("#incident-state:has-text('แก้ไขแล้ว')")

    steps = page.locator("#timeline li").all_inner_texts()
    assert len(steps) == 5
    assert "ictmon" in steps[0] and "เปิดเหตุการณ์" in steps[0]
    for step, words in zip(
        steps[1:],
        ("รับทราบ", "สาย ISP ขาด แจ้ง TOT ticket 1234 <b>ด่วน</b>", "ผู้ให้บริการอินเทอร์เน็ต", "ปิดเหตุการณ์"),
    ):
        assert "คุณสมชาย ใจดี" in step and words in step
    assert page.locator("#timeline b").count() == 0  # the comment's markup stayed text
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-incident.png", full_page=True)
    assert page.problems == [], page.problems
