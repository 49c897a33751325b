"""The network map assembled from rows (monitor.netmap.graph, PURE): schools collapsed at
district level, the three kinds of edge, a wrong parent marked, colours by state, a down router's
subtree cut off."""

from __future__ import annotations

from monitor.netmap.graph import (
    BOTH,
    PARENT,
    PHYSICAL,
    STATE_COLOURS,
    MapDevice,
    MapPort,
    MapSite,
    cut_off,
    district_map,
    site_map,
)

OFFICE = MapSite(1, "OFFICE", "สำนักงานเขต")
S01 = MapSite(2, "S01", "โรงเรียนบ้านสบาย")
S02 = MapSite(3, "S02", "โรงเรียนดอยสูง")
SITES = [OFFICE, S01, S02]


def dev(id, name, site, parent=None, state="up", kind="switch", address=None, sys_name=None):
    return MapDevice(id, name, kind, site.id, parent, address or f"127.0.{id}.1", state, sys_name)


def lldp(local, remote, remote_port=None, chassis=None):
    return {
        "local_port": local,
        "remote_name": remote,
        "remote_port": remote_port,
        "remote_chassis": chassis,
    }


def district():
    """The office core; S01: router, switch, AP; S02: router (down), switch, AP behind it."""
    return [
        dev(1, "core", OFFICE, kind="router"),
        dev(10, "router", S01, parent=1, kind="router"),
        dev(11, "s01-sw", S01, parent=10),
        dev(12, "s01-ap", S01, parent=11, kind="ap", state="down"),
        dev(20, "router", S02, parent=1, kind="router", state="down"),
        dev(21, "s02-sw", S02, parent=20, state="unreachable"),
        dev(22, "s02-ap", S02, parent=21, kind="ap", state="unreachable"),
    ]


def by_id(items):
    return {item.id: item for item in items}


def test_district_level_shows_the_office_and_one_node_per_school():
    m = district_map(SITES, district(), {}, {})
    nodes = by_id(m.nodes)
    assert set(nodes) == {"d1", "s2", "s3"}
    s01, s02 = nodes["s2"], nodes["s3"]
    assert (s01.state, s01.router_state) == ("down", "up")  # an AP down, its router up
    assert s01.counts == {"down": 1, "unreachable": 0, "unknown": 0, "maintenance": 0, "up": 2}
    assert (s02.state, s02.router_state) == ("down", "down")
    assert s02.counts["unreachable"] == 2
    # Office → school router, drawn to the school's node; nothing inside a school.
    assert {(e.source, e.target, e.kind) for e in m.edges} == {
        ("d1", "s2", PARENT),
        ("d1", "s3", PARENT),
    }
    assert m.as_json()["level"] == "district"


def test_a_school_node_takes_the_colour_of_its_worst_state():
    m = district_map(SITES, district(), {}, {})
    assert by_id(m.nodes)["s3"].colour == STATE_COLOURS["down"]
    assert by_id(m.nodes)["d1"].colour == STATE_COLOURS["up"]


def test_every_state_has_its_own_colour_and_an_odd_state_reads_as_unknown():
    assert len(set(STATE_COLOURS.values())) == 5
    site = MapSite(9, "S09", "x")
    rows = [dev(n, f"d{n}", site, state=s) for n, s in enumerate([*STATE_COLOURS, "weird"], 1)]
    m = site_map(site, [site], rows, {}, {})
    colours = {n.state: n.colour for n in m.nodes}
    assert all(colours[s] == STATE_COLOURS[s] for s in STATE_COLOURS)
    assert colours["weird"] == STATE_COLOURS["unknown"]


def test_a_parent_link_lldp_confirms_is_one_edge_marked_both_with_ports_and_utilisation():
    rows = district()
    neighbours = {11: [lldp("Gi0/24", "router", "ether2")], 10: [lldp("ether2", "s01-sw")]}
    ports = {11: [MapPort(11, 24, "Gi0/24", None, None, 37.5)]}
    m = site_map(S01, SITES, rows, neighbours, ports)
    edge = next(e for e in m.edges if {e.source, e.target} == {"d10", "d11"})
    assert (edge.source, edge.target, edge.kind) == ("d10", "d11", BOTH)
    assert (edge.source_port, edge.target_port) == ("ether2", "Gi0/24")
    assert edge.utilisation_pct == 37.5
    assert sum(1 for e in m.edges if {e.source, e.target} == {"d10", "d11"}) == 1


def test_a_parent_link_without_a_physical_link_and_a_physical_link_without_a_parent_differ():
    rows = district()
    # s01-ap's neighbour table: wired to the router, though its parent is the switch.
    neighbours = {12: [lldp("eth0", "router", "ether5")]}
    m = site_map(S01, SITES, rows, neighbours, {})
    kinds = {(e.source, e.target): e.kind for e in m.edges}
    assert kinds[("d11", "d12")] == PARENT
    assert kinds[("d10", "d12")] == PHYSICAL


