"""Pages that show collected values render whatever an agent said. A real snmpsim agent serves a
recording full of odd values (a port without counters beside one with them, numbers out of
range, strings where numbers belong, bytes that are not UTF-8, a sysDescr longer than 255
characters); two real SNMP rounds record it; then every page and API read that shows it answers
200 with the oddities shown as "—" or as text. The first version of the device page failed here
from the second poll on (ports sorted by rate before the ones without a rate were left out)."""

from __future__ import annotations

import json
import math
from datetime import timedelta

import pytest
from sqlalchemy import select

from collectors.snmp import SnmpCollector
from monitor.accounts.users import create_user
from monitor.db.models import SnmpInterface, SnmpStatus
from monitor.demo import agents as snmp_agents
from monitor.secrets import Vault
from monitor.snmp.rounds import SnmpPoller
from tests.conftest import NOW, add_device, add_site
from tests.support.snmp_agents import free_udp_port, require_snmpsim
from tests.web.conftest import PASSWORD, make_app, sign_in

ADDRESS = "127.0.0.1"
COMMUNITY = "oddities"
LONG_DESCR = ("Linux odd 5.15 " + "ข้อความ" * 60).encode() + b"\xff\xfe tail"

ODD_ROWS = [
    ("1.3.6.1.2.1.1.1.0", "4x", LONG_DESCR.hex()),
    ("1.3.6.1.2.1.1.2.0", "4", "not an OID"),  # wrong type for sysObjectID
    ("1.3.6.1.2.1.1.3.0", "67", str(2**32 - 1)),  # the largest TimeTicks
    ("1.3.6.1.2.1.1.5.0", "4x", b"odd\x00\x1b[31m\xc3(".hex()),
    # Port 1: a normal up port with 64-bit counters that grow between the rounds.
    ("1.3.6.1.2.1.2.2.1.8.1", "2", "1"),
    ("1.3.6.1.2.1.31.1.1.1.1.1", "4", "ge-0/0/1"),
    ("1.3.6.1.2.1.31.1.1.1.6.1", "70:numeric", "rate=100000,initial=1000"),
    ("1.3.6.1.2.1.31.1.1.1.10.1", "70:numeric", "rate=50000,initial=1000"),
    ("1.3.6.1.2.1.31.1.1.1.15.1", "66", "1000"),
    # Port 2: up, but no counter at all (a stack port, a virtual port): its rate stays None.
    ("1.3.6.1.2.1.2.2.1.8.2", "2", "1"),
    ("1.3.6.1.2.1.31.1.1.1.1.2", "4", "stack-1"),
    ("1.3.6.1.2.1.31.1.1.1.15.2", "4", "fast"),  # a string where a Gauge32 belongs
    # Port 3: up, counters as strings, a status nobody defined.
    ("1.3.6.1.2.1.2.2.1.8.3", "2", "1"),
    ("1.3.6.1.2.1.31.1.1.1.1.3", "4x", b"\xff\xfeport".hex()),
    ("1.3.6.1.2.1.31.1.1.1.6.3", "4", "many"),
    ("1.3.6.1.2.1.31.1.1.1.10.3", "4", "more"),
    ("1.3.6.1.2.1.2.2.1.8.4", "2", "99"),
    ("1.3.6.1.2.1.31.1.1.1.1.4", "4", "weird"),
    # HOST-RESOURCES: a load of 1000 % and a negative one; storage larger than any disk.
    ("1.3.6.1.2.1.25.3.3.1.2.1", "2", "1000"),
    ("1.3.6.1.2.1.25.3.3.1.2.2", "2", "-3"),
    ("1.3.6.1.2.1.25.2.3.1.2.1", "6", "1.3.6.1.2.1.25.2.1.4"),
    ("1.3.6.1.2.1.25.2.3.1.3.1", "4x", b"/data\xff".hex()),
    ("1.3.6.1.2.1.25.2.3.1.4.1", "2", str(2**31 - 1)),
    ("1.3.6.1.2.1.25.2.3.1.5.1", "2", str(2**31 - 1)),
    ("1.3.6.1.2.1.25.2.3.1.6.1", "2", str(2**31 - 1)),
    ("1.3.6.1.2.1.25.2.3.1.2.2", "6", "1.3.6.1.2.1.25.2.1.2"),
    ("1.3.6.1.2.1.25.2.3.1.3.2", "4", "RAM"),
    ("1.3.6.1.2.1.25.2.3.1.4.2", "2", "1024"),
    ("1.3.6.1.2.1.25.2.3.1.5.2", "2", "-5"),
    ("1.3.6.1.2.1.25.2.3.1.6.2", "2", "7"),
    # UPS-MIB: a charge of 250 %, negative minutes, a battery state nobody defined.
    ("1.3.6.1.2.1.33.1.2.1.0", "2", "9"),
    ("1.3.6.1.2.1.33.1.2.3.0", "2", "-4"),
    ("1.3.6.1.2.1.33.1.2.4.0", "2", "250"),
    ("1.3.6.1.2.1.33.1.4.1.0", "4", "battery"),
    # ENTITY-MIB: the chassis row with binary junk for a serial and a huge model name.
    ("1.3.6.1.2.1.47.1.1.1.1.5.1", "2", "3"),
    ("1.3.6.1.2.1.47.1.1.1.1.11.1", "4x", b"\x00\x01\x02\xff".hex()),
    ("1.3.6.1.2.1.47.1.1.1.1.13.1", "4", "M" * 5000),
    # LLDP: a neighbour row whose index is too short, and one with binary ids.
    ("1.0.8802.1.1.2.1.4.1.1.5.0.1", "4", "short"),
    ("1.0.8802.1.1.2.1.4.1.1.5.0.1.1", "4x", "0011223344ff"),
    ("1.0.8802.1.1.2.1.4.1.1.7.0.1.1", "4x", "ff00"),
]


