"""PURE: the network map assembled from rows: nodes, edges, what each edge is.

- **Nodes** are devices, coloured by their current state. At district level the sites other sites
  hang off (the office: a device of another site has its parent there) show every device; every
  other site (a school) is ONE node: its worst state, its devices counted by state, and the state
  of its router (its uplinks: devices with no parent or a parent in another site). A district of
  5,000 devices is then the office's few dozen devices and one node per school. At site level
  every device of the site is a node, and the devices of other sites it is linked to (the office
  core its router hangs off) come along as context nodes.
- **Edges** join two devices by (a) the parent link ictmon uses to decide "unreachable" and (b)
  the physical link the devices' LLDP/CDP neighbour tables show, matched to known devices by
  monitor.devices.neighbours (the device page's rule, not a copy of it). A pair joined by both is
  one edge of kind ``both``; a parent link no neighbour table confirms is ``parent``; a physical
  link that is no parent link is ``physical``. A parent link is ``suspect`` when the child's
  neighbour tables show it wired to another device that is not its own child: the typed parent is
  probably wrong (an access point moved to another switch), and the map draws it so.
- A physical edge carries the two port names and the current utilisation of the reported port
  (snmp_interfaces' rate against the port's speed), the busier end when both ends report.
- A node behind a down device (an ancestor down) is ``cut``: the map fades it and its edge, so a
  down school router visibly takes its subtree with it, whatever state the poller has reached.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from monitor.devices import collected as cv
from monitor.devices import neighbours as nb
from monitor.domain import STATUS_SEVERITY, Status

Row = dict[str, Any]  # a neighbour row (monitor.devices.collected.neighbour_rows)
Json = dict[str, Any]

# The map's colours per state: those of the status page's tiles (web/static/css/ictmon.css).
STATE_COLOURS: dict[str, str] = {
    Status.UP: "#2e7d32",
    Status.DOWN: "#c62828",
    Status.UNREACHABLE: "#f29a1f",
    Status.UNKNOWN: "#6b7682",
    Status.MAINTENANCE: "#3b63c4",
}
STATES = tuple(sorted(STATE_COLOURS, key=lambda s: -STATUS_SEVERITY[Status(s)]))  # worst first

BOTH, PARENT, PHYSICAL = "both", "parent", "physical"


class MapDevice(NamedTuple):
    """A polled device as the map needs it (a tuple: the district builds thousands)."""

    id: int
    name: str
    kind: str
    site_id: int
    parent_id: int | None
    address: str | None
    state: str
    sys_name: str | None = None


class MapSite(NamedTuple):
    id: int
    code: str
    name: str


class MapPort(NamedTuple):
    """One interface (monitor.devices.neighbours.Port) and its current utilisation."""

    device_id: int
    if_index: int
    name: str
    alias: str | None
    descr: str | None
    utilisation_pct: float | None


@dataclass(frozen=True)
class Node:
    id: str  # "d12" for a device, "s7" for a collapsed site
    label: str
    state: str
    colour: str
    device_id: int | None = None  # a device node
    device_kind: str | None = None
    site_code: str = ""
    site_name: str = ""
    external: bool = False  # a device of another site, shown for its link to this one
    cut: bool = False  # an ancestor is down
    counts: dict[str, int] | None = None  # a collapsed site: its devices per state
    router_state: str | None = None  # a collapsed site: its router's (uplinks') state

    def as_json(self) -> Json:
        data: Json = {
            "id": self.id,
            "label": self.label,
            "state": self.state,
            "colour": self.colour,
            "site": self.site_code,
            "site_name": self.site_name,
        }
        if self.device_id is not None:
            data.update(device_id=self.device_id, kind=self.device_kind)
        if self.external:
            data["external"] = True
        if self.cut:
            data["cut"] = True
        if self.counts is not None:
            data.update(counts=self.counts, router_state=self.router_state)
        return data


@dataclass(frozen=True)
class Edge:
    source: str  # the parent end for parent links
    target: str
    kind: str  # BOTH, PARENT or PHYSICAL
    suspect: bool = False
    source_port: str | None = None
    target_port: str | None = None
    utilisation_pct: float | None = None
    cut: bool = False

    @property
    def id(self) -> str:
        return f"{self.source}-{self.target}-{self.kind}"

    def as_json(self) -> Json:
        data: Json = {"id": self.id, "source": self.source, "target": self.target}
        data["kind"] = self.kind
        for key in ("source_port", "target_port", "utilisation_pct"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.suspect:
            data["suspect"] = True
        if self.cut:
            data["cut"] = True
        return data


@dataclass(frozen=True)
class NetworkMap:
    level: str  # "district" or "site"
    site: MapSite | None
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def as_json(self) -> Json:
        return {
            "level": self.level,
            "site": None if self.site is None else {"code": self.site.code, "name": self.site.name},
            "nodes": [n.as_json() for n in self.nodes],
            "edges": [e.as_json() for e in self.edges],
        }


def worst(states: Iterable[str]) -> str:
    """The worst of these states; unknown when there are none."""
    return max(states, key=_severity, default=Status.UNKNOWN.value)


_SEVERITY = {status.value: rank for status, rank in STATUS_SEVERITY.items()}


def _severity(state: str) -> int:
    return _SEVERITY.get(state, _SEVERITY[Status.UNKNOWN])


def colour(state: str) -> str:
    return STATE_COLOURS.get(state, STATE_COLOURS[Status.UNKNOWN])


# --------------------------------------------------------------------------------------------
# Which devices are where


def hub_sites(devices: Sequence[MapDevice]) -> set[int]:
    """The sites other sites hang off (the office): a device of another site has its parent here."""
    site_of = {d.id: d.site_id for d in devices}
    return {
        site_of[d.parent_id]
        for d in devices
        if d.parent_id in site_of and site_of[d.parent_id] != d.site_id
    }


def is_uplink(device: MapDevice, site_of: Mapping[int, int]) -> bool:
    """No parent, or a parent in another site: the device its site hangs on."""
    return device.parent_id is None or site_of.get(device.parent_id) != device.site_id


def rows_wanted(devices: Sequence[MapDevice], site_id: int | None) -> set[int]:
    """The devices whose neighbour tables the map reads: those of the site (with the devices
    just outside it that it hangs off or that hang off it), or at district level the hub
    sites' devices and every other site's uplinks."""
    site_of = {d.id: d.site_id for d in devices}
    if site_id is None:
        hubs = hub_sites(devices)
        return {d.id for d in devices if d.site_id in hubs or is_uplink(d, site_of)}
    inside = {d.id for d in devices if d.site_id == site_id}
    near = {d.parent_id for d in devices if d.id in inside and d.parent_id is not None}
    near |= {d.id for d in devices if d.parent_id in inside}
    return inside | near


# --------------------------------------------------------------------------------------------
# Physical links from neighbour tables


@dataclass
class Link:
    ports: dict[int, str | None]  # device id → its port on this link
    utilisation: list[float]


def _index(
    devices: Sequence[MapDevice],
) -> tuple[dict[str, list[MapDevice]], dict[str, list[MapDevice]]]:
    by_name: dict[str, list[MapDevice]] = defaultdict(list)
    by_address: dict[str, list[MapDevice]] = defaultdict(list)
    for d in devices:
        for form in nb.name_forms(d.name) | nb.name_forms(d.sys_name):
            by_name[form].append(d)
        if d.address:
            by_address[d.address.strip().lower()].append(d)
    return by_name, by_address


def _known(d: MapDevice) -> nb.KnownDevice:
    return nb.KnownDevice(d.id, d.name, d.site_id, d.address, d.sys_name)


def physical_links(
    devices: Sequence[MapDevice],
    neighbours: Mapping[int, Sequence[Row]],
    ports: Mapping[int, Sequence[MapPort]],
) -> dict[frozenset[int], Link]:
    """The links neighbour tables show between known devices, one per pair of devices.

    `neighbours` maps a device id to its rows (monitor.devices.collected.neighbour_rows). Which
    known device a row names is decided by monitor.devices.neighbours.pick over the candidates
    monitor.devices.neighbours.candidates accepts; an index by name and address only narrows the
    devices those two look at, so thousands of rows do not each scan thousands of devices."""
    by_id = {d.id: d for d in devices}
    children: dict[int, set[int]] = defaultdict(set)
    for d in devices:
        if d.parent_id is not None:
            children[d.parent_id].add(d.id)
    by_name, by_address = _index(devices)
    links: dict[frozenset[int], Link] = {}
    port_indexes: dict[int, dict[str, list[MapPort]]] = {}

    def port_index(device_id: int) -> dict[str, list[MapPort]]:
        """A device's ports by each name port_for compares (name, description, alias, index)."""
        if device_id not in port_indexes:
            index: dict[str, list[MapPort]] = defaultdict(list)
            for port in ports.get(device_id, ()):
                keys = {(v or "").strip().lower() for v in (port.name, port.descr, port.alias)}
                for key in keys | {str(port.if_index)}:
                    index[key].append(port)
            port_indexes[device_id] = index
        return port_indexes[device_id]

    for device_id, rows in neighbours.items():
        device = by_id.get(device_id)
        if device is None or not rows:
            continue
        tree = nb.Tree(device.id, device.site_id, device.parent_id, frozenset(children[device.id]))
        for row in rows:
            near: dict[int, MapDevice] = {}
            for form in nb.name_forms(row.get("remote_name")):
                near.update((d.id, d) for d in by_name.get(form, ()))
            chassis = (row.get("remote_chassis") or "").strip().lower()
            near.update((d.id, d) for d in by_address.get(chassis, ()))
            if not near:
                continue
            found = nb.candidates(row, [_known(d) for d in near.values()])
            other = nb.pick(found, tree)
            if other is None:
                continue
            link = links.setdefault(frozenset((device.id, other.id)), Link({}, []))
            local = row.get("local_port")
            if local and local != "?":
                link.ports.setdefault(device.id, local)
                port = nb.port_for(local, port_index(device.id).get(local.strip().lower(), ()))
                pct = cv.percent(getattr(port, "utilisation_pct", None))
                if pct is not None:
                    link.utilisation.append(pct)
            if row.get("remote_port"):
                link.ports.setdefault(other.id, row["remote_port"])
    return links


