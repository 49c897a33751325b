"""The pure parts of health over time: the vendor rules that read fans and power supplies, the
5-minute / hourly aggregation of health samples, and the longest sustained run in samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collectors import vendors
from collectors.vendors import CRITICAL, FAN, NORMAL, NOT_PRESENT, PSU, WARNING
from monitor.risks.windows import HealthPoint, longest_run
from monitor.snmp.health import Part, aggregate

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rules", "value", "present", "state"),
    [
        (vendors.CISCO_SENSORS[0], 1, None, NORMAL),
        (vendors.CISCO_SENSORS[1], 3, None, CRITICAL),
        (vendors.CISCO_SENSORS[1], 4, None, CRITICAL),  # shutdown
        (vendors.CISCO_SENSORS[1], 5, None, NOT_PRESENT),
        (vendors.CISCO_SENSORS[1], 99, None, None),  # unknown number: no evidence
        (vendors.HP_SENSORS[0], 2, None, CRITICAL),
        (vendors.HP_SENSORS[0], 1, None, None),  # unknown(1)
        (vendors.HUAWEI_SENSORS[0], 2, 1, CRITICAL),
        (vendors.HUAWEI_SENSORS[0], 2, 2, NOT_PRESENT),  # absent slot, whatever its state
        (vendors.JUNIPER_SENSORS[0], 5, None, WARNING),  # fan at full speed for a failed one
        (vendors.JUNIPER_SENSORS[0], 6, None, CRITICAL),
        (vendors.FORTIGATE_SENSORS[0], 1, None, CRITICAL),
        (vendors.FORTIGATE_SENSORS[0], 0, None, NORMAL),
        (vendors.SYNOLOGY_SENSORS[2], 2, None, CRITICAL),
        (vendors.QNAP_SENSORS[0], -1, None, CRITICAL),
        (vendors.MIKROTIK_SENSORS[0], 0, None, CRITICAL),
        (vendors.LM_SENSORS[0], 2400, None, NORMAL),  # any speed: turning
        (vendors.LM_SENSORS[0], 0, None, NOT_PRESENT),  # stopped or unplugged: SNMP cannot tell
        (vendors.ENTITY_SENSORS[0], 3, None, CRITICAL),
        (vendors.CISCO_SENSORS[0], None, None, None),
    ],
)
def test_sensor_states(rules, value, present, state):
    assert vendors.sensor_state(rules, value, present) == state


def test_sensor_kinds_from_type_oid_or_name():
    hp = vendors.HP_SENSORS[0]
    assert vendors.sensor_kind(hp, f"{vendors.E}.11.2.3.7.8.3.2", "Fan Sensor") == FAN
    assert vendors.sensor_kind(hp, f".{vendors.E}.11.2.3.7.8.3.1", "Power Supply 1") == PSU
    assert vendors.sensor_kind(hp, f"{vendors.E}.11.2.3.7.8.3.3", "Over-temperature") is None
    juniper = vendors.JUNIPER_SENSORS[0]
    assert vendors.sensor_kind(juniper, None, "Fan Tray 0 Fan 1") == FAN
    assert vendors.sensor_kind(juniper, None, "PEM 0") == PSU
    assert vendors.sensor_kind(juniper, None, "Routing Engine 0") is None
    forti = vendors.FORTIGATE_SENSORS[0]
    assert vendors.sensor_kind(forti, None, "PS2 Status") == PSU
    assert vendors.sensor_kind(forti, None, "CPU ON-DIE Temp") is None
    assert vendors.sensor_kind(vendors.ENTITY_SENSORS[0], "10", None) == FAN
    assert vendors.sensor_kind(vendors.ENTITY_SENSORS[0], "8", None) is None  # celsius


def test_vendors_with_sensors_poll_their_columns():
    cisco = vendors.by_key("cisco")
    assert f"{vendors.E}.9.9.13.1.4.1.3" in cisco.health_columns()
    synology = vendors.by_key("synology")
    assert f"{vendors.E}.6574.1.3.0" in synology.health_scalars()


def _part(minute, cpu=None, charge=None, battery=0, device=1):
    at = T0 + timedelta(minutes=minute)
    values = {"cpu": cpu, "memory": None, "temperature": None, "charge": charge}
    return Part(
        device,
        at,
        1,
        {k: v or 0.0 for k, v in values.items()},
        {k: 0 if v is None else 1 for k, v in values.items()},
        dict(values),
        battery,
    )


def test_aggregate_sums_counts_and_worst():
    parts = [
        _part(0, cpu=10.0, charge=90.0),
        _part(1, cpu=30.0, charge=60.0, battery=1),
        _part(2),  # answered nothing measurable
        _part(6, cpu=50.0),
        _part(0, cpu=99.0, device=2),
    ]
    rows = aggregate(parts, 300)
    assert [(r["device_id"], r["bucket_start"]) for r in rows] == [
        (1, T0),
        (2, T0),
        (1, T0 + timedelta(minutes=5)),
    ]
    first = rows[0]
    assert (first["samples"], first["cpu_sum"], first["cpu_count"], first["cpu_max"]) == (
        3,
        40.0,
        2,
        30.0,
    )
    assert (first["charge_min"], first["charge_count"], first["on_battery_count"]) == (60.0, 2, 1)
    assert first["temperature_max"] is None and first["temperature_count"] == 0
    assert aggregate([], 3600) == []


def _points(values, every=5):
    return [HealthPoint(T0 + timedelta(minutes=every * i), cpu_pct=v) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("values", "minutes"),
    [
        ([], None),
        ([10.0, 20.0], None),
        ([95.0], 0),  # one spike spans nothing
        ([95.0, 95.0, 10.0, 95.0, 95.0, 95.0], 10),
        ([95.0, 95.0, None, 95.0], 5),  # not measured: the run breaks
    ],
)
def test_longest_run(values, minutes):
    run = longest_run(
        _points(values), lambda p: p.cpu_pct, lambda v: v >= 90, timedelta(minutes=15)
    )
    assert (run.minutes if run else None) == minutes


def test_longest_run_breaks_at_a_gap_and_respects_since():
    points = _points([95.0] * 4) + [
        HealthPoint(T0 + timedelta(hours=2, minutes=i * 5), cpu_pct=95.0) for i in range(3)
    ]
    run = longest_run(points, lambda p: p.cpu_pct, lambda v: v >= 90, timedelta(minutes=15))
    assert run is not None and run.minutes == 15 and run.start == T0
    later = longest_run(
        points,
        lambda p: p.cpu_pct,
        lambda v: v >= 90,
        timedelta(minutes=15),
        since=T0 + timedelta(hours=1),
    )
    assert later is not None and later.minutes == 10 and later.samples == 3


def test_plan_keeps_the_rows_each_health_column_had():
    from collectors.snmp import HealthPlan

    plan = HealthPlan(vendor="cisco", column_rows=(("1.3.6.1.4.1.9.9.13.1.4.1.3", 2),))
    assert HealthPlan.from_json(plan.as_json()) == plan
    older = {k: v for k, v in plan.as_json().items() if k != "column_rows"}
    assert HealthPlan.from_json(older).column_rows is None  # walks every column, as before
    assert HealthPlan.from_json({**plan.as_json(), "column_rows": [["x", "many"]]}) is None


@pytest.mark.parametrize(
    ("oid", "asked"),
    [
        ("1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.3"),  # a scalar: its parent
        ("1.3.6.1.4.1.9.9.48.1.1.1.5.1", "1.3.6.1.4.1.9.9.48.1.1.1.5.0"),  # the row before
        ("1.3.6.1.2.1.25.2.3.1.5.31", "1.3.6.1.2.1.25.2.3.1.5.30"),
    ],
)
def test_non_repeater_asks_for_what_precedes_the_value(oid, asked):
    from collectors.snmp import _scalar_parent

    assert _scalar_parent(oid) == asked
