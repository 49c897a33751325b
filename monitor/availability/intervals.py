"""Availability as exact interval arithmetic over state intervals — pure functions, no I/O.

Inputs are spans (a status from a start to an end, the end None while it still holds): the rows of
`state_intervals`, plus maintenance windows turned into MAINTENANCE spans. Outputs are durations to
the microsecond, so up + down + unreachable + maintenance + unknown is exactly the window's length.

Rules:

- A device's timeline covers the window exactly. Time no span covers (before the first interval,
  a gap, a device never polled) is UNKNOWN: neither up nor down.
- Where spans overlap (a maintenance window over recorded states, a database edited by hand), an
  instant takes the most decisive status: maintenance, then down, unreachable, up, unknown. That
  makes every result independent of how the spans are chunked or ordered.
- Availability = up / (up + down). Maintenance and unknown are excluded; unreachable is excluded too:
  the fault is upstream and counts against the parent (whose own timeline is down), not the child.
- An outage is a maximal run of DOWN time inside the window; one crossing the window's edge is cut
  there, so each month carries its own part. MTTR = downtime / outages; MTBF = uptime / outages.
- A site is available while its uplink — the root of its tree within the site: a device whose parent
  is none or in another site — is up (`site_rule="uplink"`); with several roots, all of them.
  `site_rule="all"` asks every device of the site to be up. A site's instant is its members' worst:
  down, unreachable, unknown, maintenance, up.
- The district is the sum of its sites; a device kind is the sum of its devices.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Generic, TypeVar

from monitor.domain import Status

ZERO = timedelta(0)
# What identifies a device and a site: database ids in ictmon, anything hashable in tests.
D = TypeVar("D", bound=Hashable)
S = TypeVar("S", bound=Hashable)
SITE_RULES = ("uplink", "all")

# Which status an instant takes when spans of one device overlap.
_DEVICE_PRECEDENCE = (
    Status.MAINTENANCE,
    Status.DOWN,
    Status.UNREACHABLE,
    Status.UP,
    Status.UNKNOWN,
)
# How several devices make one site: the worst member decides.
_SITE_PRECEDENCE = (Status.DOWN, Status.UNREACHABLE, Status.UNKNOWN, Status.MAINTENANCE, Status.UP)


@dataclass(frozen=True)
class Span:
    status: Status
    start: datetime
    end: datetime | None = None  # None: still in this status


@dataclass(frozen=True)
class Segment:
    status: Status
    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Figures:
    """Time in each status within a window, and the outages in it."""

    up: timedelta = ZERO
    down: timedelta = ZERO
    unreachable: timedelta = ZERO
    maintenance: timedelta = ZERO
    unknown: timedelta = ZERO
    outages: int = 0
    longest_outage: timedelta = ZERO

    @property
    def total(self) -> timedelta:
        return self.up + self.down + self.unreachable + self.maintenance + self.unknown

    @property
    def counted(self) -> timedelta:
        """The time availability is measured over: up + down."""
        return self.up + self.down

    @property
    def availability_pct(self) -> float | None:
        """None when nothing was measured (all unknown, maintenance or unreachable)."""
        counted = self.counted
        if counted <= ZERO:
            return None
        return 100.0 * (self.up / counted)

    @property
    def mttr(self) -> timedelta | None:
        return self.down / self.outages if self.outages else None

    @property
    def mtbf(self) -> timedelta | None:
        return self.up / self.outages if self.outages else None

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.up + other.up,
            self.down + other.down,
            self.unreachable + other.unreachable,
            self.maintenance + other.maintenance,
            self.unknown + other.unknown,
            self.outages + other.outages,
            max(self.longest_outage, other.longest_outage),
        )


def _status(value: Status | str) -> Status:
    try:
        return Status(value)
    except ValueError:
        return Status.UNKNOWN  # a status we do not know is not evidence of anything


def timeline(spans: Iterable[Span], start: datetime, end: datetime) -> list[Segment]:
    """The device's status at every instant of [start, end): adjacent equal segments merged,
    uncovered time UNKNOWN."""
    if end <= start:
        return []
    events: list[tuple[datetime, int, Status]] = []
    for span in spans:
        a = max(span.start, start)
        b = end if span.end is None else min(span.end, end)
        if a < b:
            status = _status(span.status)
            events.append((a, 1, status))
            events.append((b, -1, status))
    events.sort(key=lambda e: e[0])
    counts = dict.fromkeys(Status, 0)
    segments: list[Segment] = []
    cursor, i = start, 0
    while cursor < end:
        while i < len(events) and events[i][0] <= cursor:
            counts[events[i][2]] += events[i][1]
            i += 1
        following = events[i][0] if i < len(events) else end
        status = next((s for s in _DEVICE_PRECEDENCE if counts[s] > 0), Status.UNKNOWN)
        _append(segments, status, cursor, following)
        cursor = following
    return segments


def _append(segments: list[Segment], status: Status, start: datetime, end: datetime) -> None:
    if segments and segments[-1].status is status and segments[-1].end == start:
        segments[-1] = Segment(status, segments[-1].start, end)
    else:
        segments.append(Segment(status, start, end))


def combine(
    timelines: Sequence[Sequence[Segment]], start: datetime, end: datetime
) -> list[Segment]:
    """Several devices' timelines over the same window → one where each instant is the worst."""
    if not timelines:
        return timeline((), start, end)
    if len(timelines) == 1:
        return list(timelines[0])
    rank = {s: i for i, s in enumerate(_SITE_PRECEDENCE)}
    boundaries = sorted({seg.start for tl in timelines for seg in tl} | {end})
    positions = [0] * len(timelines)
    segments: list[Segment] = []
    for a, b in pairwise(boundaries):
        worst = Status.UP
        for n, tl in enumerate(timelines):
            while positions[n] < len(tl) and tl[positions[n]].end <= a:
                positions[n] += 1
            status = tl[positions[n]].status if positions[n] < len(tl) else Status.UNKNOWN
            if rank[status] < rank[worst]:
                worst = status
        _append(segments, worst, a, b)
    return segments


