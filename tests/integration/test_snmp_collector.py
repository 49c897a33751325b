"""The SNMP collector against real agents on loopback: snmpsim serving recordings of real devices
(shipped with snmpsim) and the demo's device profiles, and Net-SNMP's snmpd started by the test.
Failures (wrong community, wrong SNMPv3 key, a silent agent) must come back as states, never as
exceptions, and a silent agent must not hold up the others."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from collectors.snmp import (
    AUTH_ERROR,
    OK,
    TIMEOUT,
    SnmpCollector,
    SnmpCredentials,
    SnmpTarget,
    clean_text,
)
from monitor.demo import agents as snmp_agents
from monitor.demo.agents import Agent, recording, snmprec
from tests.support import snmp_agents as agents_support
from tests.support.snmp_agents import (
    COMMUNITY,
    V3_AUTH_KEY,
    V3_AUTH_ONLY_USER,
    V3_PRIV_KEY,
    V3_USER,
    free_udp_port,
    shipped_recording,
    snmpd,
)

ADDRESS = "127.0.0.1"


def v2c(community: str) -> SnmpCredentials:
    return SnmpCredentials("2c", community)


@pytest.fixture
def collector():
    c = SnmpCollector(timeout=0.5, retries=1, max_concurrency=16)
    yield c
    c.close()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """One snmpsim serving: two recordings of real devices, a 24-port switch, a UPS, a Linux
    server, and a device whose strings are hostile."""
    port = free_udp_port()
    hostile = snmprec(
        [
            (
                "1.3.6.1.2.1.1.1.0",
                "4x",
                (b"<script>alert('x')</script>" + b"\xff\xfe\x00bad" + b"A" * 5000).hex(),
            ),
            ("1.3.6.1.2.1.1.3.0", "67", "12345"),
            ("1.3.6.1.2.1.1.5.0", "4", '<b>bold</b> & "quoted"'),
            ("1.3.6.1.2.1.2.2.1.8.1", "2", "1"),
            ("1.3.6.1.2.1.31.1.1.1.1.1", "4", "eth0"),
            ("1.3.6.1.2.1.31.1.1.1.6.1", "70", "1000"),
            ("1.3.6.1.2.1.31.1.1.1.10.1", "70", "2000"),
            ("1.3.6.1.2.1.31.1.1.1.15.1", "66", "1000"),
            (
                "1.3.6.1.2.1.31.1.1.1.18.1",
                "4x",
                (b'=HYPERLINK("x")<img src=x onerror=alert(1)>' + b"\xc3\x28").hex(),
            ),
        ]
    )
    agents = [
        Agent(ADDRESS, shipped_recording("linux-full-walk"), "linux", port),
        Agent(ADDRESS, shipped_recording("winxp-full-walk"), "winxp", port),
        Agent(
            ADDRESS, recording("switch24", name="sw-core", model="HPE 1920S-24G"), "switch24", port
        ),
        Agent(ADDRESS, recording("ups", name="ups-main", model="Smart-UPS 3000"), "ups", port),
        Agent(
            ADDRESS,
            recording("server", name="nas", model="DS220+", neighbours=[("eno1", "core-switch")]),
            "server",
            port,
        ),
        Agent(ADDRESS, hostile, "hostile", port),
    ]
    directory = tmp_path_factory.mktemp("snmpsim")
    agents_support.require_snmpsim()
    process = snmp_agents.start_snmpsim(directory, agents)
    yield port
    snmp_agents.stop(process)


def target(port, community, key=None, **kw):
    return SnmpTarget(community if key is None else key, ADDRESS, v2c(community), port=port, **kw)


def test_inventory_of_a_recorded_linux_host(simulated, collector):
    [result] = collector.inventory([target(simulated, "linux")])
    assert result.state == OK, result.error
    assert result.system.descr.startswith("Linux cray 2.6.21.5-smp")
    assert result.system.name == "tt"
    # IANA registry name of 1.3.6.1.4.1.8072 (a plain Linux agent names no other vendor)
    assert result.system.vendor == "net-snmp"
    assert result.system.firmware == "2.6.21.5-smp"  # the kernel, from sysDescr
    assert result.uptime_cs == 233425120
    names = {i.name for i in result.interfaces}
    assert {"lo", "eth0"} <= names
    eth0 = next(i for i in result.interfaces if i.name == "eth0")
    assert eth0.counter_bits == 64 and eth0.in_octets == 24167091249
    assert eth0.speed_mbps == 100.0
    # HOST-RESOURCES: two processors at 13 % and 9 %, RAM and fixed disks
    assert result.health.cpu_pct == 11.0
    assert result.health.memory.kind == "memory" and result.health.memory.size_bytes > 0
    assert {d.descr for d in result.health.disks} >= {"/"}


def test_recorded_windows_host_without_64_bit_counters_falls_back_to_32_bit(simulated, collector):
    [result] = collector.inventory([target(simulated, "winxp")])
    assert result.state == OK, result.error
    assert result.interfaces, "interfaces from the 32-bit ifTable"
    assert {i.counter_bits for i in result.interfaces} == {32}
    assert any(i.in_octets for i in result.interfaces)


def test_switch_profile_gives_model_serial_firmware_and_all_ports(simulated, collector):
    [result] = collector.inventory([target(simulated, "switch24")])
    assert result.state == OK, result.error
    assert (result.system.vendor, result.system.model) == ("HPE", "HPE 1920S-24G")
    assert result.system.serial.startswith("SN") and result.system.firmware == "PD.02.22"
    assert len(result.interfaces) == 26
    assert result.interfaces[0].alias == "uplink"
    assert result.health is None and result.ups is None


def test_interval_poll_fetches_counters_but_not_names(simulated, collector):
    [result] = collector.poll([target(simulated, "switch24")])
    assert result.state == OK
    first = result.interfaces[0]
    assert first.in_octets is not None and first.oper_status == "up"
    assert first.name is None and first.descr is None  # names are the inventory's job
    assert result.system is None


def test_ups_status_from_rfc1628(simulated, collector):
    [result] = collector.inventory([target(simulated, "ups")])
    assert result.state == OK, result.error
    assert result.ups.on_battery is False
    assert result.ups.battery_status == "normal"
    assert 90 <= result.ups.charge_pct <= 100
    assert result.ups.minutes_remaining >= 35
    assert result.system.model == "Smart-UPS 3000"


def test_snmp_v1_agent_is_walked_with_getnext(simulated, collector):
    # v1 has no GETBULK and no Counter64: the UPS card's 32-bit counters, column by column
    v1 = SnmpTarget("v1", ADDRESS, SnmpCredentials("1", "ups"), port=simulated)
    [result] = collector.inventory([v1])
    assert result.state == OK, result.error
    assert result.system.model == "Smart-UPS 3000" and result.ups.on_battery is False
    [port] = result.interfaces
    assert port.counter_bits == 32 and port.in_octets is not None


def test_server_health_and_lldp_neighbours(simulated, collector):
    [result] = collector.inventory([target(simulated, "server")])
    assert result.health.cpu_pct is not None and 0 <= result.health.cpu_pct <= 100
    assert result.health.memory.used_pct == pytest.approx(68.8, abs=0.1)
    [neighbour] = result.neighbours
    assert (neighbour.local_port, neighbour.remote_name) == ("eno1", "core-switch")


def test_hostile_strings_come_back_as_bounded_plain_text(simulated, collector):
    [result] = collector.inventory([target(simulated, "hostile")])
    assert result.state == OK, result.error
    descr = result.system.descr
    assert descr.startswith("<script>alert('x')</script>")  # kept as text; pages escape it
    assert "\x00" not in descr and "\ufffd" in descr  # NUL gone, bad bytes replaced
    assert len(descr) <= 2048  # kept whole up to MAX_DESCR, no longer cut at 255
    assert result.system.name == '<b>bold</b> & "quoted"'
    [eth0] = result.interfaces
    assert eth0.alias.startswith('=HYPERLINK("x")<img src=x onerror=alert(1)>')
    assert eth0.alias.endswith("\ufffd(")


def test_clean_text_drops_control_characters():
    assert clean_text(b"a\x00b\x1b[31mc\x7f") == "a b [31mc"
    assert clean_text(b"") is None
    assert clean_text("x" * 300, 10) == "x" * 9 + "…"


def test_wrong_community_is_a_timeout_state_not_an_exception(simulated, collector):
    results = collector.poll([target(simulated, "no-such-community"), target(simulated, "linux")])
    wrong, right = results
    assert wrong.state == TIMEOUT and "wrong community" in wrong.error
    assert wrong.interfaces == ()
    assert right.state == OK


def test_many_devices_at_once(simulated):
    names = ["linux", "winxp", "switch24", "ups", "server", "hostile"] * 4
    # 24 devices at once from one snmpsim process: the short timeouts of the other tests would
    # measure the machine's load, not the collector. A silent agent still fails, only later.
    with SnmpCollector(timeout=3, retries=1, max_concurrency=16) as collector:
        results = collector.poll([target(simulated, n, key=i) for i, n in enumerate(names)])
    assert [r.key for r in results] == list(range(len(names)))
    assert all(r.state == OK for r in results), [r.error for r in results if not r.ok]
    # each answer came from its own device, not from another community's agent
    ports = {"switch24": 26, "ups": 1, "server": 3, "hostile": 1}
    for name, result in zip(names, results):
        if name in ports:
            assert len(result.interfaces) == ports[name], name
    uptimes = {n: r.uptime_cs for n, r in zip(names, results)}
    assert uptimes["linux"] == 233425120 and uptimes["hostile"] == 12345


# --------------------------------------------------------------------------------------------
# Net-SNMP snmpd


@pytest.fixture(scope="module")
def net_snmp(tmp_path_factory):
    with snmpd(
        tmp_path_factory.mktemp("snmpd"), location="<script>x</script> ห้องเซิร์ฟเวอร์"
    ) as agent:
        yield agent


def test_snmpd_v2c_system_and_interfaces(net_snmp, collector):
    [result] = collector.inventory([SnmpTarget(1, ADDRESS, v2c(COMMUNITY), port=net_snmp.port)])
    assert result.state == OK, result.error
    assert result.system.name == "snmpd-under-test"
    assert result.system.location == "<script>x</script> ห้องเซิร์ฟเวอร์"
    assert result.system.descr == "Net-SNMP agent under test"
    assert any(i.name == "lo" for i in result.interfaces)
    lo = next(i for i in result.interfaces if i.name == "lo")
    assert lo.counter_bits == 64 and lo.oper_status == "up"
    assert result.uptime_cs is not None


def test_snmpd_v3_auth_priv_sha_aes(net_snmp, collector):
    credentials = SnmpCredentials(
        "3",
        user=V3_USER,
        auth_protocol="SHA",
        auth_key=V3_AUTH_KEY,
        priv_protocol="AES",
        priv_key=V3_PRIV_KEY,
    )
    [result] = collector.inventory([SnmpTarget(1, ADDRESS, credentials, port=net_snmp.port)])
    assert result.state == OK, result.error
    assert result.system.name == "snmpd-under-test"
    assert result.interfaces


def test_snmpd_v3_auth_no_priv_sha256(net_snmp, collector):
    credentials = SnmpCredentials(
        "3", user=V3_AUTH_ONLY_USER, auth_protocol="SHA256", auth_key=V3_AUTH_KEY
    )
    [result] = collector.poll([SnmpTarget(1, ADDRESS, credentials, port=net_snmp.port)])
    assert result.state == OK, result.error
    assert result.interfaces and result.uptime_cs is not None


def test_snmpd_v3_wrong_auth_key_is_an_auth_error(net_snmp, collector):
    credentials = SnmpCredentials(
        "3",
        user=V3_USER,
        auth_protocol="SHA",
        auth_key="not-the-right-key",
        priv_protocol="AES",
        priv_key=V3_PRIV_KEY,
    )
    [result] = collector.poll([SnmpTarget(1, ADDRESS, credentials, port=net_snmp.port)])
    assert result.state == AUTH_ERROR
    assert "authentication" in result.error
    assert "not-the-right-key" not in result.error


def test_snmpd_v3_unknown_user_is_an_auth_error(net_snmp, collector):
    credentials = SnmpCredentials(
        "3",
        user="nobody",
        auth_protocol="SHA",
        auth_key=V3_AUTH_KEY,
        priv_protocol="AES",
        priv_key=V3_PRIV_KEY,
    )
    [result] = collector.poll([SnmpTarget(1, ADDRESS, credentials, port=net_snmp.port)])
    assert result.state == AUTH_ERROR


def test_snmpd_wrong_community_times_out_as_state(net_snmp, collector):
    [result] = collector.poll([SnmpTarget(1, ADDRESS, v2c("guess"), port=net_snmp.port)])
    assert result.state == TIMEOUT


def test_credentials_never_appear_in_repr():
    credentials = SnmpCredentials(
        "3", community="c0mmunity", user="u", auth_key="k3y-auth", priv_key="k3y-priv"
    )
    text = repr(SnmpTarget(1, ADDRESS, credentials))
    assert "c0mmunity" not in text and "k3y-auth" not in text and "k3y-priv" not in text


# --------------------------------------------------------------------------------------------
# A silent agent, inside a namespace of the test's own

SILENT_RUN = textwrap.dedent("""
    import json, sys, time
    from collectors.snmp import SnmpCollector, SnmpCredentials, SnmpTarget
    port = int(sys.argv[1])
    targets = [SnmpTarget(address, address, SnmpCredentials("2c", community), port=port)
               for address, community in json.loads(sys.argv[2])]
    collector = SnmpCollector(timeout=1.0, retries=1, max_concurrency=8)
    started = time.monotonic()
    results = collector.poll(targets)
    total = time.monotonic() - started
    collector.close()
    print(json.dumps({"total": total, "results": [
        {"key": r.key, "state": r.state, "seconds": r.seconds, "interfaces": len(r.interfaces)}
        for r in results]}))
