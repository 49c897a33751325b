"""The SNMP trap receiver end to end: real traps from Net-SNMP's `snmptrap` (v1, v2c, v3
authPriv) to the receiver on loopback → an event on the device's timeline and page, and an
immediate poll of that device against a real agent (snmpsim serving an APC UPS whose output
state an SNMP SET switches to battery; Net-SNMP snmpd for SNMPv3). Unknown sources, wrong
communities or keys and garbage change nothing but the counters. SQLite and PostgreSQL.

Every packet goes to 127.0.0.0/8.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from collectors.ping import icmp_permission_problem
from collectors.snmp import SnmpCollector
from monitor.accounts.users import create_token, create_user
from monitor.db.models import Device, DeviceEvent, PingSample, SnmpStatus
from monitor.demo import agents as snmp_agents
from monitor.localtime import utcnow
from monitor.secrets import Vault
from monitor.settings import TrapSettings
from monitor.snmp.rounds import SnmpPoller
from monitor.status.poller import Poller
from monitor.traps import store
from monitor.traps.follow_up import FollowUp
from monitor.traps.service import TrapService
from tests.conftest import NOW, add_device, add_site
from tests.support.requirements import require
from tests.support.snmp_agents import (
    V3_AUTH_KEY,
    V3_PRIV_KEY,
    V3_USER,
    free_udp_port,
    require_snmpsim,
    snmpd,
)
from tests.support.waiting import wait_until
from tests.web.conftest import PASSWORD, make_app, sign_in

ADDRESS = "127.0.0.1"
UPS_COMMUNITY = "trap-ups"
APC_OUTPUT_STATUS = "1.3.6.1.4.1.318.1.1.1.4.1.1.0"  # upsBasicOutputStatus: 2 onLine, 3 onBattery
APC_ON_BATTERY_TRAP = "1.3.6.1.4.1.318.0.5"  # PowerNet-MIB upsOnBattery, v2 form
LINK_DOWN = "1.3.6.1.6.3.1.1.5.3"
ENGINE_ID = "0x80001f88804e6574536e6d7031"


def ups_recording() -> str:
    """The demo's APC UPS (PowerNet-MIB only), its output status writable like the real card's
    state changing: snmpsim's writecache keeps what a SET wrote."""
    text = snmp_agents.recording("ups-apc", name="ups-a", model="Smart-UPS 1500")
    lines = [
        f"{APC_OUTPUT_STATUS}|2:writecache|value=2"
        if line.startswith(APC_OUTPUT_STATUS + "|")
        else line
        for line in text.splitlines()
    ]
    assert any("writecache" in line for line in lines)
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def ups_agent(tmp_path_factory):
    require_snmpsim()
    require(shutil.which("snmptrap") is not None, "needs Net-SNMP snmptrap (apt-get install snmp)")
    port = free_udp_port()
    process = snmp_agents.start_snmpsim(
        tmp_path_factory.mktemp("ups-sim"),
        [snmp_agents.Agent(ADDRESS, ups_recording(), UPS_COMMUNITY, port)],
    )
    yield port
    snmp_agents.stop(process)


