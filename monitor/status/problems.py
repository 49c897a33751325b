"""What needs a person's attention, as query functions for the status page and the page frame.

- `failed_devices`: the DOWN devices of every enabled site with the open incident each one caused,
  so a red or amber tile names what failed and links the incident to acknowledge.
- `recoveries`: automatic incidents resolved in the last 24 hours ("what came back overnight");
  one without a device (a school's collector out of contact) carries its title to be named by.
- `district_health`: the worst device state and the poller's last heartbeat, one statement; every
  page's frame reads it (the logo's dot, the stale-data banner).

Each function is one SELECT whatever the size of the district.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select

from monitor.db.models import Device, DeviceState, Incident, ServiceHeartbeat, Site
from monitor.domain import STATUS_SEVERITY, IncidentState, Status
from monitor.localtime import as_utc, stored_utc

RECOVERY_WINDOW = timedelta(hours=24)
RECOVERIES_SHOWN = 20

_OPEN = (IncidentState.OPEN.value, IncidentState.ACKNOWLEDGED.value)


@dataclass(frozen=True)
class FailedDevice:
    id: int
    name: str
    address: str
    since: datetime | None
    incident_id: int | None  # its open incident, when the sweep has opened one
    acknowledged: bool
    acknowledged_by: str | None


@dataclass(frozen=True)
class Recovery:
    incident_id: int
    site_code: str | None
    site_name: str | None
    device_id: int | None
    device_name: str | None
    address: str | None
    opened_at: datetime
    resolved_at: datetime
    title: str = ""

    @property
    def named_by_title(self) -> bool:
        """No device to name it by (a school's collector out of contact): its title says what."""
        return self.device_name is None and bool(self.title)


@dataclass(frozen=True)
class DistrictHealth:
    worst: str  # a Status value: the worst state of any enabled device ("unknown" without any)
    last_poll_at: datetime | None

    def stale(self, now: datetime, interval_seconds: float) -> bool:
        """True when the poller has not beaten for two intervals: the states shown are old.
        A poller that never ran is not "stale" here (the status page says so in its own words)."""
        if self.last_poll_at is None:
            return False
        return now - self.last_poll_at > timedelta(seconds=2 * interval_seconds)


def failed_devices(session) -> dict[int, list[FailedDevice]]:
    """Site id → its enabled DOWN devices, longest down first, each with its open incident."""
    rows = session.execute(
        select(
            Device.site_id,
            Device.id,
            Device.name,
            Device.address,
            DeviceState.since,
            Incident.id,
            Incident.state,
            Incident.acknowledged_by,
        )
        .select_from(Device)
        .join(Site, Site.id == Device.site_id)
        .join(DeviceState, DeviceState.device_id == Device.id)
        .outerjoin(
            Incident,
            and_(
                Incident.device_id == Device.id,
                Incident.manual.is_(False),
                Incident.state.in_(_OPEN),
            ),
        )
        .where(
            Device.enabled.is_(True),
            Site.enabled.is_(True),
            DeviceState.status == Status.DOWN.value,
        )
        .order_by(DeviceState.since, Device.name, Incident.id.desc())
    ).all()
    per_site: dict[int, list[FailedDevice]] = defaultdict(list)
    seen: set[int] = set()
    for site_id, device_id, name, address, since, incident_id, state, acked_by in rows:
        if device_id in seen:  # two open incidents for one device: the newest is enough
            continue
        seen.add(device_id)
        per_site[site_id].append(
            FailedDevice(
                id=device_id,
                name=name,
                address=address,
                since=stored_utc(since),
                incident_id=incident_id,
                acknowledged=state == IncidentState.ACKNOWLEDGED.value,
                acknowledged_by=acked_by,
            )
        )
    return dict(per_site)


def recoveries(session, now: datetime) -> list[Recovery]:
    """Automatic incidents resolved within the last 24 hours, latest first."""
    rows = session.execute(
        select(
            Incident.id,
            Site.code,
            Site.name,
            Device.id,
            Device.name,
            Device.address,
            Incident.opened_at,
            Incident.resolved_at,
            Incident.title,
        )
        .select_from(Incident)
        .outerjoin(Device, Device.id == Incident.device_id)
        .outerjoin(Site, Site.id == Incident.site_id)
        .where(
            Incident.manual.is_(False),
            Incident.state == IncidentState.RESOLVED.value,
            Incident.resolved_at >= now - RECOVERY_WINDOW,
            Incident.resolved_at <= now,
        )
        .order_by(Incident.resolved_at.desc(), Incident.id.desc())
        .limit(RECOVERIES_SHOWN)
    ).all()
    return [
        Recovery(
            incident_id=r[0],
            site_code=r[1],
            site_name=r[2],
            device_id=r[3],
            device_name=r[4],
            address=r[5],
            opened_at=as_utc(r[6]),
            resolved_at=as_utc(r[7]),
            title=r[8],
        )
        for r in rows
    ]


def district_health(session) -> DistrictHealth:
    """The worst state of any enabled device and the last heartbeat, in one statement."""
    severity = case(
        *((DeviceState.status == s.value, n) for s, n in STATUS_SEVERITY.items()),
        else_=STATUS_SEVERITY[Status.UNKNOWN],
    )
    # A device the poller has never recorded has no device_states row: NULL status, unknown.
    worst = (
        select(func.max(severity))
        .select_from(Device)
        .join(Site, Site.id == Device.site_id)
        .outerjoin(DeviceState, DeviceState.device_id == Device.id)
        # An asset without an address has no state and never will: not "unknown".
        .where(Device.enabled.is_(True), Site.enabled.is_(True), Device.address.is_not(None))
        .scalar_subquery()
    )
    last = select(func.max(ServiceHeartbeat.beat_at)).scalar_subquery()
    worst_n, last_poll = session.execute(select(worst, last)).one()
    by_severity = {n: s.value for s, n in STATUS_SEVERITY.items()}
    return DistrictHealth(
        worst=by_severity.get(worst_n, Status.UNKNOWN.value) if worst_n is not None else "unknown",
        last_poll_at=stored_utc(last_poll),
    )
