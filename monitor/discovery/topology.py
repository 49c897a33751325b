"""PURE: where each found device hangs — its parent, the neighbour one hop closer to the site's
uplink — from the LLDP/CDP rows the crawl read.

- **Which found device a row names.** A row's management address, when it is a found device's
  address; else its chassis id, when it equals a found device's own LLDP chassis id; else its
  name (sysName / CDP device id, case aside, with or without the domain), when exactly one found
  device has that sysName. A row that names no found device (a phone, a PC, a device outside the
  allowed ranges) is left out of the graph.
- **Links** are undirected: A's row about B and B's row about A are one link, with A's port and
  B's port each taken from the row on the device that owns the port when there is one (a
  device's own name for its own port beats its neighbour's description of it).
- **Parents**: breadth-first from the root (the site's router or the seed). A device's parent is
  a neighbour one hop closer to the root; where several are, the one reached first, and reaching
  order is by address, so the same network always gives the same tree. A loop (two uplinks) is
  just two candidates. A device that no chain of links joins to the root has no parent, and its
  placement says so (`not_connected`) rather than guessing.
- Bounded: at most `MAX_DEVICES` devices and `MAX_ROWS` rows a device are looked at.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from collectors.discovery import Found, NeighbourRow

MAX_DEVICES = 20_000
MAX_ROWS = 256

ROOT, NEIGHBOUR, NOT_CONNECTED = "root", "neighbour", "not_connected"


@dataclass(frozen=True)
class Link:
    """One physical link between two found devices, `a` < `b` by address order."""

    a: str
    b: str
    a_port: str | None
    b_port: str | None
    protocols: tuple[str, ...]  # "cdp", "lldp": which tables saw it


@dataclass(frozen=True)
class Placement:
    """Where one device hangs. `reason` is ROOT, NEIGHBOUR (parent set) or NOT_CONNECTED."""

    address: str
    parent: str | None
    depth: int | None
    reason: str
    local_port: str | None = None  # this device's port facing the parent
    parent_port: str | None = None  # the parent's port facing this device
    protocols: tuple[str, ...] = ()


@dataclass(frozen=True)
class Topology:
    placements: dict[str, Placement]
    links: tuple[Link, ...]
    # Capabilities other devices' rows announce for a device (CDP's words for a Cisco box).
    announced: dict[str, frozenset[str]]


def address_key(address: str) -> tuple[int, int]:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return (9, 0)
    return (ip.version, int(ip))


def name_forms(name: str | None) -> set[str]:
    """Lower case, and without the domain unless the name is an address."""
    text = (name or "").strip().lower()
    if not text:
        return set()
    forms = {text}
    if "." in text:
        try:
            ipaddress.ip_address(text)
        except ValueError:
            forms.add(text.split(".", 1)[0])
    return forms


class _Resolver:
    def __init__(self, devices: Sequence[Found]):
        self.addresses = {d.address for d in devices}
        self.chassis: dict[str, str | None] = {}
        self.names: dict[str, str | None] = {}
        for device in devices:
            if device.chassis_id:
                key = device.chassis_id.strip().lower()
                self.chassis[key] = None if key in self.chassis else device.address
            for form in name_forms(device.sys_name):
                # A name two devices share names neither.
                self.names[form] = None if form in self.names else device.address

    def resolve(self, row: NeighbourRow) -> str | None:
        if row.remote_address in self.addresses:
            return row.remote_address
        if row.remote_chassis:
            found = self.chassis.get(row.remote_chassis.strip().lower())
            if found:
                return found
        hits = {self.names.get(form) for form in name_forms(row.remote_name)} - {None}
        return hits.pop() if len(hits) == 1 else None


@dataclass
class _Pair:
    """What the rows of both ends say about one link while it is being put together."""

    own: dict[str, str | None] = field(default_factory=dict)  # a device's word for its port
    told: dict[str, str | None] = field(default_factory=dict)  # its neighbour's word for it
    protocols: set[str] = field(default_factory=set)

    def port(self, end: str) -> str | None:
        return self.own.get(end) or self.told.get(end)


def build_links(devices: Sequence[Found]) -> tuple[tuple[Link, ...], dict[str, frozenset[str]]]:
    """The links between found devices, and the capabilities neighbours announce for each."""
    devices = list(devices)[:MAX_DEVICES]
    resolver = _Resolver(devices)
    pairs: dict[tuple[str, str], _Pair] = {}
    announced: dict[str, set[str]] = {}
    for device in devices:
        for row in device.neighbours[:MAX_ROWS]:
            other = resolver.resolve(row)
            if other is None or other == device.address:
                continue
            announced.setdefault(other, set()).update(row.remote_capabilities)
            a, b = sorted((device.address, other), key=address_key)
            pair = pairs.setdefault((a, b), _Pair())
            pair.protocols.add(row.protocol)
            # The first row wins: the agent's own order, lowest port first.
            pair.own.setdefault(device.address, row.local_port)
            pair.told.setdefault(other, row.remote_port)
    links = [
        Link(a, b, pair.port(a), pair.port(b), tuple(sorted(pair.protocols)))
        for (a, b), pair in sorted(
            pairs.items(), key=lambda p: (address_key(p[0][0]), address_key(p[0][1]))
        )
    ]
    return tuple(links), {k: frozenset(v) for k, v in announced.items()}


def infer(devices: Sequence[Found], root: str) -> Topology:
    """Each device's placement under `root` (an address among `devices`)."""
    links, announced = build_links(devices)
    adjacent: dict[str, list[tuple[str, Link]]] = {}
    for link in links:
        adjacent.setdefault(link.a, []).append((link.b, link))
        adjacent.setdefault(link.b, []).append((link.a, link))
    for rows in adjacent.values():
        rows.sort(key=lambda r: address_key(r[0]))
    placements: dict[str, Placement] = {}
    addresses = [d.address for d in list(devices)[:MAX_DEVICES]]
    if root in addresses:
        placements[root] = Placement(root, None, 0, ROOT)
        queue = deque([root])
        while queue:
            here = queue.popleft()
            depth = placements[here].depth or 0
            for there, link in adjacent.get(here, []):
                if there in placements:
                    continue
                own, theirs = (
                    (link.a_port, link.b_port) if link.a == there else (link.b_port, link.a_port)
                )
                placements[there] = Placement(
                    there, here, depth + 1, NEIGHBOUR, own, theirs, link.protocols
                )
                queue.append(there)
    for address in addresses:
        placements.setdefault(address, Placement(address, None, None, NOT_CONNECTED))
    return Topology(placements, links, announced)


def children(topology: Topology) -> Mapping[str, list[str]]:
    """Parent → its children, in address order (for printing a tree)."""
    tree: dict[str, list[str]] = {}
    for placement in topology.placements.values():
        if placement.parent:
            tree.setdefault(placement.parent, []).append(placement.address)
    for kids in tree.values():
        kids.sort(key=address_key)
    return tree
