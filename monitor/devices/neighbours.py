"""PURE: what the device page makes of LLDP/CDP neighbours and of old SNMP data.

- **Which known device a neighbour is.** An LLDP row names the far end by its sysName, and by a
  chassis id that is a MAC or, on some agents, a management address. ictmon knows devices by the
  name the officer typed, the address it polls and the sysName the device itself reported. A
  neighbour matches a device when its name equals either name (case aside, with or without the
  domain: `sw1.school.local` is `sw1`), or its chassis id is the device's address. Every school
  router may be called "router", so when several devices match, the ones wired to this device in
  the tree (its parent, its children), then those of its site, win; still several: no link,
  rather than a wrong one.
- **The uplink port.** The traffic chart opens on the port facing the parent device: the local
  port of the neighbour that is the parent. Without such a neighbour (no LLDP, parent unknown or
  not speaking LLDP), it opens on the busiest port, as before.
- **Old data.** Interface states and rates are the last answer the device gave. When that answer
  is older than two SNMP rounds the page says how old, so "in use" on an unreachable switch reads
  as what it was, not what it is.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

# How many SNMP rounds may pass before the page calls the data old.
STALE_ROUNDS = 2


@dataclass(frozen=True)
class KnownDevice:
    """A device a neighbour may be: what the database knows about it, no more."""

    id: int
    name: str
    site_id: int
    address: str | None
    sys_name: str | None = None


@dataclass(frozen=True)
class Tree:
    """Where the device whose page this is stands: its id, site, parent and children."""

    device_id: int
    site_id: int
    parent_id: int | None
    child_ids: frozenset[int] = frozenset()


def name_forms(name: str | None) -> set[str]:
    """The forms a name is compared in: lower case, and without its domain unless it is an
    address (`10.1.2.3` keeps its dots)."""
    if not name or not name.strip():
        return set()
    text = name.strip().lower()
    forms = {text}
    if "." in text and _address(text) is None:
        forms.add(text.split(".", 1)[0])
    return forms


def _address(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def candidates(neighbour: dict, devices: Iterable[KnownDevice]) -> list[KnownDevice]:
    """The devices this neighbour row may be, by name, sysName or address."""
    wanted = name_forms(neighbour.get("remote_name"))
    chassis = _address(neighbour.get("remote_chassis"))
    found = []
    for device in devices:
        names = name_forms(device.name) | name_forms(device.sys_name)
        if (wanted and wanted & names) or (chassis and chassis == _address(device.address)):
            found.append(device)
    return found


def pick(found: Sequence[KnownDevice], tree: Tree) -> KnownDevice | None:
    """One device among the candidates, or None when the choice would be a guess."""
    found = [d for d in found if d.id != tree.device_id]
    for narrower in (
        lambda d: d.id == tree.parent_id or d.id in tree.child_ids,
        lambda d: d.site_id == tree.site_id,
    ):
        if len(found) <= 1:
            break
        near = [d for d in found if narrower(d)]
        if near:
            found = near
    return found[0] if len(found) == 1 else None


def link_neighbours(
    neighbours: Sequence[dict], devices: Sequence[KnownDevice], tree: Tree
) -> list[dict]:
    """Each neighbour row with `device` (the KnownDevice it is, or None) added."""
    return [{**n, "device": pick(candidates(n, devices), tree)} for n in neighbours]


class Port(Protocol):
    """An interface row as the device page has it (monitor.devices.inventory.InterfaceRow)."""

    @property
    def if_index(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def alias(self) -> str | None: ...
    @property
    def descr(self) -> str | None: ...


@dataclass(frozen=True)
class ChartPorts:
    ports: list  # the chart's port picker, the one it opens on first
    uplink: object | None  # the port facing the parent, when a neighbour says which
    parent_name: str | None  # the parent's name, for the sentence saying why


def port_for(local_port: str, ports: Sequence[Port]) -> Port | None:
    """The port a neighbour row's local port name (or LLDP port number) is, if any."""
    wanted = local_port.strip().lower()
    for port in ports:
        if wanted in {(v or "").strip().lower() for v in (port.name, port.descr, port.alias)}:
            return port
    if wanted.isdigit():  # agents that give no port description: the LLDP port number
        return next((p for p in ports if p.if_index == int(wanted)), None)
    return None


def chart_ports(ports: Sequence[Port], linked: Sequence[dict], parent_id: int | None) -> ChartPorts:
    """`ports` are the live ports, busiest first. The uplink goes first when a neighbour that is
    the parent says which local port faces it."""
    uplink = None
    parent_name = None
    if parent_id is not None:
        for row in linked:
            device = row.get("device")
            if device is not None and device.id == parent_id:
                uplink = port_for(row.get("local_port") or "", ports)
                parent_name = device.name
                if uplink is not None:
                    break
    if uplink is None:
        return ChartPorts(list(ports), None, None)
    return ChartPorts([uplink, *(p for p in ports if p is not uplink)], uplink, parent_name)


def stale_since(collected_at: datetime | None, now: datetime, interval_s: float) -> datetime | None:
    """When the shown data was collected, if that is longer ago than STALE_ROUNDS rounds."""
    if collected_at is None:
        return None
    if now - collected_at > timedelta(seconds=STALE_ROUNDS * interval_s):
        return collected_at
    return None
