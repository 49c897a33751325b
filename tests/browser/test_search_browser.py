"""The global search with the keyboard alone: "/" from any page, type, Enter, Tab to a result."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_slash_then_typing_then_enter_finds_a_device_and_tab_reaches_it(live_server, page):
    base, ids = live_server
    page.goto(base + "/login")
    page.fill("#username", "officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".tiles")
    page.goto(base + "/incidents")

    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "global-search"
    page.keyboard.type("127.0.2")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=127.0.2")
    devices = page.inner_text("#search-devices")
    assert "s02-router" in devices and "s02-switch" in devices and "s02-ap" in devices
    assert page.locator("#search-sites").count() == 0
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-search.png", full_page=True)

    # The results page keeps the words in its own box (focused); Tab walks to the first result.
    assert page.evaluate("() => document.activeElement.id") == "search-page-q"
    page.keyboard.press("Tab")  # the search button
    page.keyboard.press("Tab")  # the first result
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/devices/{ids['s02_ap']}")  # by site, then name: s02-ap first

    # "/" typed inside a text field is just a character.
    page.goto(base + "/search?q=")
    page.fill("#search-page-q", "")
    page.keyboard.type("a/b")
    assert page.input_value("#search-page-q") == "a/b"
    assert page.problems == [], page.problems
