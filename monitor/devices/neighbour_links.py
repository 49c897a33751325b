"""The reads behind the device page's neighbour links and uplink port (decided in
monitor.devices.neighbours, PURE): the devices the neighbour rows may name, and where the device
stands in the tree. Two queries whatever the number of neighbours."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from monitor.db.models import Device, SnmpStatus
from monitor.devices import neighbours as nb


def tree_of(session: Session, device: Device) -> nb.Tree:
    children = session.execute(select(Device.id).where(Device.parent_id == device.id)).scalars()
    return nb.Tree(device.id, device.site_id, device.parent_id, frozenset(children))


def known_devices(session: Session, rows: Sequence[dict]) -> list[nb.KnownDevice]:
    """The devices whose name, sysName or address one of the rows mentions."""
    names: set[str] = set()
    addresses: set[str] = set()
    for row in rows:
        names |= nb.name_forms(row.get("remote_name"))
        chassis = row.get("remote_chassis")
        if chassis:
            addresses.add(chassis.strip())
    if not names and not addresses:
        return []
    # A stored name or sysName may carry a domain the neighbour row does not ("sw1.school"):
    # such rows come back by prefix, and the pure matcher decides.
    short = func.lower(Device.name)
    sys_name = func.lower(SnmpStatus.sys_name)
    prefixes = [_like_prefix(n) for n in sorted(names) if "." not in n]
    query = (
        select(Device.id, Device.name, Device.site_id, Device.address, SnmpStatus.sys_name)
        .outerjoin(SnmpStatus, SnmpStatus.device_id == Device.id)
        .where(
            or_(
                short.in_(names),
                sys_name.in_(names),
                Device.address.in_(addresses),
                *(short.like(p, escape="\\") for p in prefixes),
                *(sys_name.like(p, escape="\\") for p in prefixes),
            )
        )
        .limit(500)
    )
    return [nb.KnownDevice(*row) for row in session.execute(query)]


def _like_prefix(name: str) -> str:
    """`name.%` with LIKE's own characters in the (device-supplied) name taken literally."""
    escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}.%"


def linked_neighbours(session: Session, device: Device, rows: Sequence[dict]) -> list[dict]:
    """Each neighbour row with `device` set to the known device it is, or None."""
    if not rows:
        return []
    return nb.link_neighbours(rows, known_devices(session, rows), tree_of(session, device))