@pytest.fixture(scope="module")
def odd_agent(tmp_path_factory):
    require_snmpsim()
    port = free_udp_port()
    agent = snmp_agents.Agent(ADDRESS, snmp_agents.snmprec(ODD_ROWS), COMMUNITY, port)
    process = snmp_agents.start_snmpsim(tmp_path_factory.mktemp("odd"), [agent])
    yield port
    snmp_agents.stop(process)


class Clock:
    def __init__(self, at):
        self.at = at

    def __call__(self):
        return self.at


def _pages(device_id: int) -> list[str]:
    return [
        f"/devices/{device_id}",
        f"/devices/{device_id}?lang=en",
        "/inventory",
        "/inventory?sort=firmware&dir=desc",
        "/inventory/export.csv",
        "/inventory/export.xlsx",
        f"/inventory/{device_id}/edit",
        f"/devices/{device_id}/traffic?if=1&range=24h",
        f"/devices/{device_id}/traffic?if=2&range=7d",
        f"/api/v1/devices/{device_id}",
        "/",
    ]


def test_every_page_renders_odd_values_after_each_round(any_db, settings, odd_agent):
    vault = Vault.from_settings(settings)
    with any_db.begin() as s:
        create_user(s, "officer", PASSWORD)
        site = add_site(s)
        device = add_device(s, site, "odd-box", ADDRESS, "server")
        device.snmp_version, device.snmp_port = "2c", odd_agent
        device.snmp_community = vault.encrypt(COMMUNITY)
        device_id = device.id
    client = make_app(settings, any_db).test_client()
    assert sign_in(client).status_code == 302

    clock = Clock(NOW)
    poller = SnmpPoller(
        settings, any_db, collector=SnmpCollector(timeout=0.5, retries=0), clock=clock
    )
    try:
        for round_ in range(2):
            clock.at = NOW + timedelta(minutes=5 * round_)
            result = poller.run()
            assert [r.state for r in result.results] == ["ok"]
            for path in _pages(device_id):
                response = client.get(path)
                assert response.status_code == 200, (round_, path, response.status_code)
    finally:
        poller.close()

    with any_db() as s:
        ports = {
            i.if_index: i
            for i in s.scalars(select(SnmpInterface).where(SnmpInterface.device_id == device_id))
        }
        status = s.get(SnmpStatus, device_id)
    # The second round gave port 1 a rate and left port 2 without one: the case that failed.
    assert ports[1].in_bps is not None and ports[1].in_bps > 0
    assert ports[2].in_bps is None and ports[2].oper_status == "up"
    assert ports[4].oper_status is None  # status 99 is no status
    assert status.cpu_pct is None  # neither 1000 % nor -3 % is a load
    assert status.ups_charge_pct is None and status.ups_minutes_remaining is None
    assert status.sys_descr.startswith("Linux odd")

    page = client.get(f"/devices/{device_id}").get_data(as_text=True)
    # The traffic picker lists the port with a rate first, then the ones without.
    picker = page[page.index('id="traffic-port"') :]
    assert picker.index('value="1"') < picker.index('value="2"') < picker.index('value="3"')
    assert "\x1b" not in page and "\x00" not in page
    assert "odd" in page and "\ufffd" in page  # bad bytes shown as U+FFFD, not dropped

    api = json.loads(client.get(f"/api/v1/devices/{device_id}").get_data(as_text=True))
    assert api["cpu_pct"] is None
    assert all(v is None or math.isfinite(v) for i in api["interfaces"] for v in (i["in_bps"],))
