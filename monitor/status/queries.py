"""What the web front reads, as query functions: all its SQL lives here.

Each function answers one page or one API call with a fixed number of queries, whatever the number
of sites and devices (the status page aggregates in SQL; device lists are one joined query), and
returns plain frozen dataclasses that templates and the JSON API format without further logic.

Only enabled sites and devices appear on the status page, site pages and device lists; a disabled
device's own page still opens.

How a site's tile is coloured (`SiteTile.level`), worst first:

- ``offline``  (red):   an uplink device of the site is down — a device with no parent, or whose
  parent is in another site (the school's router hanging off the office core). The school is cut off.
- ``degraded`` (amber): something is wrong but the site's uplink answers — a device inside the site
  is down (an access point, a switch), or devices are unreachable (their parent is down; when the
  parent is the office core, the whole school is unreachable through no fault of its own: the red
  tile is the office's).
- ``unknown``  (grey):  worst state is unknown (never polled, or the poller was not running), or the
  site has no devices yet.
- ``maintenance`` (blue): devices under planned maintenance, none failing.
- ``ok``       (green): every device up.

Within a level, the longest-lasting problem comes first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnClause, case, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from monitor.db.models import (
    Device,
    DeviceState,
    PingRollup,
    PingSample,
    ServiceHeartbeat,
    Site,
    StateInterval,
)
from monitor.domain import STATUS_SEVERITY, Status
from monitor.localtime import stored_utc, utcnow

STATES = tuple(s.value for s in sorted(Status, key=lambda s: -STATUS_SEVERITY[s]))  # worst first
LEVELS = ("offline", "degraded", "unknown", "maintenance", "ok")  # worst first

_UNKNOWN: ColumnClause[str] = literal_column("'unknown'")


def _status_column():
    """A device's current status; a device without a device_states row is unknown."""
    return func.coalesce(DeviceState.status, _UNKNOWN)


# --------------------------------------------------------------------------------------------
# Status page and /api/v1/sites


@dataclass(frozen=True)
class SiteTile:
    id: int
    code: str
    name: str
    level: str  # one of LEVELS: the tile's colour
    state: str  # worst device state (STATES); "unknown" for a site without devices
    since: datetime | None  # when the longest-lasting device in `state` entered it
    counts: dict[str, int]  # devices per state, every state present
    total: int

    @property
    def problems(self) -> int:
        return self.total - self.counts[Status.UP]


@dataclass(frozen=True)
class StatusOverview:
    tiles: list[SiteTile]
    now: datetime
    last_poll_at: datetime | None
    counts: dict[str, int]  # devices per state, whole district
    levels: dict[str, int] = field(default_factory=dict)  # sites per level

    @property
    def worst_level(self) -> str:
        return next((level for level in LEVELS if self.levels.get(level)), "ok")

    @property
    def devices_total(self) -> int:
        return sum(self.counts.values())

    @property
    def sites_total(self) -> int:
        return len(self.tiles)


def site_tiles(session) -> list[SiteTile]:
    """Every enabled site with its worst state and device counts, worst first. Two queries."""
    sites = session.execute(
        select(Site.id, Site.code, Site.name).where(Site.enabled.is_(True))
    ).all()

    parent = aliased(Device)
    per_device = (
        select(
            Device.site_id.label("site_id"),
            _status_column().label("status"),
            case(
                (or_(Device.parent_id.is_(None), parent.site_id != Device.site_id), 1), else_=0
            ).label("is_uplink"),
            DeviceState.since.label("since"),
        )
        .select_from(Device)
        .outerjoin(DeviceState, DeviceState.device_id == Device.id)
        .outerjoin(parent, parent.id == Device.parent_id)
        .where(Device.enabled.is_(True), Device.address.is_not(None))
        .subquery()
    )
    grouped = session.execute(
        select(
            per_device.c.site_id,
            per_device.c.status,
            per_device.c.is_uplink,
            func.count(),
            func.min(per_device.c.since),
        ).group_by(per_device.c.site_id, per_device.c.status, per_device.c.is_uplink)
    ).all()

    groups: dict[int, list[tuple[str, bool, int, datetime | None]]] = defaultdict(list)
    for site_id, status, is_uplink, n, first_since in grouped:
        groups[site_id].append((status, bool(is_uplink), n, stored_utc(first_since)))
    tiles = [make_tile(site_id, code, name, groups[site_id]) for site_id, code, name in sites]
    tiles.sort(key=_tile_order)
    return tiles


