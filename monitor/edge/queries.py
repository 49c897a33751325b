"""What the pages show of collectors: the list on /manage/collectors, and which collector measures
a device (its page says so). Two statements for the list whatever the number of collectors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.db.models import Collector, CollectorSite, Device, Site
from monitor.edge import assignment, standing
from monitor.settings import CollectorSettings


@dataclass(frozen=True)
class CollectorRow:
    id: int
    name: str
    state: str  # monitor.edge.standing.STATES
    sites: tuple[str, ...]
    created_at: datetime
    enrolled_at: datetime | None
    enrolment_expires_at: datetime | None  # a code waiting to be used
    last_contact_at: datetime | None
    queue_length: int | None
    clock_offset_seconds: float | None
    clock: str | None  # standing.clock_level
    version: str | None
    hostname: str | None
    dropped_total: int
    revoked_at: datetime | None


def collector_rows(
    session: Session, now: datetime, settings: CollectorSettings
) -> list[CollectorRow]:
    """Every collector, revoked ones last, by name."""
    sites: dict[int, list[str]] = {}
    for collector_id, code in session.execute(
        select(CollectorSite.collector_id, Site.code)
        .join(Site, Site.id == CollectorSite.site_id)
        .order_by(Site.code)
    ):
        sites.setdefault(collector_id, []).append(code)
    rows = []
    for c in session.scalars(select(Collector).order_by(Collector.name)):
        waiting = c.enrolment_code_hash is not None and c.enrolment_used_at is None
        rows.append(
            CollectorRow(
                id=c.id,
                name=c.name,
                state=standing.collector_state(
                    revoked_at=c.revoked_at,
                    last_contact_at=c.last_contact_at,
                    now=now,
                    offline_after=settings.offline_after_seconds,
                ),
                sites=tuple(sites.get(c.id, ())),
                created_at=c.created_at,
                enrolled_at=c.enrolled_at,
                enrolment_expires_at=c.enrolment_expires_at if waiting else None,
                last_contact_at=c.last_contact_at,
                queue_length=c.queue_length,
                clock_offset_seconds=c.clock_offset_seconds,
                clock=standing.clock_level(
                    c.clock_offset_seconds,
                    warn=settings.clock_warn_seconds,
                    refuse=settings.clock_refuse_seconds,
                ),
                version=c.version,
                hostname=c.hostname,
                dropped_total=c.dropped_total or 0,
                revoked_at=c.revoked_at,
            )
        )
    rows.sort(key=lambda r: r.revoked_at is not None)
    return rows


def collector_of_device(session: Session, device_id: int) -> str | None:
    """The name of the collector measuring `device_id`, None when the office measures it."""
    found = session.execute(
        select(Collector.id, Collector.name)
        .join(CollectorSite, CollectorSite.collector_id == Collector.id)
        .join(Device, Device.site_id == CollectorSite.site_id)
        .where(Device.id == device_id, Collector.revoked_at.is_(None))
    ).first()
    if found is None:
        return None
    return found.name if device_id in assignment.measured_by(session, found.id) else None