def figures(segments: Iterable[Segment]) -> Figures:
    """Sum a merged timeline by status; each DOWN segment is one outage."""
    totals = dict.fromkeys(Status, ZERO)
    outages, longest, run = 0, ZERO, ZERO
    previous: Segment | None = None
    for seg in segments:
        totals[seg.status] += seg.length
        if seg.status is Status.DOWN:
            continues = (
                previous is not None
                and previous.status is Status.DOWN
                and previous.end == seg.start
            )
            run = run + seg.length if continues else seg.length
            outages += 0 if continues else 1
            longest = max(longest, run)
        previous = seg
    return Figures(
        totals[Status.UP],
        totals[Status.DOWN],
        totals[Status.UNREACHABLE],
        totals[Status.MAINTENANCE],
        totals[Status.UNKNOWN],
        outages,
        longest,
    )


@dataclass(frozen=True)
class DeviceInfo(Generic[D, S]):
    id: D
    site: S
    kind: str = "other"
    parent: D | None = None


@dataclass(frozen=True)
class MaintenanceSpan(Generic[D, S]):
    """A maintenance window on one device or a whole site."""

    start: datetime
    end: datetime
    device: D | None = None
    site: S | None = None


def site_uplinks(devices: Iterable[DeviceInfo[D, S]]) -> dict[S, list[D]]:
    """site → its root devices: parent none, unknown, or in another site. A site whose devices all
    hang on each other in a loop (rejected on import, never trusted) falls back to all of them."""
    devices = list(devices)
    site_of = {d.id: d.site for d in devices}
    members: dict[S, list[D]] = defaultdict(list)
    roots: dict[S, list[D]] = defaultdict(list)
    for d in devices:
        members[d.site].append(d.id)
        if d.parent is None or site_of.get(d.parent) != d.site:
            roots[d.site].append(d.id)
    return {site: sorted(roots.get(site) or ids, key=str) for site, ids in members.items()}


def maintenance_by_device(
    windows: Iterable[MaintenanceSpan[D, S]], devices: Iterable[DeviceInfo[D, S]]
) -> dict[D, list[Span]]:
    """Windows on a site cover every device of that site."""
    by_site: dict[S | None, list[D]] = defaultdict(list)
    for d in devices:
        by_site[d.site].append(d.id)
    spans: dict[D, list[Span]] = defaultdict(list)
    for w in windows:
        covered = [w.device] if w.device is not None else by_site.get(w.site, [])
        for device in covered:
            spans[device].append(Span(Status.MAINTENANCE, w.start, w.end))
    return spans


@dataclass
class Availability(Generic[D, S]):
    """Figures for one window: per device, per site, per kind and for the whole district."""

    start: datetime
    end: datetime
    devices: dict[D, Figures] = field(default_factory=dict)
    sites: dict[S, Figures] = field(default_factory=dict)
    kinds: dict[str, Figures] = field(default_factory=dict)
    district: Figures = field(default_factory=Figures)
    # Each site's outages (its DOWN segments), for the report's list of major outages.
    site_outages: dict[S, list[Segment]] = field(default_factory=dict)


def availability(
    devices: Sequence[DeviceInfo[D, S]],
    spans: Mapping[D, Sequence[Span]],
    start: datetime,
    end: datetime,
    *,
    maintenance: Iterable[MaintenanceSpan[D, S]] = (),
    site_rule: str = "uplink",
) -> Availability[D, S]:
    """Everything a report needs about [start, end) from the devices' spans.

    `end` should already be cut at "now": time that has not happened is not unknown, it is not yet.
    """
    if site_rule not in SITE_RULES:
        raise ValueError(f"site_rule must be one of {', '.join(SITE_RULES)}")
    windows = maintenance_by_device(maintenance, devices)
    result: Availability[D, S] = Availability(start, end)
    timelines: dict[D, list[Segment]] = {}
    for d in devices:
        tl = timeline([*spans.get(d.id, ()), *windows.get(d.id, ())], start, end)
        timelines[d.id] = tl
        result.devices[d.id] = figures(tl)
        result.kinds[d.kind] = result.kinds.get(d.kind, Figures()) + result.devices[d.id]
    members: dict[S, list[D]]
    if site_rule == "uplink":
        members = site_uplinks(devices)
    else:
        members = defaultdict(list)
        for d in devices:
            members[d.site].append(d.id)
    for site, ids in members.items():
        site_timeline = combine([timelines[i] for i in ids], start, end)
        result.sites[site] = figures(site_timeline)
        result.site_outages[site] = [seg for seg in site_timeline if seg.status is Status.DOWN]
        result.district = result.district + result.sites[site]
    return result
