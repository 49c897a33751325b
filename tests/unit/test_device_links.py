"""PURE parts behind the device page and the status tiles: which known device an LLDP neighbour
is, which port faces the parent, when collected data is old, and which other site's failure a
site's unreachable devices sit behind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.configs import setup
from monitor.devices import neighbours as nb
from monitor.status.remote_causes import Node, remote_causes

AT = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
TREE = nb.Tree(device_id=10, site_id=1, parent_id=11, child_ids=frozenset({12}))


def known(id_, name, site=1, address=None, sys_name=None):
    return nb.KnownDevice(id_, name, site, address, sys_name)


def test_a_name_matches_with_or_without_its_domain_and_case():
    devices = [known(11, "Router"), known(20, "core", site=2, sys_name="CORE.office.local")]
    assert nb.pick(nb.candidates({"remote_name": "router.banna.local"}, devices), TREE).id == 11
    assert nb.pick(nb.candidates({"remote_name": "core"}, devices), TREE).id == 20
    assert nb.name_forms("10.1.2.3") == {"10.1.2.3"}  # an address keeps its dots


def test_a_chassis_id_that_is_an_address_matches_the_polled_address():
    devices = [known(30, "ups", address="127.0.0.5")]
    assert nb.pick(nb.candidates({"remote_chassis": "127.0.0.5"}, devices), TREE).id == 30
    assert nb.candidates({"remote_chassis": "00:11:22:33:44:55"}, devices) == []


def test_every_school_calls_its_router_router_the_tree_then_the_site_decides():
    routers = [known(11, "router"), known(21, "router", site=2), known(31, "router", site=3)]
    assert nb.pick(routers, TREE).id == 11  # the parent
    others = [known(21, "router", site=2), known(31, "router", site=3)]
    assert nb.pick(others, TREE) is None  # a guess would be a wrong link half the time
    same_site = [known(13, "ap"), known(23, "ap", site=2)]
    assert nb.pick(same_site, TREE).id == 13
    assert nb.pick([known(10, "self")], TREE) is None  # never a link to the page itself


@dataclass
class Port:
    if_index: int
    name: str
    alias: str | None = None
    descr: str | None = None
    in_bps: float | None = None


def test_the_uplink_is_the_port_facing_the_parent_else_the_busiest_stays_first():
    ports = [Port(1, "Gi0/1", in_bps=9e8), Port(2, "Gi0/2", descr="GigabitEthernet0/2")]
    parent = known(11, "router")
    linked = [{"local_port": "GigabitEthernet0/2", "device": parent}]
    chosen = nb.chart_ports(ports, linked, parent_id=11)
    assert [p.if_index for p in chosen.ports] == [2, 1] and chosen.parent_name == "router"
    by_number = nb.chart_ports(ports, [{"local_port": "2", "device": parent}], parent_id=11)
    assert by_number.uplink.if_index == 2  # an agent giving only the LLDP port number
    assert nb.chart_ports(ports, linked, parent_id=None).uplink is None
    assert [p.if_index for p in nb.chart_ports(ports, [], 11).ports] == [1, 2]


def test_data_is_old_after_two_rounds():
    assert nb.stale_since(AT - timedelta(minutes=10), AT, 300) is None
    assert nb.stale_since(AT - timedelta(minutes=11), AT, 300) == AT - timedelta(minutes=11)
    assert nb.stale_since(None, AT, 300) is None


def test_unreachable_devices_name_the_nearest_down_ancestor_of_another_site():
    nodes = {
        1: Node(None, 100, "down"),  # the office core
        2: Node(1, 200, "unreachable"),  # a school's router
        3: Node(2, 200, "unreachable"),  # its switch
        4: Node(None, 300, "down"),  # a school's own router, down
        5: Node(4, 300, "unreachable"),  # behind it: its own failure, not another site's
        6: Node(7, 400, "unreachable"),  # a loop in the tree ends, it does not hang
        7: Node(6, 400, "unreachable"),
    }
    assert remote_causes(nodes) == {200: [1]}


def test_ssh_set_up_is_offered_for_kinds_with_a_configuration():
    assert setup.has_ssh_config("switch") and setup.has_ssh_config("server")
    assert not setup.has_ssh_config("ups") and not setup.has_ssh_config("printer")
    assert [t for t, _ in setup.type_choices()] == list(setup.device_types())
    assert setup.suggested_type("server") == "linux"
    assert setup.suggested_type("server", "cisco_ios") == "cisco_ios"
    assert setup.suggested_type("router", "apc_ups") is None