""")


@pytest.mark.netns
def test_silent_agent_times_out_within_its_bound_while_others_finish(netns, tmp_path):
    agents_support.require_snmpsim()
    port = 1161
    devices = [
        ("127.1.0.1", "switch-a"),
        ("127.1.0.2", "switch-b"),
        ("127.1.0.3", "silent"),
        ("127.1.0.4", "switch-c"),
    ]
    agents = [
        Agent(
            address, recording("switch24", name=community, model="HPE 1920S-24G"), community, port
        )
        for address, community in devices
    ]
    snmp_agents.write_data_dir(tmp_path, agents)
    argv = [
        snmp_agents.snmpsim_command(),
        f"--data-dir={tmp_path / 'data'}",
        f"--cache-dir={tmp_path / 'cache'}",
        "--log-level=error",
        "--process-user=root",
        "--process-group=root",
    ]
    argv += [f"--agent-udpv4-endpoint={address}:{port}" for address, _ in devices]
    log = (tmp_path / "snmpsim.log").open("wb")
    netns.popen(argv, stdout=log, stderr=log)
    netns.silence("127.1.0.3")
    # Ready when the last endpoint answers (bounded wait)
    probe = (
        "import sys; from collectors.snmp import *; c=SnmpCollector(timeout=0.5, retries=0); "
        "r=c.poll([SnmpTarget(1,'127.1.0.4',SnmpCredentials('2c','switch-c'),port=1161)]); "
        "c.close(); sys.exit(0 if r[0].ok else 1)"
    )
    for _ in range(40):
        if netns.run([sys.executable, "-c", probe], check=False, cwd=_repo()).returncode == 0:
            break
    else:
        pytest.fail(
            "snmpsim did not come up in the namespace: "
            + (tmp_path / "snmpsim.log").read_text(errors="replace")[-1000:]
        )

    done = netns.run(
        [sys.executable, "-c", SILENT_RUN, str(port), json.dumps(devices)], cwd=_repo(), timeout=60
    )
    report = json.loads(done.stdout)
    by_key = {r["key"]: r for r in report["results"]}
    silent = by_key["127.1.0.3"]
    assert silent["state"] == "timeout"
    # timeout 1 s × (1 retry + 1): about 2 s, bounded well under the per-device deadline
    assert 1.5 <= silent["seconds"] <= 4.0
    for address in ("127.1.0.1", "127.1.0.2", "127.1.0.4"):
        assert by_key[address]["state"] == "ok"
        assert by_key[address]["interfaces"] == 26
        # the others did not wait for the silent one
        assert by_key[address]["seconds"] < silent["seconds"]
    assert report["total"] < 4.5


def _repo() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parents[2])
