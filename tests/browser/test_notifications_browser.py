"""The notifications page in chromium under the strict CSP: an admin adds a LINE-like channel
(here a JSON webhook on loopback), presses Test and reads the service's answer."""

from __future__ import annotations

import json
import socket

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.support.smtp import SmtpServer
from tests.support.webhook import Receiver
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser

SECRET = "browser-secret-token-42"


def test_an_admin_adds_a_channel_and_tests_it(live_server, page, tmp_path):
    base, _ids = live_server
    with Receiver(tmp_path / "hook") as hook:
        page.goto(base + "/login")
        page.fill("#username", "officer")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector(".tiles")
        page.goto(base + "/admin/notifications")
        page.wait_for_selector("#add-form")
        assert page.locator("#add-url").get_attribute("type") == "password"
        page.fill("#add-name", "กลุ่ม LINE เวร ICT")
        page.fill("#add-url", f"json://127.0.0.1:{hook.port}/{SECRET}")
        page.fill("#add-sites", "S01 S02")
        page.click("#add-submit")
        page.wait_for_selector(".banner.info:has-text('เพิ่มช่องทาง “กลุ่ม LINE เวร ICT” แล้ว')")
        assert SECRET not in page.content()

        page.click("button.test-button")
        result = page.wait_for_selector(".test-result")
        assert result.inner_text() == "ส่งแล้ว บริการตอบว่า: Sent JSON POST notification."
        [request] = hook.requests()
        assert "กลุ่ม LINE เวร ICT" in json.loads(request["body"])["message"]
        assert SECRET not in page.content()
        page.screenshot(path=f"{SCREENSHOTS}/ictmon-notifications.png", full_page=True)
    assert page.problems == []


def test_an_admin_sets_the_mail_server_and_sends_a_test_mail(live_server, page, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base, _ids = live_server
    with SmtpServer(port, tmp_path / "mail", login=("ictmon", SECRET)) as smtp:
        page.goto(base + "/login")
        page.fill("#username", "officer")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector(".tiles")
        page.goto(base + "/admin/notifications")
        page.wait_for_selector("#mail-form")
        assert page.locator("#mail-password").get_attribute("type") == "password"
        page.fill("#mail-host", "127.0.0.1")
        page.fill("#mail-port", str(port))
        page.select_option("#mail-security", "none")
        page.fill("#mail-username", "ictmon")
        page.fill("#mail-password", SECRET)
        page.fill("#mail-from", "ictmon@district.example")
        page.fill("#mail-report-recipients", "director@district.example")
        page.click("#mail-save")
        page.wait_for_selector(".banner.info:has-text('บันทึกเซิร์ฟเวอร์อีเมลแล้ว')")
        assert page.locator("#mail-password").input_value() == ""
        assert SECRET not in page.content()

        page.fill("#mail-test-address", "officer@district.example")
        page.click("#mail-test")
        result = page.wait_for_selector("#mail-test-result")
        assert "officer@district.example" in result.inner_text()
        assert "DATA: 250" in page.locator("#mail-dialogue").inner_text()
        [mail] = smtp.messages()
        assert mail["To"] == "officer@district.example"
        assert SECRET not in page.content()
    assert page.problems == []
