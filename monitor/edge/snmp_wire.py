"""PURE: one SNMP visit's result (collectors.snmp.SnmpResult) as JSON-safe values and back.

A collector encodes what its SnmpCollector found; the central decodes it and records it with the
same code as its own rounds (monitor.snmp.store). Decoding reads untrusted input: every field is
checked for its type and bounds and a bad one is refused with a `ProtocolError` naming it
(`results[4].interfaces[2].in_octets: expected an integer`), so nothing half-read is recorded.
Keys this module does not know are ignored, so a newer collector can add fields.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import MISSING, asdict, fields
from functools import cache
from typing import Any

from collectors.snmp import (
    AUTH_ERROR,
    ERROR,
    OK,
    TIMEOUT,
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

STATES = (OK, TIMEOUT, AUTH_ERROR, ERROR)
MAX_TEXT = 2048  # sysDescr is kept whole up to this (collectors.snmp.MAX_DESCR)
MAX_ROWS = 4096  # interfaces or neighbours of one device (collectors.snmp.MAX_ROWS)
MAX_SMALL_LIST = 64  # disks, sensors, plan rows
MAX_COUNTER = 2**64 - 1

# A reader gets the value, where its parent is and its own key in it; the path
# ("results[4].interfaces[2].in_octets") is only put together for an error message, not for
# each of the million values a backlog brings.
Reader = Callable[[Any, str, "str | int"], Any]


def _path(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


# --------------------------------------------------------------------------------------------
# Encoding


def encode_result(result: SnmpResult) -> dict[str, Any]:
    """A result as plain dicts, lists, strings and numbers (json.dumps takes it as it is)."""
    data = _plain(asdict(result))
    data["plan"] = result.plan.as_json() if result.plan is not None else None
    return data


def _plain(value: Any) -> Any:
    """asdict keeps tuples; JSON has lists, and the decoder reads what json.loads gives."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------
# Decoding


def decode_result(data: Any, where: str = "result") -> SnmpResult:
    """An encoded result back; `ProtocolError` naming the field for anything malformed."""
    body = _object(data, where)
    result = _build(SnmpResult, body, where, _RESULT)
    if result.state not in STATES:
        raise ProtocolError(f"{where}.state: expected one of {', '.join(STATES)}")
    return result


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if value.__class__ is dict:  # what json.loads gives; the ABC check below is slow
        return value
    if not isinstance(value, Mapping):
        raise ProtocolError(f"{where}: expected an object")
    return value


@cache
def _fields(cls: type) -> tuple[tuple[str, bool], ...]:
    """(name, required) of a dataclass's fields, once per class."""
    return tuple(
        (f.name, f.default is MISSING and f.default_factory is MISSING) for f in fields(cls)
    )


def _build(cls: type, body: Mapping[str, Any], where: str, readers: dict[str, Reader]) -> Any:
    values = {}
    for name, required in _fields(cls):
        raw = body.get(name)
        if raw is None:
            if required:
                raise ProtocolError(f"{_path(where, name)}: missing")
            continue  # the dataclass's default (None, (), 0 or False)
        read = readers[name]
        # The common good values checked inline (a backlog has a million of them); anything
        # else goes to its reader, which accepts it or says what is wrong.
        kind = raw.__class__
        good = (
            (read is _count and kind is int and 0 <= raw <= MAX_COUNTER)
            or (read is _text and kind is str and len(raw) <= MAX_TEXT and "\x00" not in raw)
            or (read is _number and kind is float and math.isfinite(raw))
        )
        values[name] = raw if good else read(raw, where, name)
    return cls(**values)


def _count(value: Any, where: str, key: str | int) -> int:
    if value.__class__ is not int:  # bool is an int subclass, and no count
        raise ProtocolError(f"{_path(where, key)}: expected an integer")
    if not 0 <= value <= MAX_COUNTER:
        raise ProtocolError(f"{_path(where, key)}: expected 0 to 2^64-1")
    return value


def _number(value: Any, where: str, key: str | int) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProtocolError(f"{_path(where, key)}: expected a number")
    if not math.isfinite(value):
        raise ProtocolError(f"{_path(where, key)}: expected a finite number")
    return float(value)


def _text(value: Any, where: str, key: str | int) -> str:
    if not isinstance(value, str):
        raise ProtocolError(f"{_path(where, key)}: expected a string")
    if len(value) > MAX_TEXT or "\x00" in value:
        raise ProtocolError(f"{_path(where, key)}: at most {MAX_TEXT} characters, no NUL")
    return value


def _flag(value: Any, where: str, key: str | int) -> bool:
    if not isinstance(value, bool):
        raise ProtocolError(f"{_path(where, key)}: expected true or false")
    return value


