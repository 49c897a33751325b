"""The inventory in a real browser: simulated devices (snmpsim on loopback) polled by a real SNMP
round, then the officer signs in, sees model and serial on the inventory page, downloads the
Excel export (read back with openpyxl), and opens a switch whose traffic chart is drawn."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from collectors.snmp import SnmpCollector
from monitor.accounts.users import create_user
from monitor.demo import agents as snmp_agents
from monitor.secrets import Vault
from monitor.snmp.rounds import SnmpPoller
from tests.browser.conftest import SCREENSHOTS, require_chromium, served
from tests.conftest import NOW, add_device, add_site
from tests.support.snmp_agents import free_udp_port, require_snmpsim
from tests.web.conftest import PASSWORD, make_app
from tests.web.seed import set_state

pytestmark = pytest.mark.browser

DEVICES = (  # site, name, kind, profile, model
    ("S001", "sw-core", "switch", "switch24", "HPE 1920S-24G"),
    ("S001", "ups", "ups", "ups", "APC Smart-UPS 1500"),
    ("S002", "router", "router", "router", "MikroTik RB4011"),
    ("S002", "nas", "server", "server", "Synology DS220+"),
)


class Clock:
    def __init__(self, at):
        self.at = at

    def __call__(self):
        return self.at


@pytest.fixture
def polled_district(settings, db, tmp_path):
    require_snmpsim()
    port = free_udp_port()
    vault = Vault.from_settings(settings)
    agents, ids = [], {}
    with db.begin() as s:
        sites = {}
        for code, name, kind, profile, model in DEVICES:
            site = sites.get(code) or add_site(s, code, f"โรงเรียน {code}")
            sites[code] = site
            community = f"{code}-{name}"
            device = add_device(s, site, name, "127.0.0.1", kind)
            device.snmp_version, device.snmp_port = "2c", port
            device.snmp_community = vault.encrypt(community)
            set_state(s, device, "up", NOW - timedelta(days=2))
            ids[name] = device.id
            agents.append(
                snmp_agents.Agent(
                    "127.0.0.1",
                    snmp_agents.recording(profile, name=name, model=model),
                    community,
                    port,
                )
            )
    process = snmp_agents.start_snmpsim(tmp_path / "sim", agents)
    try:
        clock = Clock(NOW - timedelta(minutes=10))
        poller = SnmpPoller(
            settings, db, collector=SnmpCollector(timeout=0.5, retries=0), clock=clock
        )
        try:
            for _ in range(3):
                summary = poller.run()
                assert all(r.ok for r in summary.results), [r.error for r in summary.results]
                clock.at += timedelta(minutes=5)
        finally:
            poller.close()
    finally:
        snmp_agents.stop(process)
    return ids


@pytest.fixture
def live_server(settings, db, polled_district):
    require_chromium()

    with db.begin() as s:
        create_user(s, "officer", PASSWORD, role="operator", display_name="คุณสมชาย ใจดี")
    app = make_app(settings, db, csrf=True)

    with served(app) as base:
        yield base, polled_district


def test_inventory_lists_models_and_serials_and_exports_xlsx(live_server, page):
    base, ids = live_server
    page.goto(base + "/inventory")
    page.fill("#username", "officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#inventory-table")

    switch_row = page.locator(f"tr[data-device-id='{ids['sw-core']}']")
    text = switch_row.inner_text()
    assert "HPE 1920S-24G" in text and "HPE" in text and "PD.02.22" in text
    serial = switch_row.locator("td.serial").inner_text().strip()
    assert serial.startswith("SN") and len(serial) == 12
    assert "Synology DS220+" not in page.inner_text(
        "#inventory-table"
    )  # servers report no ENTITY model
    assert "APC Smart-UPS 1500" in page.locator(f"tr[data-device-id='{ids['ups']}']").inner_text()
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-inventory.png", full_page=True)

    with page.expect_download() as download_info:
        page.click("#export-xlsx")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.path().read_bytes())).active
    rows = list(sheet.values)
    assert rows[0][2] == "ชื่ออุปกรณ์"
    by_name = {r[2]: r for r in rows[1:]}
    assert set(by_name) == {"sw-core", "ups", "router", "nas"}
    header = rows[0]
    assert by_name["sw-core"][header.index("รุ่น (อ่านจากอุปกรณ์)")] == "HPE 1920S-24G"
    assert by_name["sw-core"][header.index("หมายเลขเครื่อง (อ่านจากอุปกรณ์)")] == serial

    page.click(f"tr[data-device-id='{ids['sw-core']}'] >> text=sw-core")
    page.wait_for_url(f"**/devices/{ids['sw-core']}")
    page.wait_for_selector("#snmp-interfaces")
    assert "พอร์ตเครือข่าย" in page.inner_text("#snmp-interfaces")
    canvas = page.wait_for_selector("#traffic-chart canvas")
    box = canvas.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-device-snmp.png", full_page=True)

    page.goto(base + f"/devices/{ids['ups']}")
    assert "ใช้ไฟฟ้าปกติ" in page.inner_text("#snmp-ups")
    # The health history (UPS charge from the three rounds' samples), drawn under the strict CSP.
    canvas = page.wait_for_selector("#health-chart canvas")
    box = canvas.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    assert "ประจุแบตเตอรี่" in page.inner_text("#health-chart")
    assert page.problems == [], page.problems
