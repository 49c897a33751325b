"""Discovery in a real browser on a phone, under the strict CSP: choosing the site fills its
address ranges (web/static/js/discover.js), the run goes on while its page asks for its status
and shows the proposal by itself when ready, and confirming the ticked devices writes them.
The school is snmpsim agents on loopback (tests/support/discovery_agents.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from monitor.accounts.users import create_user
from monitor.db.engine import transaction
from monitor.db.models import Device
from monitor.devices import profiles
from monitor.secrets import Vault
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, require_chromium, served
from tests.conftest import add_device, add_site
from tests.support import discovery_site as school
from tests.support.discovery_agents import COMMUNITY, school_agents
from tests.web.conftest import PASSWORD, make_app

pytestmark = pytest.mark.browser
SWEPT = "127.40.1.0/27"


@pytest.fixture(scope="module")
def agents(tmp_path_factory):
    require_chromium()
    with school_agents(tmp_path_factory.mktemp("browser-agents")) as port:
        yield port


@pytest.fixture
def server(agents, settings, db):
    settings = replace(settings, snmp=replace(settings.snmp, timeout=1.0, retries=1))
    with transaction(db) as s:
        create_user(s, "officer", PASSWORD, role="operator")
        add_site(s, "S001", "สำนักงานเขต")
        s012 = add_site(s, "S012", "โรงเรียนบ้านเขา")
        s012.address_ranges = SWEPT
        add_device(s, s012, "เราเตอร์", school.ROUTER.address)
        profiles.save_snmp_profile(
            s,
            None,
            {"name": "schools", "version": "2c", "community": COMMUNITY, "port": str(agents)},
            Vault.from_settings(settings),
        )
    with served(make_app(settings, db, csrf=True)) as base:
        yield base


@pytest.fixture
def phone():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="th-TH", timezone_id="Asia/Bangkok"
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.problems = problems
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_an_operator_discovers_a_school_and_confirms_it_on_a_phone(server, phone, db):
    page = phone
    page.goto(server + "/login")
    page.fill("#username", "officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")

    page.goto(server + "/manage/discover")
    page.select_option("#discover-site", "S001")
    assert page.input_value("#discover-ranges") == ""
    page.select_option("#discover-site", "S012")
    assert page.input_value("#discover-ranges") == SWEPT  # the site's own ranges
    page.click("#discover-start")
    page.wait_for_url("**/manage/discover/*")
    # The page shows the proposal by itself once the run is done (no reload by the test).
    page.wait_for_selector("#discover-preview", timeout=120_000)
    text = page.inner_text("#discover-preview")
    assert "sw2-s012 24 ↔ sw1-s012 24 (lldp)" in text
    assert "ตอบ ping แต่ไม่ตอบ SNMP" in text
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-discover-preview.png", full_page=True)

    page.uncheck(f"input[name=pick][value='{school.CISCO.address}']")
    page.click("#discover-confirm")
    page.wait_for_selector("#discover-confirmed")
    with db() as s:
        names = set(s.scalars(select(Device.name)))
    assert "sw2-s012" in names and "ap4-s012" in names
    assert "lib-c2960" not in names and "127.40.1.5" not in names
    assert page.problems == [], page.problems  # no CSP violation, no script error
