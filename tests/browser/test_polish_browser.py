"""Polish found on screenshots, in chromium under the strict CSP: the "alerts cannot go out"
banner is one line on a phone and opens on a tap; Thai inside code and in selects is drawn with
the page's Thai font (chromium says which fonts it used), not as boxes; the audit page's filter
button looks like the other buttons; the SSH set-up asks for the file a `linux` backup reads only
when that type is chosen; SNMP is set up from the device page with a profile."""

from __future__ import annotations

import pytest

from monitor.db.models import Device, Site, SnmpProfile, SshAccess, SshCredentialProfile
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from tests.browser.test_firstweek_browser import sign_in
from tests.conftest import NOW, add_device

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport=PHONE, locale="th-TH", timezone_id="Asia/Bangkok", device_scale_factor=1
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


def fonts_used(page, selector: str) -> set[str]:
    """The font families chromium really drew the element's text with (DevTools' "Rendered
    Fonts"), not what the CSS asked for."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {f["familyName"] for f in fonts}


def test_the_alert_banner_is_one_line_on_a_phone_and_opens_on_a_tap(live_server, phone):
    base, _ = live_server
    sign_in(phone, base)
    phone.goto(base + "/incidents")
    banner = phone.locator("#alerts-cannot-go-out")
    folded = banner.bounding_box()["height"]
    assert folded <= 100, folded  # it was ~200 px: every reason in full above every page
    assert not banner.locator("details p").first.is_visible()
    assert banner.locator("a.alerts-settings").is_visible()
    phone.screenshot(path=f"{SCREENSHOTS}/ictmon-390-th-alert-banner-folded.png")
    banner.locator("summary").click()
    assert banner.locator("details p").first.is_visible()
    assert "ไม่มีช่องทางแจ้งเหตุขัดข้อง" in banner.inner_text()
    assert banner.bounding_box()["height"] > folded
    assert phone.problems == []


def test_thai_in_code_and_in_selects_is_drawn_with_the_thai_font(live_server, phone):
    base, _ = live_server
    sign_in(phone, base)
    phone.goto(base + "/admin/audit")
    # A Thai path or name inside <code>, as a device's output or a file name shows it.
    phone.evaluate(
        """() => { const c = document.createElement('code'); c.id = 'thai-code';
                   c.textContent = 'โรงเรียนบ้านนา'; document.querySelector('main').append(c); }"""
    )
    assert "Sarabun" in fonts_used(phone, "#thai-code")
    assert "Sarabun" in fonts_used(phone, "#audit-filter select[name=actor]")  # "ทั้งหมด"
    assert "Sarabun" in fonts_used(phone, "#audit-filter-submit")  # "กรอง"


def test_the_audit_filter_button_looks_like_the_other_buttons(live_server, phone):
    base, _ = live_server
    sign_in(phone, base)
    phone.goto(base + "/admin/audit")
    button = phone.locator("#audit-filter-submit")
    style = button.evaluate(
        """b => { const probe = document.createElement('button');
                  probe.className = 'button primary'; document.body.append(probe);
                  const want = getComputedStyle(probe).backgroundColor; probe.remove();
                  const s = getComputedStyle(b);
                  return {bg: s.backgroundColor, want: want, color: s.color, radius: s.borderTopLeftRadius}; }"""
    )
    assert style["bg"] == style["want"] and style["color"] == "rgb(255, 255, 255)", style
    assert style["radius"] == "8px"
    assert button.bounding_box()["height"] >= 40
    phone.locator("#audit-filter").screenshot(path=f"{SCREENSHOTS}/ictmon-390-th-audit-filter.png")


def test_the_linux_type_asks_for_its_file_and_saves_it(live_server, page, db):
    base, _ = live_server
    with db.begin() as s:
        s.add(SshCredentialProfile(name="linux-backup", username="backup", created_at=NOW))
        site = s.query(Site).filter_by(code="S01").one()
        server = add_device(s, site, "s01-fileserver", "127.0.1.9", "router").id
    sign_in(page, base)
    page.goto(f"{base}/devices/{server}")
    setup = page.locator("#ssh-setup")
    path = setup.locator("input[name=ssh_config_path]")
    assert not path.is_visible()  # a router's types read no file
    setup.locator("select[name=ssh_device_type]").select_option("linux")
    assert path.is_visible()
    assert path.evaluate("e => e.required")
    setup.locator("select[name=ssh_device_type]").select_option("cisco_ios")
    assert not path.is_visible()
    setup.locator("select[name=ssh_device_type]").select_option("linux")
    path.fill("/etc/nftables.conf")
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-1366-th-device-ssh-linux.png", full_page=True)
    setup.locator("button[type=submit]").click()
    page.wait_for_selector("#ssh-state")
    assert "linux" in page.inner_text("#configs")
    with db() as s:
        assert s.get(Device, server).ssh_device_type == "linux"
        assert s.get(SshAccess, server).config_path == "/etc/nftables.conf"
    assert page.problems == []


def test_snmp_is_set_up_from_the_device_page_on_a_phone(live_server, phone, db):
    base, ids = live_server
    with db.begin() as s:
        s.add(SnmpProfile(name="สวิตช์โรงเรียน v2c", version="2c", created_at=NOW))
    sign_in(phone, base)
    phone.goto(f"{base}/devices/{ids['s02_switch']}")
    section = phone.locator("#snmp-setup")
    text = section.inner_text()
    assert "snmp_version" not in text and "ictmon snmp" not in text
    form = phone.locator("#snmp-setup-form")
    assert form.locator("select").bounding_box()["height"] >= 40
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    section.screenshot(path=f"{SCREENSHOTS}/ictmon-390-th-device-snmp-setup.png")
    form.locator("button[type=submit]").click()
    phone.wait_for_selector("text=ตั้งค่า SNMP แล้ว")
    with db() as s:
        assert s.get(Device, ids["s02_switch"]).snmp_profile_id is not None
    assert phone.problems == []
