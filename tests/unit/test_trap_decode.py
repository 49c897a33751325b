"""collectors.traps: a notification's var-binds → what happened (PURE, no agent needed)."""

from __future__ import annotations

import pytest

from collectors.traps import (
    IF_DESCR,
    IF_INDEX,
    IF_NAME,
    SNMP_TRAP_OID,
    SYS_UPTIME,
    UPS_ALARM_DESCR,
    UPS_MINUTES_REMAINING,
    NotATrap,
    TrapKind,
    decode,
)


def binds(trap_oid, *rest):
    return [(SYS_UPTIME, 12345), (SNMP_TRAP_OID, trap_oid), *rest]


@pytest.mark.parametrize(
    ("oid", "kind"),
    [
        ("1.3.6.1.6.3.1.1.5.1", TrapKind.COLD_START),
        ("1.3.6.1.6.3.1.1.5.2", TrapKind.WARM_START),
        ("1.3.6.1.6.3.1.1.5.5", TrapKind.AUTH_FAILURE),
        ("1.3.6.1.2.1.33.2.1", TrapKind.UPS_ON_BATTERY),  # RFC 1628 upsTrapOnBattery
        ("1.3.6.1.4.1.318.0.5", TrapKind.UPS_ON_BATTERY),  # APC upsOnBattery (v1 → v2 form)
        ("1.3.6.1.4.1.318.0.9", TrapKind.UPS_ON_MAINS),  # APC powerRestored
        ("1.3.6.1.4.1.318.0.7", TrapKind.UPS_LOW_BATTERY),  # APC lowBattery
        ("1.3.6.1.4.1.318.0.11", TrapKind.UPS_BATTERY_NORMAL),  # APC returnFromLowBattery
    ],
)
def test_known_traps(oid, kind):
    assert decode(binds(oid)).kind is kind


def test_link_down_names_the_port():
    trap = decode(
        binds(
            "1.3.6.1.6.3.1.1.5.3",
            (f"{IF_INDEX}.3", 3),
            (f"{IF_DESCR}.3", b"GigabitEthernet0/3"),
            (f"{IF_NAME}.3", b"Gi0/3"),
        )
    )
    assert trap.kind is TrapKind.LINK_DOWN and trap.wants_poll
    assert trap.details == {"if_index": 3, "if_name": "Gi0/3"}


def test_link_up_without_if_index_takes_it_from_the_instance():
    trap = decode(binds("1.3.6.1.6.3.1.1.5.4", (f"{IF_DESCR}.7", b"port\x1b[2J 7\xff")))
    assert trap.kind is TrapKind.LINK_UP
    assert trap.details["if_index"] == 7
    assert "\x1b" not in trap.details["if_name"]


def test_rfc1628_alarm_table_on_battery_and_back():
    on_battery = "1.3.6.1.2.1.33.1.6.3.2"
    added = decode(
        binds(
            "1.3.6.1.2.1.33.2.3",
            (f"{UPS_ALARM_DESCR}.4", on_battery),
            (UPS_MINUTES_REMAINING, 17),
        )
    )
    assert added.kind is TrapKind.UPS_ON_BATTERY
    assert added.details == {"minutes_remaining": 17}
    removed = decode(binds("1.3.6.1.2.1.33.2.4", (f"{UPS_ALARM_DESCR}.4", on_battery)))
    assert removed.kind is TrapKind.UPS_ON_MAINS


def test_anything_else_is_other_with_its_oid_and_asks_for_no_poll():
    trap = decode(binds("1.3.6.1.4.1.9.9.41.2.0.1"))
    assert trap.kind is TrapKind.OTHER and not trap.wants_poll
    assert trap.details == {"trap_oid": "1.3.6.1.4.1.9.9.41.2.0.1"}


@pytest.mark.parametrize(
    "var_binds",
    [[], [(SYS_UPTIME, 1)], [(SNMP_TRAP_OID, "not an oid")], [(SNMP_TRAP_OID, None)]],
)
def test_without_a_trap_oid_it_is_not_a_trap(var_binds):
    with pytest.raises(NotATrap):
        decode(var_binds)


def test_values_of_the_wrong_type_do_not_break_decoding():
    trap = decode(
        binds(
            "1.3.6.1.6.3.1.1.5.3",
            (f"{IF_INDEX}.x", b"\x00"),
            (f"{IF_NAME}.3", 42),
            (UPS_MINUTES_REMAINING, "many"),
        )
    )
    assert trap.kind is TrapKind.LINK_DOWN
    assert trap.details == {"if_index": 3}
