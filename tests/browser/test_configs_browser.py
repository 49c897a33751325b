"""Configuration backups in a real browser: back a switch up from its device page (a real SSH
server on loopback), change its configuration, back up again, compare the two versions, download
the latest. Served with the strict CSP, so any inline script or style would fail the test."""

from __future__ import annotations

from dataclasses import replace

import pytest

from monitor.accounts.users import create_user
from monitor.db.models import SshAccess
from monitor.secrets import Vault
from monitor.settings import SshSettings
from tests.browser.conftest import SCREENSHOTS, require_chromium, served
from tests.conftest import add_device, add_site
from tests.support.fake_switch import FakeSwitch
from tests.web.conftest import PASSWORD, make_app

pytestmark = pytest.mark.browser

SSH_PASSWORD = "Br0wser-ssh-pw"
ENABLE = "Br0wser-enable"


@pytest.fixture
def switch():
    with FakeSwitch(password=SSH_PASSWORD, enable_secret=ENABLE) as running:
        yield running


@pytest.fixture
def live_server(settings, db, switch):
    require_chromium()

    vault = Vault.from_settings(settings)
    with db.begin() as s:
        create_user(s, "officer", PASSWORD, display_name="คุณสมชาย ใจดี")
        site = add_site(s, "S07", "โรงเรียนบ้านนา")
        device = add_device(s, site, "sw-library", switch.host, "switch")
        device.ssh_device_type, device.ssh_username, device.ssh_port = (
            "cisco_ios",
            "backup",
            switch.port,
        )
        device.ssh_password = vault.encrypt(SSH_PASSWORD)
        s.add(SshAccess(device_id=device.id, enable_secret=vault.encrypt(ENABLE)))
        device_id = device.id

    app = make_app(replace(settings, ssh=SshSettings(timeout=8)), db, csrf=True)

    with served(app) as base:
        yield base, device_id


def test_back_up_change_compare_and_download_from_the_device_page(
    live_server, page, switch, tmp_path
):
    base, device_id = live_server
    page.goto(f"{base}/devices/{device_id}")
    page.fill("#username", "officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#configs")
    assert "ยังไม่มีค่าคอนฟิกที่สำรองไว้" in page.inner_text("#configs")

    page.click("#back-up-now")
    page.wait_for_selector("table.cfg-history tbody tr")
    assert "สำรองค่าคอนฟิกฉบับแรกแล้ว" in page.inner_text("main")
    assert "WS-C2960X-24TS-L" in page.inner_text("#configs")

    switch.config.insert(-1, "ip access-list standard GUESTS")
    page.click("#back-up-now")
    page.wait_for_selector("table.cfg-history tbody tr:nth-child(2)")
    assert "ค่าคอนฟิกเปลี่ยนไป" in page.inner_text("main")
    assert "+1" in page.inner_text("table.cfg-history tbody tr:first-child")
    page.locator("#configs").screenshot(path=f"{SCREENSHOTS}/ictmon-config-history.png")

    page.click("#compare-versions")
    page.wait_for_selector("table.diff")
    added = page.locator("tr.diff-added").all_inner_texts()
    assert any("ip access-list standard GUESTS" in row for row in added)
    assert page.locator("tr.diff-removed").count() == 0
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-config-diff.png", full_page=True)

    page.go_back()
    page.wait_for_selector("#download-latest")
    with page.expect_download() as info:
        page.click("#download-latest")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name.startswith("S07-sw-library-") and saved.suffix == ".txt"
    text = saved.read_text(encoding="utf-8")
    assert "ip access-list standard GUESTS" in text and "hostname SW1" in text

    assert page.problems == [], page.problems
