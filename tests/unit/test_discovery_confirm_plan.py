"""What confirming a discovery proposal writes (monitor.discovery.plan), the proposal as stored
JSON (monitor.discovery.record) and a site's address ranges (monitor.discovery.ranges): pure."""

from __future__ import annotations

import re

import pytest

from monitor.discovery import plan, proposal, ranges, record
from monitor.discovery.proposal import StoredDevice
from tests.support import discovery_site as school

RANGE = "127.40.1.0/24"
ROUTER = StoredDevice(1, "เราเตอร์", school.ROUTER.address, "router")


def snapshot(found=None, stored=(ROUTER,)):
    found = school.site() if found is None else found
    proposed = proposal.propose(found, school.ROUTER.address, stored, [RANGE])
    return record.snapshot(proposed, found, stored, root=school.ROUTER.address, ranges=[RANGE])


def test_the_snapshot_holds_what_the_preview_shows():
    entry = next(e for e in snapshot()["entries"] if e["address"] == school.SW2.address)
    assert entry["status"] == "new" and entry["name"] == "sw2-s012"
    assert (entry["kind"], entry["confidence"], entry["kind_source"]) == (
        "switch",
        "high",
        "capabilities",
    )
    assert entry["parent_name"] == "sw1-s012" and entry["depth"] == 2
    assert entry["evidence"] == "sw2-s012 24 ↔ sw1-s012 24 (lldp)"


def test_new_devices_come_parents_first():
    todo = plan.plan_confirmation(snapshot())
    order = [n.name for n in todo.created]
    assert order.index("sw1-s012") < order.index("sw2-s012") < order.index("ap3-s012")
    assert todo.counts == {"created": 7, "updated": 0, "parents_changed": 0, "silent": 0}


def test_only_the_chosen_are_created_and_a_device_answering_only_ping_waits_for_a_tick():
    quiet = school.moved(school.site(), address=school.CISCO.address, state="timeout")
    assert "lib-c2960" not in [n.name for n in plan.plan_confirmation(snapshot(quiet)).created]
    ticked = plan.plan_confirmation(snapshot(quiet), {school.CISCO.address})
    assert [n.address for n in ticked.created] == [school.CISCO.address]


def test_a_persons_value_is_never_written_and_new_only_changes_nothing_stored():
    typed = StoredDevice(2, "AP", school.APS[3].address, "ap", parent=school.ROUTER.address)
    found = school.moved(school.site(), address=school.ROUTER.address, model="RB4011iGS+")
    shown = snapshot(found, (ROUTER, typed))
    todo = plan.plan_confirmation(shown)
    assert [(u.device_id, u.values, u.parent) for u in todo.updated] == [
        (1, {"model": "RB4011iGS+"}, None)
    ]  # the AP's parent is a person's: shown for review, not written
    assert plan.plan_confirmation(shown, new_only=True).updated == ()


def test_the_digest_changes_with_any_compared_value():
    base = record.stored_digest([ROUTER])
    assert record.stored_digest([ROUTER]) == base
    renamed = StoredDevice(1, "r-s012", school.ROUTER.address, "router")
    mine = StoredDevice(
        1, "เราเตอร์", school.ROUTER.address, "router", None, None, frozenset({"model"})
    )
    assert base != record.stored_digest([renamed]) != record.stored_digest([mine]) != base


def test_site_ranges_are_cleaned_and_a_wrong_one_named():
    assert ranges.clean("10.40.12.7/24; 10.40.13.0/24 10.40.12.0/24") == (
        "10.40.12.0/24, 10.40.13.0/24"
    )
    assert ranges.clean("") == ""
    with pytest.raises(ValueError, match=re.escape("not an address range: '10.40.300.0/24'")):
        ranges.clean("10.40.12.0/24, 10.40.300.0/24")
