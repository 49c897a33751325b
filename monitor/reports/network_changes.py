"""The monthly report's "network changes" section: devices that appeared and uplinks that changed
in the period, as confirmed discovery runs recorded them (`network_changes`, monitor.discovery.
apply). One query, whatever the month holds; names as they were when the change was confirmed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.db.models import NetworkChange, Site

# The changes the report lists (a device gone silent is on the status pages, not here).
REPORTED = ("new", "parent_changed")
MAX_ROWS = 500


@dataclass(frozen=True)
class NetworkChangeRow:
    at: datetime
    site_code: str
    site_name: str
    device: str
    change: str  # new / parent_changed
    old_parent: str | None
    new_parent: str | None


def network_changes(session: Session, start: datetime, end: datetime) -> list[NetworkChangeRow]:
    """The period's changes, oldest first, at most `MAX_ROWS`."""
    rows = session.execute(
        select(
            NetworkChange.at,
            Site.code,
            Site.name,
            NetworkChange.device_name,
            NetworkChange.change,
            NetworkChange.old_parent,
            NetworkChange.new_parent,
        )
        .join(Site, Site.id == NetworkChange.site_id)
        .where(
            NetworkChange.at >= start,
            NetworkChange.at < end,
            NetworkChange.change.in_(REPORTED),
        )
        .order_by(NetworkChange.at, NetworkChange.id)
        .limit(MAX_ROWS)
    ).all()
    return [NetworkChangeRow(*row) for row in rows]
