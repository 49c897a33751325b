"""Sustained windows in health samples: how long a condition held without a break. PURE.

A rule such as "CPU ≥ 90 % for 2 hours" asks for a run of consecutive samples that all meet the
condition and span at least the window; one spike is a run of one sample and spans nothing. A
sample without the value (not measured), or a gap between samples longer than `max_gap` (the
device was not polled), ends a run: the rules never assume what was not seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class HealthPoint:
    """One health sample as the risk rules see it (monitor.snmp.health writes them)."""

    at: datetime
    cpu_pct: float | None = None
    memory_pct: float | None = None
    temperature_c: float | None = None
    ups_on_battery: bool | None = None
    ups_charge_pct: float | None = None
    ups_minutes: float | None = None


@dataclass(frozen=True)
class Run:
    start: datetime
    end: datetime
    samples: int
    values: tuple[Any, ...]

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)


def longest_run(
    points: Iterable[HealthPoint],
    value: Callable[[HealthPoint], Any],
    holds: Callable[[Any], bool],
    max_gap: timedelta,
    since: datetime | None = None,
) -> Run | None:
    """The longest run (by time spanned, then the latest) of consecutive points at or after
    `since` whose value is known and satisfies `holds`; None when no point does."""
    best: Run | None = None
    current: list[tuple[datetime, Any]] = []
    previous_at: datetime | None = None

    def close() -> None:
        nonlocal best
        if current:
            run = Run(current[0][0], current[-1][0], len(current), tuple(v for _, v in current))
            if best is None or run.duration >= best.duration:
                best = run

    for point in sorted(points, key=lambda p: p.at):
        if since is not None and point.at < since:
            continue
        found = value(point)
        broken = previous_at is not None and point.at - previous_at > max_gap
        if broken or found is None or not holds(found):
            close()
            current = []
        if found is not None and holds(found):
            current.append((point.at, found))
        previous_at = point.at
    close()
    return best
