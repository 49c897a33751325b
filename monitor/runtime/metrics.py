"""What /metrics reports, read in a fixed number of queries whatever the district's size.

Device states per site and per device (enabled devices of enabled sites, as the status page counts
them; a device never polled is unknown), the scheduler's job runs (monitor.runtime.job_runs), the mail
outbox by status, SNMP and SSH-backup states, open incidents, and the poller's heartbeat.
Plain frozen dataclasses; web.api.metrics writes them in the Prometheus text format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from monitor.channels.health import counts_by_route
from monitor.db.models import (
    Device,
    DeviceState,
    Incident,
    JobRun,
    ServiceHeartbeat,
    Site,
    SnmpStatus,
    SshBackupState,
)
from monitor.domain import IncidentState
from monitor.mail import outbox
from monitor.status.queries import STATES
from monitor.status.store import POLLER
from monitor.traps import store as trap_store

OUTBOX_STATUSES = (outbox.PENDING, outbox.SENDING, outbox.SENT, outbox.FAILED)
PING_JOB = "ping-sweep"


@dataclass(frozen=True)
class DeviceLine:
    site: str
    name: str
    kind: str
    state: str


@dataclass(frozen=True)
class MetricsData:
    devices: list[DeviceLine]  # by site, then name
    jobs: list[JobRun]  # by job name
    outbox: dict[str, int]  # every OUTBOX_STATUSES key
    snmp: dict[str, int]  # SNMP state → devices
    ssh: dict[str, int]  # SSH backup state → devices
    incidents: dict[str, int]  # open / acknowledged → incidents
    poller_beat_at: datetime | None
    # Messages failed for good per route ("mail", or an alert channel's name).
    route_failures: dict[str, int] = field(default_factory=dict)
    # The trap receiver: datagrams that reached it, and those dropped by reason (every reason).
    traps_received: int = 0
    traps_dropped: dict[str, int] = field(default_factory=dict)

    def device_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        for line in self.devices:
            counts[line.state] = counts.get(line.state, 0) + 1
        return counts

    def site_counts(self) -> dict[str, dict[str, int]]:
        sites: dict[str, dict[str, int]] = {}
        for line in self.devices:
            counts = sites.setdefault(line.site, dict.fromkeys(STATES, 0))
            counts[line.state] = counts.get(line.state, 0) + 1
        return sites

    def job(self, name: str) -> JobRun | None:
        return next((j for j in self.jobs if j.job == name), None)


def _grouped(session: Session, column, *where) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).where(*where).group_by(column))
    return dict(rows.all())  # the Result itself has keys(): dict() would read it as a mapping


def read(session: Session) -> MetricsData:
    """Eight queries, whatever the number of sites and devices."""
    devices = [
        DeviceLine(site, name, kind, state)
        for site, name, kind, state in session.execute(
            select(
                Site.code,
                Device.name,
                Device.kind,
                func.coalesce(DeviceState.status, literal_column("'unknown'")),
            )
            .join(Site, Site.id == Device.site_id)
            .outerjoin(DeviceState, DeviceState.device_id == Device.id)
            .where(Device.enabled.is_(True), Site.enabled.is_(True), Device.address.is_not(None))
            .order_by(Site.code, Device.name)
        )
    ]
    jobs = list(session.scalars(select(JobRun).order_by(JobRun.job)))
    mails: dict[str, int] = dict.fromkeys(OUTBOX_STATUSES, 0)
    route_failures = {"mail": 0}
    for (route, status), n in counts_by_route(session).items():
        mails[status] = mails.get(status, 0) + n
        if status == outbox.FAILED:
            route_failures[route] = n
    trap_counts = trap_store.counts(session)
    return MetricsData(
        devices=devices,
        jobs=jobs,
        outbox=mails,
        snmp=_grouped(session, SnmpStatus.state),
        ssh=_grouped(session, SshBackupState.state),
        incidents={
            IncidentState.OPEN: 0,
            IncidentState.ACKNOWLEDGED: 0,
            **_grouped(
                session,
                Incident.state,
                Incident.state.in_((IncidentState.OPEN, IncidentState.ACKNOWLEDGED)),
            ),
        },
        poller_beat_at=session.scalar(
            select(ServiceHeartbeat.beat_at).where(ServiceHeartbeat.name == POLLER)
        ),
        route_failures=route_failures,
        traps_received=trap_counts.get(trap_store.RECEIVED, 0),
        traps_dropped={
            **dict.fromkeys(trap_store.DROP_REASONS, 0),
            **trap_store.dropped(trap_counts.items()),
        },
    )
