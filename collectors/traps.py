"""PURE: what an SNMP notification says, from its var-binds (numeric OIDs, no MIBs).

The receiver (collectors.trap_listener) hands over every notification in SNMPv2 form: pysnmp
turns a v1 trap into snmpTrapOID = enterprise.0.specific (RFC 3584), so APC's v1 traps and a
v2c/v3 notification are decoded alike. Values arrive as plain Python (int, str, bytes).

Known kinds: the generic traps of RFC 3418 (coldStart, warmStart, linkDown, linkUp,
authenticationFailure), RFC 1628 UPS-MIB (upsTrapOnBattery; its alarm table's on-battery and
low-battery alarms added or removed) and APC PowerNet-MIB (upsOnBattery, powerRestored,
lowBattery, returnFromLowBattery). Anything else is OTHER, with its trap OID.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
IF_INDEX = "1.3.6.1.2.1.2.2.1.1"
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"

GENERIC = "1.3.6.1.6.3.1.1.5"
UPS_TRAPS = "1.3.6.1.2.1.33.2"
UPS_ALARM_DESCR = "1.3.6.1.2.1.33.1.6.2.1.2"
UPS_ALARM_ON_BATTERY = "1.3.6.1.2.1.33.1.6.3.2"
UPS_ALARM_LOW_BATTERY = "1.3.6.1.2.1.33.1.6.3.3"
UPS_MINUTES_REMAINING = "1.3.6.1.2.1.33.1.2.3.0"
UPS_SECONDS_ON_BATTERY = "1.3.6.1.2.1.33.1.2.2.0"
APC_TRAPS = "1.3.6.1.4.1.318.0"

MAX_TEXT = 100  # longest text kept from a trap (an interface name, a trap OID)
MAX_OID = 128


class TrapKind(StrEnum):
    COLD_START = "cold_start"
    WARM_START = "warm_start"
    LINK_DOWN = "link_down"
    LINK_UP = "link_up"
    AUTH_FAILURE = "auth_failure"
    UPS_ON_BATTERY = "ups_on_battery"
    UPS_ON_MAINS = "ups_on_mains"
    UPS_LOW_BATTERY = "ups_low_battery"
    UPS_BATTERY_NORMAL = "ups_battery_normal"
    OTHER = "other"


# Kinds after which the device is polled at once: its state or its UPS has changed.
POLL_AFTER = frozenset(TrapKind) - {TrapKind.AUTH_FAILURE, TrapKind.OTHER}

_BY_OID = {
    f"{GENERIC}.1": TrapKind.COLD_START,
    f"{GENERIC}.2": TrapKind.WARM_START,
    f"{GENERIC}.3": TrapKind.LINK_DOWN,
    f"{GENERIC}.4": TrapKind.LINK_UP,
    f"{GENERIC}.5": TrapKind.AUTH_FAILURE,
    f"{UPS_TRAPS}.1": TrapKind.UPS_ON_BATTERY,  # upsTrapOnBattery
    f"{APC_TRAPS}.5": TrapKind.UPS_ON_BATTERY,  # upsOnBattery
    f"{APC_TRAPS}.9": TrapKind.UPS_ON_MAINS,  # powerRestored
    f"{APC_TRAPS}.7": TrapKind.UPS_LOW_BATTERY,  # lowBattery
    f"{APC_TRAPS}.11": TrapKind.UPS_BATTERY_NORMAL,  # returnFromLowBattery
}
# RFC 1628 reports mains and battery through its alarm table: (added?, alarm) → kind.
_UPS_ALARMS = {
    (True, UPS_ALARM_ON_BATTERY): TrapKind.UPS_ON_BATTERY,
    (False, UPS_ALARM_ON_BATTERY): TrapKind.UPS_ON_MAINS,
    (True, UPS_ALARM_LOW_BATTERY): TrapKind.UPS_LOW_BATTERY,
    (False, UPS_ALARM_LOW_BATTERY): TrapKind.UPS_BATTERY_NORMAL,
}
_ALARM_ADDED, _ALARM_REMOVED = f"{UPS_TRAPS}.3", f"{UPS_TRAPS}.4"


@dataclass(frozen=True)
class DecodedTrap:
    kind: TrapKind
    trap_oid: str | None
    # Decoded values worth showing: if_index, if_name, minutes_remaining, seconds_on_battery.
    details: dict[str, Any]

    @property
    def wants_poll(self) -> bool:
        return self.kind in POLL_AFTER


class NotATrap(ValueError):
    """The var-binds carry no snmpTrapOID: not a notification anyone could read."""


def decode(var_binds: Iterable[tuple[str, Any]]) -> DecodedTrap:
    """One notification's var-binds (numeric OID, value) → what happened. Raises NotATrap."""
    binds = [(_oid(oid), value) for oid, value in var_binds]
    values = dict(binds)
    trap_oid = _oid(values.get(SNMP_TRAP_OID)) if SNMP_TRAP_OID in values else None
    if not trap_oid:
        raise NotATrap("no snmpTrapOID.0 among the var-binds")
    kind = _BY_OID.get(trap_oid)
    details: dict[str, Any] = {}
    if trap_oid in (_ALARM_ADDED, _ALARM_REMOVED):
        alarm = next((_oid(v) for o, v in binds if o.startswith(UPS_ALARM_DESCR + ".")), None)
        kind = _UPS_ALARMS.get((trap_oid == _ALARM_ADDED, alarm or ""))
    if kind in (TrapKind.LINK_DOWN, TrapKind.LINK_UP):
        details.update(_interface(binds))
    if kind in (TrapKind.UPS_ON_BATTERY, TrapKind.UPS_LOW_BATTERY):
        details.update(_battery(values))
    if kind is None:
        kind = TrapKind.OTHER
    if kind is TrapKind.OTHER:
        details["trap_oid"] = trap_oid[:MAX_OID]
    return DecodedTrap(kind, trap_oid[:MAX_OID], details)


def _interface(binds: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """ifIndex from its own var-bind, else from the instance of ifDescr/ifName; the name from
    ifName, else ifDescr."""
    found: dict[str, Any] = {}
    for oid, value in binds:
        column, _, instance = oid.rpartition(".")
        if column == IF_INDEX and _int(value) is not None:
            found.setdefault("if_index", _int(value))
        elif column in (IF_NAME, IF_DESCR):
            text = _text(value)
            if text and (column == IF_NAME or "if_name" not in found):
                found["if_name"] = text
            if _int(instance) is not None:
                found.setdefault("if_index", _int(instance))
    return found


def _battery(values: dict[str, Any]) -> dict[str, Any]:
    found = {
        "minutes_remaining": _int(values.get(UPS_MINUTES_REMAINING)),
        "seconds_on_battery": _int(values.get(UPS_SECONDS_ON_BATTERY)),
    }
    return {k: v for k, v in found.items() if v is not None and v >= 0}


def _oid(value: Any) -> str:
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value or "")
    text = text.strip().lstrip(".")
    return text if all(part.isdigit() for part in text.split(".")) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    """An agent's text made safe to keep: UTF-8 with U+FFFD, no control characters, bounded."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    text = "".join(c if c.isprintable() else "\ufffd" for c in value).strip()
    return text[:MAX_TEXT] or None