def device_edges(
    devices: Sequence[MapDevice],
    links: Mapping[frozenset[int], Link],
    shown: set[int],
    speaking: set[int],
) -> list[Edge]:
    """Edges between devices, by device id ("d<id>"), for pairs with at least one end shown.

    `speaking`: the devices whose neighbour tables hold rows. A parent link without a physical
    link is suspect when the parent speaks LLDP/CDP (so the link would show) and the child is
    wired to a device that is neither its parent nor its child."""
    by_id = {d.id: d for d in devices}
    edges: list[Edge] = []
    parent_pairs: set[frozenset[int]] = set()
    # A child wired (by its neighbour tables) to a device that is neither its parent nor its child.
    elsewhere: set[int] = set()
    for pair in links:  # two devices each: pick() never names the device itself
        a, b = tuple(pair)
        for x, y in ((a, b), (b, a)):
            dx, dy = by_id.get(x), by_id.get(y)
            if dx is not None and dy is not None and dx.parent_id != y and dy.parent_id != x:
                elsewhere.add(x)
    for d in devices:
        if d.parent_id is None or d.parent_id not in by_id or d.parent_id == d.id:
            continue
        if d.id not in shown and d.parent_id not in shown:
            continue
        pair = frozenset((d.parent_id, d.id))
        parent_pairs.add(pair)
        link = links.get(pair)
        if link is None:
            edges.append(
                Edge(
                    f"d{d.parent_id}",
                    f"d{d.id}",
                    PARENT,
                    suspect=d.id in elsewhere and d.parent_id in speaking,
                )
            )
        else:
            edges.append(_physical_edge(d.parent_id, d.id, link, BOTH))
    for pair, link in links.items():
        if pair in parent_pairs:
            continue
        a, b = sorted(pair)
        if a in shown or b in shown:
            edges.append(_physical_edge(a, b, link, PHYSICAL))
    return edges


