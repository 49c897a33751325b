"""PURE: what a discovery run would change in what is stored — new devices, changed ones,
unchanged ones, devices gone silent — without ever overwriting what a person typed.

**Whose value is it.** Each stored device says which of its fields discovery itself filled in
(`discovered_fields`; a device discovery created has all of them). A field with a value that is
not among them is a person's: discovery never changes it. Where the run sees something else (a
person set the parent to the router, the links say the second switch) the difference is shown
as a `review` change, with its evidence, for a person to decide; it is never applied by
confirming the proposal. An empty field, or one discovery filled earlier, is an `apply` change.

**Matching.** A found device is the stored device with the same address (addresses are what
ictmon polls; a renamed device is the same device). A stored device whose address lies in the
swept ranges and that did not answer SNMP this run (not reached, or reached and refused) has
`silent` status: shown, never deleted, nothing changed. A new device that refused SNMP is still
proposed, as `other` with its address for a name (a person knows what it is); when it answered
the sweep's ping its `note` says so (`NOTE_SNMP_REFUSED`, a catalogue key: "answers ping, SNMP
refused"). Each proposed device carries the SNMP profile that answered (`profile`).

**The root** is the seed or the site's router; from an empty ictmon there is neither, and
`choose_root` takes the router the run found (the surest, then the lowest address).

**Names** are made unique within the site: the sysName (cut to 100 characters); when two found
devices share it, or a stored device at another address already has it, the address is added
(`router-127.40.1.9`); no sysName: the address. A stored device keeps its name.

Bounded: at most `MAX_DEVICES` found devices are proposed (the crawl is bounded already).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from collectors.discovery import Found
from monitor.discovery import kinds, topology
from monitor.domain import DeviceKind

MAX_DEVICES = 20_000
MAX_NAME = 100
NOTE_SNMP_REFUSED = "discovery.snmp_refused"  # msgid: "answers ping, SNMP refused"

# The fields discovery proposes; everything else on a device is people's business.
FIELDS = ("name", "kind", "parent", "model")


class Status(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    SILENT = "silent"


class Action(StrEnum):
    APPLY = "apply"  # an empty field or discovery's own earlier value: confirming applies it
    REVIEW = "review"  # a person's value differs: shown, never applied


@dataclass(frozen=True)
class StoredDevice:
    """What the proposal needs of a stored device of the site. `parent` is the parent's address
    (None: no parent, or a parent without an address)."""

    id: int
    name: str
    address: str | None
    kind: str
    parent: str | None = None
    model: str | None = None
    discovered_fields: frozenset[str] = frozenset()  # fields whose value discovery wrote


@dataclass(frozen=True)
class Proposed:
    """A device as the run sees it."""

    address: str
    name: str
    kind: kinds.KindGuess
    snmp_state: str
    vendor: str | None
    model: str | None
    placement: topology.Placement
    profile: str | None = None  # the SNMP profile that answered
    note: str | None = None  # a catalogue key (NOTE_SNMP_REFUSED) or None


@dataclass(frozen=True)
class Change:
    field: str
    stored: str | None
    proposed: str | None
    action: Action
    evidence: str = ""  # for a parent: "sw1 port 24 ↔ sw2 port 24 (lldp)"


@dataclass(frozen=True)
class Entry:
    status: Status
    address: str
    device_id: int | None  # the stored device, None for a new one
    proposed: Proposed | None  # None for a silent device
    changes: tuple[Change, ...] = ()

    @property
    def to_apply(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action is Action.APPLY)

    @property
    def to_review(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action is Action.REVIEW)


@dataclass(frozen=True)
class Proposal:
    entries: tuple[Entry, ...]
    topology: topology.Topology
    counts: dict[str, int] = field(default_factory=dict)

    def by_status(self, status: Status) -> list[Entry]:
        return [e for e in self.entries if e.status is status]


def unique_names(found: Sequence[Found], taken: dict[str, str]) -> dict[str, str]:
    """address → a name unique in the site. `taken`: lower-case name → the address of the
    stored device that has it (another device's name is not reused)."""
    counts: dict[str, int] = {}
    for device in found:
        base = _base_name(device)
        counts[base.lower()] = counts.get(base.lower(), 0) + 1
    names: dict[str, str] = {}
    used = dict(taken)
    for device in found:
        base = _base_name(device)
        owner = used.get(base.lower())
        clash = counts[base.lower()] > 1 or (owner is not None and owner != device.address)
        name = base if not clash or base == device.address else f"{base}-{device.address}"
        name = name[: MAX_NAME + 40]
        names[device.address] = name
        used.setdefault(name.lower(), device.address)
    return names


def _base_name(device: Found) -> str:
    text = " ".join((device.sys_name or "").split())[:MAX_NAME]
    return text or device.address


def guess_kind(device: Found, announced: frozenset[str]) -> kinds.KindGuess:
    return kinds.infer_kind(
        object_id=device.object_id,
        descr=device.descr,
        services=device.services,
        capabilities=device.capabilities | announced,
    )


def evidence(placement: topology.Placement, names: dict[str, str]) -> str:
    if placement.parent is None:
        return placement.reason
    here = names.get(placement.address, placement.address)
    there = names.get(placement.parent, placement.parent)
    return (
        f"{here} {placement.local_port or '?'} ↔ {there} {placement.parent_port or '?'}"
        f" ({', '.join(placement.protocols)})"
    )


def choose_root(found: Sequence[Found]) -> str | None:
    """The run's own router, for a site with no seed and no stored router: among the devices
    that answered SNMP, a router by kind (surest first), else any, lowest address first."""
    answered = [f for f in list(found)[:MAX_DEVICES] if f.state == "ok"]
    if not answered:
        return None
    _, announced = topology.build_links(answered)
    rank = {kinds.Confidence.HIGH: 0, kinds.Confidence.MEDIUM: 1, kinds.Confidence.LOW: 2}

    def order(device: Found) -> tuple[int, int, tuple[int, int]]:
        guess = guess_kind(device, announced.get(device.address, frozenset()))
        is_router = guess.kind is DeviceKind.ROUTER
        return (0 if is_router else 1, rank[guess.confidence], topology.address_key(device.address))

    return min(answered, key=order).address


def propose(
    found: Sequence[Found],
    root: str,
    stored: Iterable[StoredDevice],
    ranges: Sequence[str],
) -> Proposal:
    """Compare the run (`found`, placed under `root`) with the site's stored devices."""
    found = list(found)[:MAX_DEVICES]
    stored = list(stored)
    networks = [ipaddress.ip_network(r, strict=False) for r in ranges]
    by_address: dict[str, StoredDevice] = {}
    for row in stored:
        address = _norm(row.address)
        if address is not None:
            by_address[address] = row
    taken = {s.name.lower(): _norm(s.address) or f"#{s.id}" for s in stored}
    tree = topology.infer(found, root)
    names = unique_names([f for f in found if f.address not in by_address], taken)
    for address, row in by_address.items():
        names[address] = row.name
    entries: list[Entry] = []
    for device in found:
        placement = tree.placements[device.address]
        proposed = Proposed(
            address=device.address,
            name=names[device.address],
            kind=guess_kind(device, tree.announced.get(device.address, frozenset())),
            snmp_state=device.state,
            vendor=device.vendor,
            model=device.model,
            placement=placement,
            profile=device.profile,
            note=NOTE_SNMP_REFUSED if device.pinged and device.state != "ok" else None,
        )
        existing = by_address.get(device.address)
        if existing is None:
            entries.append(Entry(Status.NEW, device.address, None, proposed))
            continue
        if device.state != "ok":  # what it said before stands; the page says it went quiet
            entries.append(Entry(Status.SILENT, device.address, existing.id, proposed))
            continue
        changes = _changes(existing, proposed, names)
        status = Status.CHANGED if changes else Status.UNCHANGED
        entries.append(Entry(status, device.address, existing.id, proposed, changes))
    listed = {e.address for e in entries}
    for address, row in sorted(by_address.items(), key=lambda i: topology.address_key(i[0])):
        if address not in listed and _inside(address, networks):
            entries.append(Entry(Status.SILENT, address, row.id, None))
    counts = {s.value: sum(1 for e in entries if e.status is s) for s in Status}
    return Proposal(tuple(entries), tree, counts)


def _changes(stored: StoredDevice, proposed: Proposed, names: dict[str, str]) -> tuple[Change, ...]:
    changes = []
    mine = stored.discovered_fields

    def compare(name: str, old: str | None, new: str | None, evidence: str = "") -> None:
        if new is None or (old or None) == new:
            return
        action = Action.APPLY if not old or name in mine else Action.REVIEW
        changes.append(Change(name, old, new, action, evidence))

    # `other` is what an unsure guess falls back to: it never replaces a kind.
    if proposed.kind.kind is not DeviceKind.OTHER:
        compare("kind", stored.kind, proposed.kind.kind.value, proposed.kind.detail)
    compare("model", stored.model, proposed.model)
    placement = proposed.placement
    if placement.parent is not None:
        compare("parent", stored.parent, placement.parent, evidence(placement, names))
    return tuple(changes)


def _norm(address: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        return None


def _inside(
    address: str, networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip.version == n.version and ip in n for n in networks)
