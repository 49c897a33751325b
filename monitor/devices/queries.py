"""Reads for the management pages (sites, devices, the device form's lists): one query each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from monitor.db.models import Device, Site, SnmpProfile, SshCredentialProfile


@dataclass(frozen=True)
class SiteRow:
    id: int
    code: str
    name: str
    enabled: bool
    devices: int


@dataclass(frozen=True)
class DeviceRow:
    id: int
    site_code: str
    name: str
    address: str | None  # None: an asset nothing polls
    kind: str
    enabled: bool
    parent: str | None  # "SITE/name"


@dataclass(frozen=True)
class DeviceFilter:
    site: str | None = None  # site code
    kind: str | None = None
    enabled: bool | None = None
    q: str | None = None  # in name, address, model, serial, location


def site_rows(session: Session) -> list[SiteRow]:
    counts = select(Device.site_id, func.count().label("n")).group_by(Device.site_id).subquery()
    query = (
        select(Site.id, Site.code, Site.name, Site.enabled, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.site_id == Site.id)
        .order_by(Site.code)
    )
    return [SiteRow(*row) for row in session.execute(query)]


def device_rows(session: Session, where: DeviceFilter = DeviceFilter()) -> list[DeviceRow]:
    parent, parent_site = aliased(Device), aliased(Site)
    query = (
        select(
            Device.id,
            Site.code,
            Device.name,
            Device.address,
            Device.kind,
            Device.enabled,
            parent_site.code,
            parent.name,
        )
        .join(Site, Site.id == Device.site_id)
        .outerjoin(parent, parent.id == Device.parent_id)
        .outerjoin(parent_site, parent_site.id == parent.site_id)
        .order_by(Site.code, Device.name)
    )
    if where.site:
        query = query.where(Site.code == where.site)
    if where.kind:
        query = query.where(Device.kind == where.kind)
    if where.enabled is not None:
        query = query.where(Device.enabled == where.enabled)
    if where.q:
        words = [
            c.contains(where.q, autoescape=True)
            for c in (Device.name, Device.address, Device.model, Device.serial, Device.location)
        ]
        query = query.where(or_(*words))
    return [
        DeviceRow(id, code, name, address, kind, enabled, f"{p_code}/{p_name}" if p_name else None)
        for id, code, name, address, kind, enabled, p_code, p_name in session.execute(query)
    ]


def descendants(parent_of: Mapping[int, int | None], device_id: int) -> set[int]:
    """Pure: every device below `device_id` in the tree (loops in the data end the walk)."""
    children: dict[int, list[int]] = {}
    for child, parent in parent_of.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[int] = set()
    stack = list(children.get(device_id, ()))
    while stack:
        current = stack.pop()
        if current in found or current == device_id:
            continue
        found.add(current)
        stack.extend(children.get(current, ()))
    return found


def parent_choices(
    session: Session, device_id: int | None = None
) -> list[tuple[str, str, list[tuple[int, str]]]]:
    """[(site code, site name, [(device id, name)])] a device may hang off: every device but
    itself and those below it (choosing one of them would make a loop)."""
    rows = session.execute(
        select(Device.id, Device.name, Device.parent_id, Site.code, Site.name)
        .join(Site, Site.id == Device.site_id)
        .order_by(Site.code, Device.name)
    ).all()
    excluded = set()
    if device_id is not None:
        excluded = descendants({r[0]: r[2] for r in rows}, device_id) | {device_id}
    groups: dict[str, tuple[str, str, list[tuple[int, str]]]] = {}
    for id_, name, _, code, site_name in rows:
        if id_ not in excluded:
            groups.setdefault(code, (code, site_name, []))[2].append((id_, name))
    return list(groups.values())


def site_choices(session: Session) -> list[tuple[int, str, str]]:
    return list(session.execute(select(Site.id, Site.code, Site.name).order_by(Site.code)).all())


def profile_choices(session: Session) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """([(id, name)] of SNMP profiles, [(id, name)] of SSH profiles)."""
    snmp = session.execute(select(SnmpProfile.id, SnmpProfile.name).order_by(SnmpProfile.name))
    ssh = session.execute(
        select(SshCredentialProfile.id, SshCredentialProfile.name).order_by(
            SshCredentialProfile.name
        )
    )
    return [(r[0], r[1]) for r in snmp], [(r[0], r[1]) for r in ssh]