def _physical_edge(source: int, target: int, link: Link, kind: str) -> Edge:
    return Edge(
        f"d{source}",
        f"d{target}",
        kind,
        source_port=link.ports.get(source),
        target_port=link.ports.get(target),
        utilisation_pct=max(link.utilisation) if link.utilisation else None,
    )


def cut_off(devices: Sequence[MapDevice]) -> set[int]:
    """Devices with a down ancestor. A parent cycle ends the walk (nothing above it is down)."""
    by_id = {d.id: d for d in devices}
    memo: dict[int, bool] = {}
    for d in devices:
        path: list[int] = []
        on_path: set[int] = set()
        current: int | None = d.id
        while current is not None and current in by_id and current not in memo:
            if current in on_path:
                break
            on_path.add(current)
            path.append(current)
            current = by_id[current].parent_id
        for step in reversed(path):
            parent_id = by_id[step].parent_id
            parent = by_id.get(parent_id) if parent_id is not None else None
            memo[step] = parent is not None and (
                parent.state == Status.DOWN or memo.get(parent.id, False)
            )
    return {device_id for device_id, behind in memo.items() if behind}


# --------------------------------------------------------------------------------------------
# The two levels


def _device_node(d: MapDevice, site: MapSite | None, *, external: bool, cut: bool) -> Node:
    return Node(
        id=f"d{d.id}",
        label=d.name,
        state=d.state,
        colour=colour(d.state),
        device_id=d.id,
        device_kind=d.kind,
        site_code=site.code if site else "",
        site_name=site.name if site else "",
        external=external,
        cut=cut,
    )


