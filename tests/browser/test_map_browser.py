"""The network map in chromium under the strict CSP: a school's devices and links drawn by
Cytoscape.js; its router silenced in a network namespace and swept by the real poller, the map
turns the router red and its subtree unreachable within the refresh (no reload); tapping a
device opens its page, tapping a school at district level opens that school's map. Any CSP
violation (a `securitypolicyviolation` event or the console's report) fails the test."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import timedelta

import pytest

from monitor.accounts.users import create_user
from monitor.db.models import SnmpStatus
from tests.browser.conftest import SCREENSHOTS, require_chromium, served
from tests.conftest import NOW, add_device, add_site
from tests.web.conftest import PASSWORD, make_app

pytestmark = [pytest.mark.browser, pytest.mark.netns]

# Runs inside the namespace: real sweeps of the real poller over the test's database file.
SWEEP = r"""
import sys
from monitor.db import engine as dbmod
from monitor.settings import PingSettings
from monitor.status.poller import Poller
sessions = dbmod.session_factory(dbmod.make_engine(sys.argv[1]))
ping = PingSettings(interval=1.0, timeout=0.3, count=1, confirmations=1)
poller = Poller(ping, sessions)
for _ in range(int(sys.argv[2])):
    poller.sweep()
"""

# Collects CSP violations from the first moment of every page (an init script is the browser
# tool's, not the page's: the CSP does not apply to it).
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""

# A function, not an expression: Playwright evaluates a bare expression with eval(), which the
# page's CSP refuses when the first poll misses.
DRAWN = "() => Boolean(window.ictmonMap && window.ictmonMap.refreshes >= 1)"

SCHOOL = {"router": "127.0.5.1", "switch": "127.0.5.2", "ap": "127.0.5.3"}


def sweep(netns, url: str, times: int) -> None:
    netns.run([sys.executable, "-c", SWEEP, url, str(times)], timeout=120)


@pytest.fixture
def mapped_school(settings, db, netns):
    """The office core; school S05: router → switch → AP, the switch's LLDP table showing the
    router; every device swept up once by the real poller in the namespace."""
    require_chromium()
    ids = {}
    with db.begin() as s:
        office = add_site(s, "OFFICE", "สำนักงานเขตพื้นที่")
        core = add_device(s, office, "office-core", "127.0.0.1", "router")
        school = add_site(s, "S05", "โรงเรียนบ้านหนองบัว")
        router = add_device(s, school, "s05-router", SCHOOL["router"], "router", parent=core)
        switch = add_device(s, school, "s05-switch", SCHOOL["switch"], "switch", parent=router)
        ap = add_device(s, school, "s05-ap", SCHOOL["ap"], "ap", parent=switch)
        s.add(
            SnmpStatus(
                device_id=switch.id,
                state="ok",
                polled_at=NOW - timedelta(minutes=5),
                neighbours=[
                    {"local_port": "Gi0/1", "remote_name": "s05-router", "remote_port": "ether2"}
                ],
            )
        )
        create_user(s, "viewer1", PASSWORD, role="viewer")
        ids.update(core=core.id, router=router.id, switch=switch.id, ap=ap.id)
    sweep(netns, settings.database.url, 1)
    # The map refreshes every ping interval: one second here.
    fast = replace(settings, ping=replace(settings.ping, interval=1.0))
    app = make_app(fast, db, csrf=True)
    with served(app) as base:
        yield base, ids


def sign_in(page, base):
    page.add_init_script(WATCH_CSP)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "viewer1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def drawn(page) -> dict:
    return page.evaluate(
        """() => {
          const cy = window.ictmonMap.cy();
          const nodes = {};
          cy.nodes().forEach(n => { nodes[n.data('label')] = {
            state: n.data('state'), cut: n.hasClass('cut'), colour: n.data('colour')}; });
          const edges = cy.edges().map(e => [e.source().data('label'), e.target().data('label'),
                                              e.data('kind')]);
          return {nodes, edges, refreshes: window.ictmonMap.refreshes};
        }"""
    )


def tap(page, node_id: str) -> None:
    at = page.evaluate(
        """(id) => {
          const p = window.ictmonMap.cy().getElementById(id).renderedPosition();
          const box = document.getElementById('map').getBoundingClientRect();
          return {x: box.left + p.x, y: box.top + p.y};
        }""",
        node_id,
    )
    page.mouse.click(at["x"], at["y"])


def no_csp_violation(page) -> None:
    assert page.evaluate("window.__csp") == []
    assert not [p for p in page.problems if "Content Security Policy" in p], page.problems


def test_a_silenced_router_takes_its_subtree_down_on_the_map(mapped_school, page, netns, settings):
    base, ids = mapped_school
    sign_in(page, base)
    page.goto(f"{base}/map/S05")
    page.wait_for_function(DRAWN)
    first = drawn(page)
    assert set(first["nodes"]) == {"office-core", "s05-router", "s05-switch", "s05-ap"}
    assert {n["state"] for n in first["nodes"].values()} == {"up"}
    assert sorted(first["edges"]) == [
        ["office-core", "s05-router", "parent"],
        ["s05-router", "s05-switch", "both"],
        ["s05-switch", "s05-ap", "parent"],
    ]
    assert page.locator(".map-legend").is_visible()

    # The school goes silent, as one does behind a dead router; two real sweeps.
    netns.silence(*SCHOOL.values())
    sweep(netns, settings.database.url, 2)
    page.wait_for_function(
        """() => {
          const cy = window.ictmonMap.cy();
          const state = label => cy.nodes().filter(n => n.data('label') === label).data('state');
          return state('s05-router') === 'down' && state('s05-switch') === 'unreachable'
              && state('s05-ap') === 'unreachable';
        }""",
        timeout=20_000,
    )
    after = drawn(page)
    assert after["nodes"]["s05-switch"]["cut"] and after["nodes"]["s05-ap"]["cut"]
    assert after["nodes"]["s05-router"]["colour"] == "#c62828"
    assert after["nodes"]["office-core"]["state"] == "up"
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-map-site-down.png")
    no_csp_violation(page)

    # Tapping the switch opens its device page.
    tap(page, f"d{ids['switch']}")
    page.wait_for_url(f"{base}/devices/{ids['switch']}")
    assert "s05-switch" in page.locator("h1").inner_text()
    no_csp_violation(page)


def test_the_district_map_opens_a_school_on_a_phone(mapped_school, page):
    base, _ = mapped_school
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base)
    page.click("#nav-toggle")
    page.click("#nav-map")
    page.wait_for_url(f"{base}/map")
    page.wait_for_function(DRAWN)
    shown = drawn(page)
    assert set(shown["nodes"]) == {"office-core", "S05"}
    assert shown["edges"] == [["office-core", "S05", "parent"]]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-map-district-390.png")
    school = page.evaluate(
        "window.ictmonMap.cy().nodes().filter(n => n.data('site') === 'S05' && n.data('counts'))"
        ".id()"
    )
    tap(page, school)
    page.wait_for_url(f"{base}/map/S05")
    page.wait_for_function(DRAWN)
    assert len(drawn(page)["nodes"]) == 4
    page.select_option("#map-site", "")
    page.wait_for_url(f"{base}/map")
    no_csp_violation(page)
