"""`ictmon db-backup` on a district-sized SQLite database, next to `sqlite3 .backup`.

Builds a migrated database with N devices at the default retention's steady state (26 h of
one-minute samples, 8 days of 5-minute rollups) plus M months of hourly rollups, then measures:

- ictmon's backup (monitor.db.backup: `VACUUM INTO`, then integrity_check of the copy), its two
  halves, and the file size;
- the online backup API in one step (the alternative the module did not pick), time and size;
- Debian's `sqlite3 FILE ".backup COPY"` (the reference tool), side by side as a ratio;
- the same ictmon backup while a writer commits one sweep's samples every `--sweep-every`
  seconds: the writer's slowest commit during the copy (the writer must not wait for the copy).

    .venv/bin/python bench/db_backup.py [--devices 600] [--hourly-months 6] [--repeat 3]

Figures are printed, never asserted (bench/README.md keeps the measured ones).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.db import backup as db_backup
from monitor.db import engine as dbmod

START = datetime(2026, 10, 1, tzinfo=UTC)
FMT = "%Y-%m-%d %H:%M:%S.%f"  # how UTCDateTime lands in SQLite


def build(path: Path, devices: int, hourly_months: int) -> dict[str, int]:
    engine = dbmod.make_engine(f"sqlite:///{path}")
    dbmod.upgrade(engine)
    engine.dispose()
    random.seed(7)
    with sqlite3.connect(path) as c:
        c.execute(
            "INSERT INTO sites (id, code, name, enabled, created_at) "
            "VALUES (1, 'S', 'district', 1, ?)",
            (START.strftime(FMT),),
        )
        c.executemany(
            "INSERT INTO devices (id, site_id, name, address, kind, enabled, created_at, "
            "updated_at) VALUES (?, 1, ?, ?, 'switch', 1, ?, ?)",
            (
                (
                    d,
                    f"d{d}",
                    f"127.60.{d // 250}.{d % 250 + 1}",
                    START.strftime(FMT),
                    START.strftime(FMT),
                )
                for d in range(1, devices + 1)
            ),
        )
        raw_end = START + timedelta(days=31)
        samples = (
            (
                d,
                (raw_end - timedelta(minutes=m)).strftime(FMT),
                3,
                3,
                r := random.uniform(0.3, 40),
                r * 1.2,
            )
            for m in range(26 * 60)
            for d in range(1, devices + 1)
        )
        c.executemany(
            "INSERT INTO ping_samples (device_id, at, sent, received, rtt_avg_ms, "
            "rtt_max_ms) VALUES (?, ?, ?, ?, ?, ?)",
            samples,
        )

        def rollups(resolution: int, count: int):
            for k in range(count):
                bucket = (raw_end - timedelta(seconds=resolution * (k + 1))).strftime(FMT)
                for d in range(1, devices + 1):
                    r = random.uniform(0.3, 40)
                    yield d, resolution, bucket, 15, 15, r * 5, 5, r * 1.5

        sql = (
            "INSERT INTO ping_rollups (device_id, resolution, bucket_start, sent, received, "
            "rtt_sum_ms, rtt_samples, rtt_max_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        )
        c.executemany(sql, rollups(300, 8 * 24 * 12))
        c.executemany(sql, rollups(3600, hourly_months * 30 * 24))
    with sqlite3.connect(path) as c:
        return {
            t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("devices", "ping_samples", "ping_rollups")
        }


def timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def fresh(path: Path) -> Path:
    path.unlink(missing_ok=True)
    return path


class SweepWriter(threading.Thread):
    """One sweep's samples per transaction, every `every` seconds, through its own connection."""

    def __init__(self, path: Path, devices: int, every: float):
        super().__init__(daemon=True)
        self.path, self.devices, self.every = path, devices, every
        self.stop = threading.Event()
        self.commits: list[tuple[float, float]] = []

    def run(self):
        c = sqlite3.connect(self.path, timeout=30)
        c.execute("PRAGMA busy_timeout=30000")
        at = START + timedelta(days=40)
        while not self.stop.is_set() and len(self.commits) < 100_000:
            at += timedelta(minutes=1)
            started = time.perf_counter()
            with c:
                c.executemany(
                    "INSERT INTO ping_samples VALUES (?, ?, 3, 3, 1.0, 1.2)",
                    ((d, at.strftime(FMT)) for d in range(1, self.devices + 1)),
                )
            self.commits.append((started, time.perf_counter()))
            self.stop.wait(self.every)
        c.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=600)
    parser.add_argument("--hourly-months", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sweep-every", type=float, default=0.05)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        source = tmp / "ictmon.db"
        began = time.perf_counter()
        counts = build(source, args.devices, args.hourly_months)
        print(
            f"database: {args.devices} devices, {counts['ping_samples']:,} samples, "
            f"{counts['ping_rollups']:,} rollups; {source.stat().st_size / 1e6:,.0f} MB "
            f"(built in {time.perf_counter() - began:.0f} s)"
        )

        copy, verify, whole, api, cli = [], [], [], [], []
        target, page_copy = tmp / "copy.sqlite3", tmp / "api.sqlite3"
        for _ in range(args.repeat):
            copy.append(timed(db_backup.copy_sqlite, source, fresh(target)))
            verify.append(timed(db_backup.verify_sqlite, target))
            whole.append(timed(db_backup.backup_sqlite, source, fresh(target)))
            with sqlite3.connect(source) as c, sqlite3.connect(fresh(page_copy)) as d:
                api.append(timed(c.backup, d))
            if shutil.which("sqlite3"):
                reference = fresh(tmp / "reference.sqlite3")
                cli.append(
                    timed(subprocess.run, ["sqlite3", str(source), f".backup '{reference}'"])
                )
        med = statistics.median
        print(f"\nmedian of {args.repeat}:")
        print(
            f"  ictmon db-backup (copy + integrity_check) {med(whole):6.2f} s   "
            f"{target.stat().st_size / 1e6:,.0f} MB"
        )
        print(f"    copy (VACUUM INTO)                      {med(copy):6.2f} s")
        print(f"    PRAGMA integrity_check of the copy      {med(verify):6.2f} s")
        print(
            f"  backup API, one step (not chosen)         {med(api):6.2f} s   "
            f"{page_copy.stat().st_size / 1e6:,.0f} MB"
        )
        if cli:
            print(
                f"  sqlite3 .backup (Debian's CLI)            {med(cli):6.2f} s   "
                f"{reference.stat().st_size / 1e6:,.0f} MB"
            )
            print(f"  ratio copy / sqlite3 .backup              {med(copy) / med(cli):6.2f}")
            print(f"  ratio db-backup incl. check / sqlite3     {med(whole) / med(cli):6.2f}")
        else:
            print("  sqlite3 .backup: skipped: sqlite3 not installed (apt install sqlite3)")

        writer = SweepWriter(source, args.devices, args.sweep_every)
        writer.start()
        time.sleep(0.5)
        started = time.perf_counter()
        db_backup.copy_sqlite(source, fresh(tmp / "copy.sqlite3"))
        finished = time.perf_counter()
        time.sleep(0.5)
        writer.stop.set()
        writer.join(timeout=30)
        during = [
            end - start for start, end in writer.commits if start < finished and end > started
        ]
        before = [end - start for start, end in writer.commits if end <= started]
        print(f"\nwhile a writer commits {args.devices} samples every {args.sweep_every:g} s:")
        print(
            f"  copy took {finished - started:.2f} s; {len(during)} writer commits overlapped "
            f"it, slowest {max(during, default=0) * 1000:.1f} ms "
            f"(before the copy: median {med(before) * 1000 if before else 0:.1f} ms)"
        )


if __name__ == "__main__":
    main()
