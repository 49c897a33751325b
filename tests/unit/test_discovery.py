"""Discovery's pure parts: a found device's kind, its place in the tree, and the proposal that
compares a run with what is stored without overwriting what people typed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from collectors.discovery import (
    Found,
    NeighbourRow,
    capabilities_from_bits,
    cdp_capabilities,
)
from monitor.discovery import kinds, proposal, topology
from monitor.discovery.proposal import Action, Status, StoredDevice
from tests.support import discovery_site as site

RANGE = ["127.40.1.0/24"]


# -- kinds ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evidence", "kind", "confidence", "source"),
    [
        ({"capabilities": {"wlanAccessPoint", "bridge"}}, "ap", "high", "capabilities"),
        ({"capabilities": {"bridge"}}, "switch", "high", "capabilities"),
        ({"capabilities": {"switch", "igmp"}}, "switch", "high", "capabilities"),  # CDP words
        ({"capabilities": {"router"}}, "router", "high", "capabilities"),
        # Routes and bridges: the maker settles it (HPE makes switches) …
        (
            {"capabilities": {"router", "bridge"}, "object_id": "1.3.6.1.4.1.11.2.3.7.11.153"},
            "switch",
            "medium",
            "capabilities",
        ),
        # … else a router, not so sure.
        ({"capabilities": {"router", "bridge"}}, "router", "medium", "capabilities"),
        # A UPS maker's number outweighs a vague capability.
        (
            {"object_id": "1.3.6.1.4.1.318.1.3.27", "capabilities": {"stationOnly"}},
            "ups",
            "high",
            "object_id",
        ),
        ({"object_id": "1.3.6.1.4.1.12356.101.1.1"}, "firewall", "high", "object_id"),
        ({"object_id": "1.3.6.1.4.1.14988.1"}, "router", "medium", "object_id"),
        # Cisco makes everything: its number says nothing, its sysDescr does.
        (
            {"object_id": "1.3.6.1.4.1.9.1.1208", "descr": "Cisco IOS Software, Catalyst switch"},
            "switch",
            "medium",
            "descr",
        ),
        ({"descr": "Wireless Access Point EAP225"}, "ap", "medium", "descr"),
        ({"descr": "Smart-UPS 1500"}, "ups", "medium", "descr"),
        ({"services": 2}, "switch", "low", "services"),
        ({"services": 4 | 8 | 64}, "router", "low", "services"),  # layers 3, 4, 7
        ({"services": 72}, "server", "low", "services"),
        ({"services": 78}, "other", "low", "none"),  # layers 2 to 7: anything
        ({"services": 999}, "other", "low", "none"),  # nonsense is no evidence
        ({}, "other", "low", "none"),
    ],
)
def test_kind_from_evidence(evidence, kind, confidence, source):
    guess = kinds.infer_kind(**evidence)
    assert (guess.kind, guess.confidence, guess.source) == (kind, confidence, source)


def test_capability_bits_decode_as_the_mibs_define_them():
    assert capabilities_from_bits(bytes([0x28, 0x00])) == {"bridge", "router"}
    assert capabilities_from_bits(bytes([0x10])) == {"wlanAccessPoint"}
    assert capabilities_from_bits(b"") == frozenset()
    assert cdp_capabilities(bytes([0, 0, 0, 0x29])) == {"router", "switch", "igmp"}
    assert cdp_capabilities(b"") == frozenset()


# -- topology ---------------------------------------------------------------------------------


def parents(found, root=site.ROUTER.address):
    tree = topology.infer(found, root)
    return {a: p.parent for a, p in tree.placements.items()}


def test_a_school_router_two_switches_four_aps_and_a_cdp_only_cisco():
    tree = topology.infer(site.site(), site.ROUTER.address)
    assert {a: p.parent for a, p in tree.placements.items()} == {
        b.address: b.parent for b in site.BOXES
    }
    ap4 = tree.placements[site.APS[3].address]
    assert (ap4.depth, ap4.local_port, ap4.parent_port) == (3, "eth0", "4")
    root = tree.placements[site.ROUTER.address]
    assert (root.reason, root.depth) == (topology.ROOT, 0)
    # CDP's words about the Cisco box are kept for its kind.
    assert "switch" in tree.announced[site.CISCO.address]


def test_one_side_of_a_link_is_enough():
    """An AP whose switch has no row for it (LLDP off on that port) still hangs by its own row."""
    found = site.site()
    ap = site.APS[0].address
    found = [
        replace(f, neighbours=tuple(r for r in f.neighbours if r.remote_address != ap))
        if f.address == site.SW1.address
        else f
        for f in found
    ]
    tree = topology.infer(found, site.ROUTER.address)
    placement = tree.placements[ap]
    assert (placement.parent, placement.local_port, placement.parent_port) == (
        site.SW1.address,
        "eth0",
        "5",  # the AP's row names the switch port
    )


def test_rows_matched_by_chassis_or_name_when_no_address_is_announced():
    found = [
        replace(f, neighbours=tuple(replace(r, remote_address=None) for r in f.neighbours))
        for f in site.site()
    ]
    assert parents(found) == {b.address: b.parent for b in site.BOXES}


def test_a_loop_gives_each_device_one_parent_the_same_every_time():
    """sw2 also wired to the router: it hangs one hop from the router, and the APs under it."""
    links = (*site.LINKS, (site.ROUTER, "ether3", site.SW2, "23", site.LLDP))
    found = site.site(links)
    first = parents(found)
    assert first[site.SW2.address] == site.ROUTER.address
    assert first[site.APS[2].address] == site.SW2.address
    assert parents(list(reversed(found))) == first  # order of the crawl does not matter


def test_equal_paths_break_ties_by_address():
    """An AP wired to both switches at the same distance from the root: the lower address wins."""
    links = (
        (site.ROUTER, "ether2", site.SW1, "1", site.LLDP),
        (site.ROUTER, "ether3", site.SW2, "1", site.LLDP),
        (site.SW2, "3", site.APS[0], "eth0", site.LLDP),
        (site.SW1, "5", site.APS[0], "eth1", site.LLDP),
    )
    boxes = [site.ROUTER, site.SW1, site.SW2, site.APS[0]]
    found = [site.found(b, links) for b in boxes]
    assert parents(found)[site.APS[0].address] == site.SW1.address
    assert parents(found[::-1])[site.APS[0].address] == site.SW1.address


def test_an_island_gets_no_parent_and_says_why():
    island = Found(
        "127.40.1.50",
        "ok",
        sys_name="lonely",
        neighbours=(NeighbourRow("lldp", "1", "phone-1", "eth0", None, "127.40.1.51"),),
    )
    tree = topology.infer([*site.site(), island], site.ROUTER.address)
    placement = tree.placements["127.40.1.50"]
    assert (placement.parent, placement.depth, placement.reason) == (
        None,
        None,
        topology.NOT_CONNECTED,
    )


def test_a_name_two_devices_share_links_neither():
    twin = Found("127.40.1.60", "ok", sys_name="sw1-s012")
    found = [
        replace(
            f,
            neighbours=tuple(
                replace(r, remote_address=None, remote_chassis=None) for r in f.neighbours
            ),
        )
        for f in site.site()
    ]
    tree = topology.infer([*found, twin], site.ROUTER.address)
    # The router's row names "sw1-s012": a guess between two devices, so no link from it …
    assert tree.placements[twin.address].reason == topology.NOT_CONNECTED
    # … but sw1's own row names the router, whose name is its own: sw1 still hangs there.
    assert tree.placements[site.SW1.address].parent == site.ROUTER.address


# -- proposal ---------------------------------------------------------------------------------


def stored_from(plan, person_fields=frozenset(), **overrides) -> list[StoredDevice]:
    """The devices a confirmed `plan` would have stored; `person_fields` typed by people."""
    rows = []
    for n, entry in enumerate(plan.entries, start=1):
        p = entry.proposed
        row = StoredDevice(
            id=n,
            name=p.name,
            address=entry.address,
            kind=p.kind.kind.value,
            parent=p.placement.parent,
            model=p.model,
            discovered_fields=frozenset(proposal.FIELDS) - person_fields,
        )
        rows.append(replace(row, **overrides.get(entry.address, {})))
    return rows


def test_first_run_proposes_everything_new_then_a_rerun_proposes_nothing():
    plan = proposal.propose(site.site(), site.ROUTER.address, [], RANGE)
    assert plan.counts == {"new": 8, "changed": 0, "unchanged": 0, "silent": 0}
    again = proposal.propose(site.site(), site.ROUTER.address, stored_from(plan), RANGE)
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 8, "silent": 0}


def test_an_ap_moved_to_the_other_switch_is_one_changed_parent_with_evidence():
    plan = proposal.propose(site.site(), site.ROUTER.address, [], RANGE)
    stored = stored_from(plan)
    links = tuple(
        (site.SW2, "7", *link[2:]) if link[2] == site.APS[0] else link for link in site.LINKS
    )
    again = proposal.propose(site.site(links), site.ROUTER.address, stored, RANGE)
    [changed] = again.by_status(Status.CHANGED)
    assert changed.address == site.APS[0].address
    [change] = changed.changes
    assert (change.field, change.stored, change.proposed, change.action) == (
        "parent",
        site.SW1.address,
        site.SW2.address,
        Action.APPLY,
    )
    assert change.evidence == "ap1-s012 eth0 ↔ sw2-s012 7 (lldp)"


def test_a_parent_a_person_set_is_kept_and_the_inference_shown_for_review():
    plan = proposal.propose(site.site(), site.ROUTER.address, [], RANGE)
    ap = site.APS[3].address
    # A person hung ap4 on the router and typed its model.
    stored = stored_from(
        plan,
        person_fields=frozenset({"parent", "model", "kind", "name"}),
        **{ap: {"parent": site.ROUTER.address, "model": "UAP typed by hand"}},
    )
    again = proposal.propose(site.site(), site.ROUTER.address, stored, RANGE)
    [changed] = again.by_status(Status.CHANGED)
    assert changed.address == ap
    assert changed.to_apply == ()
    [review] = changed.to_review
    assert (review.field, review.stored, review.proposed) == (
        "parent",
        site.ROUTER.address,
        site.SW2.address,
    )
    # The model the run did not read stays as typed, without a word.
    assert all(c.field != "model" for c in changed.changes)


def test_empty_fields_are_filled_even_on_a_persons_device():
    found = [
        replace(f, model="RB4011") if f.address == site.ROUTER.address else f for f in site.site()
    ]
    plan = proposal.propose(found, site.ROUTER.address, [], RANGE)
    stored = stored_from(
        plan, person_fields=frozenset(proposal.FIELDS), **{site.ROUTER.address: {"model": None}}
    )
    again = proposal.propose(found, site.ROUTER.address, stored, RANGE)
    [changed] = again.by_status(Status.CHANGED)
    [change] = changed.changes
    assert (change.field, change.proposed, change.action) == ("model", "RB4011", Action.APPLY)


def test_a_device_gone_silent_is_listed_never_dropped_and_other_never_replaces_a_kind():
    plan = proposal.propose(site.site(), site.ROUTER.address, [], RANGE)
    stored = stored_from(plan)
    found = [f for f in site.site() if f.address != site.APS[1].address]
    # The Cisco box answered ping but refused SNMP this time.
    found = [
        Found(f.address, "timeout", "no answer") if f.address == site.CISCO.address else f
        for f in found
    ]
    # Stored, but outside the swept range: not silent, just not looked at.
    elsewhere = StoredDevice(99, "office-core", "127.40.9.1", "router")
    again = proposal.propose(found, site.ROUTER.address, [*stored, elsewhere], RANGE)
    silent = again.by_status(Status.SILENT)
    assert {e.address for e in silent} == {site.APS[1].address, site.CISCO.address}
    cisco = next(e for e in silent if e.address == site.CISCO.address)
    assert cisco.proposed.snmp_state == "timeout" and cisco.changes == ()
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 6, "silent": 2}


def test_a_new_device_that_refuses_snmp_is_still_proposed_as_other():
    refused = Found("127.40.1.77", "timeout", "no answer (agent silent, or wrong community)")
    plan = proposal.propose([*site.site(), refused], site.ROUTER.address, [], RANGE)
    entry = next(e for e in plan.entries if e.address == refused.address)
    assert entry.status is Status.NEW
    assert (entry.proposed.name, entry.proposed.kind.kind, entry.proposed.snmp_state) == (
        "127.40.1.77",
        "other",
        "timeout",
    )
    # An address nothing links to the root hangs nowhere: a person places it.
    assert entry.proposed.placement.reason == topology.NOT_CONNECTED


def test_names_are_unique_sysname_then_address():
    a = Found("127.40.1.30", "ok", sys_name="router")
    b = Found("127.40.1.31", "ok", sys_name="router")
    c = Found("127.40.1.32", "ok", sys_name="  ")
    d = Found("127.40.1.33", "ok", sys_name="sw-core")
    e = Found("127.40.1.34", "ok", sys_name="x" * 500)
    names = proposal.unique_names([a, b, c, d, e], taken={"sw-core": "127.40.1.200"})
    assert names == {
        "127.40.1.30": "router-127.40.1.30",
        "127.40.1.31": "router-127.40.1.31",
        "127.40.1.32": "127.40.1.32",
        "127.40.1.33": "sw-core-127.40.1.33",
        "127.40.1.34": "x" * 100,
    }


def test_a_stored_device_keeps_its_name():
    plan = proposal.propose(site.site(), site.ROUTER.address, [], RANGE)
    stored = stored_from(plan, **{site.SW1.address: {"name": "สวิตช์หลัก"}})
    again = proposal.propose(site.site(), site.ROUTER.address, stored, RANGE)
    entry = next(e for e in again.entries if e.address == site.SW1.address)
    assert entry.proposed.name == "สวิตช์หลัก" and entry.status is Status.UNCHANGED


def test_a_link_both_protocols_saw_is_one_link_with_both_named():
    """The router hears the Cisco box over CDP; the Cisco box, newer firmware, answers over LLDP."""
    found = site.site()
    cisco_row = NeighbourRow("lldp", "Gi0/1", "r-s012", "ether5", site.ROUTER.mac, None)
    found = [
        replace(f, neighbours=(cisco_row,)) if f.address == site.CISCO.address else f for f in found
    ]
    links, _ = topology.build_links(found)
    [link] = [x for x in links if site.CISCO.address in (x.a, x.b)]
    assert (link.a, link.a_port, link.b, link.b_port, link.protocols) == (
        site.ROUTER.address,
        "ether5",
        site.CISCO.address,
        "Gi0/1",
        ("cdp", "lldp"),
    )