def make_tile(
    site_id: int, code: str, name: str, groups: list[tuple[str, bool, int, datetime | None]]
) -> SiteTile:
    """A site's tile from its devices grouped by (status, is_uplink) with count and earliest
    since. Pure: the colouring rules of the module docstring live here and only here."""
    counts = dict.fromkeys(STATES, 0)
    for status, _uplink, n, _since in groups:
        counts[status if status in counts else Status.UNKNOWN.value] += n
    total = sum(counts.values())
    state = next((s for s in STATES if counts[s]), Status.UNKNOWN.value)
    uplinks_down = [
        since for status, uplink, _n, since in groups if status == Status.DOWN.value and uplink
    ]
    if total == 0:
        level = "unknown"
    elif state == Status.DOWN.value:
        level = "offline" if uplinks_down else "degraded"
    else:
        level = {
            Status.UNREACHABLE.value: "degraded",
            Status.UNKNOWN.value: "unknown",
            Status.MAINTENANCE.value: "maintenance",
        }.get(state, "ok")
    # How long the problem has lasted: since the uplink went down when the school is offline
    # (an access point dead for a week must not make today's outage look a week old).
    candidates = (
        uplinks_down
        if level == "offline"
        else [since for status, _uplink, _n, since in groups if status == state]
    )
    known = [c for c in candidates if c is not None]
    return SiteTile(
        id=site_id,
        code=code,
        name=name,
        level=level,
        state=state,
        since=min(known) if known else None,
        counts=counts,
        total=total,
    )


def _tile_order(tile: SiteTile):
    # Worst level first; then the problem that has lasted longest; then by code.
    since_key = tile.since.timestamp() if tile.since and tile.level != "ok" else float("inf")
    return (LEVELS.index(tile.level), since_key, tile.code)


def status_overview(session, now: datetime | None = None) -> StatusOverview:
    """The status page: tiles, district totals, when the poller last ran. Three queries."""
    tiles = site_tiles(session)
    totals = dict.fromkeys(STATES, 0)
    levels = dict.fromkeys(LEVELS, 0)
    for tile in tiles:
        levels[tile.level] += 1
        for state, n in tile.counts.items():
            totals[state] += n
    last_poll = stored_utc(session.scalar(select(func.max(ServiceHeartbeat.beat_at))))
    return StatusOverview(
        tiles=tiles, now=now or utcnow(), last_poll_at=last_poll, counts=totals, levels=levels
    )


# --------------------------------------------------------------------------------------------
# Devices: lists, site page, device page


class DeviceRow(NamedTuple):
    """A device with its site, parent and current state; a tuple because the device list builds
    thousands of them per request."""

    id: int
    name: str
    address: str | None  # None: an asset nothing polls (its own page only)
    kind: str
    enabled: bool
    site_id: int
    site_code: str
    site_name: str
    parent_id: int | None
    parent_name: str | None
    parent_site_code: str | None
    parent_state: str | None
    state: str
    since: datetime | None
    last_check_at: datetime | None
    rtt_ms: float | None
    loss_pct: float | None
    last_error: str | None


def _device_select():
    """Devices with their site, current state and parent, as one joined SELECT (no credentials)."""
    parent = aliased(Device)
    parent_site = aliased(Site)
    parent_state = aliased(DeviceState)
    stmt = (
        select(
            Device.id,
            Device.name,
            Device.address,
            Device.kind,
            Device.enabled,
            Device.site_id,
            Site.code,
            Site.name,
            Device.parent_id,
            parent.name,
            parent_site.code,
            func.coalesce(parent_state.status, _UNKNOWN),
            _status_column(),
            DeviceState.since,
            DeviceState.last_check_at,
            DeviceState.last_rtt_ms,
            DeviceState.last_loss_pct,
            DeviceState.last_error,
        )
        .select_from(Device)
        .join(Site, Site.id == Device.site_id)
        .outerjoin(DeviceState, DeviceState.device_id == Device.id)
        .outerjoin(parent, parent.id == Device.parent_id)
        .outerjoin(parent_site, parent_site.id == parent.site_id)
        .outerjoin(parent_state, parent_state.device_id == parent.id)
    )
    return stmt


def _device_row(r) -> DeviceRow:
    # Column order is _device_select's; times are aware UTC already (UTCDateTime columns).
    return DeviceRow(
        r[0],
        r[1],
        r[2],
        r[3],
        bool(r[4]),
        r[5],
        r[6],
        r[7],
        r[8],
        r[9],
        r[10],
        r[11] if r[8] is not None else None,
        r[12],
        r[13],
        r[14],
        r[15],
        r[16],
        r[17],
    )


