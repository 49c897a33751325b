"""Benchmark: the monthly report for a large district. Prints figures; asserts nothing.

    .venv/bin/python bench/monthly_report.py [--devices 3000] [--sites 150] [--rollups hourly]
                                             [--database sqlite|postgres] [--seed 1]

Builds, in a temporary database, one office and schools (1 router, 2 switches, the rest access
points/servers/UPS), and October 2026 of state history as a poller sweeping every minute would have
written it: every school router fails about twice a month for 5 min-3 h (its devices unreachable
meanwhile), access points about three times, a few maintenance windows, the office core once (the
whole district unreachable), and ictmon itself stopped for 40 minutes (unknown for everyone).
`--rollups hourly` also writes the month's hourly ping rollups (what [retention] keeps for 800 days),
so the database size is that of a real month; `retention` adds the 8 days of 5-minute rollups.

Then it times what the schedule does on the 1st: build the report (read + availability + 6-month
trend), render the PDF, render the XLSX; and prints peak memory (tracemalloc) and the database size.
Target: the whole report in under 10 s.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text

from monitor.availability.periods import month_period
from monitor.db import engine as dbmod
from monitor.db.models import Device, MaintenanceWindow, PingRollup, Site, StateInterval
from monitor.localtime import BANGKOK
from monitor.reports.data import build_report
from monitor.reports.pdf import render_pdf
from monitor.reports.xlsx import render_xlsx
from monitor.settings import DatabaseSettings, Settings

PERIOD = month_period(2026, 10)
NOW = datetime(2026, 11, 1, 7, 0, tzinfo=BANGKOK).astimezone(UTC)
HISTORY_START = PERIOD.start - timedelta(days=3)


def build_district(
    sessions, devices: int, sites: int, rng: random.Random, rollups: str
) -> dict[str, int]:
    created = NOW - timedelta(days=60)
    per_site, extra = divmod(devices - 1, sites - 1)
    site_rows = [
        {
            "id": 1,
            "code": "OFFICE",
            "name": "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษา",
            "enabled": True,
            "created_at": created,
        }
    ]
    device_rows = [
        {
            "id": 1,
            "site_id": 1,
            "name": "office-core",
            "address": "127.40.0.1",
            "kind": "router",
            "parent_id": None,
            "enabled": True,
            "created_at": created,
            "updated_at": created,
        }
    ]
    kinds_cycle = ["ap"] * 6 + ["server", "ups"]
    next_id = 2
    for s in range(2, sites + 1):
        site_rows.append(
            {
                "id": s,
                "code": f"S{s:03d}",
                "name": f"โรงเรียนทดสอบที่ {s}",
                "enabled": True,
                "created_at": created,
            }
        )
        router = next_id
        for n in range(per_site + (s - 2 < extra)):
            kind = "router" if n == 0 else "switch" if n < 3 else kinds_cycle[n % len(kinds_cycle)]
            parent = 1 if n == 0 else router if n < 3 else router + 1 + (n % 2)
            device_rows.append(
                {
                    "id": next_id,
                    "site_id": s,
                    "name": f"s{s}-{kind}-{n}",
                    "address": f"127.40.{s % 256}.{n % 250 + 1}",
                    "kind": kind,
                    "parent_id": parent,
                    "enabled": True,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            next_id += 1
    children: dict[int, list[int]] = {}
    for d in device_rows:
        if d["parent_id"]:
            children.setdefault(d["parent_id"], []).append(d["id"])

    def subtree(device_id: int) -> list[int]:
        out, stack = [], list(children.get(device_id, []))
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(children.get(node, []))
        return out

    # Events per device: (start, end, status); unreachable for the subtree of a failed device.
    events: dict[int, list[tuple[datetime, datetime, str]]] = {d["id"]: [] for d in device_rows}
    month_s = int(PERIOD.seconds)

    def outage(device_id: int, start: datetime, minutes: float) -> None:
        end = start + timedelta(minutes=minutes)
        events[device_id].append((start, end, "down"))
        for child in subtree(device_id):
            events[child].append((start, end, "unreachable"))

    outage(1, PERIOD.start + timedelta(days=17, hours=3), 25)  # the office core, once
    windows = []
    for d in device_rows[1:]:
        per_month = {"router": 2.0, "ap": 3.0, "switch": 0.3, "server": 0.5, "ups": 0.5}[d["kind"]]
        for _ in range(rng.choices([0, 1, 2, 3, 4, 5], weights=_poisson(per_month))[0]):
            start = PERIOD.start + timedelta(seconds=rng.randrange(month_s - 4 * 3600))
            outage(d["id"], start, rng.choice([5, 8, 12, 20, 35, 60, 90, 180]))
        if d["kind"] == "router" and rng.random() < 0.05:
            start = PERIOD.start + timedelta(days=rng.randrange(1, 29), hours=2)
            windows.append(
                {
                    "site_id": d["site_id"],
                    "device_id": None,
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=2),
                    "reason": "บำรุงรักษา",
                    "created_by": "bench",
                    "created_at": created,
                }
            )
    gap = (
        PERIOD.start + timedelta(days=22, hours=1),
        PERIOD.start + timedelta(days=22, hours=1, minutes=40),
    )
    interval_rows = []
    for device_id, evs in events.items():
        evs = sorted([*evs, (gap[0], gap[1], "unknown")])
        cursor = HISTORY_START
        for start, end, status in evs:
            start = max(start, cursor)
            if end <= start:
                continue
            if cursor < start:
                interval_rows.append(
                    {
                        "device_id": device_id,
                        "status": "up",
                        "started_at": cursor,
                        "ended_at": start,
                    }
                )
            interval_rows.append(
                {"device_id": device_id, "status": status, "started_at": start, "ended_at": end}
            )
            cursor = end
        interval_rows.append(
            {"device_id": device_id, "status": "up", "started_at": cursor, "ended_at": None}
        )

    with dbmod.transaction(sessions) as s:
        s.execute(insert(Site), site_rows)
        s.execute(insert(Device), device_rows)
        s.execute(insert(StateInterval), interval_rows)
        if windows:
            s.execute(insert(MaintenanceWindow), windows)
    rollup_rows = 0
    if rollups in ("hourly", "retention"):
        rollup_rows += _rollups(
            sessions, [d["id"] for d in device_rows], 3600, PERIOD.start, PERIOD.end, rng
        )
    if rollups == "retention":
        rollup_rows += _rollups(
            sessions,
            [d["id"] for d in device_rows],
            300,
            PERIOD.end - timedelta(days=8),
            PERIOD.end,
            rng,
        )
    return {
        "sites": len(site_rows),
        "devices": len(device_rows),
        "intervals": len(interval_rows),
        "maintenance windows": len(windows),
        "rollup rows": rollup_rows,
    }


def _poisson(mean: float) -> list[float]:
    import math

    return [math.exp(-mean) * mean**k / math.factorial(k) for k in range(6)]


def _rollups(sessions, device_ids, resolution, start, end, rng) -> int:
    buckets = int((end - start).total_seconds() // resolution)
    sweeps = resolution // 60
    written = 0
    for first in range(0, len(device_ids), 500):
        batch = []
        for device_id in device_ids[first : first + 500]:
            at = start
            for _ in range(buckets):
                rtt = 5 + rng.random() * 20
                batch.append(
                    {
                        "device_id": device_id,
                        "resolution": resolution,
                        "bucket_start": at,
                        "sent": sweeps * 3,
                        "received": sweeps * 3,
                        "rtt_sum_ms": rtt * sweeps,
                        "rtt_samples": sweeps,
                        "rtt_max_ms": rtt * 2,
                    }
                )
                at += timedelta(seconds=resolution)
        with dbmod.transaction(sessions) as s:
            s.execute(insert(PingRollup), batch)
        written += len(batch)
    return written


ADMIN_URL = os.environ.get(
    "ICTMON_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _create_postgres_database() -> str:
    """A database of the benchmark's own on the local server, dropped at the end."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"ictmon_bench_{os.getpid()}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=3000)
    parser.add_argument("--sites", type=int, default=150)
    parser.add_argument("--rollups", choices=("none", "hourly", "retention"), default="hourly")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--trace-memory",
        action="store_true",
        help="also measure Python's peak allocation (tracemalloc; slows it 2-3x)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ictmon-bench-") as tmp:
        if args.database == "sqlite":
            url = f"sqlite:///{tmp}/bench.db"
        else:
            url = _create_postgres_database()
        settings = replace(Settings(), database=DatabaseSettings(url=url))
        engine = dbmod.make_engine(url)
        dbmod.upgrade(engine)
        sessions = dbmod.session_factory(engine)
        started = time.perf_counter()
        counts = build_district(
            sessions, args.devices, args.sites, random.Random(args.seed), args.rollups
        )
        print(
            f"district built in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{v:,} {k}" for k, v in counts.items())
        )

        if args.trace_memory:
            tracemalloc.start()
        t0 = time.perf_counter()
        with sessions() as session:
            report = build_report(session, PERIOD, settings, NOW)
        t1 = time.perf_counter()
        pdf = render_pdf(report)
        t2 = time.perf_counter()
        xlsx = render_xlsx(report)
        t3 = time.perf_counter()
        peak = tracemalloc.get_traced_memory()[1] if args.trace_memory else 0

        d = report.district
        print(
            f"report {PERIOD.label('en')}: {len(report.sites)} sites, {len(report.devices)} devices,"
            f" district {d.availability_pct:.3f} %, {report.sites_met}/{report.sites_measured} "
            f"sites met {report.target:g} %, {d.outages} site outages, trend of "
            f"{len(report.trend)} months"
        )
        print(f"{'step':<34} {'seconds':>8}")
        print(f"{'read + availability + trend':<34} {t1 - t0:>8.2f}")
        print(
            f"{'render PDF':<34} {t2 - t1:>8.2f}   {len(pdf) / 1024:,.0f} KiB, "
            f"{pdf.count(b'/Type /Page') - pdf.count(b'/Type /Pages')} pages"
        )
        print(f"{'render XLSX':<34} {t3 - t2:>8.2f}   {len(xlsx) / 1024:,.0f} KiB")
        print(f"{'whole report':<34} {t3 - t0:>8.2f}   (target < 10 s)")
        if args.trace_memory:
            print(f"peak Python memory (tracemalloc): {peak / 2**20:,.0f} MiB")
        print(
            f"peak resident memory of the process (incl. building the district): "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB"
        )
        if args.database == "sqlite":
            engine.dispose()
            size = sum(f.stat().st_size for f in Path(tmp).glob("bench.db*"))
            print(f"database size: {size / 2**20:,.1f} MiB")
        else:
            with engine.connect() as c:
                size = c.execute(text("SELECT pg_database_size(current_database())")).scalar()
            print(f"database size: {size / 2**20:,.1f} MiB")
            engine.dispose()
            _drop_postgres_database(url)


if __name__ == "__main__":
    main()
