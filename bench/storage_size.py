"""How many bytes a device costs in the database at the default retention.

Runs real sweeps (through Poller, store and rollups) of N devices every minute over simulated time
with a scripted network (no packets are sent: this measures storage, not ICMP), then fills the
longer-lived levels to their steady state and reads the size of every table and index from
SQLite's dbstat.

    .venv/bin/python bench/storage_size.py [--devices 200]

Prints per-device figures: the steady-state footprint of raw samples and 5-minute rollups (they
are pruned, so they do not grow), and the growth per device-month (hourly rollups + state
intervals), then scales both to 5,000 devices.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from collectors.ping import PingResult
from monitor.db import engine as dbmod
from monitor.db.engine import transaction
from monitor.db.models import Device, PingRollup, Site
from monitor.settings import PingSettings, RetentionSettings
from monitor.status.poller import Poller
from monitor.status.rollups import FIVE_MINUTES, HOUR, roll_up

START = datetime(2026, 10, 1, tzinfo=UTC)


def scripted_network(targets, **_):
    # Realistic values: sub-millisecond to tens of ms, occasional loss.
    out = []
    for t in targets:
        if random.random() < 0.01:
            out.append(PingResult(t.key, t.address, 3, 0, None, None, None, "timeout"))
        else:
            rtt = random.uniform(0.3, 40.0)
            out.append(PingResult(t.key, t.address, 3, 3, rtt * 0.9, rtt, rtt * 1.2))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=200)
    args = parser.parse_args()
    n = args.devices
    retention = RetentionSettings()
    random.seed(7)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "size.db"
        engine = dbmod.make_engine(f"sqlite:///{path}")
        dbmod.upgrade(engine)
        sessions = dbmod.session_factory(engine)
        with transaction(sessions) as s:
            site = Site(code="S", name="s", enabled=True, created_at=START)
            s.add(site)
            s.flush()
            s.execute(
                insert(Device),
                [
                    {
                        "site_id": site.id,
                        "name": f"d{i}",
                        "address": f"127.60.{i // 250}.{i % 250 + 1}",
                        "kind": "switch",
                        "enabled": True,
                        "created_at": START,
                        "updated_at": START,
                    }
                    for i in range(n)
                ],
            )

        clock = {"now": START}
        poller = Poller(
            PingSettings(interval=60, count=3, confirmations=3),
            sessions,
            probe=scripted_network,
            clock=lambda: clock["now"],
        )
        sweeps = retention.raw_hours * 60
        began = time.perf_counter()
        for minute in range(sweeps):
            clock["now"] = START + timedelta(minutes=minute)
            poller.sweep()
            if minute % 60 == 59:
                with transaction(sessions) as s:
                    roll_up(s, clock["now"])
        sweep_seconds = time.perf_counter() - began

        # Steady state of the pruned level (5-minute rollups over five_minute_days) and a month of
        # hourly rollups, written directly: same rows roll_up would write, without weeks of sweeps.
        with transaction(sessions) as s:
            latest = clock["now"]
            rows = []
            for resolution, span in (
                (FIVE_MINUTES, timedelta(days=retention.five_minute_days)),
                (HOUR, timedelta(days=30)),
            ):
                bucket = latest + timedelta(hours=1)
                bucket = bucket.replace(minute=0, second=0, microsecond=0)
                end = bucket + span
                while bucket < end:
                    for d in range(1, n + 1):
                        rtt = random.uniform(0.3, 40.0)
                        rows.append(
                            {
                                "device_id": d,
                                "resolution": resolution,
                                "bucket_start": bucket,
                                "sent": 15 if resolution == FIVE_MINUTES else 180,
                                "received": 15 if resolution == FIVE_MINUTES else 178,
                                "rtt_sum_ms": rtt * 5,
                                "rtt_samples": 5,
                                "rtt_max_ms": rtt * 1.5,
                            }
                        )
                    bucket += timedelta(seconds=resolution)
                    if len(rows) > 50_000:
                        s.execute(insert(PingRollup), rows)
                        rows = []
            if rows:
                s.execute(insert(PingRollup), rows)
        engine.dispose()

        with sqlite3.connect(path) as db:
            db.execute("VACUUM")
            sizes = dict(db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
            counts = {
                "samples": db.execute("SELECT count(*) FROM ping_samples").fetchone()[0],
                "five": db.execute(
                    "SELECT count(*) FROM ping_rollups WHERE resolution=300"
                ).fetchone()[0],
                "hourly": db.execute(
                    "SELECT count(*) FROM ping_rollups WHERE resolution=3600"
                ).fetchone()[0],
            }
            rollup_rows = counts["five"] + counts["hourly"]

    def table_bytes(prefix_names):
        return sum(
            v
            for k, v in sizes.items()
            if any(
                k == p or k.startswith(f"ix_{p}") or k.startswith(f"sqlite_autoindex_{p}")
                for p in prefix_names
            )
        )

    samples_bytes = table_bytes(["ping_samples"])
    rollup_bytes = table_bytes(["ping_rollups"])
    per_rollup_row = rollup_bytes / rollup_rows
    raw_per_device = samples_bytes / n
    five_per_device = per_rollup_row * counts["five"] / n
    hourly_month_per_device = per_rollup_row * counts["hourly"] / n

    print(
        f"devices: {n}; {sweeps} one-minute sweeps ({retention.raw_hours} h) in {sweep_seconds:.1f} s "
        f"({1000 * sweep_seconds / sweeps:.1f} ms per sweep incl. writes)"
    )
    print(
        f"rows: samples {counts['samples']:,}, 5-min {counts['five']:,}, hourly {counts['hourly']:,}"
    )
    print(
        f"bytes per sample row {samples_bytes / counts['samples']:.0f}, per rollup row {per_rollup_row:.0f} "
        "(table + indexes)"
    )
    print()
    print(f"{'per device':<46}{'bytes':>12}")
    print(
        f"{'raw samples, steady state (' + str(retention.raw_hours) + ' h)':<46}{raw_per_device:>12,.0f}"
    )
    print(
        f"{'5-min rollups, steady state (' + str(retention.five_minute_days) + ' d)':<46}{five_per_device:>12,.0f}"
    )
    print(f"{'hourly rollups, growth per device-month':<46}{hourly_month_per_device:>12,.0f}")
    steady = raw_per_device + five_per_device
    print()
    print(
        f"5,000 devices: steady {5000 * steady / 1e6:,.0f} MB + growth {5000 * hourly_month_per_device / 1e6:,.1f} MB "
        "per month (state intervals: one row per change, negligible)"
    )
    print(
        f"a month of 1-minute pings for one device, as kept: {steady + hourly_month_per_device:,.0f} bytes "
        f"(vs {43200 * samples_bytes / counts['samples']:,.0f} bytes if every raw sample were kept)"
    )


if __name__ == "__main__":
    main()
