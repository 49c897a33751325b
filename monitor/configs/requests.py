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


def collector_of(session: Session, device_id: int) -> str | None:
    """The name of the edge collector that measures (and backs up) the device, or None."""
    collector_id = collector_measured(session).get(device_id)
    if collector_id is None:
        return None
    collector = session.get(Collector, collector_id)
    return collector.name if collector is not None else None


def collector_revoked(session: Session, device_id: int) -> bool:
    """Whether the collector of the device's school was revoked: the request then waits for
    the collector an admin creates for the school next (its configuration carries it)."""
    collector_id = collector_measured(session).get(device_id)
    collector = session.get(Collector, collector_id) if collector_id is not None else None
    return collector is not None and collector.revoked_at is not None


def ask_collector(session: Session, device_id: int, by: str, at: datetime) -> str | None:
    """Record a "back up now" for the collector that backs the device up; returns its name, or
    None when no collector does (the office backs it up itself). A newer request replaces a
    waiting one."""
    name = collector_of(session, device_id)
    if name is None:
        return None
    request = session.get(SshBackupRequest, device_id)
    if request is None:
        session.add(SshBackupRequest(device_id=device_id, requested_at=at, requested_by=by[:160]))
    else:
        request.requested_at, request.requested_by = at, by[:160]
    session.flush()
    return name


def waiting_request(session: Session, device_id: int) -> SshBackupRequest | None:
    return session.get(SshBackupRequest, device_id)
