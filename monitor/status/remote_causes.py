"""Why a site is amber when nothing of its own is down: its devices are unreachable because a
device of another site failed (the office core, a district router). The status tile names that
device, its site and its incident, instead of leaving the officer to guess.

`remote_causes` is PURE (the devices as plain tuples in, causes out); `read_remote_causes` is its
one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from monitor.db.models import Device, DeviceState, Site
from monitor.domain import Status


@dataclass(frozen=True)
class Node:
    parent_id: int | None
    site_id: int
    status: str | None


@dataclass(frozen=True)
class RemoteCause:
    device_id: int
    device_name: str
    site_code: str
    site_name: str


def remote_causes(nodes: Mapping[int, Node]) -> dict[int, list[int]]:
    """Site id → the DOWN devices of other sites behind which some of its devices are
    unreachable (nearest down ancestor of each unreachable device), in first-seen order."""
    found: dict[int, list[int]] = defaultdict(list)
    for device_id in sorted(nodes):
        node = nodes[device_id]
        if node.status != Status.UNREACHABLE:
            continue
        seen = {device_id}
        parent = node.parent_id
        while parent is not None and parent not in seen and parent in nodes:
            seen.add(parent)  # a loop in the tree must not hang the page
            ancestor = nodes[parent]
            if ancestor.status == Status.DOWN:
                if ancestor.site_id != node.site_id and parent not in found[node.site_id]:
                    found[node.site_id].append(parent)
                break
            parent = ancestor.parent_id
    return dict(found)


def read_remote_causes(session) -> dict[int, list[RemoteCause]]:
    """Site id → the other sites' failed devices its tile should name. One query."""
    # Only unreachable and down devices are read: the walk from an unreachable device up to its
    # nearest down ancestor passes through unreachable ones alone (a device is unreachable
    # because the one above it is down or unreachable), so a district of 20,000 devices with one
    # school cut off reads that school's rows, not the district's. Core rows straight from the
    # connection, as queries.device_rows does, without the ORM result machinery.
    stmt = (
        select(
            Device.id,
            Device.parent_id,
            Device.site_id,
            DeviceState.status,
            Device.name,
            Site.code,
            Site.name,
        )
        .join(Site, Site.id == Device.site_id)
        .join(DeviceState, DeviceState.device_id == Device.id)
        .where(
            Device.enabled.is_(True),
            Site.enabled.is_(True),
            Device.address.is_not(None),
            DeviceState.status.in_((Status.UNREACHABLE.value, Status.DOWN.value)),
        )
    )
    rows = session.connection().execute(stmt).all()
    nodes = {r[0]: Node(r[1], r[2], r[3]) for r in rows}
    # Only a DOWN device is ever named as a cause.
    labels = {r[0]: (r[4], r[5], r[6]) for r in rows if r[3] == Status.DOWN}
    return {
        site_id: [RemoteCause(i, *labels[i]) for i in device_ids]
        for site_id, device_ids in remote_causes(nodes).items()
    }
