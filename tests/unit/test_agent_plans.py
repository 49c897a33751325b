"""What a collector measures next from its configuration, and what it remembers between SNMP
rounds: the same choices the office makes from its database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collectors.ping import PingResult
from collectors.snmp import Health, HealthPlan, InterfaceSample, SnmpResult, UpsStatus
from monitor.agent.plans import SnmpHints, next_hints, outcome, ping_targets, snmp_plan
from monitor.edge.protocol import (
    ConfigDevice,
    ConfigDocument,
    PingOutcome,
    PingTiming,
    SnmpAccess,
    SnmpTiming,
)

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def _config(*devices: ConfigDevice) -> ConfigDocument:
    return ConfigDocument(
        collector="S012-pi",
        sites=("S012",),
        ping=PingTiming(interval=60, timeout=1, count=3, spacing=0.2, max_in_flight=256),
        snmp=SnmpTiming(
            interval=300,
            inventory_interval=86400,
            timeout=2,
            retries=1,
            max_concurrency=16,
            max_repetitions=25,
        ),
        push_interval=30,
        buffer_hours=72,
        devices=devices,
    )


SW = ConfigDevice(
    11, "sw-1", "S012", "127.0.0.11", "switch", snmp=SnmpAccess(community="public", port=1161)
)
AP = ConfigDevice(12, "ap-1", "S012", "ap-1.school.lan", "ap", parent=11)


def test_ping_targets_are_keyed_by_device_id_and_an_unresolved_name_fails():
    targets, unresolved = ping_targets(_config(SW, AP), {"ap-1.school.lan": None})
    assert [(t.key, t.address) for t in targets] == [(11, "127.0.0.11")]
    assert unresolved == [PingOutcome(12, 0, 0, error="cannot resolve host name ap-1.school.lan")]


def test_a_resolved_name_is_pinged_at_its_address():
    targets, _ = ping_targets(_config(AP), {"ap-1.school.lan": "127.0.0.12"})
    assert [(t.key, t.address) for t in targets] == [(12, "127.0.0.12")]


def test_a_ping_result_becomes_the_wire_outcome():
    result = PingResult(11, "127.0.0.11", 3, 2, 0.12345, 0.2, 0.3)
    assert outcome(result) == PingOutcome(11, 3, 2, 0.123, 0.2, 0.3)
    silent = PingResult(12, "127.0.0.12", 3, 0, None, None, None, error="timeout")
    assert not outcome(silent).ok and outcome(silent).error == "timeout"


def test_a_device_never_inventoried_gets_the_full_walk_with_its_credentials():
    plan = snmp_plan(_config(SW, AP), {}, T0, {})
    assert plan.poll == []
    [target] = plan.inventory
    assert (target.key, target.address, target.port) == (11, "127.0.0.11", 1161)
    assert target.credentials.community == "public"


def test_inventory_is_due_again_after_the_inventory_interval():
    hints = {11: SnmpHints(if_count=3, inventory_at=T0)}
    assert [t.key for t in snmp_plan(_config(SW), hints, T0 + timedelta(hours=23), {}).poll] == [11]
    later = snmp_plan(_config(SW), hints, T0 + timedelta(hours=24), {})
    assert [t.key for t in later.inventory] == [11]


def test_hints_from_an_inventory_go_into_the_next_poll():
    plan = HealthPlan(vendor=None, hr_cpu=True)
    inventory = SnmpResult(
        11,
        "127.0.0.11",
        "ok",
        interfaces=(InterfaceSample(1), InterfaceSample(2)),
        health=Health(cpu_pct=3.0),
        ups=UpsStatus(charge_pct=90),
        plan=plan,
        inventory=True,
    )
    hints = next_hints({}, [inventory], T0, {11})
    assert hints[11] == SnmpHints(True, True, 2, plan, T0)
    [target] = snmp_plan(_config(SW), hints, T0 + timedelta(minutes=5), {}).poll
    assert (target.host_resources, target.ups, target.if_count, target.plan) == (
        True,
        True,
        2,
        plan,
    )


def test_a_failed_visit_changes_no_hint_and_a_removed_device_is_forgotten():
    hints = {11: SnmpHints(if_count=3, inventory_at=T0), 99: SnmpHints(if_count=1)}
    failed = SnmpResult(11, "127.0.0.11", "timeout", error="no answer", inventory=True)
    assert next_hints(hints, [failed], T0 + timedelta(days=2), {11}) == {11: hints[11]}


def test_hints_survive_the_state_file_and_garbage_is_no_hint():
    hint = SnmpHints(True, False, 4, HealthPlan(hr_cpu=True), T0)
    assert SnmpHints.from_json(hint.to_json()) == hint
    assert SnmpHints.from_json({"inventory_at": "yesterday"}) == SnmpHints()
    assert SnmpHints.from_json("nonsense") == SnmpHints()
