"""An SNMP visit's result crosses the wire from a collector to the central unchanged, and a
malformed one is refused naming the field."""

from __future__ import annotations

import json

import pytest

from collectors.snmp import (
    Health,
    HealthPlan,
    InterfaceSample,
    Neighbour,
    SensorReading,
    SnmpResult,
    StorageUse,
    SystemInfo,
    UpsStatus,
)
from monitor.edge.protocol import ProtocolError
from monitor.edge.snmp_wire import decode_result, encode_result


def _inventory_result() -> SnmpResult:
    return SnmpResult(
        key=42,
        address="10.12.0.2",
        state="ok",
        uptime_cs=123_456_789,
        interfaces=(
            InterfaceSample(
                1,
                oper_status="up",
                admin_status="up",
                in_octets=2**64 - 1,
                out_octets=17,
                counter_bits=64,
                speed_mbps=1000.0,
                in_errors=0,
                out_errors=3,
                in_discards=1,
                out_discards=0,
                name="Gi0/1",
                descr="GigabitEthernet0/1",
                alias="ไปห้องคอมพิวเตอร์",
                if_type=6,
            ),
            InterfaceSample(2, oper_status="down", in_octets=5, out_octets=6, counter_bits=32),
        ),
        health=Health(
            cpu_pct=12.5,
            memory=StorageUse("Physical memory", "memory", 8_000_000_000, 2_000_000_000),
            disks=(StorageUse("/", "disk", 100, 40),),
            memory_pct=25.0,
            temperature_c=-3.5,
            sensors=(SensorReading("fan", "Fan 1", "normal"),),
        ),
        ups=UpsStatus(
            on_battery=False,
            battery_status="normal",
            charge_pct=100,
            minutes_remaining=42,
            seconds_on_battery=0,
        ),
        system=SystemInfo(
            descr="Cisco IOS Software, " + "x" * 1500,
            object_id="1.3.6.1.4.1.9.1.1208",
            name="sw-1",
            location="อาคาร 2",
            vendor="Cisco",
            model="WS-C2960X-24TS-L",
            serial="FOC1234X0YZ",
            firmware="15.2(7)E4",
        ),
        neighbours=(Neighbour("Gi0/24", "core-1", "Te1/0/3", "00:11:22:33:44:55"),),
        plan=HealthPlan(
            vendor="cisco",
            hr_cpu=False,
            ucd_memory=False,
            memory_rows=((1, 1024, "physical"),),
            disk_rows=((31, 4096, "/"),),
            column_rows=(("1.3.6.1.4.1.9.9.109.1.1.1.1.8", 1),),
        ),
        inventory=True,
        seconds=0.84,
        requests=14,
        varbinds=410,
        values=390,
    )


def _through_json(result: SnmpResult) -> SnmpResult:
    return decode_result(json.loads(json.dumps(encode_result(result))))


def test_an_inventory_visit_round_trips_through_json_unchanged():
    result = _inventory_result()
    assert _through_json(result) == result


def test_a_failed_visit_round_trips_with_its_error():
    result = SnmpResult(7, "127.0.0.1", "timeout", error="no answer within 6 s", seconds=6.0)
    assert _through_json(result) == result


def test_no_lldp_and_lldp_with_no_neighbours_stay_different():
    assert _through_json(SnmpResult(1, "127.0.0.1", "ok")).neighbours is None
    assert _through_json(SnmpResult(1, "127.0.0.1", "ok", neighbours=())).neighbours == ()


def test_an_unknown_vendor_in_a_plan_means_no_vendor_as_on_the_collector():
    result = SnmpResult(1, "127.0.0.1", "ok", plan=HealthPlan(vendor="no-such-vendor"))
    assert _through_json(result).plan == HealthPlan(vendor=None)


def test_keys_a_newer_collector_adds_are_ignored():
    data = encode_result(SnmpResult(1, "127.0.0.1", "ok"))
    data["something_new"] = {"x": 1}
    assert decode_result(data) == SnmpResult(1, "127.0.0.1", "ok")


def _broken(path: list, value) -> dict:
    data = json.loads(json.dumps(encode_result(_inventory_result())))
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["key"], "42", "result.key: expected an integer"),
        (["key"], -1, "result.key: expected 0 to 2^64-1"),
        (["state"], "fine", "result.state: expected one of ok, timeout, auth_error, error"),
        (["address"], None, "result.address: missing"),
        (["uptime_cs"], 1.5, "result.uptime_cs: expected an integer"),
        (["interfaces"], {}, "result.interfaces: expected a list"),
        (["interfaces", 1, "in_octets"], 2**64, "result.interfaces[1].in_octets: expected 0 to"),
        (["interfaces", 0, "if_index"], None, "result.interfaces[0].if_index: missing"),
        (["interfaces", 0, "name"], "a\x00b", "result.interfaces[0].name: at most"),
        (["health", "cpu_pct"], "high", "result.health.cpu_pct: expected a number"),
        (["health", "disks", 0, "used_bytes"], True, "result.health.disks[0].used_bytes"),
        (["ups", "on_battery"], "no", "result.ups.on_battery: expected true or false"),
        (["system", "descr"], "x" * 3000, "result.system.descr: at most 2048"),
        (["neighbours", 0], "core-1", "result.neighbours[0]: expected an object"),
        (["plan", "memory_rows", 0], [1, 2], "result.plan.memory_rows[0]: expected [index"),
        (["inventory"], 1, "result.inventory: expected true or false"),
        (["seconds"], "NaN", "result.seconds: expected a number"),
    ],
)
def test_a_malformed_result_is_refused_naming_the_field(path, value, message):
    with pytest.raises(ProtocolError, match=message.replace("[", r"\[").replace("^", r"\^")):
        decode_result(_broken(path, value))


def test_a_result_that_is_not_an_object_is_refused():
    with pytest.raises(ProtocolError, match=r"snmp_rounds\[0\].results\[3\]: expected an object"):
        decode_result([1, 2], "snmp_rounds[0].results[3]")


def test_too_many_interfaces_are_refused():
    data = encode_result(SnmpResult(1, "127.0.0.1", "ok"))
    data["interfaces"] = [{"if_index": i} for i in range(4097)]
    with pytest.raises(ProtocolError, match="at most 4096 entries"):
        decode_result(data)


def test_a_non_finite_number_is_refused():
    data = encode_result(SnmpResult(1, "127.0.0.1", "ok", seconds=1.0))
    data["seconds"] = float("inf")
    with pytest.raises(ProtocolError, match="finite"):
        decode_result(data)
