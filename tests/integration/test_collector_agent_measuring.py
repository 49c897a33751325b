"""The school's collector measures with the office's own collectors: real ICMP to loopback and
a real Net-SNMP agent on 127.0.0.1; what it queues is what the central will decode."""

from __future__ import annotations

import json

import pytest

from collectors.ping import icmp_permission_problem
from collectors.snmp import SnmpCollector
from monitor.agent.runner import Runner
from monitor.agent.state import Enrolled, StateDir
from monitor.edge.protocol import (
    ConfigDevice,
    ConfigDocument,
    PingOutcome,
    PingTiming,
    SnmpAccess,
    SnmpTiming,
)
from monitor.edge.snmp_wire import decode_result
from monitor.localtime import utcnow
from tests.support.requirements import require
from tests.support.snmp_agents import COMMUNITY, snmpd


def _config(*devices: ConfigDevice) -> ConfigDocument:
    return ConfigDocument(
        collector="S012-pi",
        sites=("S012",),
        ping=PingTiming(interval=60, timeout=0.5, count=1, spacing=0.1, max_in_flight=64),
        snmp=SnmpTiming(
            interval=300,
            inventory_interval=86400,
            timeout=1,
            retries=1,
            max_concurrency=4,
            max_repetitions=25,
        ),
        push_interval=30,
        buffer_hours=72,
        devices=devices,
    )


def _runner(settings, tmp_path, config: ConfigDocument) -> Runner:
    state = StateDir(tmp_path / "state")
    state.save_enrolment(Enrolled("http://127.0.0.1:9", "S012-pi", 3, ("S012",), "ictc_x"))
    state.save_config(config)
    return Runner(settings, state)


def test_a_sweep_pings_every_device_and_queues_one_row(settings, tmp_path):
    require(icmp_permission_problem() is None, "needs ICMP permission (root or ping_group_range)")
    runner = _runner(
        settings,
        tmp_path,
        _config(
            ConfigDevice(11, "sw-1", "S012", "127.0.0.1", "switch"),
            ConfigDevice(12, "nas", "S012", "nas.invalid", "server"),
        ),
    )
    assert runner.sweep() == 2
    taken = runner.queue.take(sent_at=utcnow(), max_rows=10, max_bytes=10**6)
    [sweep] = taken.batch.sweeps
    by_device = {o.device: o for o in sweep.results}
    assert by_device[11].ok and by_device[11].rtt_avg_ms is not None
    assert by_device[12] == PingOutcome(12, 0, 0, error="cannot resolve host name nas.invalid")


@pytest.fixture
def agent(tmp_path):
    with snmpd(tmp_path / "snmpd", name="sw-school") as running:
        yield running


def test_snmp_rounds_inventory_first_then_poll_with_the_hints_kept(settings, tmp_path, agent):
    device = ConfigDevice(
        11,
        "sw-1",
        "S012",
        agent.address,
        "switch",
        snmp=SnmpAccess(version="2c", port=agent.port, community=COMMUNITY),
    )
    runner = _runner(settings, tmp_path, _config(device))
    with SnmpCollector(timeout=1, retries=1, max_concurrency=4) as collector:
        assert runner.snmp_round(collector) == 1
        assert runner.snmp_round(collector) == 1
    taken = runner.queue.take(sent_at=utcnow(), max_rows=10, max_bytes=10**7)
    first, second = (decode_result(r.results[0]) for r in taken.batch.snmp_rounds)
    assert first.ok and first.inventory and first.system.name == "sw-school"
    assert first.interfaces and first.uptime_cs
    assert second.ok and not second.inventory  # the inventory is not due again for a day
    assert {i.if_index for i in second.interfaces} == {i.if_index for i in first.interfaces}
    hints = json.loads((runner.state.path / "snmp_hints.json").read_text())
    assert hints["11"]["inventory_at"] and hints["11"]["if_count"] == len(first.interfaces)
    # A restarted collector remembers: its first round is a poll, not a second inventory.
    again = Runner(settings, runner.state)
    with SnmpCollector(timeout=1, retries=1, max_concurrency=4) as collector:
        again.snmp_round(collector)
    rounds = again.queue.take(sent_at=utcnow(), max_rows=10, max_bytes=10**7).batch.snmp_rounds
    assert not decode_result(rounds[-1].results[0]).inventory


def test_a_device_that_does_not_answer_snmp_is_a_timeout_result(settings, tmp_path):
    device = ConfigDevice(
        11,
        "sw-1",
        "S012",
        "127.0.0.1",
        "switch",
        snmp=SnmpAccess(version="2c", port=9, community="public"),
    )
    runner = _runner(settings, tmp_path, _config(device))
    with SnmpCollector(timeout=0.5, retries=0, max_concurrency=4) as collector:
        runner.snmp_round(collector)
    taken = runner.queue.take(sent_at=utcnow(), max_rows=10, max_bytes=10**6)
    result = decode_result(taken.batch.snmp_rounds[0].results[0])
    assert result.state == "timeout" and not result.ok