def net_snmp(tmp_path: Path, *argv: str) -> None:
    env = dict(
        os.environ, MIBS="", MIBDIRS="/nonexistent", SNMP_PERSISTENT_DIR=str(tmp_path / "netsnmp")
    )
    done = subprocess.run(list(argv), env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def set_ups_source(tmp_path, port: int, value: int) -> None:
    net_snmp(tmp_path, "snmpset", "-v2c", "-c", UPS_COMMUNITY, f"{ADDRESS}:{port}",
             APC_OUTPUT_STATUS, "i", str(value))  # fmt: skip


def trap_settings(settings):
    return replace(settings, traps=TrapSettings(listen=f"{ADDRESS}:{free_udp_port()}"))


@pytest.fixture
def receiver_for(tmp_path):
    """Start a receiver with the immediate poll wired as `ictmon run` wires it."""
    started: list[TrapService] = []

    def start(settings, db) -> tuple[TrapService, int]:
        pinger = Poller(settings.ping, db)
        snmp = SnmpPoller(settings, db, collector=SnmpCollector(timeout=1.0, retries=1))
        service = TrapService(settings, db, follow_up=FollowUp(settings, db, pinger, snmp))
        started.append(service)
        _, port = service.start()
        return service, port

    yield start
    for service in started:
        service.stop()


def add_ups(session, vault, port):
    site = add_site(session)
    ups = add_device(session, site, "ups-a", ADDRESS, "ups")
    ups.snmp_version, ups.snmp_community, ups.snmp_port = "2c", vault.encrypt(UPS_COMMUNITY), port
    return ups.id


def ups_state(db, device_id):
    with db() as s:
        row = s.get(SnmpStatus, device_id)
        return None if row is None else row.ups_on_battery


def test_on_battery_trap_is_an_event_and_polls_the_ups_at_once(
    any_db, settings, ups_agent, receiver_for, tmp_path
):
    require(icmp_permission_problem() is None, "the immediate ping needs ICMP")
    settings = trap_settings(settings)
    vault = Vault.from_settings(settings)
    with any_db.begin() as s:
        ups_id = add_ups(s, vault, ups_agent)
    set_ups_source(tmp_path, ups_agent, 2)  # on mains
    SnmpPoller(settings, any_db).run()  # the regular round has seen it on mains
    assert ups_state(any_db, ups_id) is False
    _, port = receiver_for(settings, any_db)

    set_ups_source(tmp_path, ups_agent, 3)  # the mains fail...
    net_snmp(tmp_path, "snmptrap", "-v2c", "-c", UPS_COMMUNITY, f"{ADDRESS}:{port}", "",
             APC_ON_BATTERY_TRAP)  # fmt: skip
    # ...and the trap makes ictmon look now, not at the next 5-minute round.
    wait_until(lambda: ups_state(any_db, ups_id), within=30, what="the UPS polled on battery")
    with any_db() as s:
        events = s.execute(select(DeviceEvent).where(DeviceEvent.device_id == ups_id)).scalars()
        assert [(e.kind, e.source) for e in events] == [("ups_on_battery", "v2c")]
    wait_until(
        lambda: _count(any_db, PingSample, PingSample.device_id == ups_id),
        within=30,
        what="the immediate ping",
    )

    # The device page shows the event in Thai, Bangkok time, Buddhist year; and in English.
    with any_db.begin() as s:
        create_user(s, "officer", PASSWORD)
    client = make_app(settings, any_db).test_client()
    sign_in(client)
    page = client.get(f"/devices/{ups_id}").get_data(as_text=True)
    section = page.split('id="device-events"', 1)[1].split("</section>", 1)[0]
    assert "UPS เปลี่ยนไปใช้แบตเตอรี่" in section
    assert str(utcnow().year + 543) in section
    english = client.get(f"/devices/{ups_id}?lang=en").get_data(as_text=True)
    assert "UPS switched to battery" in english
    assert "⚡" in page  # the SNMP section shows the UPS on battery too


def test_v3_auth_priv_link_down_names_the_port(db, settings, receiver_for, tmp_path):
    settings = trap_settings(settings)
    vault = Vault.from_settings(settings)
    with snmpd(tmp_path / "snmpd") as agent:
        with db.begin() as s:
            site = add_site(s)
            device = add_device(s, site, "server", ADDRESS, "server")
            device.snmp_version, device.snmp_port = "3", agent.port
            device.snmp_v3_user = V3_USER
            device.snmp_v3_auth_protocol, device.snmp_v3_priv_protocol = "SHA", "AES"
            device.snmp_v3_auth_key = vault.encrypt(V3_AUTH_KEY)
            device.snmp_v3_priv_key = vault.encrypt(V3_PRIV_KEY)
            device_id = device.id
        _, port = receiver_for(settings, db)
        net_snmp(
            tmp_path, "snmptrap", "-v3", "-u", V3_USER, "-l", "authPriv", "-a", "SHA",
            "-A", V3_AUTH_KEY, "-x", "AES", "-X", V3_PRIV_KEY, "-e", ENGINE_ID,
            f"{ADDRESS}:{port}", "", LINK_DOWN,
            "1.3.6.1.2.1.2.2.1.1.2", "i", "2", "1.3.6.1.2.1.31.1.1.1.1.2", "s", "eth1",
        )  # fmt: skip
        events = wait_until(lambda: _events(db, device_id), within=30, what="the v3 linkDown event")
        assert [(e.kind, e.source, e.details) for e in events] == [
            ("link_down", "v3", {"if_index": 2, "if_name": "eth1"})
        ]
        # The immediate SNMP poll reached the agent with the device's v3 credentials.
        status = wait_until(
            lambda: _status(db, device_id), within=30, what="the device polled over SNMPv3"
        )
        assert status.state == "ok"


def test_strangers_wrong_secrets_and_garbage_change_only_the_counters(
    any_db, settings, ups_agent, receiver_for, tmp_path
):
    settings = trap_settings(settings)
    vault = Vault.from_settings(settings)
    with any_db.begin() as s:
        ups_id = add_ups(s, vault, ups_agent)
    _, port = receiver_for(settings, any_db)
    target = f"{ADDRESS}:{port}"
    # Not a device's address (another loopback address than the UPS's).
    net_snmp(tmp_path, "snmptrap", "-v2c", "-c", UPS_COMMUNITY, "--clientaddr=127.0.0.77",
             target, "", APC_ON_BATTERY_TRAP)  # fmt: skip
    # The UPS's address, the wrong community; v1 too.
    net_snmp(tmp_path, "snmptrap", "-v2c", "-c", "public", target, "", APC_ON_BATTERY_TRAP)
    net_snmp(tmp_path, "snmptrap", "-v1", "-c", "public", target, "1.3.6.1.4.1.318", ADDRESS,
             "6", "5", "")  # fmt: skip
    # SNMPv3 from a device that has no v3 user.
    net_snmp(
        tmp_path, "snmptrap", "-v3", "-u", V3_USER, "-l", "authPriv", "-a", "SHA",
        "-A", V3_AUTH_KEY, "-x", "AES", "-X", V3_PRIV_KEY, "-e", ENGINE_ID,
        target, "", APC_ON_BATTERY_TRAP,
    )  # fmt: skip
    # Not SNMP at all, and a truncated message.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"\x30\x82\xff\xffnot snmp", (ADDRESS, port))
        sock.sendto(b"\x30\x0c\x02\x01\x01\x04\x07" + UPS_COMMUNITY.encode(), (ADDRESS, port))

    expected = {
        "dropped.unknown_source": 1,
        "dropped.bad_community": 2,
        "dropped.bad_user": 1,
        "dropped.malformed": 2,
        "received": 6,
    }
    wait_until(lambda: _counts(any_db) == expected, within=30, what=f"the counters {expected}")
    with any_db() as s:
        assert s.scalar(select(func.count()).select_from(DeviceEvent)) == 0
        assert s.scalar(select(func.count()).select_from(Device)) == 1  # no device made
        assert s.get(SnmpStatus, ups_id) is None  # nothing polled
        assert _count(any_db, PingSample) == 0

    # /metrics reports them, read by Prometheus' own parser.
    with any_db.begin() as s:
        token = create_token(s, create_user(s, "prometheus", PASSWORD, role="viewer"), "scrape")
    client = make_app(settings, any_db).test_client()
    text = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).get_data(
        as_text=True
    )
    values = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert values[("ictmon_traps_received_total", ())] == 6
    assert values[("ictmon_traps_dropped_total", (("reason", "bad_community"),))] == 2
    assert values[("ictmon_traps_dropped_total", (("reason", "unknown_source"),))] == 1
    assert values[("ictmon_traps_dropped_total", (("reason", "queue_full"),))] == 0


