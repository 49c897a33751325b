"""Health kept over time: CPU, memory, temperature and UPS values as one sample per device per
SNMP round, summarised into 5-minute and hourly buckets, pruned — the scheme latency uses
(monitor.status.rollups, RetentionSettings): raw samples for the 24 h chart and the risk rules'
sustained windows, 5-minute buckets for the 7 d chart, hourly buckets for the 30 d chart.

Every function that touches the database takes an open Session inside the caller's transaction
(the SNMP round's); `aggregate` is pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from collectors.snmp import SnmpResult
from monitor.db.bulk import insert_rows
from monitor.db.engine import rowcount
from monitor.db.models import HealthRollup, HealthSample
from monitor.localtime import as_utc, utcnow
from monitor.settings import RetentionSettings
from monitor.status.rollups import FIVE_MINUTES, HOUR, SETTLE, bucket_start, next_bucket

# The values a sample holds, and in a rollup each one's sum, count and worst reading. The UPS
# charge is worst at its lowest; the others at their highest.
VALUES = (
    ("cpu", "cpu_pct", max),
    ("memory", "memory_pct", max),
    ("temperature", "temperature_c", max),
    ("charge", "ups_charge_pct", min),
)
_WORST = {"cpu": "cpu_max", "memory": "memory_max", "temperature": "temperature_max"}
_WORST["charge"] = "charge_min"


def sample_row(result: SnmpResult, at: datetime) -> dict | None:
    """The health_samples row of one successful visit; None when it measured nothing."""
    health, ups = result.health, result.ups
    row = {
        "device_id": result.key,
        "at": at,
        "cpu_pct": health.cpu_pct if health else None,
        "memory_pct": health.memory_pct if health else None,
        "temperature_c": health.temperature_c if health else None,
        "ups_charge_pct": float(ups.charge_pct) if ups and ups.charge_pct is not None else None,
        "ups_minutes": float(ups.minutes_remaining)
        if ups and ups.minutes_remaining is not None
        else None,
        "ups_on_battery": ups.on_battery if ups else None,
    }
    if all(row[k] is None for k in row if k not in ("device_id", "at")):
        return None
    return row


def record_samples(session: Session, rows: list[dict]) -> int:
    return insert_rows(session, HealthSample, rows)


@dataclass(frozen=True)
class Part:
    """One input to a bucket: a sample (count 1 where it has the value) or a finer rollup."""

    device_id: int
    at: datetime
    samples: int
    sums: dict[str, float]
    counts: dict[str, int]
    worst: dict[str, float | None]
    on_battery: int


def _of_sample(s: HealthSample) -> Part:
    sums, counts, worst = {}, {}, {}
    for name, column, _ in VALUES:
        value = getattr(s, column)
        sums[name] = value or 0.0
        counts[name] = 0 if value is None else 1
        worst[name] = value
    return Part(s.device_id, s.at, 1, sums, counts, worst, 1 if s.ups_on_battery else 0)


def _of_rollup(r: HealthRollup) -> Part:
    return Part(
        r.device_id,
        r.bucket_start,
        r.samples,
        {name: getattr(r, f"{name}_sum") for name, _, _ in VALUES},
        {name: getattr(r, f"{name}_count") for name, _, _ in VALUES},
        {name: getattr(r, _WORST[name]) for name, _, _ in VALUES},
        r.on_battery_count,
    )


def aggregate(parts: Iterable[Part], resolution: int) -> list[dict]:
    """Sum parts into (device, bucket) rows. Pure; the output is ordered by bucket, device."""
    buckets: dict[tuple[int, datetime], dict] = {}
    for p in parts:
        key = (p.device_id, bucket_start(p.at, resolution))
        row = buckets.get(key)
        if row is None:
            row = buckets[key] = {
                "device_id": p.device_id,
                "resolution": resolution,
                "bucket_start": key[1],
                "samples": 0,
                "on_battery_count": 0,
            }
            for name, _, _ in VALUES:
                row[f"{name}_sum"], row[f"{name}_count"], row[_WORST[name]] = 0.0, 0, None
        row["samples"] += p.samples
        row["on_battery_count"] += p.on_battery
        for name, _, pick in VALUES:
            row[f"{name}_sum"] += p.sums[name]
            row[f"{name}_count"] += p.counts[name]
            if p.worst[name] is not None:
                known = row[_WORST[name]]
                row[_WORST[name]] = p.worst[name] if known is None else pick(known, p.worst[name])
    return [buckets[k] for k in sorted(buckets, key=lambda k: (k[1], k[0]))]


def roll_up(session: Session, now: datetime) -> dict[int, int]:
    """Summarise every closed, settled bucket not yet summarised. Rows written per level."""
    written = {FIVE_MINUTES: 0, HOUR: 0}
    five_end = bucket_start(now - SETTLE, FIVE_MINUTES)
    five_from = next_bucket(
        session, HealthRollup, FIVE_MINUTES, select(func.min(HealthSample.at)), now
    )
    if five_from is not None and five_from < five_end:
        samples = session.scalars(
            select(HealthSample).where(HealthSample.at >= five_from, HealthSample.at < five_end)
        )
        rows = aggregate((_of_sample(s) for s in samples), FIVE_MINUTES)
        if rows:
            session.execute(insert(HealthRollup), rows)
        written[FIVE_MINUTES] = len(rows)
    hour_end = bucket_start(five_end, HOUR)
    hour_from = next_bucket(
        session,
        HealthRollup,
        HOUR,
        select(func.min(HealthRollup.bucket_start)).where(HealthRollup.resolution == FIVE_MINUTES),
        now,
    )
    if hour_from is not None and hour_from < hour_end:
        fives = session.scalars(
            select(HealthRollup).where(
                HealthRollup.resolution == FIVE_MINUTES,
                HealthRollup.bucket_start >= hour_from,
                HealthRollup.bucket_start < hour_end,
            )
        )
        rows = aggregate((_of_rollup(r) for r in fives), HOUR)
        if rows:
            session.execute(insert(HealthRollup), rows)
        written[HOUR] = len(rows)
    return written


def prune(session: Session, now: datetime, retention: RetentionSettings) -> dict[str, int]:
    """Delete what is older than its retention (the same as latency's). Rows deleted per kind."""
    deleted = {
        "samples": rowcount(
            session.execute(
                delete(HealthSample).where(
                    HealthSample.at < now - timedelta(hours=retention.raw_hours)
                )
            )
        )
    }
    for name, resolution, keep in (
        ("five_minute", FIVE_MINUTES, timedelta(days=retention.five_minute_days)),
        ("hourly", HOUR, timedelta(days=retention.hourly_days)),
    ):
        deleted[name] = rowcount(
            session.execute(
                delete(HealthRollup).where(
                    HealthRollup.resolution == resolution, HealthRollup.bucket_start < now - keep
                )
            )
        )
    return deleted


# --------------------------------------------------------------------------------------------
# Charts

RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
_RESOLUTION = {"24h": None, "7d": FIVE_MINUTES, "30d": HOUR}


@dataclass(frozen=True)
class HealthSeries:
    range: str
    resolution: int | None  # seconds per point; None = one point per SNMP round
    times: list[datetime]
    cpu_pct: list[float | None]
    memory_pct: list[float | None]
    temperature_c: list[float | None]
    ups_charge_pct: list[float | None]
    # Share of the point's samples on battery, 0-100 (a sample: 0 or 100; None: no UPS value).
    ups_on_battery_pct: list[float | None]

    @property
    def shown(self) -> list[str]:
        """The series that have at least one value (the chart draws only those)."""
        names = ("cpu_pct", "memory_pct", "temperature_c", "ups_charge_pct", "ups_on_battery_pct")
        return [n for n in names if any(v is not None for v in getattr(self, n))]


def _clean(value: float | None, low: float, high: float) -> float | None:
    """A stored number made safe for a page: a finite value within bounds, rounded."""
    if value is None or value != value or not low <= value <= high:
        return None
    return round(float(value), 1)


def series(
    session: Session, device_id: int, range_: str, now: datetime | None = None
) -> HealthSeries:
    """24 h from the samples, 7 d from 5-minute buckets, 30 d from hourly buckets. One query."""
    if range_ not in RANGES:
        raise ValueError(f"range must be one of {', '.join(RANGES)}")
    end = now or utcnow()
    start = end - RANGES[range_]
    resolution = _RESOLUTION[range_]
    out: HealthSeries = HealthSeries(range_, resolution, [], [], [], [], [], [])
    if resolution is None:
        for s in session.scalars(
            select(HealthSample)
            .where(
                HealthSample.device_id == device_id,
                HealthSample.at >= start,
                HealthSample.at <= end,
            )
            .order_by(HealthSample.at)
        ):
            out.times.append(as_utc(s.at))
            out.cpu_pct.append(_clean(s.cpu_pct, 0, 100))
            out.memory_pct.append(_clean(s.memory_pct, 0, 100))
            out.temperature_c.append(_clean(s.temperature_c, -50, 200))
            out.ups_charge_pct.append(_clean(s.ups_charge_pct, 0, 100))
            out.ups_on_battery_pct.append(
                None if s.ups_on_battery is None else (100.0 if s.ups_on_battery else 0.0)
            )
        return out
    for r in session.scalars(
        select(HealthRollup)
        .where(
            HealthRollup.device_id == device_id,
            HealthRollup.resolution == resolution,
            HealthRollup.bucket_start >= start,
            HealthRollup.bucket_start <= end,
        )
        .order_by(HealthRollup.bucket_start)
    ):

        def mean(name: str, r: HealthRollup = r) -> float | None:
            count = getattr(r, f"{name}_count")
            return getattr(r, f"{name}_sum") / count if count else None

        out.times.append(as_utc(r.bucket_start))
        out.cpu_pct.append(_clean(mean("cpu"), 0, 100))
        out.memory_pct.append(_clean(mean("memory"), 0, 100))
        out.temperature_c.append(_clean(mean("temperature"), -50, 200))
        charge = mean("charge")
        out.ups_charge_pct.append(_clean(charge, 0, 100))
        out.ups_on_battery_pct.append(
            _clean(100.0 * r.on_battery_count / r.samples, 0, 100)
            if r.samples and (r.charge_count or r.on_battery_count)
            else None
        )
    return out
