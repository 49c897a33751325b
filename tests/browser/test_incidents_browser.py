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


def _sign_in(page, base):
    page.goto(base + "/login")
    page.fill("#username", "officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".tiles")


def test_a_past_incident_is_logged_with_thai_dates_and_a_cause_it_had_to_ask_for(live_server, page):
    base, _ = live_server
    _sign_in(page, base)
    page.goto(base + "/incidents/new")
    page.fill("#title", "ไฟดับทั้งโรงเรียน")
    page.fill("#started_at", "23/11/2569 08:15")
    page.fill("#ended_at", "23/11/2569 11:45")
    page.click("form.stacked button[type=submit]")
    # No cause chosen: the browser itself asks, nothing is sent.
    assert page.url.endswith("/incidents/new")
    assert page.evaluate("() => document.querySelector('#cause').validity.valueMissing")
    page.select_option("#cause", "power")
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector("#incident-state")
    assert page.inner_text("#incident-state") == "แก้ไขแล้ว"
    head = page.inner_text(".detail-head")
    assert "23 พ.ย. 2569 08:15" in head and "3 ชั่วโมง 30 นาที" in head
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-incident-backdated.png", full_page=True)
    assert page.problems == [], page.problems


def test_the_maintenance_form_puts_weekdays_in_a_row_with_labels_beside_them(live_server, page):
    base, _ = live_server
    _sign_in(page, base)
    page.goto(base + "/maintenance")
    checks = page.locator("#maintenance-form label.check")
    assert checks.count() == 7
    boxes = [checks.nth(i).bounding_box() for i in range(7)]
    assert len({round(b["y"]) for b in boxes}) == 1  # one row at desktop width
    for i in range(7):
        box = checks.nth(i).locator("input").bounding_box()
        word = checks.nth(i).locator("span").bounding_box()
        assert word["x"] > box["x"] + box["width"] - 1  # the day's name beside its box
        assert abs((word["y"] + word["height"] / 2) - (box["y"] + box["height"] / 2)) < 6
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-maintenance-form.png", full_page=True)

    page.fill("#starts_at", "24/11/2569 09:00")
    page.fill("#ends_at", "24/11/2569 12:30")
    page.fill("input[name=reason]", "ย้ายตู้แร็ค")
    page.click("#maintenance-form button[type=submit]")
    page.wait_for_selector(".banner.info")
    assert "ย้ายตู้แร็ค" in page.inner_text("main")
    assert page.problems == [], page.problems
