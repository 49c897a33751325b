"""An SNMP round end to end: devices with encrypted credentials in the database → real agents on
loopback → rows (status, interfaces with rates, traffic samples, reboots), on SQLite and
PostgreSQL. Then the API and CLI show what was collected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from collectors.snmp import SnmpCollector
from monitor.db.models import (
    Device,
    DeviceReboot,
    SnmpInterface,
    SnmpStatus,
    TrafficRollup,
    TrafficSample,
)
from monitor.demo import agents as snmp_agents
from monitor.secrets import Vault
from monitor.snmp.rounds import SnmpPoller
from tests.conftest import NOW, add_device, add_site
from tests.support.snmp_agents import (
    COMMUNITY,
    V3_AUTH_KEY,
    V3_PRIV_KEY,
    V3_USER,
    free_udp_port,
    snmpd,
)

ADDRESS = "127.0.0.1"
HOSTILE = "<script>alert(1)</script>"


class Clock:
    def __init__(self, at):
        self.at = at

    def __call__(self):
        return self.at


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    from tests.support.snmp_agents import require_snmpsim

    require_snmpsim()
    port = free_udp_port()
    agents = [
        snmp_agents.Agent(ADDRESS, snmp_agents.recording(p, name=n, model=m), n, port)
        for p, n, m in (
            ("switch24", "sw-core", "HPE 1920S-24G"),
            ("ups", "ups-main", "Smart-UPS 3000"),
            ("server", "nas", "DS220+"),
        )
    ]
    agents.append(
        snmp_agents.Agent(
            ADDRESS,
            snmp_agents.snmprec(
                [
                    (
                        "1.3.6.1.2.1.1.1.0",
                        "4x",
                        (HOSTILE.encode() + b"\x00\xff\xfe" + b"x" * 3000).hex(),
                    ),
                    ("1.3.6.1.2.1.1.3.0", "67", "500"),
                    ("1.3.6.1.2.1.1.5.0", "4x", b"\xe0\xb8\x81\x1b[2J\x00end".hex()),
                    ("1.3.6.1.2.1.2.2.1.8.1", "2", "1"),
                    ("1.3.6.1.2.1.31.1.1.1.1.1", "4", "eth0"),
                    ("1.3.6.1.2.1.31.1.1.1.6.1", "70", str(2**64 - 5)),  # a Counter64 above 2^63
                    ("1.3.6.1.2.1.31.1.1.1.10.1", "70", "7"),
                    ("1.3.6.1.2.1.31.1.1.1.18.1", "4", HOSTILE),
                ]
            ),
            "hostile",
            port,
        )
    )
    process = snmp_agents.start_snmpsim(tmp_path_factory.mktemp("sim"), agents)
    yield port
    snmp_agents.stop(process)


def _poller(settings, db, clock):
    collector = SnmpCollector(timeout=0.5, retries=0)
    return SnmpPoller(settings, db, collector=collector, clock=clock)


def _add_snmp_device(session, vault, site, name, port, community, kind="switch"):
    device = add_device(session, site, name, ADDRESS, kind)
    device.snmp_version, device.snmp_community, device.snmp_port = (
        "2c",
        vault.encrypt(community),
        port,
    )
    return device


def test_round_records_inventory_rates_health_and_ups(any_db, settings, simulated):
    vault = Vault.from_settings(settings)
    with any_db.begin() as s:
        site = add_site(s)
        switch = _add_snmp_device(s, vault, site, "sw-core", simulated, "sw-core")
        ups = _add_snmp_device(s, vault, site, "ups-main", simulated, "ups-main", kind="ups")
        nas = _add_snmp_device(s, vault, site, "nas", simulated, "nas", kind="server")
        plain = add_device(s, site, "no-snmp", "127.0.0.9", "ap")
        ids = switch.id, ups.id, nas.id, plain.id
    clock = Clock(NOW)
    poller = _poller(settings, any_db, clock)
    try:
        first = poller.run()
        assert sorted(r.key for r in first.results) == sorted(ids[:3])  # no-snmp is not visited
        assert all(r.inventory for r in first.results)
        clock.at = NOW + timedelta(minutes=5)
        second = poller.run()
        assert not any(r.inventory for r in second.results)  # inventory is daily
    finally:
        poller.close()

    with any_db() as s:
        status = {row.device_id: row for row in s.execute(select(SnmpStatus)).scalars()}
        assert status[ids[0]].state == "ok"
        assert (status[ids[0]].vendor, status[ids[0]].model) == ("HPE", "HPE 1920S-24G")
        assert status[ids[0]].serial.startswith("SN")
        assert status[ids[1]].has_ups and status[ids[1]].ups_on_battery is False
        assert status[ids[1]].ups_charge_pct >= 90
        assert status[ids[2]].has_host_resources and status[ids[2]].memory_pct == pytest.approx(
            68.8, abs=0.1
        )
        assert ids[3] not in status
        ports = (
            s.execute(
                select(SnmpInterface)
                .where(SnmpInterface.device_id == ids[0])
                .order_by(SnmpInterface.if_index)
            )
            .scalars()
            .all()
        )
        assert len(ports) == 26
        assert ports[0].name == "1" and ports[0].alias == "uplink"
        assert ports[0].in_bps is not None and ports[0].in_bps >= 0
        assert ports[0].utilisation_pct is not None and ports[0].utilisation_pct <= 100
        samples = (
            s.execute(select(TrafficSample).where(TrafficSample.device_id == ids[0]))
            .scalars()
            .all()
        )
        assert {x.at for x in samples} == {NOW + timedelta(minutes=5)}
        assert len(samples) == sum(p.oper_status == "up" for p in ports)


def test_traffic_rolls_up_into_hours_and_old_samples_go(db, settings, simulated):
    vault = Vault.from_settings(settings)
    with db.begin() as s:
        site = add_site(s)
        device_id = _add_snmp_device(s, vault, site, "sw-core", simulated, "sw-core").id
    clock = Clock(NOW)
    poller = _poller(settings, db, clock)
    try:
        for minutes in range(0, 75, 5):
            clock.at = NOW + timedelta(minutes=minutes)
            poller.run()
        with db() as s:
            hours = s.execute(
                select(TrafficRollup.bucket_start, TrafficRollup.samples).where(
                    TrafficRollup.device_id == device_id, TrafficRollup.if_index == 1
                )
            ).all()
        assert [(h.replace(tzinfo=None) if h.tzinfo else h, n) for h, n in hours] == [
            (NOW.replace(tzinfo=None), 11)
        ]  # 03:05..03:55 had rates; 03:00 was the first poll
        clock.at = NOW + timedelta(hours=settings.retention.raw_hours + 2)
        poller.run()
        with db() as s:
            old = s.execute(
                select(TrafficSample).where(TrafficSample.at < NOW + timedelta(hours=2))
            ).all()
        assert old == []
    finally:
        poller.close()


def test_agent_restart_is_recorded_as_a_reboot_and_gives_no_spike(db, settings, tmp_path):
    vault = Vault.from_settings(settings)
    with snmpd(tmp_path / "snmpd") as agent:
        with db.begin() as s:
            site = add_site(s)
            device = add_device(s, site, "server", ADDRESS, "server")
            device.snmp_version = "3"
            device.snmp_v3_user, device.snmp_v3_auth_protocol = V3_USER, "SHA"
            device.snmp_v3_auth_key = vault.encrypt(V3_AUTH_KEY)
            device.snmp_v3_priv_protocol, device.snmp_v3_priv_key = (
                "AES",
                vault.encrypt(V3_PRIV_KEY),
            )
            device.snmp_port = agent.port
            device_id = device.id
        clock = Clock(NOW)
        poller = _poller(settings, db, clock)
        try:
            import time

            time.sleep(1.5)  # let the agent's uptime grow past what it will be after a restart
            assert poller.run().results[0].ok
            agent.stop()
            agent.start()
            clock.at = NOW + timedelta(minutes=5)
            summary = poller.run()
        finally:
            poller.close()
    assert summary.results[0].ok, summary.results[0].error
    assert summary.reboots == [device_id]
    with db() as s:
        [reboot] = s.execute(select(DeviceReboot)).scalars().all()
        assert reboot.device_id == device_id and reboot.uptime_before_s is not None
        ports = (
            s.execute(select(SnmpInterface).where(SnmpInterface.device_id == device_id))
            .scalars()
            .all()
        )
        assert ports and all(p.in_bps is None and p.out_bps is None for p in ports)


def test_wrong_credentials_and_undecryptable_ones_become_states(db, settings, tmp_path):
    vault = Vault.from_settings(settings)
    with snmpd(tmp_path / "snmpd") as agent:
        with db.begin() as s:
            site = add_site(s)
            wrong = add_device(s, site, "wrong-key", ADDRESS, "server")
            wrong.snmp_version, wrong.snmp_port = "3", agent.port
            wrong.snmp_v3_user, wrong.snmp_v3_auth_protocol = V3_USER, "SHA"
            wrong.snmp_v3_auth_key = vault.encrypt("definitely-wrong")
            wrong.snmp_v3_priv_protocol, wrong.snmp_v3_priv_key = "AES", vault.encrypt(V3_PRIV_KEY)
            garbled = add_device(s, site, "garbled", ADDRESS, "server")
            garbled.snmp_version, garbled.snmp_port = "2c", agent.port
            garbled.snmp_community = b"not a fernet token"
            good = add_device(s, site, "good", ADDRESS, "server")
            good.snmp_version, good.snmp_port = "2c", agent.port
            good.snmp_community = vault.encrypt(COMMUNITY)
            ids = wrong.id, garbled.id, good.id
        poller = _poller(settings, db, Clock(NOW))
        try:
            poller.run()
        finally:
            poller.close()
    with db() as s:
        status = {r.device_id: r for r in s.execute(select(SnmpStatus)).scalars()}
    assert status[ids[0]].state == "auth_error" and status[ids[0]].failing_since == NOW
    assert status[ids[1]].state == "error" and "decrypt" in status[ids[1]].error
    assert status[ids[2]].state == "ok"
    assert "definitely-wrong" not in (status[ids[0]].error or "")


def test_cli_poll_once_snmp_prints_a_table(db, settings, simulated, tmp_path, monkeypatch):
    config = tmp_path / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "{settings.database.url}"\n[paths]\n'
        f'data_dir = "{settings.paths.data_dir}"\n[snmp]\ntimeout = 0.5\nretries = 0\n',
        encoding="utf-8",
    )
    vault = Vault.from_settings(settings)
    with db.begin() as s:
        site = add_site(s, "S01")
        _add_snmp_device(s, vault, site, "sw-core", simulated, "sw-core")
        _add_snmp_device(s, vault, site, "ghost", simulated, "no-such-community")
    from monitor.cli.main import main

    result = CliRunner().invoke(main, ["--config", str(config), "poll", "--once", "--snmp"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    switch_line = next(line for line in lines if "sw-core" in line)
    assert "ok" in switch_line and "19/26" in switch_line and "inventory" in switch_line
    ghost_line = next(line for line in lines if "ghost" in line)
    assert "timeout" in ghost_line
    assert "no-such-community" not in result.output
    assert lines[-1].startswith("2 devices with SNMP, 1 answered, 1 not")


def test_hostile_values_are_stored_safely_and_shown_as_text(any_db, settings, simulated):
    from monitor.devices.inventory import device_snmp

    vault = Vault.from_settings(settings)
    with any_db.begin() as s:
        device_id = _add_snmp_device(s, vault, add_site(s), "evil", simulated, "hostile").id
    poller = _poller(settings, any_db, Clock(NOW))
    try:
        assert poller.run().results[0].ok
    finally:
        poller.close()
    with any_db() as s:
        detail = device_snmp(s, device_id, now=NOW)
        [port] = s.execute(select(SnmpInterface)).scalars().all()
        assert port.in_octets < 0  # 2^64 - 5 kept as its two's complement
    # kept whole up to MAX_DESCR (2048), no longer cut at 255
    assert detail.sys_descr.startswith(HOSTILE) and len(detail.sys_descr) == 2048
    assert "\x00" not in detail.sys_descr and "\ufffd" in detail.sys_descr
    assert detail.sys_name == "ก [2J end"  # Thai kept, ESC and NUL replaced
    assert detail.interfaces[0].alias == HOSTILE


def test_a_device_that_stops_answering_loses_its_stale_rates(db, settings, simulated):
    vault = Vault.from_settings(settings)
    with db.begin() as s:
        device_id = _add_snmp_device(s, vault, add_site(s), "sw-core", simulated, "sw-core").id
    clock = Clock(NOW)
    poller = _poller(settings, db, clock)
    try:
        poller.run()
        clock.at = NOW + timedelta(minutes=5)
        poller.run()
        with db() as s:
            assert s.get(SnmpInterface, (device_id, 1)).in_bps is not None
        with db.begin() as s:
            s.get(Device, device_id).snmp_community = vault.encrypt("changed-on-the-device")
        clock.at = NOW + timedelta(minutes=10)
        poller.run()
    finally:
        poller.close()
    with db() as s:
        status = s.get(SnmpStatus, device_id)
        assert status.state == "timeout" and status.failing_since == NOW + timedelta(minutes=10)
        assert status.model == "HPE 1920S-24G"  # the inventory is kept
        port = s.get(SnmpInterface, (device_id, 1))
        assert port.in_bps is None and port.utilisation_pct is None and port.name == "1"
