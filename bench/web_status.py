"""How fast the web front answers for a whole district, and how many SQL statements it costs.

    .venv/bin/python bench/web_status.py [--requests 30] [--sizes 500,5000] [--sample-interval 60]
        [--database sqlite|postgresql] [--postgres-url URL] [--rollup-days 30] [--sample-hours 24]

For each size, builds a district in a temporary SQLite file, or in a database of its own on the
PostgreSQL server (created, and dropped at the end, as tests/conftest.py's postgres_engine does) (one
office site plus schools, 150 sites for 5,000 devices, 600 for 20,000): current states (a few schools offline, access points down, some
never polled, one school in maintenance), state history, a month of hourly rollups and a day of raw
samples for every device, written with bulk inserts (COPY on PostgreSQL). Then, in-process with the Flask test client
signed in, requests each page `--requests` times after a warm-up and prints the median and 95th
percentile time per request and the SQL statements per request (counted with a
`before_cursor_execute` listener). Prints figures; asserts nothing. Touches no network.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from monitor.accounts.users import create_user
from monitor.db import engine as dbmod
from monitor.localtime import utcnow
from monitor.secrets import ensure_keys
from monitor.settings import DatabaseSettings, PathSettings, Settings
from web.api.paging import encode_cursor
from web.app import create_app

PASSWORD = "benchmark password"
POSTGRES_ADMIN_URL = os.environ.get(
    "ICTMON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _ts(moment) -> str:
    """SQLAlchemy's SQLite DATETIME text format, naive UTC (as UTCDateTime stores it)."""
    return moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _bulk(cur, postgres: bool, table: str, columns: str, rows) -> None:
    """Rows into a table the fastest way each database has: COPY, or executemany."""
    if postgres:
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns.split(","))
    cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def build_district(
    engine,
    devices_total: int,
    sites_total: int,
    sample_interval: int,
    now,
    *,
    rollup_days: int = 30,
    sample_hours: int = 24,
) -> dict:
    """Write the district on the raw DB-API connection (fast bulk inserts)."""
    postgres = engine.dialect.name == "postgresql"
    rng = random.Random(devices_total)
    created = _ts(now - timedelta(days=60))
    sites, devices, states, intervals = [], [], [], []
    school_devices = devices_total - 1
    schools = sites_total - 1
    per_school = [
        school_devices // schools + (1 if i < school_devices % schools else 0)
        for i in range(schools)
    ]

    sites.append((1, "OFFICE", "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษา", True, created))
    devices.append((1, 1, "office-core", "127.0.0.1", "router", None, True, created, created))
    next_id = 2
    site_for_page = None
    for i, count in enumerate(per_school):
        site_id = i + 2
        code = f"S{i + 1:03d}"
        sites.append((site_id, code, f"โรงเรียนทดสอบที่ {i + 1}", True, created))
        router = next_id
        devices.append(
            (
                router,
                site_id,
                f"{code.lower()}-router",
                f"127.1.{i % 250}.1",
                "router",
                1,
                True,
                created,
                created,
            )
        )
        next_id += 1
        switches = []
        for k in range(max(1, min(4, (count - 1) // 8))):
            switches.append(next_id)
            devices.append(
                (
                    next_id,
                    site_id,
                    f"{code.lower()}-sw{k + 1}",
                    f"127.1.{i % 250}.{10 + k}",
                    "switch",
                    router,
                    True,
                    created,
                    created,
                )
            )
            next_id += 1
        for k in range(count - 1 - len(switches)):
            devices.append(
                (
                    next_id,
                    site_id,
                    f"{code.lower()}-ap{k + 1}",
                    f"127.2.{i % 250}.{(k % 250) + 1}",
                    "ap",
                    switches[k % len(switches)],
                    True,
                    created,
                    created,
                )
            )
            next_id += 1
        if site_for_page is None and i >= 3:
            site_for_page = code

    # States: schools 0,1,2 offline (router down, rest unreachable); every 7th school has an AP
    # down; school 5 under maintenance; school 6 never polled; everything else up.
    by_site: dict[int, list[tuple]] = {}
    for d in devices:
        by_site.setdefault(d[1], []).append(d)
    for site_id, members in by_site.items():
        school = site_id - 2
        for n, d in enumerate(members):
            device_id, kind = d[0], d[4]
            if school == 6:
                continue
            if school in (0, 1, 2):
                status = "down" if kind == "router" else "unreachable"
                since = now - timedelta(hours=2 + school, minutes=5)
            elif school == 5:
                status, since = "maintenance", now - timedelta(minutes=30)
            elif school % 7 == 0 and kind == "ap" and n == len(members) - 1:
                status, since = "down", now - timedelta(minutes=40 + school)
            else:
                status, since = "up", now - timedelta(days=3, hours=rng.randrange(48))
            failing = status in ("down", "unreachable")
            states.append(
                (
                    device_id,
                    status,
                    _ts(since),
                    3 if failing else 0,
                    None,
                    _ts(now - timedelta(seconds=30)),
                    None if failing else round(rng.uniform(1, 40), 2),
                    100.0 if failing else 0.0,
                    "timeout" if failing else None,
                )
            )
            first = now - timedelta(days=30)
            intervals.append((device_id, "up", _ts(first), _ts(since)))
            intervals.append((device_id, status, _ts(since), None))

    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        _bulk(cur, postgres, "sites", "id, code, name, enabled, created_at", sites)
        _bulk(
            cur,
            postgres,
            "devices",
            "id, site_id, name, address, kind, parent_id, enabled, created_at, updated_at",
            devices,
        )
        _bulk(
            cur,
            postgres,
            "device_states",
            "device_id, status, since, fail_count, first_fail_at, last_check_at, last_rtt_ms,"
            " last_loss_pct, last_error",
            states,
        )
        _bulk(
            cur, postgres, "state_intervals", "device_id, status, started_at, ended_at", intervals
        )
        if postgres:  # ids were given: move the sequences past them
            for table in ("sites", "devices"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
        raw.commit()

        hour0 = now.replace(minute=0, second=0, microsecond=0)
        hours = [_ts(hour0 - timedelta(hours=h)) for h in range(rollup_days * 24, 0, -1)]

        def rollups():
            for d in devices:
                base = 5 + (d[0] % 30)
                for h, bucket in enumerate(hours):
                    rtt = base + (h % 24) * 0.3
                    yield (d[0], 3600, bucket, 180, 179, rtt * 60, 60, rtt * 2)

        _bulk(
            cur,
            postgres,
            "ping_rollups",
            "device_id, resolution, bucket_start, sent, received, rtt_sum_ms, rtt_samples,"
            " rtt_max_ms",
            rollups(),
        )
        raw.commit()

        sweeps = [
            _ts(now - timedelta(seconds=s)) for s in range(sample_hours * 3600, 0, -sample_interval)
        ]

        def samples():
            for d in devices:
                base = 5 + (d[0] % 30)
                for k, at in enumerate(sweeps):
                    yield (d[0], at, 3, 3, base + (k % 10) * 0.2, base + 3)

        _bulk(
            cur,
            postgres,
            "ping_samples",
            "device_id, at, sent, received, rtt_avg_ms, rtt_max_ms",
            samples(),
        )
        raw.commit()
        if not postgres:
            cur.execute("ANALYZE")
            raw.commit()
    finally:
        raw.close()
    if postgres:  # as autovacuum would have left a live database: statistics, visibility map
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
    return {
        "site": site_for_page,
        "device": 2,
        "rollups": len(devices) * len(hours),
        "samples": len(devices) * len(sweeps),
    }


def measure(client, engine, url: str, requests: int) -> tuple[float, float, float, int]:
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    for _ in range(3):  # warm-up: template compilation, SQLite page cache
        assert client.get(url).status_code == 200, url
    event.listen(engine, "before_cursor_execute", count)
    times = []
    size = 0
    try:
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, url
            size = len(response.data)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, len(statements) / requests, size


@contextmanager
def database(kind: str, tmp: str, postgres_url: str):
    """The URL of an empty database: a file in `tmp`, or a database of our own on the PostgreSQL
    server, dropped (WITH FORCE) when the block ends."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp}/bench.db"
        return
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = f"ictmon_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def database_mb(engine) -> float:
    if engine.dialect.name == "postgresql":
        with engine.connect() as c:
            return c.execute(text("SELECT pg_database_size(current_database())")).scalar() / 1e6
    return Path(engine.url.database).stat().st_size / 1e6


def run(
    devices_total: int,
    sites_total: int,
    requests: int,
    sample_interval: int,
    *,
    kind: str = "sqlite",
    postgres_url: str = POSTGRES_ADMIN_URL,
    rollup_days: int = 30,
    sample_hours: int = 24,
) -> list[tuple]:
    with (
        tempfile.TemporaryDirectory(prefix="ictmon-bench-") as tmp,
        database(kind, tmp, postgres_url) as url,
    ):
        settings = replace(
            Settings(),
            database=DatabaseSettings(url=url),
            paths=PathSettings(data_dir=f"{tmp}/data"),
        )
        ensure_keys(settings)
        engine = dbmod.make_engine(settings.database.url)
        dbmod.upgrade(engine)
        factory = dbmod.session_factory(engine)
        now = utcnow()
        started = time.perf_counter()
        info = build_district(
            engine,
            devices_total,
            sites_total,
            sample_interval,
            now,
            rollup_days=rollup_days,
            sample_hours=sample_hours,
        )
        built = time.perf_counter() - started
        with dbmod.transaction(factory) as s:
            create_user(s, "bench", PASSWORD)
        print(
            f"  {devices_total:,} devices / {sites_total} sites on {kind}: built in {built:.1f} s "
            f"({info['rollups']:,} hourly rollups, {info['samples']:,} samples, "
            f"{database_mb(engine):,.0f} MB)",
            file=sys.stderr,
        )

        app = create_app(settings, session_factory=factory)
        app.config["WTF_CSRF_ENABLED"] = False  # sign in with a plain post
        client = app.test_client()
        assert (
            client.post("/login", data={"username": "bench", "password": PASSWORD}).status_code
            == 302
        )
        rows = []
        for label, url in [
            ("status page /", "/"),
            ("status refresh /status/overview", "/status/overview"),
            (f"site page /sites/{info['site']}", f"/sites/{info['site']}"),
            ("device page /devices/2", "/devices/2"),
            ("/api/v1/sites", "/api/v1/sites"),
            ("/api/v1/devices (first page, 500)", "/api/v1/devices"),
            # A page from the middle of the list: keyset paging costs the same anywhere.
            (
                "/api/v1/devices (middle page, 500)",
                f"/api/v1/devices?cursor={encode_cursor(devices_total // 2)}",
            ),
            # The old unpaginated answer, for comparison: the whole list up to 5,000.
            ("/api/v1/devices?limit=5000", "/api/v1/devices?limit=5000"),
            ("latency 24h (samples)", "/api/v1/devices/2/latency?range=24h"),
            ("latency 30d (hourly)", "/api/v1/devices/2/latency?range=30d"),
        ]:
            median, p95, queries, size = measure(client, engine, url, requests)
            rows.append(
                (f"{devices_total:,}/{sites_total}", kind, label, median, p95, queries, size)
            )
        engine.dispose()
        return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--sizes", default="500,5000", help="device counts; sites = devices / 33.3 (150 for 5,000)"
    )
    parser.add_argument(
        "--sample-interval",
        type=int,
        default=60,
        help="seconds between raw samples in the generated day (default 60)",
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_ADMIN_URL,
        help="a server to create the benchmark's own database on (ICTMON_TEST_POSTGRES_URL)",
    )
    parser.add_argument("--rollup-days", type=int, default=30, help="hourly rollups (default 30)")
    parser.add_argument("--sample-hours", type=int, default=24, help="raw samples (default 24)")
    args = parser.parse_args(argv)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        sites = max(2, round(size * 150 / 5000))
        rows += run(
            size,
            sites,
            args.requests,
            args.sample_interval,
            kind=args.database,
            postgres_url=args.postgres_url,
            rollup_days=args.rollup_days,
            sample_hours=args.sample_hours,
        )
    print()
    print(
        f"| {'devices/sites':<13} | {'database':<10} | {'request':<34} | {'median ms':>9} "
        f"| {'p95 ms':>7} | {'SQL/request':>11} | {'bytes':>9} |"
    )
    print(f"|{'-' * 15}|{'-' * 12}|{'-' * 36}|{'-' * 10}:|{'-' * 8}:|{'-' * 12}:|{'-' * 10}:|")
    for district, kind, label, median, p95, queries, size in rows:
        print(
            f"| {district:<13} | {kind:<10} | {label:<34} | {median:>9.1f} | {p95:>7.1f} "
            f"| {queries:>11g} | {size:>9,} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
