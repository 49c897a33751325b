"""Reads for the incident log, the device page's open incidents, the outbox page and the API.

A constant number of queries per page: incidents, then their children, then (for one incident)
its timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from monitor.db.models import Device, Incident, IncidentDevice, IncidentEvent, Site
from monitor.domain import IncidentState


@dataclass(frozen=True)
class IncidentRow:
    id: int
    title: str
    manual: bool
    state: str
    cause: str | None
    device_id: int | None
    device: str | None
    site_code: str | None
    site_name: str | None
    opened_at: datetime
    opened_by: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    children: tuple[str, ...]

    def duration(self, now: datetime) -> timedelta:
        return (self.resolved_at or now) - self.opened_at


@dataclass(frozen=True)
class IncidentFilter:
    site: str | None = None
    state: str | None = None  # open (= open or acknowledged) / acknowledged / resolved
    cause: str | None = None
    since: datetime | None = None  # opened at or after
    until: datetime | None = None  # opened before
    device_id: int | None = None


def incidents(
    session: Session, where: IncidentFilter = IncidentFilter(), limit: int = 500
) -> list[IncidentRow]:
    query = (
        select(Incident, Device.name, Site.code, Site.name)
        .outerjoin(Device, Device.id == Incident.device_id)
        .outerjoin(Site, Site.id == Incident.site_id)
    )
    if where.site:
        query = query.where(Site.code == where.site)
    if where.state == IncidentState.OPEN:
        query = query.where(Incident.state.in_((IncidentState.OPEN, IncidentState.ACKNOWLEDGED)))
    elif where.state:
        query = query.where(Incident.state == where.state)
    if where.cause:
        query = query.where(Incident.cause == where.cause)
    if where.since:
        query = query.where(Incident.opened_at >= where.since)
    if where.until:
        query = query.where(Incident.opened_at < where.until)
    if where.device_id is not None:
        affected = select(IncidentDevice.incident_id).where(
            IncidentDevice.device_id == where.device_id
        )
        query = query.where((Incident.device_id == where.device_id) | Incident.id.in_(affected))
    rows = session.execute(
        query.order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(limit)
    ).all()
    children = _children(session, [r[0].id for r in rows])
    return [_row(i, device, code, name, children.get(i.id, ())) for i, device, code, name in rows]


def incident(session: Session, incident_id: int) -> IncidentRow | None:
    row = session.execute(
        select(Incident, Device.name, Site.code, Site.name)
        .outerjoin(Device, Device.id == Incident.device_id)
        .outerjoin(Site, Site.id == Incident.site_id)
        .where(Incident.id == incident_id)
    ).first()
    if row is None:
        return None
    i, device, code, name = row
    return _row(i, device, code, name, _children(session, [i.id]).get(i.id, ()))


def timeline(session: Session, incident_id: int) -> list[IncidentEvent]:
    return list(
        session.scalars(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident_id)
            .order_by(IncidentEvent.at, IncidentEvent.id)
        )
    )


def _children(session: Session, ids: list[int]) -> dict[int, tuple[str, ...]]:
    if not ids:
        return {}
    child = aliased(Device)
    found: dict[int, list[str]] = {}
    for incident_id, name in session.execute(
        select(IncidentDevice.incident_id, child.name)
        .join(child, child.id == IncidentDevice.device_id)
        .where(IncidentDevice.incident_id.in_(ids))
        .order_by(child.name)
    ):
        found.setdefault(incident_id, []).append(name)
    return {k: tuple(v) for k, v in found.items()}


def _row(i: Incident, device, code, name, children) -> IncidentRow:
    return IncidentRow(
        i.id,
        i.title,
        i.manual,
        i.state,
        i.cause,
        i.device_id,
        device,
        code,
        name,
        i.opened_at,
        i.opened_by,
        i.acknowledged_at,
        i.acknowledged_by,
        i.resolved_at,
        i.resolved_by,
        tuple(children),
    )


def site_choices(session: Session) -> list[tuple[int, str, str]]:
    return [
        (r[0], r[1], r[2])
        for r in session.execute(select(Site.id, Site.code, Site.name).order_by(Site.code))
    ]


def device_choices(session: Session) -> list[tuple[int, str, str]]:
    return [
        (r[0], r[1], r[2])
        for r in session.execute(
            select(Device.id, Site.code, Device.name)
            .join(Site, Site.id == Device.site_id)
            .order_by(Site.code, Device.name)
        )
    ]
