"""A backup the office asks of an edge collector: the device is behind a school's NAT, so the
office does not try it; the request (SshBackupRequest) goes to the collector with its
configuration (monitor.edge.config), and the collector's backup answering it removes it
(monitor.edge.backups). Used by the device page's "back up now" and `ictmon backup --device`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from monitor.db.models import Collector, SshBackupRequest
from monitor.status.store import collector_measured


def collector_of(session: Session, device_id: int) -> Collector | None:
    """The edge collector that measures (and backs up) the device, or None. A revoked one
    (`revoked_at`) keeps its school's sites until a new collector takes them over, so a request
    for it waits for that one (its configuration carries the request)."""
    collector_id = collector_measured(session, devices=[device_id]).get(device_id)
    return session.get(Collector, collector_id) if collector_id is not None else None


def ask_collector(session: Session, device_id: int, by: str, at: datetime) -> Collector | None:
    """Record a "back up now" for the collector that backs the device up; returns it, or None
    when no collector does (the office backs it up itself). A newer request replaces a
    waiting one."""
    collector = collector_of(session, device_id)
    if collector is None:
        return None
    request = session.get(SshBackupRequest, device_id)
    if request is None:
        session.add(SshBackupRequest(device_id=device_id, requested_at=at, requested_by=by[:160]))
    else:
        request.requested_at, request.requested_by = at, by[:160]
    session.flush()
    return collector


def waiting_request(session: Session, device_id: int) -> SshBackupRequest | None:
    return session.get(SshBackupRequest, device_id)
