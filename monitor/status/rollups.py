"""Latency/loss kept small: raw samples roll up into 5-minute and hourly buckets, old rows go.

Retention (RetentionSettings, documented in docs/architecture.md with measured sizes): raw
samples for about a day (the 24 h chart), 5-minute buckets for about a week (the 7 d chart),
hourly buckets for years (the 30 d chart and the reports).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from monitor.db.engine import rowcount
from monitor.db.models import HealthRollup, PingRollup, PingSample
from monitor.localtime import stored_utc
from monitor.settings import RetentionSettings

FIVE_MINUTES = 300
HOUR = 3600
# Samples are stamped with the sweep's start but committed when it ends: wait this long after a
# bucket closes before summarising it, so a slow sweep's rows are not left out.
SETTLE = timedelta(minutes=2)
# Never look further back than the raw data is kept, whatever the watermark says.
MAX_CATCH_UP = timedelta(hours=30)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Part:
    """One input row to a bucket: a sample, or a finer rollup."""

    device_id: int
    at: datetime
    sent: int
    received: int
    rtt_sum_ms: float
    rtt_samples: int
    rtt_max_ms: float | None


def bucket_start(moment: datetime, resolution: int) -> datetime:
    seconds = int((moment - _EPOCH).total_seconds())
    return _EPOCH + timedelta(seconds=seconds - seconds % resolution)


def aggregate(parts: Iterable[Part], resolution: int) -> list[dict]:
    """Sum parts into (device, bucket) rows. Pure; the order of the output is stable."""
    buckets: dict[tuple[int, datetime], dict] = {}
    for p in parts:
        key = (p.device_id, bucket_start(p.at, resolution))
        row = buckets.get(key)
        if row is None:
            row = buckets[key] = {
                "device_id": p.device_id,
                "resolution": resolution,
                "bucket_start": key[1],
                "sent": 0,
                "received": 0,
                "rtt_sum_ms": 0.0,
                "rtt_samples": 0,
                "rtt_max_ms": None,
            }
        row["sent"] += p.sent
        row["received"] += p.received
        row["rtt_sum_ms"] += p.rtt_sum_ms
        row["rtt_samples"] += p.rtt_samples
        if p.rtt_max_ms is not None:
            row["rtt_max_ms"] = max(p.rtt_max_ms, row["rtt_max_ms"] or 0.0)
    return [buckets[k] for k in sorted(buckets, key=lambda k: (k[1], k[0]))]


def roll_up(session: Session, now: datetime) -> dict[int, int]:
    """Summarise every closed, settled bucket not yet summarised. Returns rows written per level."""
    written = {FIVE_MINUTES: 0, HOUR: 0}
    settled = now - SETTLE
    five_end = bucket_start(settled, FIVE_MINUTES)
    five_from = next_bucket(session, PingRollup, FIVE_MINUTES, select(func.min(PingSample.at)), now)
    if five_from is not None and five_from < five_end:
        samples = session.execute(
            select(PingSample).where(PingSample.at >= five_from, PingSample.at < five_end)
        ).scalars()
        rows = aggregate(
            (
                Part(
                    s.device_id,
                    s.at,
                    s.sent,
                    s.received,
                    s.rtt_avg_ms or 0.0,
                    1 if s.rtt_avg_ms is not None else 0,
                    s.rtt_max_ms,
                )
                for s in samples
            ),
            FIVE_MINUTES,
        )
        if rows:
            session.execute(insert(PingRollup), rows)
        written[FIVE_MINUTES] = len(rows)

    hour_end = bucket_start(five_end, HOUR)
    hour_from = next_bucket(
        session,
        PingRollup,
        HOUR,
        select(func.min(PingRollup.bucket_start)).where(PingRollup.resolution == FIVE_MINUTES),
        now,
    )
    if hour_from is not None and hour_from < hour_end:
        fives = session.execute(
            select(PingRollup).where(
                PingRollup.resolution == FIVE_MINUTES,
                PingRollup.bucket_start >= hour_from,
                PingRollup.bucket_start < hour_end,
            )
        ).scalars()
        rows = aggregate(
            (
                Part(
                    r.device_id,
                    r.bucket_start,
                    r.sent,
                    r.received,
                    r.rtt_sum_ms,
                    r.rtt_samples,
                    r.rtt_max_ms,
                )
                for r in fives
            ),
            HOUR,
        )
        if rows:
            session.execute(insert(PingRollup), rows)
        written[HOUR] = len(rows)
    return written


def roll_in_late(session: Session, parts: Iterable[Part]) -> dict[int, int]:
    """Samples stamped behind what `roll_up` already summarised (an edge collector's backlog,
    hours late) added to their buckets now; `roll_up` never goes back for them. Parts in
    buckets it has not reached yet are left to it. Returns buckets written per level.

    The late samples are newer than anything the device had (a collector applies only sweeps
    after its last one), so a bucket that exists already holds other samples: they add up."""
    parts = list(parts)
    written = {FIVE_MINUTES: 0, HOUR: 0}
    if not parts:
        return written
    for resolution in (FIVE_MINUTES, HOUR):
        last = session.execute(
            select(func.max(PingRollup.bucket_start)).where(PingRollup.resolution == resolution)
        ).scalar()
        if last is None:
            continue
        done_before = stored_utc(last) + timedelta(seconds=resolution)
        # An hour is summed from its five-minute buckets: a late part goes into the hour
        # directly only when roll_up has closed that hour too.
        rows = aggregate(
            (p for p in parts if bucket_start(p.at, resolution) < done_before), resolution
        )
        if not rows:
            continue
        existing = {
            (r.device_id, stored_utc(r.bucket_start)): r
            for r in session.execute(
                select(PingRollup).where(
                    PingRollup.resolution == resolution,
                    PingRollup.device_id.in_({r["device_id"] for r in rows}),
                    PingRollup.bucket_start >= rows[0]["bucket_start"],
                    PingRollup.bucket_start <= rows[-1]["bucket_start"],
                )
            ).scalars()
        }
        new = []
        for row in rows:
            old = existing.get((row["device_id"], row["bucket_start"]))
            if old is None:
                new.append(row)
                continue
            old.sent += row["sent"]
            old.received += row["received"]
            old.rtt_sum_ms += row["rtt_sum_ms"]
            old.rtt_samples += row["rtt_samples"]
            if row["rtt_max_ms"] is not None:
                old.rtt_max_ms = max(row["rtt_max_ms"], old.rtt_max_ms or 0.0)
        if new:
            session.execute(insert(PingRollup), new)
        written[resolution] = len(rows)
    return written


def next_bucket(
    session: Session,
    rollup: type[PingRollup] | type[HealthRollup],
    resolution: int,
    earliest_source,
    now: datetime,
):
    """Where summarising into `rollup` (a table with `bucket_start` and `resolution`, latency's or
    health's) resumes: after the newest bucket written, or at the oldest source row."""
    last = session.execute(
        select(func.max(rollup.bucket_start)).where(rollup.resolution == resolution)
    ).scalar()
    if last is not None:
        start = stored_utc(last) + timedelta(seconds=resolution)
    else:
        earliest = session.execute(earliest_source).scalar()
        if earliest is None:
            return None
        start = bucket_start(stored_utc(earliest), resolution)
    return max(start, bucket_start(now - MAX_CATCH_UP, resolution))


def prune(session: Session, now: datetime, retention: RetentionSettings) -> dict[str, int]:
    """Delete what is older than its retention. Returns rows deleted per kind."""
    deleted = {}
    result = session.execute(
        delete(PingSample).where(PingSample.at < now - timedelta(hours=retention.raw_hours))
    )
    deleted["samples"] = rowcount(result)
    for name, resolution, keep in (
        ("five_minute", FIVE_MINUTES, timedelta(days=retention.five_minute_days)),
        ("hourly", HOUR, timedelta(days=retention.hourly_days)),
    ):
        result = session.execute(
            delete(PingRollup).where(
                PingRollup.resolution == resolution, PingRollup.bucket_start < now - keep
            )
        )
        deleted[name] = rowcount(result)
    return deleted