def test_a_wrong_parent_stands_out_when_the_parent_speaks_lldp_and_the_child_is_wired_elsewhere():
    site = MapSite(5, "S05", "x")
    rows = [
        dev(1, "router", site, kind="router"),
        dev(2, "sw1", site, parent=1),
        dev(3, "sw2", site, parent=1),
        dev(4, "ap", site, parent=2, kind="ap"),  # typed under sw1, moved to sw2
    ]
    neighbours = {
        2: [lldp("1", "router")],
        3: [lldp("1", "router"), lldp("7", "ap", "eth0")],
    }
    m = site_map(site, [site], rows, neighbours, {})
    edges = {(e.source, e.target): e for e in m.edges}
    assert edges[("d2", "d4")].kind == PARENT and edges[("d2", "d4")].suspect
    assert edges[("d3", "d4")].kind == PHYSICAL
    assert edges[("d1", "d2")].kind == BOTH and not edges[("d1", "d2")].suspect
    assert edges[("d2", "d4")].as_json()["suspect"] is True


def test_a_parent_that_speaks_no_lldp_is_not_called_wrong():
    site = MapSite(5, "S05", "x")
    rows = [dev(1, "router", site), dev(2, "sw1", site, parent=1), dev(3, "ap", site, parent=2)]
    # The AP wired to the router says so; its typed parent sw1 has no neighbour table at all.
    m = site_map(site, [site], rows, {3: [lldp("eth0", "router")]}, {})
    assert not next(e for e in m.edges if (e.source, e.target) == ("d2", "d3")).suspect


def test_a_name_many_schools_share_links_only_where_the_tree_decides():
    rows = district()
    # The core's table names "router" twice: both schools' routers are its children, so no link.
    # Each school router's table names "core": one device, linked.
    neighbours = {
        1: [lldp("Gi1", "router"), lldp("Gi2", "router")],
        10: [lldp("ether1", "core.district.local", "Gi1")],
        20: [lldp("ether1", "CORE", "Gi2")],
    }
    m = district_map(SITES, rows, neighbours, {})
    edges = {(e.source, e.target): e for e in m.edges}
    assert edges[("d1", "s2")].kind == BOTH
    assert (edges[("d1", "s2")].source_port, edges[("d1", "s2")].target_port) == ("Gi1", "ether1")
    assert edges[("d1", "s3")].kind == BOTH


def test_a_neighbour_by_management_address_is_linked():
    site = MapSite(5, "S05", "x")
    rows = [dev(1, "r", site, address="127.0.5.1"), dev(2, "sw", site, parent=1)]
    m = site_map(site, [site], rows, {2: [lldp("1", "unknown-name", None, "127.0.5.1")]}, {})
    assert m.edges[0].kind == BOTH


def test_a_site_map_shows_its_devices_and_the_office_core_they_hang_off():
    m = site_map(S02, SITES, district(), {}, {})
    nodes = by_id(m.nodes)
    assert set(nodes) == {"d1", "d20", "d21", "d22"}
    assert nodes["d1"].external and not nodes["d20"].external
    assert nodes["d21"].device_id == 21 and nodes["d21"].site_code == "S02"
    assert m.as_json()["site"] == {"code": "S02", "name": "โรงเรียนดอยสูง"}


def test_a_down_router_cuts_off_its_subtree():
    rows = district()
    assert cut_off(rows) == {21, 22}
    m = site_map(S02, SITES, rows, {}, {})
    nodes = by_id(m.nodes)
    assert nodes["d21"].cut and nodes["d22"].cut and not nodes["d20"].cut
    cut_edges = {(e.source, e.target) for e in m.edges if e.cut}
    assert cut_edges == {("d20", "d21"), ("d21", "d22")}


def test_the_office_core_down_cuts_every_school_off_at_district_level():
    rows = [d._replace(state="down") if d.id == 1 else d for d in district()]
    m = district_map(SITES, rows, {}, {})
    nodes = by_id(m.nodes)
    assert nodes["s2"].cut and nodes["s3"].cut
    assert all(e.cut for e in m.edges)


def test_a_parent_cycle_ends_the_walk():
    site = MapSite(5, "S05", "x")
    rows = [dev(1, "a", site, parent=2, state="down"), dev(2, "b", site, parent=1)]
    assert cut_off(rows) == {2, 1}
    assert len(site_map(site, [site], rows, {}, {}).nodes) == 2


def test_a_school_without_devices_is_an_unknown_node():
    m = district_map([*SITES, MapSite(4, "S03", "ใหม่")], district(), {}, {})
    empty = by_id(m.nodes)["s4"]
    assert empty.state == "unknown" and empty.router_state is None


def test_a_school_with_two_uplinks_keeps_a_parent_line_and_a_physical_line():
    rows = [
        dev(1, "core", OFFICE, kind="router"),
        dev(2, "core2", OFFICE, kind="router"),
        dev(10, "ra", S01, parent=1, kind="router"),
        dev(11, "rb", S01, parent=1, kind="router"),
    ]
    # rb is wired to core2, not to its typed parent core; core2 speaks LLDP.
    neighbours = {2: [lldp("Gi9", "rb", "ether1")]}
    m = district_map(SITES[:2], rows, neighbours, {})
    lines = sorted((e.source, e.target, e.kind, e.suspect) for e in m.edges)
    assert lines == [("d1", "s2", PARENT, False), ("d2", "s2", PHYSICAL, False)]