def site_map(
    site: MapSite,
    sites: Sequence[MapSite],
    devices: Sequence[MapDevice],
    neighbours: Mapping[int, Sequence[Row]],
    ports: Mapping[int, Sequence[MapPort]],
) -> NetworkMap:
    """Every device of `site`, the devices of other sites it is linked to, and their links."""
    site_by_id = {s.id: s for s in sites}
    shown = {d.id for d in devices if d.site_id == site.id}
    links = physical_links(devices, neighbours, ports)
    edges = device_edges(devices, links, shown, _speaking(neighbours))
    ends = {int(e.source[1:]) for e in edges} | {int(e.target[1:]) for e in edges}
    cut = cut_off(devices)
    nodes = [
        _device_node(d, site_by_id.get(d.site_id), external=d.id not in shown, cut=d.id in cut)
        for d in devices
        if d.id in shown or d.id in ends
    ]
    return NetworkMap("site", site, nodes, [_with_cut(e, cut) for e in edges])


def _with_cut(edge: Edge, cut: set[int]) -> Edge:
    return replace(edge, cut=True) if int(edge.target[1:]) in cut else edge


def district_map(
    sites: Sequence[MapSite],
    devices: Sequence[MapDevice],
    neighbours: Mapping[int, Sequence[Row]],
    ports: Mapping[int, Sequence[MapPort]],
) -> NetworkMap:
    """The hub sites' devices, one node per other site, and the links between them."""
    hubs = hub_sites(devices)
    site_of = {d.id: d.site_id for d in devices}
    site_by_id = {s.id: s for s in sites}
    shown = {d.id for d in devices if d.site_id in hubs}
    cut = cut_off(devices)

    def node_of(device_id: int) -> str:
        return f"d{device_id}" if device_id in shown else f"s{site_of[device_id]}"

    nodes = [
        _device_node(d, site_by_id.get(d.site_id), external=False, cut=d.id in cut)
        for d in devices
        if d.id in shown
    ]
    members: dict[int, list[MapDevice]] = defaultdict(list)
    for d in devices:
        if d.site_id not in hubs:
            members[d.site_id].append(d)
    for s in sites:
        if s.id in hubs:
            continue
        inside = members.get(s.id, [])
        state = worst(d.state for d in inside)
        counts = dict.fromkeys(STATES, 0)
        for d in inside:
            counts[d.state if d.state in counts else Status.UNKNOWN.value] += 1
        uplinks = [d for d in inside if is_uplink(d, site_of)]
        router_cut = bool(uplinks) and all(d.id in cut for d in uplinks)
        nodes.append(
            Node(
                id=f"s{s.id}",
                label=s.code,
                state=state,
                colour=colour(state),
                site_code=s.code,
                site_name=s.name,
                cut=router_cut,
                counts=counts,
                router_state=worst(d.state for d in uplinks) if uplinks else None,
            )
        )

    # Device-level edges touching a hub device, or joining two sites; then ends collapsed.
    links = physical_links(devices, neighbours, ports)
    crossing = {d.id for d in devices if d.id in shown or is_uplink(d, site_of)}
    edges = []
    for e in device_edges(devices, links, crossing, _speaking(neighbours)):
        a, b = int(e.source[1:]), int(e.target[1:])
        source, target = node_of(a), node_of(b)
        if source == target:
            continue
        edges.append(
            Edge(
                source,
                target,
                e.kind,
                suspect=e.suspect,
                source_port=e.source_port,
                target_port=e.target_port,
                utilisation_pct=e.utilisation_pct,
                cut=b in cut,
            )
        )
    return NetworkMap("district", None, nodes, _unique(edges))


def _speaking(neighbours: Mapping[int, Sequence[Row]]) -> set[int]:
    return {device_id for device_id, rows in neighbours.items() if rows}


def _unique(edges: list[Edge]) -> list[Edge]:
    """One edge per (source, target, kind): a school's two uplinks to one office device are two
    device links but one line between the office device and the school's node; the suspect or
    cut one wins, so a problem is not hidden behind a fine twin."""
    seen: dict[str, Edge] = {}
    for e in sorted(edges, key=lambda e: (not e.suspect, not e.cut)):
        seen.setdefault(e.id, e)
    return list(seen.values())