def test_a_full_queue_drops_and_counts_instead_of_waiting(db, settings, ups_agent, tmp_path):
    settings = replace(
        settings, traps=TrapSettings(listen=f"{ADDRESS}:{free_udp_port()}", queue_size=1)
    )
    vault = Vault.from_settings(settings)
    with db.begin() as s:
        add_ups(s, vault, ups_agent)
    service = TrapService(settings, db)
    service.refresh()
    _, port = service.listener.start()  # the listener alone: nobody empties the queue
    try:
        for _ in range(3):
            net_snmp(tmp_path, "snmptrap", "-v2c", "-c", UPS_COMMUNITY, f"{ADDRESS}:{port}",
                     "", LINK_DOWN)  # fmt: skip
        wait_until(
            lambda: service._counts.get("dropped.queue_full") == 2,
            within=30,
            what="two traps dropped for a full queue",
        )
        assert service.queue.qsize() == 1
    finally:
        service.listener.close()


def _events(db, device_id):
    with db() as s:
        return list(
            s.execute(select(DeviceEvent).where(DeviceEvent.device_id == device_id)).scalars()
        )


def _status(db, device_id):
    with db() as s:
        return s.get(SnmpStatus, device_id)


def _count(db, model, *where) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _counts(db) -> dict[str, int]:
    with db() as s:
        return store.counts(s)


def test_events_are_read_newest_first_and_odd_stored_details_are_harmless(any_db):
    with any_db.begin() as s:
        site = add_site(s)
        device_id = add_device(s, site, "sw", ADDRESS, "switch").id
        for minutes, kind, details in (
            (0, "cold_start", None),
            (5, "link_down", {"if_index": "3", "if_name": ["x"]}),  # wrong types: dropped
            (9, "no_such_kind", {"trap_oid": "1.3.6.1.4.1.9"}),  # a later version's kind
        ):
            s.add(
                DeviceEvent(
                    device_id=device_id,
                    at=NOW + timedelta(minutes=minutes),
                    kind=kind,
                    source="v2c",
                    details=details,
                )
            )
    with any_db() as s:
        rows = store.device_events(s, device_id)
    assert [r.kind for r in rows] == ["other", "link_down", "cold_start"]
    assert (rows[1].if_index, rows[1].if_name) == (None, None)
    assert rows[0].trap_oid == "1.3.6.1.4.1.9"