def device_rows(session, site_code: str | None = None) -> list[DeviceRow]:
    """Every enabled device (of one site, if given) with state and parent. One query."""
    # Assets without an address are in the register only: the status page is what is polled.
    stmt = _device_select().where(
        Device.enabled.is_(True), Site.enabled.is_(True), Device.address.is_not(None)
    )
    if site_code is not None:
        stmt = stmt.where(Site.code == site_code)
    stmt = stmt.order_by(Site.code, Device.name, Device.id)
    # Core rows straight from the connection: no ORM result machinery for thousands of rows.
    return [_device_row(r) for r in session.connection().execute(stmt)]


def device_page(
    session, site_code: str | None, after: int, limit: int
) -> tuple[list[DeviceRow], bool]:
    """Up to `limit` of device_rows' devices with an id above `after`, by id, and whether more
    follow. One query (keyset: one row past the page says there is a next one)."""
    stmt = _device_select().where(
        Device.enabled.is_(True),
        Site.enabled.is_(True),
        Device.address.is_not(None),
        Device.id > after,
    )
    if site_code is not None:
        stmt = stmt.where(Site.code == site_code)
    stmt = stmt.order_by(Device.id).limit(limit + 1)
    rows = [_device_row(r) for r in session.connection().execute(stmt)]
    return rows[:limit], len(rows) > limit


@dataclass(frozen=True)
class TreeNode:
    """One line of the site page's device tree, flattened in display order."""

    depth: int
    device: DeviceRow | None = None  # a device of the site
    uplink: DeviceRow | None = None  # or: the parent in another site these devices hang off


@dataclass(frozen=True)
class SiteDetail:
    tile: SiteTile
    tree: list[TreeNode]
    devices: list[DeviceRow]


def site_detail(session, code: str) -> SiteDetail | None:
    """A site's summary and its devices as a tree by parent. Two queries."""
    site = session.execute(
        select(Site.id, Site.code, Site.name).where(Site.code == code, Site.enabled.is_(True))
    ).first()
    if site is None:
        return None
    devices = device_rows(session, site_code=code)
    tile = make_tile(
        site.id, site.code, site.name, [(d.state, _is_uplink(d), 1, d.since) for d in devices]
    )
    return SiteDetail(tile=tile, tree=device_tree(devices, site.id), devices=devices)


def _is_uplink(device: DeviceRow) -> bool:
    """No parent, or a parent in another site: the device the site hangs on."""
    return device.parent_id is None or device.parent_site_code != device.site_code


def device_tree(devices: list[DeviceRow], site_id: int) -> list[TreeNode]:
    """Order a site's devices as a tree: roots first (grouped under their uplink in another site,
    if any), children indented below their parent, siblings by name. Pure."""
    by_id = {d.id: d for d in devices}
    children: dict[int, list[DeviceRow]] = defaultdict(list)
    roots: list[DeviceRow] = []
    for d in devices:
        if d.parent_id is not None and d.parent_id in by_id and d.parent_id != d.id:
            children[d.parent_id].append(d)
        else:
            roots.append(d)

    nodes: list[TreeNode] = []
    seen: set[int] = set()

    def walk(device: DeviceRow, depth: int) -> None:
        if device.id in seen:
            return
        seen.add(device.id)
        nodes.append(TreeNode(depth=depth, device=device))
        for child in sorted(children[device.id], key=lambda c: (c.name, c.id)):
            walk(child, depth + 1)

    # Roots hanging off a device in another site come under that uplink; local roots after.
    external: dict[int, list[DeviceRow]] = defaultdict(list)
    local: list[DeviceRow] = []
    for root in roots:
        (external[root.parent_id] if root.parent_id is not None else local).append(root)
    for _, group in sorted(external.items(), key=lambda item: item[1][0].parent_name or ""):
        nodes.append(TreeNode(depth=0, uplink=group[0]))
        for root in sorted(group, key=lambda c: (c.name, c.id)):
            walk(root, 1)
    for root in sorted(local, key=lambda c: (c.name, c.id)):
        walk(root, 0)
    # Anything left is in a parent cycle; show it rather than hide it.
    for d in devices:
        if d.id not in seen:
            walk(d, 0)
    return nodes


@dataclass(frozen=True)
class ChildRow:
    id: int
    name: str
    kind: str
    address: str
    site_code: str
    state: str
    since: datetime | None


@dataclass(frozen=True)
class IntervalRow:
    state: str
    started_at: datetime
    ended_at: datetime | None
    duration: timedelta


