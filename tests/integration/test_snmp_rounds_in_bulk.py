"""A collector's backlog of SNMP rounds, recorded in one call, leaves exactly the rows that
recording the same rounds one at a time leaves: interface counters and rates, traffic and health
samples, reboots, an interface removed by an inventory and back in a later one, a device that
stopped answering for a round. On SQLite and on PostgreSQL (where the samples go in by COPY).

The rounds are results as the SNMP collector returns them (built here, not walked from an
agent): what is under test is how the store turns a sequence of them into rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from collectors.snmp import OK, TIMEOUT, Health, InterfaceSample, SnmpResult, SystemInfo
from monitor.db.bulk import COPY_FROM
from monitor.db.models import DeviceReboot, HealthSample, SnmpInterface, SnmpStatus, TrafficSample
from monitor.snmp import store
from tests.conftest import NOW, add_device, add_site

DEVICES = 12
ROUNDS = 8
STEP = timedelta(minutes=5)


def _result(device_id: int, n: int, slot: int) -> SnmpResult:
    """Device `slot`'s answer in round `n`."""
    inventory = n in (0, 3, 6)
    if slot == 1 and n == 2:
        return SnmpResult(device_id, "127.0.0.1", TIMEOUT, error="no answer")
    # Slot 2 reboots before round 5: its uptime starts again.
    uptime = (n - 5) * 30_000 + 1_000 if slot == 2 and n >= 5 else 8_640_000 + n * 30_000
    indexes = [1, 2, 3, 4, 5, 6, 7, 8]
    if slot == 0 and n in (3, 4, 5):
        indexes.remove(3)  # a module pulled out, seen by the inventory of round 3, back in 6
    octets = (n + 1) * 37_500_000 + slot * 1_000
    return SnmpResult(
        key=device_id,
        address="127.0.0.1",
        state=OK,
        uptime_cs=uptime,
        interfaces=tuple(
            InterfaceSample(
                i,
                "up" if i != 8 else "down",
                "up",
                octets * i if not (slot == 2 and n >= 5) else n * 1_000 * i,
                octets * i // 3,
                64 if i != 7 else 32,
                1000.0,
                n * i,
                0,
                n,
                0,
                name=f"port{i}" if inventory else None,
                descr=f"Port {i}" if inventory else None,
            )
            for i in indexes
        ),
        health=Health(cpu_pct=10.0 + n, memory_pct=40.0, temperature_c=41.0 + slot),
        system=SystemInfo(descr="switch", name=f"sw-{slot}") if inventory else None,
        inventory=inventory,
    )


def _rounds(ids: list[int]) -> list[tuple]:
    return [
        (NOW + n * STEP, [_result(d, n, slot) for slot, d in enumerate(ids)]) for n in range(ROUNDS)
    ]


def _rows(session, ids: list[int]) -> dict:
    slot = {d: i for i, d in enumerate(ids)}

    def table(model, order):
        found = session.scalars(
            select(model).where(model.device_id.in_(ids)).order_by(*order)
        ).all()
        return [
            {
                c.name: (slot[getattr(r, c.name)] if c.name == "device_id" else getattr(r, c.name))
                for c in model.__table__.columns
                if c.name != "id"
            }
            for r in found
        ]

    return {
        "interfaces": table(SnmpInterface, [SnmpInterface.device_id, SnmpInterface.if_index]),
        "traffic": table(
            TrafficSample, [TrafficSample.device_id, TrafficSample.if_index, TrafficSample.at]
        ),
        "health": table(HealthSample, [HealthSample.device_id, HealthSample.at]),
        "status": [
            {k: v for k, v in row.items() if k not in ("sys_name",)}
            for row in table(SnmpStatus, [SnmpStatus.device_id])
        ],
        "reboots": table(DeviceReboot, [DeviceReboot.device_id]),
    }


def test_a_backlog_in_one_call_leaves_the_rows_of_one_round_at_a_time(any_db):
    with any_db.begin() as s:
        site = add_site(s)
        one_by_one = [add_device(s, site, f"a-{i}", kind="switch").id for i in range(DEVICES)]
        at_once = [add_device(s, site, f"b-{i}", kind="switch").id for i in range(DEVICES)]

    for at, results in _rounds(one_by_one):
        with any_db.begin() as s:
            store.record_results(s, at, results)
    with any_db.begin() as s:
        summary = store.record_rounds(s, _rounds(at_once))

    with any_db() as s:
        expected, got = _rows(s, one_by_one), _rows(s, at_once)
    assert summary.reboots == [at_once[2]]
    assert summary.samples == len(got["traffic"])
    for name in expected:
        assert got[name] == expected[name], name
    # What the rows say, beyond being the same: the pulled module is back, the silent device's
    # rates came back with its answer, the rebooted one gives no spike.
    interfaces = got["interfaces"]
    assert [r["if_index"] for r in interfaces if r["device_id"] == 0] == list(range(1, 9))
    silent_then_back = [r for r in interfaces if r["device_id"] == 1 and r["if_index"] == 1]
    assert silent_then_back[0]["in_bps"] is not None
    assert len(got["reboots"]) == 1 and got["reboots"][0]["device_id"] == 2
    assert len(got["health"]) == DEVICES * ROUNDS - 1
    assert len(got["traffic"]) >= COPY_FROM  # enough rows that PostgreSQL takes them by COPY
