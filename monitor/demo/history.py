"""Sixty days of plausible history for the demo district, so it opens with a story. PURE.

`plan_history(devices, end)` decides, from a seed, what happened before the demo started: a school
whose internet line keeps dropping (the ISP), a power cut at another school, one office core
outage that cut every school off (their devices unreachable, not down), an access point that
failed, and a Saturday maintenance window with the router silent inside it. Each outage becomes
an incident with the officer's notes, as a real month would leave them. The result is plain data
(state intervals that cover every device's 60 days, incidents, windows); monitor.demo.seed writes
it. The same seed and end give the same history.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

DAYS = 60
# Priority where spans overlap, as the availability arithmetic ranks them.
_RANK = {"maintenance": 4, "down": 3, "unreachable": 2, "up": 1}


@dataclass(frozen=True)
class DemoDevice:
    id: int
    name: str
    kind: str
    site_code: str
    parent_id: int | None = None


@dataclass(frozen=True)
class PlannedInterval:
    device_id: int
    status: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class PlannedIncident:
    device_id: int
    start: datetime
    end: datetime
    cause: str  # a monitor.domain.IncidentCause value
    notes: tuple[str, ...]  # the officer's notes, oldest first
    affected: tuple[int, ...] = ()  # devices behind it, unreachable meanwhile


@dataclass(frozen=True)
class PlannedWindow:
    site_code: str
    start: datetime
    end: datetime
    reason: str


@dataclass(frozen=True)
class DemoHistory:
    start: datetime
    end: datetime
    intervals: tuple[PlannedInterval, ...]
    incidents: tuple[PlannedIncident, ...]
    windows: tuple[PlannedWindow, ...]


ISP_NOTES = (
    ("สายไฟเบอร์ขาดจากงานก่อสร้างถนนหน้าโรงเรียน แจ้งผู้ให้บริการแล้ว เลขแจ้งซ่อม TT-{n}",),
    ("อินเทอร์เน็ตหลุดทั้งตำบล ผู้ให้บริการแจ้งว่าอุปกรณ์ชุมสายขัดข้อง", "ผู้ให้บริการแก้ไขแล้ว"),
    ("โมเด็มผู้ให้บริการค้าง ครูประจำห้องคอมพิวเตอร์รีสตาร์ตให้",),
    ("สัญญาณจากผู้ให้บริการขาดเป็นช่วง ๆ ขอให้ตรวจสอบสาย เลขแจ้งซ่อม TT-{n}",),
)
POWER_NOTES = (
    "ไฟฟ้าดับทั้งหมู่บ้าน การไฟฟ้าส่วนภูมิภาคซ่อมสายแรงสูง",
    "เครื่องสำรองไฟจ่ายได้ 40 นาทีแล้วหมด ควรเปลี่ยนแบตเตอรี่",
)
CORE_NOTES = (
    "สวิตช์แกนหลักรีบูตเองหลังไฟกระพริบ ทุกโรงเรียนติดต่อไม่ได้ในช่วงนั้น",
    "ตรวจสอบแล้วพบพัดลมระบายความร้อนเสีย สั่งอะไหล่แล้ว",
)
AP_NOTES = ("อุปกรณ์กระจายสัญญาณในห้องสมุดไม่ตอบ เปลี่ยนอะแดปเตอร์จ่ายไฟ PoE แล้วใช้งานได้",)
WINDOW_REASON = "ย้ายตู้สื่อสารไปอาคารใหม่ (วันเสาร์ ไม่มีการเรียนการสอน)"


def _uplinks(devices: list[DemoDevice]) -> list[DemoDevice]:
    """Each school's router: a router whose parent is in another site."""
    by_id = {d.id: d for d in devices}
    return [
        d
        for d in devices
        if d.kind == "router"
        and d.parent_id is not None
        and by_id[d.parent_id].site_code != d.site_code
    ]


def _behind(devices: list[DemoDevice], root: int) -> tuple[int, ...]:
    children: dict[int, list[int]] = {}
    for d in devices:
        if d.parent_id is not None:
            children.setdefault(d.parent_id, []).append(d.id)
    found, todo = [], list(children.get(root, ()))
    while todo:
        device = todo.pop()
        found.append(device)
        todo.extend(children.get(device, ()))
    return tuple(sorted(found))