def _key(value: Any, where: str, key: str | int) -> int:
    """The device id the result is for (the collector's targets are keyed by device id)."""
    return _count(value, where, key)


def _list_of(reader: Reader, limit: int) -> Reader:
    def read(value: Any, where: str, key: str | int) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise ProtocolError(f"{_path(where, key)}: expected a list")
        if len(value) > limit:
            raise ProtocolError(f"{_path(where, key)}: at most {limit} entries, got {len(value)}")
        here = _path(where, key)
        return tuple(reader(item, here, i) for i, item in enumerate(value))

    return read


def _of(cls: type, readers: dict[str, Reader]) -> Reader:
    def read(value: Any, where: str, key: str | int) -> Any:
        here = _path(where, key)
        return _build(cls, _object(value, here), here, readers)

    return read


def _plan_row(value: Any, where: str, key: str | int) -> tuple[int, int, str]:
    here = _path(where, key)
    if not isinstance(value, list) or len(value) != 3:
        raise ProtocolError(f"{here}: expected [index, units, text]")
    index, units, text = value
    return (_count(index, here, 0), _count(units, here, 1), _text(text, here, 2))


def _column_rows(value: Any, where: str, key: str | int) -> tuple[str, int]:
    here = _path(where, key)
    if not isinstance(value, list) or len(value) != 2:
        raise ProtocolError(f"{here}: expected [column, rows]")
    return _text(value[0], here, 0), _count(value[1], here, 1)


def _plan(value: Any, where: str, key: str | int) -> HealthPlan:
    where = _path(where, key)
    body = _object(value, where)
    plan = _build(HealthPlan, body, where, _PLAN)
    # collectors.snmp keeps only vendors it knows (and rows it can use): the same rule here, so
    # a plan means the same on both sides.
    known = HealthPlan.from_json(plan.as_json())
    if known is None:  # cannot happen for a plan that passed the checks above
        raise ProtocolError(f"{where}: not a health plan")
    return known


_INTERFACE: dict[str, Reader] = {
    "if_index": _count,
    "oper_status": _text,
    "admin_status": _text,
    "in_octets": _count,
    "out_octets": _count,
    "counter_bits": _count,
    "speed_mbps": _number,
    "in_errors": _count,
    "out_errors": _count,
    "in_discards": _count,
    "out_discards": _count,
    "name": _text,
    "descr": _text,
    "alias": _text,
    "if_type": _count,
}
_STORAGE: dict[str, Reader] = {
    "descr": _text,
    "kind": _text,
    "size_bytes": _count,
    "used_bytes": _count,
}
_SENSOR: dict[str, Reader] = {"kind": _text, "name": _text, "state": _text}
_HEALTH: dict[str, Reader] = {
    "cpu_pct": _number,
    "memory": _of(StorageUse, _STORAGE),
    "disks": _list_of(_of(StorageUse, _STORAGE), MAX_SMALL_LIST),
    "memory_pct": _number,
    "temperature_c": _number,
    "sensors": _list_of(_of(SensorReading, _SENSOR), MAX_SMALL_LIST),
}
_UPS: dict[str, Reader] = {
    "on_battery": _flag,
    "battery_status": _text,
    "charge_pct": _count,
    "minutes_remaining": _count,
    "seconds_on_battery": _count,
}
_SYSTEM: dict[str, Reader] = dict.fromkeys(
    ("descr", "object_id", "name", "location", "contact", "vendor", "model", "serial", "firmware"),
    _text,
)
_NEIGHBOUR: dict[str, Reader] = {
    "local_port": _text,
    "remote_name": _text,
    "remote_port": _text,
    "remote_chassis": _text,
}
_PLAN: dict[str, Reader] = {
    "vendor": _text,
    "hr_cpu": _flag,
    "ucd_memory": _flag,
    "memory_rows": _list_of(_plan_row, MAX_SMALL_LIST),
    "disk_rows": _list_of(_plan_row, MAX_SMALL_LIST),
    "column_rows": _list_of(_column_rows, MAX_SMALL_LIST),
}
_RESULT: dict[str, Reader] = {
    "key": _key,
    "address": _text,
    "state": _text,
    "error": _text,
    "uptime_cs": _count,
    "interfaces": _list_of(_of(InterfaceSample, _INTERFACE), MAX_ROWS),
    "health": _of(Health, _HEALTH),
    "ups": _of(UpsStatus, _UPS),
    "system": _of(SystemInfo, _SYSTEM),
    "neighbours": _list_of(_of(Neighbour, _NEIGHBOUR), MAX_ROWS),
    "plan": _plan,
    "inventory": _flag,
    "seconds": _number,
    "requests": _count,
    "varbinds": _count,
    "values": _count,
}
