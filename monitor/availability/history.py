"""Reading what availability needs from the database: the thin I/O side of monitor.availability.intervals.

A constant number of queries per call whatever the district's size: devices, the state intervals
that touch the window, the maintenance windows that touch it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from monitor.availability.intervals import (
    Availability,
    DeviceInfo,
    MaintenanceSpan,
    Span,
    availability,
)
from monitor.db.models import Device, MaintenanceWindow, Site, StateInterval
from monitor.status.maintenance import window_occurrences


@dataclass(frozen=True)
class DeviceName:
    id: int
    name: str
    kind: str
    site_id: int
    site_code: str
    site_name: str
    address: str = ""  # what is pinged: an IP address or a host name


@dataclass(frozen=True)
class SiteName:
    id: int
    code: str
    name: str


@dataclass
class History:
    """Who is in the district and what they did between `start` and `end`."""

    start: datetime
    end: datetime
    devices: list[DeviceInfo[int, int]]
    device_names: dict[int, DeviceName]
    sites: dict[int, SiteName]
    spans: dict[int, list[Span]]
    maintenance: list[MaintenanceSpan[int, int]]

    def availability(
        self, start: datetime, end: datetime, *, site_rule: str = "uplink"
    ) -> Availability[int, int]:
        """Figures for any window inside the loaded one (a month of a loaded half-year)."""
        return availability(
            self.devices, self.spans, start, end, maintenance=self.maintenance, site_rule=site_rule
        )


def load_history(session: Session, start: datetime, end: datetime) -> History:
    """Devices of enabled sites (enabled ones, and disabled ones that have history in the window),
    with their intervals and maintenance windows overlapping [start, end)."""
    interval_rows = session.execute(
        select(
            StateInterval.device_id,
            StateInterval.status,
            StateInterval.started_at,
            StateInterval.ended_at,
        ).where(
            StateInterval.started_at < end,
            or_(StateInterval.ended_at.is_(None), StateInterval.ended_at > start),
        )
    ).all()
    spans: dict[int, list[Span]] = defaultdict(list)
    for iv in interval_rows:
        spans[iv.device_id].append(Span(iv.status, iv.started_at, iv.ended_at))

    rows = session.execute(
        select(
            Device.id,
            Device.name,
            Device.kind,
            Device.parent_id,
            Device.enabled,
            Device.address,
            Site.id.label("site_id"),
            Site.code,
            Site.name.label("site_name"),
        )
        .join(Site, Site.id == Device.site_id)
        .where(Site.enabled.is_(True))
        .order_by(Site.code, Device.name)
    ).all()
    devices: list[DeviceInfo[int, int]] = []
    names: dict[int, DeviceName] = {}
    sites: dict[int, SiteName] = {}
    for r in rows:
        # An asset without an address is never polled: counted nowhere, not even as unknown
        # (unless it was polled in the window, before its address was taken away).
        if (not r.enabled or r.address is None) and r.id not in spans:
            continue
        devices.append(DeviceInfo(r.id, r.site_id, r.kind, r.parent_id))
        names[r.id] = DeviceName(
            r.id, r.name, r.kind, r.site_id, r.code, r.site_name, address=r.address or ""
        )
        sites[r.site_id] = SiteName(r.site_id, r.code, r.site_name)

    # A weekly window's starts_at..ends_at is only its validity range: what is excluded is each
    # occurrence (e.g. every Saturday 08:00-12:00), never the whole range.
    windows = [
        MaintenanceSpan(begin, finish, device=w.device_id, site=w.site_id)
        for w in session.scalars(
            select(MaintenanceWindow).where(
                MaintenanceWindow.starts_at < end, MaintenanceWindow.ends_at > start
            )
        )
        for begin, finish in window_occurrences(w, start, end)
    ]
    return History(start, end, devices, names, sites, dict(spans), windows)


def observed_between(session: Session, start: datetime, end: datetime) -> bool:
    """Whether ictmon observed any device at any moment of [start, end): a state other than
    unknown. A month before monitoring began (or while ictmon was off all month) has none."""
    found = session.execute(
        select(StateInterval.id)
        .where(
            StateInterval.status != "unknown",
            StateInterval.started_at < end,
            or_(StateInterval.ended_at.is_(None), StateInterval.ended_at > start),
        )
        .limit(1)
    ).first()
    return found is not None


def first_observed(spans: dict[int, list[Span]], start: datetime, end: datetime) -> datetime | None:
    """The first moment of [start, end) at which some device was observed; None for none."""
    moments = [
        max(span.start, start)
        for device_spans in spans.values()
        for span in device_spans
        if span.status != "unknown" and span.start < end and (span.end is None or span.end > start)
    ]
    return min(moments, default=None)


def latest_observed(session: Session, now: datetime) -> datetime | None:
    """The last moment ictmon observed some device: now while one is observed, else the end of
    the latest observed interval; None when nothing was ever observed."""
    observed = StateInterval.status != "unknown"
    if session.execute(
        select(StateInterval.id).where(observed, StateInterval.ended_at.is_(None)).limit(1)
    ).first():
        return now
    return session.execute(select(func.max(StateInterval.ended_at)).where(observed)).scalar()