@dataclass(frozen=True)
class DeviceDetail:
    device: DeviceRow
    children: list[ChildRow]
    history: list[IntervalRow]


def device_detail(
    session, device_id: int, *, history_limit: int = 50, now: datetime | None = None
) -> DeviceDetail | None:
    """One device with its children and its most recent state intervals. Three queries."""
    row = session.execute(_device_select().where(Device.id == device_id)).first()
    if row is None:
        return None
    device = _device_row(row)
    now = now or utcnow()
    child_rows = session.execute(
        select(
            Device.id,
            Device.name,
            Device.kind,
            Device.address,
            Site.code,
            _status_column(),
            DeviceState.since,
        )
        .join(Site, Site.id == Device.site_id)
        .outerjoin(DeviceState, DeviceState.device_id == Device.id)
        .where(Device.parent_id == device_id, Device.enabled.is_(True), Device.address.is_not(None))
        .order_by(Device.name, Device.id)
    ).all()
    children = [
        ChildRow(
            id=r[0],
            name=r[1],
            kind=r[2],
            address=r[3],
            site_code=r[4],
            state=r[5],
            since=stored_utc(r[6]),
        )
        for r in child_rows
    ]
    intervals = session.execute(
        select(StateInterval.status, StateInterval.started_at, StateInterval.ended_at)
        .where(StateInterval.device_id == device_id)
        .order_by(StateInterval.started_at.desc(), StateInterval.id.desc())
        .limit(history_limit)
    ).all()
    history = [
        IntervalRow(
            state=s,
            started_at=stored_utc(a),
            ended_at=stored_utc(b),
            duration=(stored_utc(b) or now) - stored_utc(a),
        )
        for s, a, b in intervals
    ]
    return DeviceDetail(device=device, children=children, history=history)


# --------------------------------------------------------------------------------------------
# Latency and loss for the device chart

LATENCY_RANGES = {
    # range: (how far back, source, resolution in seconds of one point)
    "24h": (timedelta(hours=24), "samples", None),
    "7d": (timedelta(days=7), "rollups", 300),
    "30d": (timedelta(days=30), "rollups", 3600),
}


@dataclass(frozen=True)
class LatencySeries:
    device_id: int
    range: str
    start: datetime
    end: datetime
    resolution: int | None  # seconds per point; None = one point per sweep
    times: list[datetime]
    rtt_ms: list[float | None]  # None where nothing answered
    loss_pct: list[float | None]


def latency_series(
    session, device_id: int, range_: str, now: datetime | None = None
) -> LatencySeries:
    """Latency and loss of one device over 24 h (raw samples), 7 d (5-minute rollups) or 30 d
    (hourly rollups). One query. Raises ValueError for an unknown range."""
    if range_ not in LATENCY_RANGES:
        raise ValueError(f"range must be one of {', '.join(LATENCY_RANGES)}")
    span, source, resolution = LATENCY_RANGES[range_]
    end = now or utcnow()
    start = end - span
    times, rtt, loss = [], [], []
    if source == "samples":
        rows = session.execute(
            select(PingSample.at, PingSample.sent, PingSample.received, PingSample.rtt_avg_ms)
            .where(PingSample.device_id == device_id, PingSample.at >= start, PingSample.at <= end)
            .order_by(PingSample.at)
        ).all()
        for at, sent, received, rtt_avg in rows:
            times.append(stored_utc(at))
            rtt.append(None if not received else rtt_avg)
            loss.append(_loss(sent, received))
    else:
        rows = session.execute(
            select(
                PingRollup.bucket_start,
                PingRollup.sent,
                PingRollup.received,
                PingRollup.rtt_sum_ms,
                PingRollup.rtt_samples,
            )
            .where(
                PingRollup.device_id == device_id,
                PingRollup.resolution == resolution,
                PingRollup.bucket_start >= start,
                PingRollup.bucket_start <= end,
            )
            .order_by(PingRollup.bucket_start)
        ).all()
        for bucket, sent, received, rtt_sum, rtt_samples in rows:
            times.append(stored_utc(bucket))
            rtt.append(rtt_sum / rtt_samples if rtt_samples else None)
            loss.append(_loss(sent, received))
    return LatencySeries(
        device_id=device_id,
        range=range_,
        start=start,
        end=end,
        resolution=resolution,
        times=times,
        rtt_ms=rtt,
        loss_pct=loss,
    )


def _loss(sent: int | None, received: int | None) -> float | None:
    if not sent:
        return None
    return round(100.0 * (1 - (received or 0) / sent), 2)
