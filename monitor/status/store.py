"""Reading what a sweep needs and writing what it found: the only module that turns poll results
and state transitions into rows.

Every function takes an open Session inside the caller's transaction: a sweep's samples, its state
changes and its heartbeat commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.orm import Session, aliased

from collectors.ping import PingResult
from monitor.db.bulk import insert_rows
from monitor.db.models import (
    POLLER_HEARTBEAT,
    CollectorSite,
    Device,
    PingSample,
    ServiceHeartbeat,
    Site,
    StateInterval,
)
from monitor.db.models import DeviceState as DeviceStateRow
from monitor.domain import Status
from monitor.status.maintenance import devices_covered
from monitor.status.state import DeviceState, StateUpdate

POLLER = POLLER_HEARTBEAT


@dataclass(frozen=True)
class PollTarget:
    device_id: int
    address: str


@dataclass(frozen=True)
class PollPlan:
    """Everything the state function needs, read in a constant number of queries."""

    targets: list[PollTarget]
    parents: dict[int, int | None]
    states: dict[int, DeviceState]


def collector_measured(
    session: Session, collector_id: int | None = None, devices: Collection[int] | None = None
) -> dict[int, int]:
    """device id → the edge collector measuring it (monitor.edge.assignment explains the rule:
    its sites' enabled, addressed devices except uplinks whose parent is in another site);
    only `devices`' when given. Kept here, below monitor.edge, because the office's own sweep
    leaves these devices alone."""
    parent = aliased(Device)
    query = (
        select(Device.id, CollectorSite.collector_id)
        .join(CollectorSite, CollectorSite.site_id == Device.site_id)
        .join(Site, Site.id == Device.site_id)
        .outerjoin(parent, parent.id == Device.parent_id)
        .where(
            Device.enabled.is_(True),
            Site.enabled.is_(True),
            Device.address.is_not(None),
            (Device.parent_id.is_(None)) | (parent.site_id == Device.site_id),
        )
    )
    if collector_id is not None:
        query = query.where(CollectorSite.collector_id == collector_id)
    if devices is not None:
        query = query.where(Device.id.in_(devices))
    return {row.id: row.collector_id for row in session.execute(query)}


def load_plan(session: Session) -> PollPlan:
    """The office's own sweep: every device but those an edge collector measures (their states
    come from the collector's uploads, monitor.edge.ingest); every device's parent."""
    elsewhere = collector_measured(session)
    rows = session.execute(
        select(Device.id, Device.address, Device.parent_id)
        .join(Site, Site.id == Device.site_id)
        .where(Device.enabled.is_(True), Site.enabled.is_(True), Device.address.is_not(None))
        .order_by(Device.id)
    ).all()
    targets = [PollTarget(r.id, r.address) for r in rows if r.id not in elsewhere]
    # Parents of every device, enabled or not: a disabled router still hides its children.
    parents = {r.id: r.parent_id for r in session.execute(select(Device.id, Device.parent_id))}
    states = {
        r.device_id: DeviceState(
            Status(r.status),
            r.since,
            r.fail_count,
            r.first_fail_at,
            bool(r.flapping),
            _times(r.recent_changes),
        )
        for r in session.execute(select(DeviceStateRow)).scalars()
        if r.device_id not in elsewhere
    }
    return PollPlan(targets, parents, states)


def _times(stored: list | None) -> tuple[datetime, ...]:
    return tuple(datetime.fromisoformat(t) for t in stored or ())


def devices_in_maintenance(session: Session, at: datetime) -> set[int]:
    """Devices covered at `at` by a window on the device itself or on its whole site
    (one-off or recurring: monitor.status.maintenance decides)."""
    return devices_covered(session, at)


def last_heartbeat(session: Session) -> datetime | None:
    row = session.get(ServiceHeartbeat, POLLER)
    return row.beat_at if row else None


def beat(session: Session, at: datetime, *, started: bool = False) -> None:
    row = session.get(ServiceHeartbeat, POLLER)
    if row is None:
        session.add(ServiceHeartbeat(name=POLLER, started_at=at, beat_at=at))
    else:
        row.beat_at = at
        if started:
            row.started_at = at


def record_states(
    session: Session, update_: StateUpdate[int], previous: dict[int, DeviceState]
) -> None:
    """Persist new current states and turn each transition into closed/opened intervals."""
    table = cast(Table, DeviceStateRow.__table__)
    rows = [
        {
            "b_device_id": device,
            "status": str(s.status),
            "since": s.since,
            "fail_count": s.fail_count,
            "first_fail_at": s.first_fail_at,
            "flapping": s.flapping,
            "recent_changes": [t.isoformat() for t in s.recent_changes],
        }
        for device, s in update_.states.items()
    ]
    existing = [r for r in rows if r["b_device_id"] in previous]
    new = [r for r in rows if r["b_device_id"] not in previous]
    if existing:
        session.execute(
            table.update()
            .where(table.c.device_id == bindparam("b_device_id"))
            .values(
                status=bindparam("status"),
                since=bindparam("since"),
                fail_count=bindparam("fail_count"),
                first_fail_at=bindparam("first_fail_at"),
                flapping=bindparam("flapping"),
                recent_changes=bindparam("recent_changes"),
            ),
            existing,
        )
    if new:
        session.execute(
            insert(table),
            [
                {
                    "device_id": r["b_device_id"],
                    "status": r["status"],
                    "since": r["since"],
                    "fail_count": r["fail_count"],
                    "first_fail_at": r["first_fail_at"],
                    "flapping": r["flapping"],
                    "recent_changes": r["recent_changes"],
                }
                for r in new
            ],
        )
    record_intervals(session, update_)


def record_intervals(session: Session, update_: StateUpdate[int]) -> None:
    """Each transition closes the device's open interval and opens the next (the states
    themselves untouched: a collector's backlog writes only its last ones)."""
    if not update_.changes:
        return
    intervals = cast(Table, StateInterval.__table__)
    session.execute(
        intervals.update()
        .where(intervals.c.device_id == bindparam("b_device"), intervals.c.ended_at.is_(None))
        .values(ended_at=bindparam("b_at")),
        [{"b_device": c.device, "b_at": c.at} for c in update_.changes],
    )
    session.execute(
        insert(intervals),
        [
            {"device_id": c.device, "status": str(c.new), "started_at": c.at, "ended_at": None}
            for c in update_.changes
        ],
    )


def record_results(
    session: Session, at: datetime, results: Iterable[PingResult], *, latest: bool = True
) -> None:
    """Raw samples (short retention) and the device's latest figures for the pages
    (`latest=False`: samples only, for all but the last sweep of a collector's backlog)."""
    results = list(results)
    if not results:
        return
    record_samples(session, ((at, r) for r in results))
    if not latest:
        return
    table = cast(Table, DeviceStateRow.__table__)
    session.execute(
        table.update()
        .where(table.c.device_id == bindparam("b_device_id"))
        .values(
            last_check_at=bindparam("b_at"),
            last_rtt_ms=bindparam("b_rtt"),
            last_loss_pct=bindparam("b_loss"),
            last_error=bindparam("b_error"),
        ),
        [
            {
                "b_device_id": r.key,
                "b_at": at,
                "b_rtt": r.rtt_avg_ms,
                "b_loss": r.loss_pct,
                "b_error": (r.error or None) and r.error[:200],
            }
            for r in results
        ],
    )


def record_samples(session: Session, samples: Iterable[tuple[datetime, PingResult]]) -> None:
    """Raw samples of many sweeps in one statement (a collector's backlog: hours of sweeps)."""
    rows = [
        {
            "device_id": r.key,
            "at": at,
            "sent": r.sent,
            "received": r.received,
            "rtt_avg_ms": r.rtt_avg_ms,
            "rtt_max_ms": r.rtt_max_ms,
        }
        for at, r in samples
    ]
    insert_rows(session, PingSample, rows)


def device_names(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """id → (site code, device name), for printing a sweep."""
    ids = list(ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Device.id, Site.code, Device.name)
        .join(Site, Site.id == Device.site_id)
        .where(Device.id.in_(ids))
    ).all()
    return {r.id: (r.code, r.name) for r in rows}