def _at(rng: random.Random, day_start: datetime, first_hour: int, last_hour: int) -> datetime:
    minutes = rng.randrange(first_hour * 60, last_hour * 60)
    return day_start + timedelta(minutes=minutes, seconds=rng.randrange(60))


def plan_history(
    devices: list[DemoDevice], end: datetime, *, days: int = DAYS, seed: int = 17
) -> DemoHistory:
    """What happened in the `days` before `end` (aware UTC), decided by `seed`."""
    rng = random.Random(seed)
    start = end - timedelta(days=days)
    day0 = start.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    schools = _uplinks(devices)
    incidents: list[PlannedIncident] = []
    windows: list[PlannedWindow] = []

    def outage(device, day, hours, minutes, cause, notes, first_hour=7, last_hour=16):
        begin = _at(rng, day0 + timedelta(days=day), first_hour, last_hour)
        incidents.append(
            PlannedIncident(
                device.id,
                begin,
                begin + timedelta(hours=hours, minutes=minutes),
                cause,
                tuple(notes),
                _behind(devices, device.id),
            )
        )

    if schools:
        # The school with a flaky line: four ISP outages in the last month, a couple before.
        flaky = schools[min(2, len(schools) - 1)]
        for day in (days - 27, days - 19, days - 12, days - 6, 9, 21):
            notes = [n.format(n=rng.randrange(100000, 999999)) for n in rng.choice(ISP_NOTES)]
            outage(flaky, day, rng.randrange(0, 5), rng.randrange(5, 59), "isp", notes)
        # A power cut at the first school, long enough to miss its target.
        outage(schools[0], days - 24, 4, 20, "power", POWER_NOTES, 9, 12)
        # A Saturday window at the fourth school: the router silent for part of it.
        saturday = day0 + timedelta(days=days - 20)
        while saturday.weekday() != 5:
            saturday += timedelta(days=1)
        site = schools[min(3, len(schools) - 1)].site_code
        windows.append(
            PlannedWindow(
                site, saturday + timedelta(hours=1), saturday + timedelta(hours=5), WINDOW_REASON
            )
        )
    cores = [d for d in devices if d.kind == "router" and d.parent_id is None]
    if cores:
        outage(cores[0], days - 35, 0, 42, "hardware", CORE_NOTES, 10, 14)
    aps = [d for d in devices if d.kind == "ap" and d.name == "ap-library"]
    if len(aps) > 1:
        outage(aps[1], days - 9, 2, 5, "hardware", AP_NOTES)

    incidents = [i for i in incidents if start < i.start and i.end < end]
    return DemoHistory(
        start,
        end,
        tuple(_intervals(devices, incidents, windows, start, end)),
        tuple(sorted(incidents, key=lambda i: i.start)),
        tuple(windows),
    )


def _intervals(
    devices: list[DemoDevice],
    incidents: list[PlannedIncident],
    windows: list[PlannedWindow],
    start: datetime,
    end: datetime,
) -> list[PlannedInterval]:
    """Every device's timeline from start to end: up, except where something happened."""
    spans: dict[int, list[tuple[str, datetime, datetime]]] = {d.id: [] for d in devices}
    for i in incidents:
        spans[i.device_id].append(("down", i.start, i.end))
        for child in i.affected:
            spans[child].append(("unreachable", i.start, i.end))
    for w in windows:
        for d in devices:
            if d.site_code == w.site_code:
                spans[d.id].append(("maintenance", w.start, w.end))
    out: list[PlannedInterval] = []
    for d in devices:
        cuts = sorted({start, end, *(t for _, a, b in spans[d.id] for t in (a, b))})
        current: PlannedInterval | None = None
        for a, b in itertools.pairwise(cuts):
            covering = [s for s, x, y in spans[d.id] if x <= a and b <= y]
            status = max(covering, key=_RANK.__getitem__, default="up")
            if current is not None and current.status == status:
                current = PlannedInterval(d.id, status, current.start, b)
                continue
            if current is not None:
                out.append(current)
            current = PlannedInterval(d.id, status, a, b)
        if current is not None:
            out.append(current)
    return out
