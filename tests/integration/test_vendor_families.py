"""Identity, health and UPS state per vendor family, from real SNMP agents (snmpsim) serving the
recordings monitor/demo/agents.py writes in the shapes real walks showed: a Cisco stack row
before the chassis, a MikroTik whose only ENTITY-MIB model is its USB controller's, an APC card
that answers in PowerNet-MIB only, Net-SNMP memory with buffers and cache, pfSense's hundreds of
storage rows, Junos' 1 kB devfs mounts, a TP-Link without ENTITY-MIB, a Huawei chassis row
without a model. Each device is inventoried, then polled with the plan the inventory made, as
the service does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from collectors.snmp import OK, SnmpCollector, SnmpCredentials, SnmpTarget
from monitor.db.models import SnmpStatus
from monitor.demo import agents as snmp_agents
from monitor.secrets import Vault
from monitor.snmp.rounds import SnmpPoller
from tests.conftest import NOW, add_device, add_site
from tests.support.snmp_agents import free_udp_port, require_snmpsim

ADDRESS = "127.0.0.1"
DEVICES = {
    # community: (profile, model typed into the recording)
    "cisco-stack": ("cisco-stack", "WS-C2960X-24TS-L"),
    "mikrotik": ("mikrotik", "RB5009UG+S+"),
    "ups-apc": ("ups-apc", "Smart-UPS 1500"),
    "ups-apc-battery": ("ups-apc", "Smart-UPS 1500"),
    "linux-ucd": ("linux-ucd", ""),
    "pfsense": ("pfsense", ""),
    "juniper": ("juniper", ""),
    "tplink": ("tplink", "T1600G-28TS 3.0"),
    "huawei": ("huawei", ""),
    "fortigate": ("fortigate", "FGT_100F"),
    "cisco-psu-failed": ("cisco-stack", "WS-C2960X-24TS-L"),
}


@pytest.fixture(scope="module")
def visited(tmp_path_factory):
    """{community: (inventory result, the following poll's result)}"""
    require_snmpsim()
    port = free_udp_port()
    agents = [
        snmp_agents.Agent(
            ADDRESS,
            snmp_agents.recording(profile, name=community, model=model, seed=community),
            community,
            port,
        )
        for community, (profile, model) in DEVICES.items()
    ]
    process = snmp_agents.start_snmpsim(tmp_path_factory.mktemp("vendors"), agents)
    try:
        with SnmpCollector(timeout=2.0, retries=1, max_concurrency=4) as collector:
            inventory = {
                r.key: r
                for r in collector.inventory(
                    SnmpTarget(c, ADDRESS, SnmpCredentials("2c", c), port=port) for c in DEVICES
                )
            }
            polls = {
                r.key: r
                for r in collector.poll(
                    SnmpTarget(
                        r.key,
                        ADDRESS,
                        SnmpCredentials("2c", r.key),
                        port=port,
                        host_resources=r.health is not None,
                        ups=r.ups is not None,
                        if_count=len(r.interfaces),
                        plan=r.plan,
                    )
                    for r in inventory.values()
                )
            }
    finally:
        snmp_agents.stop(process)
    assert all(r.state == OK for r in inventory.values()), {
        k: r.error for k, r in inventory.items()
    }
    return {c: (inventory[c], polls[c]) for c in DEVICES}


def _identity(result):
    s = result.system
    return s.vendor, s.model, s.serial, s.firmware


def test_cisco_stack_takes_the_member_chassis_and_cisco_health(visited):
    inventory, poll = visited["cisco-stack"]
    vendor, model, serial, firmware = _identity(inventory)
    assert (vendor, model, firmware) == ("Cisco", "WS-C2960X-24TS-L", "15.2(7)E8")
    assert serial.startswith("SN") and serial != "PORT-SERIAL"
    for result in (inventory, poll):
        assert result.health.cpu_pct == 23.0  # cpmCPUTotal5minRev
        assert result.health.memory_pct == 15.0  # processor pool: 60 MB used, 340 MB free
    assert inventory.system.descr.endswith("by prod_rel_team")  # sysDescr whole, past 255


def test_mikrotik_is_never_named_after_its_usb_controller(visited):
    inventory, _ = visited["mikrotik"]
    vendor, model, serial, firmware = _identity(inventory)
    assert (vendor, model, firmware) == ("MikroTik", "RB5009UG+S+", "7.15.2")
    assert serial.startswith("SN")
    assert not {"0x0002", "0x1d6b", "1e1c0000.xhci"} & {vendor, model, serial}


@pytest.mark.parametrize(
    "community, on_battery, charge, minutes, battery",
    [("ups-apc", False, 100, 183, "normal"), ("ups-apc-battery", True, 42, 12, "low")],
)
def test_apc_ups_state_from_powernet(visited, community, on_battery, charge, minutes, battery):
    inventory, poll = visited[community]
    vendor, model, serial, firmware = _identity(inventory)
    assert (vendor, model, firmware) == ("APC", "Smart-UPS 1500", "v7.0.6")
    assert serial.startswith("SN")
    for result in (inventory, poll):  # the interval poll reads PowerNet too
        ups = result.ups
        assert (ups.on_battery, ups.charge_pct, ups.minutes_remaining, ups.battery_status) == (
            on_battery,
            charge,
            minutes,
            battery,
        )


def test_linux_memory_leaves_out_buffers_and_cache_and_pseudo_filesystems(visited):
    inventory, poll = visited["linux-ucd"]
    assert inventory.system.vendor == "net-snmp"  # IANA's name for 8072: nothing more is known
    assert inventory.system.firmware == "5.10.60"
    for result in (inventory, poll):
        assert result.health.memory_pct == 25.0  # 8 GB − 1 free − 0.5 buffers − 4.5 cache
        assert [d.descr for d in result.health.disks] == ["/", "/share/data"]
    assert inventory.plan.ucd_memory and inventory.plan.vendor == "linux"


def test_pfsense_polls_only_the_rows_its_inventory_chose(visited):
    inventory, poll = visited["pfsense"]
    vendor, model, _, firmware = _identity(inventory)
    assert (vendor, model, firmware) == ("pfSense", "amd64", "2.7.2-RELEASE")
    for result in (inventory, poll):
        assert result.health.memory_pct == 7.0  # UCD: 4 GB − 3.5 free − buffers − cache
        assert [d.descr for d in result.health.disks] == ["/, type: ufs, dev: /dev/ufsid/5f00"]
    assert [i for i, _, _ in inventory.plan.disk_rows] == [3]
    # The poll asked for the chosen rows by GET instead of walking 64 storage rows again.
    assert poll.values < inventory.values / 2


def test_juniper_health_and_no_devfs_disks(visited):
    inventory, poll = visited["juniper"]
    vendor, model, serial, firmware = _identity(inventory)
    assert (vendor, model, firmware) == ("Juniper", "Juniper EX2300-24P Switch", "21.4R3-S5.4")
    assert serial.startswith("SN")
    for result in (inventory, poll):
        h = result.health
        assert (h.cpu_pct, h.memory_pct, h.temperature_c) == (12.0, 58.0, 41.0)
        assert [d.descr for d in h.disks] == ["/dev/gpt/junos: root file system, mounted on: /"]


def test_tplink_identity_and_health_without_entity_mib(visited):
    inventory, poll = visited["tplink"]
    vendor, model, serial, firmware = _identity(inventory)
    assert (vendor, model, firmware) == (
        "TP-Link",
        "T1600G-28TS 3.0",
        "3.0.6 Build 20230805 Rel.55968",
    )
    assert serial.startswith("SN")
    assert (poll.health.cpu_pct, poll.health.memory_pct) == (31.0, 64.0)


def test_huawei_model_from_sysdescr_and_board_health(visited):
    inventory, poll = visited["huawei"]
    vendor, model, serial, firmware = _identity(inventory)
    assert (vendor, model, firmware) == ("Huawei", "S5735-L24T4S-A1", "5.170 V200R022C00SPC500")
    assert serial.startswith("SN")
    h = poll.health
    assert (h.cpu_pct, h.memory_pct, h.temperature_c) == (27.0, 33.0, 44.0)


def test_fortigate_model_named_as_sold_and_its_own_health(visited):
    inventory, poll = visited["fortigate"]
    vendor, model, _, firmware = _identity(inventory)
    assert (vendor, model) == ("Fortinet", "FortiGate 100F")
    assert firmware == "v7.2.8,build1639,240313 (GA.M)"
    assert (poll.health.cpu_pct, poll.health.memory_pct) == (7.0, 38.0)


@pytest.fixture(scope="module")
def apc_on_battery(tmp_path_factory):
    require_snmpsim()
    port = free_udp_port()
    agent = snmp_agents.Agent(
        ADDRESS,
        snmp_agents.recording("ups-apc", name="ups", model="Smart-UPS 1500", seed="ups-battery"),
        "ups-battery",
        port,
    )
    process = snmp_agents.start_snmpsim(tmp_path_factory.mktemp("apc"), [agent])
    yield port
    snmp_agents.stop(process)


def test_apc_on_battery_is_recorded_by_the_interval_poll_too(any_db, settings, apc_on_battery):
    """Inventory, then an interval poll from the plan stored in the database: PowerNet is read
    at every round, so on-battery reaches the status row (and the risk and alert rules)."""
    vault = Vault.from_settings(settings)
    with any_db.begin() as s:
        device = add_device(s, add_site(s), "ups", ADDRESS, "ups")
        device.snmp_version, device.snmp_port = "2c", apc_on_battery
        device.snmp_community = vault.encrypt("ups-battery")
        device_id = device.id
    at = [NOW]
    poller = SnmpPoller(
        settings, any_db, collector=SnmpCollector(timeout=1.0, retries=1), clock=lambda: at[0]
    )
    try:
        first = poller.run()
        at[0] = NOW + timedelta(minutes=5)
        second = poller.run()
    finally:
        poller.close()
    assert [r.inventory for r in first.results + second.results] == [True, False]
    with any_db() as s:
        row = s.get(SnmpStatus, device_id)
        assert (row.vendor, row.model) == ("APC", "Smart-UPS 1500")
        assert row.health_plan["vendor"] == "apc"
        assert (row.ups_on_battery, row.ups_charge_pct, row.ups_minutes_remaining) == (True, 42, 12)
        assert row.ups_battery_status == "low"


def _sensors(result):
    return [(r.kind, r.name, r.state) for r in result.health.sensors]


@pytest.mark.parametrize(
    "community, expected",
    [
        (
            "cisco-stack",
            [
                ("fan", "Switch#1, Fan#1", "normal"),
                ("psu", "Sw1, PS1", "normal"),
                ("psu", "Sw1, RPS", "not_present"),
            ],
        ),
        (
            "cisco-psu-failed",
            [
                ("fan", "Switch#1, Fan#1", "normal"),
                ("psu", "Sw1, PS1", "critical"),
                ("psu", "Sw1, RPS", "not_present"),
            ],
        ),
        ("juniper", [("psu", "Power Supply 0", "normal"), ("fan", "Fan Tray 0 Fan 0", "warning")]),
        (
            "huawei",
            [
                ("fan", "FAN 0.0", "normal"),
                ("fan", "FAN 0.1", "not_present"),
                ("psu", "PWR1", "normal"),
            ],
        ),
        ("fortigate", [("fan", "FAN1", "normal"), ("psu", "PS1 Status", "critical")]),
    ],
)
def test_fans_and_power_supplies_from_the_vendor_mib(visited, community, expected):
    inventory, poll = visited[community]
    for result in (inventory, poll):  # the interval poll reads them too
        found = _sensors(result)
        assert sorted(found) == sorted(expected)
