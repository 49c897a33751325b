"""Maintenance windows: when one is in force (pure), and creating/listing/removing them.

A one-off window covers starts_at..ends_at. A weekly window repeats on the listed Bangkok weekdays
between two local times (e.g. every Saturday 08:00-12:00) while starts_at <= now < ends_at, so
"until the end of the term" is simply its ends_at. Local times are Asia/Bangkok, which has no
daylight saving; a window ending at or before its start runs past midnight into the next day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.db.models import Device, MaintenanceWindow, Site
from monitor.localtime import BANGKOK, as_utc

WEEKLY = "weekly"


class MaintenanceError(ValueError):
    """A window cannot be created as asked; the message says which field is wrong."""


@dataclass(frozen=True)
class Recurrence:
    weekdays: frozenset[int]  # Monday = 0 … Sunday = 6, in Bangkok
    start: time
    end: time


def parse_clock(text: str | None) -> time:
    try:
        hours, minutes = (int(part) for part in (text or "").strip().split(":"))
        return time(hours, minutes)
    except (TypeError, ValueError):
        raise MaintenanceError(f"time must be HH:MM, got {text!r}") from None


def parse_weekdays(text: str | None) -> frozenset[int]:
    try:
        days = frozenset(int(part) for part in (text or "").replace(" ", "").split(",") if part)
    except ValueError:
        raise MaintenanceError(f"weekdays must be numbers 0-6 (Monday = 0), got {text!r}") from None
    if not days or not days <= set(range(7)):
        raise MaintenanceError(f"weekdays must be numbers 0-6 (Monday = 0), got {text!r}")
    return days


def recurrence_of(window: MaintenanceWindow) -> Recurrence | None:
    if window.recurrence != WEEKLY:
        return None
    return Recurrence(
        parse_weekdays(window.weekdays),
        parse_clock(window.local_start),
        parse_clock(window.local_end),
    )


def in_force(
    starts_at: datetime, ends_at: datetime, recurrence: Recurrence | None, at: datetime
) -> bool:
    """Does the window cover the moment `at`?"""
    at = as_utc(at)
    if not (as_utc(starts_at) <= at < as_utc(ends_at)):
        return False
    if recurrence is None:
        return True
    local = at.astimezone(BANGKOK)
    # The occurrence that started today, or (for one running past midnight) yesterday.
    for days_back in (0, 1):
        day = (local - timedelta(days=days_back)).date()
        if day.weekday() not in recurrence.weekdays:
            continue
        start = datetime.combine(day, recurrence.start, BANGKOK)
        end = datetime.combine(day, recurrence.end, BANGKOK)
        if end <= start:
            end += timedelta(days=1)
        if start <= local < end:
            return True
    return False


def occurrences(
    starts_at: datetime,
    ends_at: datetime,
    recurrence: Recurrence | None,
    start: datetime,
    end: datetime,
) -> list[tuple[datetime, datetime]]:
    """The concrete (from, to) spans of a window inside [start, end), in UTC, ordered.

    What availability must exclude: for a weekly window only its occurrences, never the whole
    validity range between starts_at and ends_at.
    """
    lo, hi = max(as_utc(starts_at), as_utc(start)), min(as_utc(ends_at), as_utc(end))
    if lo >= hi:
        return []
    if recurrence is None:
        return [(lo, hi)]
    spans = []
    day = lo.astimezone(BANGKOK).date() - timedelta(days=1)  # one running past midnight into lo
    last = hi.astimezone(BANGKOK).date()
    while day <= last:
        if day.weekday() in recurrence.weekdays:
            begin = datetime.combine(day, recurrence.start, BANGKOK)
            finish = datetime.combine(day, recurrence.end, BANGKOK)
            if finish <= begin:
                finish += timedelta(days=1)
            begin, finish = max(as_utc(begin), lo), min(as_utc(finish), hi)
            if begin < finish:
                spans.append((begin, finish))
        day += timedelta(days=1)
    return spans


def window_occurrences(
    window: MaintenanceWindow, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    return occurrences(window.starts_at, window.ends_at, recurrence_of(window), start, end)


def window_in_force(window: MaintenanceWindow, at: datetime) -> bool:
    return in_force(window.starts_at, window.ends_at, recurrence_of(window), at)


def devices_covered(session: Session, at: datetime) -> set[int]:
    """Devices under a window in force at `at`, on the device itself or on its whole site."""
    windows = (
        session.execute(
            select(MaintenanceWindow).where(
                MaintenanceWindow.starts_at <= at, MaintenanceWindow.ends_at > at
            )
        )
        .scalars()
        .all()
    )
    active = [w for w in windows if window_in_force(w, at)]
    devices = {w.device_id for w in active if w.device_id is not None}
    sites = {w.site_id for w in active if w.site_id is not None}
    if sites:
        devices |= set(
            session.execute(select(Device.id).where(Device.site_id.in_(sites))).scalars()
        )
    return devices


def covered_between(
    session: Session, start: datetime, end: datetime
) -> Callable[[datetime], set[int]]:
    """`devices_covered` for many moments in [start, end], the windows read once (two queries):
    a collector's backlog asks for every sweep of hours."""
    windows = (
        session.execute(
            select(MaintenanceWindow).where(
                MaintenanceWindow.starts_at <= end, MaintenanceWindow.ends_at > start
            )
        )
        .scalars()
        .all()
    )
    sites = {w.site_id for w in windows if w.site_id is not None}
    site_devices: dict[int, set[int]] = {}
    if sites:
        for device_id, site_id in session.execute(
            select(Device.id, Device.site_id).where(Device.site_id.in_(sites))
        ):
            site_devices.setdefault(site_id, set()).add(device_id)

    def covered(at: datetime) -> set[int]:
        devices: set[int] = set()
        for w in windows:
            if not (w.starts_at <= at < w.ends_at and window_in_force(w, at)):
                continue
            if w.device_id is not None:
                devices.add(w.device_id)
            if w.site_id is not None:
                devices |= site_devices.get(w.site_id, set())
        return devices

    return covered


def create_window(
    session: Session,
    *,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    created_by: str,
    now: datetime,
    site_id: int | None = None,
    device_id: int | None = None,
    weekdays: str = "",
    local_start: str = "",
    local_end: str = "",
) -> MaintenanceWindow:
    """A one-off window, or a weekly one when weekdays are given; validated before writing."""
    if (site_id is None) == (device_id is None):
        raise MaintenanceError("a window is for one site or one device")
    if site_id is not None and session.get(Site, site_id) is None:
        raise MaintenanceError("no such site")
    if device_id is not None and session.get(Device, device_id) is None:
        raise MaintenanceError("no such device")
    if ends_at <= starts_at:
        raise MaintenanceError("the end must be after the start")
    recurrence = ""
    if weekdays:
        parse_weekdays(weekdays)
        if parse_clock(local_start) == parse_clock(local_end):
            raise MaintenanceError("a weekly window needs different start and end times")
        recurrence = WEEKLY
    window = MaintenanceWindow(
        site_id=site_id,
        device_id=device_id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=(reason or "")[:500],
        created_by=created_by[:128],
        created_at=now,
        recurrence=recurrence,
        weekdays=weekdays if recurrence else "",
        local_start=local_start if recurrence else None,
        local_end=local_end if recurrence else None,
    )
    session.add(window)
    session.flush()
    return window
