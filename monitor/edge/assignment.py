"""Which devices a collector measures, and which the office keeps measuring itself.

A collector measures the enabled, addressed devices of its sites, except a site's uplinks: a
device whose parent lies in another site (a school's router hanging from the office's core).
The office keeps pinging those from outside, over the WAN, which is how it sees a school cut
off; the collector sees the inside. On the collector's side a device's parent counts only when
the same collector measures it: the collector's path to a switch does not run through the
school's WAN router.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.db.models import Device
from monitor.status.store import collector_measured


def measured_by(session: Session, collector_id: int | None = None) -> dict[int, int]:
    """device id → the collector measuring it (only devices a collector measures; with
    `collector_id`, only that collector's). The query lives in monitor.status.store, one layer
    down, because the office's own sweep must leave these devices alone."""
    return collector_measured(session, collector_id)


def parents_within(session: Session, devices: set[int]) -> dict[int, int | None]:
    """Each device's parent as the collector's state function sees it: kept only when the
    parent is measured by the same collector."""
    rows = session.execute(select(Device.id, Device.parent_id).where(Device.id.in_(devices)))
    return {d: (p if p in devices else None) for d, p in rows}
