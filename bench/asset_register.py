"""How fast the asset register's pages answer for a whole service area: 30,000 assets, 150 sites.

    .venv/bin/python bench/asset_register.py [--assets 30000] [--sites 150] [--requests 10]

Builds the register in a temporary SQLite file with bulk inserts (one office and schools; about
one asset in ten polled with a loopback address, the rest computers, notebooks, tablets,
projectors and printers without one; asset numbers, budget years, prices, purchase dates,
conditions, a few disposed), then requests each page with the Flask test client, signed in,
in-process: 2 warm-up requests, then `--requests` timed ones. Prints the median and 95th
percentile per request and the SQL statements per request. Asserts nothing; touches no network.

The annual check: a round over every site with two assets in three marked seen (one in ten of
those in another condition than the register's), then its page and its report as PDF and XLSX
(`--report-requests` timed requests each; the PDF of 30,000 assets is some 700 pages).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from monitor.accounts.users import create_user
from monitor.db import engine as dbmod
from monitor.localtime import utcnow
from monitor.secrets import ensure_keys
from monitor.settings import DatabaseSettings, PathSettings, Settings
from web.app import create_app

PASSWORD = "benchmark password"
OFFICE_KINDS = (
    "computer",
    "computer",
    "computer",
    "notebook",
    "notebook",
    "tablet",
    "projector",
    "printer",
)
NETWORK_KINDS = ("switch", "ap", "ups")
CONDITIONS = ("usable",) * 8 + ("damaged", "awaiting_disposal")


def build(engine, assets: int, sites: int, now) -> list[str]:
    """Write the register with executemany on the raw DB-API connection; the site codes."""
    rng = random.Random(assets)
    created = now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    site_rows = [(1, "OFFICE", "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษา", 1, created)]
    site_rows += [
        (i + 2, f"S{i + 1:03d}", f"โรงเรียนทดสอบที่ {i + 1}", 1, created) for i in range(sites - 1)
    ]
    devices = []
    for n in range(assets):
        site_id = 1 + n % sites
        polled = n % 10 == 0
        kind = rng.choice(NETWORK_KINDS if polled else OFFICE_KINDS)
        year = rng.randint(2012, 2026)  # Christian-era budget year
        bought = date(year - 1, 10, 1) + timedelta(days=rng.randint(0, 364))
        condition = rng.choice(CONDITIONS)
        disposed = None
        if n % 50 == 1:
            condition, disposed = "disposed", (bought + timedelta(days=2000)).isoformat()
        devices.append(
            (
                n + 1,
                site_id,
                f"{kind}-{n + 1:05d}",
                f"127.{1 + n // 62500}.{(n // 250) % 250}.{1 + n % 250}" if polled else None,
                kind,
                None,
                1,
                created,
                created,
                f"7440-{n % 1000:03d}-{n + 1:04d}/{(year + 543) % 100:02d}",
                year,
                "e-bidding" if n % 3 else "เฉพาะเจาะจง",
                "เงินงบประมาณ",
                f"{rng.randint(3000, 90000)}.{rng.randint(0, 99):02d}",
                "บริษัท ทดสอบ จำกัด",
                "นายสมชาย ใจดี",
                f"ห้อง {n % 40 + 1}",
                condition,
                disposed,
                bought.isoformat(),
            )
        )
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.executemany(
            "INSERT INTO sites (id, code, name, enabled, created_at) VALUES (?, ?, ?, ?, ?)",
            site_rows,
        )
        cur.executemany(
            "INSERT INTO devices (id, site_id, name, address, kind, parent_id, enabled, created_at,"
            " updated_at, asset_number, budget_year, acquisition_method, fund_source, price,"
            " supplier, responsible_person, room, condition, disposed_on, purchase_date)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            devices,
        )
        raw.commit()
    finally:
        raw.close()
    return [code for _, code, *_ in site_rows]


def build_round(engine, assets: int, sites: int, now) -> int:
    """A check round over every site, two assets in three marked; the round's id."""
    from monitor.assets import check_queries as cq  # deferred: only this part of the bench

    factory = dbmod.session_factory(engine)
    with factory.begin() as s:
        round_id = cq.open_round(s, 2027, range(1, sites + 1), "bench", "bench", now)
    marked = now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = [
        (
            round_id,
            n + 1,
            "damaged" if n % 30 == 1 else "usable",
            "usable",
            "สภาพตามทะเบียน" if n % 7 else "",
            "seen",
            marked,
            "bench",
        )
        for n in range(assets)
        if n % 3
    ]
    raw = engine.raw_connection()
    try:
        raw.cursor().executemany(
            "INSERT INTO asset_check_marks (round_id, device_id, condition, condition_before,"
            " note, how, marked_at, marked_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        raw.commit()
    finally:
        raw.close()
    return round_id


def measure(client, url: str, requests: int, counter: list[int]) -> tuple[float, float, float, int]:
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    times, statements = [], []
    size = 0
    for _ in range(requests):
        counter[0] = 0
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        statements.append(counter[0])
        size = len(response.data)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return statistics.median(times), p95, statistics.median(statements), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=30_000)
    parser.add_argument("--sites", type=int, default=150)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--report-requests", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database=DatabaseSettings(url=f"sqlite:///{tmp}/bench.db"),
            paths=PathSettings(data_dir=tmp),
        )
        ensure_keys(settings)
        engine = dbmod.make_engine(settings.database.url)
        dbmod.upgrade(engine)
        started = time.perf_counter()
        codes = build(engine, args.assets, args.sites, utcnow())
        round_id = build_round(engine, args.assets, args.sites, utcnow())
        print(
            f"built {args.assets:,} assets in {args.sites} sites and a check round"
            f" in {time.perf_counter() - started:.1f} s"
        )
        factory = dbmod.session_factory(engine)
        with factory.begin() as s:
            create_user(s, "bench", PASSWORD, role="admin")
        app = create_app(settings, session_factory=factory)
        app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
        counter = [0]
        event.listen(
            engine, "before_cursor_execute", lambda *a: counter.__setitem__(0, counter[0] + 1)
        )
        client = app.test_client()
        client.post("/login", data={"username": "bench", "password": PASSWORD})
        site = codes[len(codes) // 2]
        pages = [
            ("inventory page, one site", f"/inventory?site={site}"),
            ("asset register, one site", f"/assets?site={site}"),
            ("asset register, one site, on a date", f"/assets?site={site}&at=30/09/2569"),
            ("depreciation summary, whole office", "/assets/depreciation?at=30/09/2569"),
            ("label PDF, one site", f"/assets/labels.pdf?site={site}"),
        ]
        print(f"{'request':<40} {'median ms':>10} {'p95 ms':>8} {'SQL':>5} {'bytes':>10}")
        checks = [
            ("check round page, whole round", f"/assets/checks/{round_id}"),
            ("check report XLSX, whole round", f"/assets/checks/{round_id}/report.xlsx"),
            ("check report PDF, whole round", f"/assets/checks/{round_id}/report.pdf"),
            ("check form PDF, one site", f"/assets/checks/{round_id}/report.pdf?site={site}"),
        ]
        for label, url in pages + checks:
            requests = args.report_requests if "report" in url else args.requests
            median, p95, sql, size = measure(client, url, requests, counter)
            print(f"{label:<40} {median:>10.0f} {p95:>8.0f} {sql:>5.0f} {size:>10,}")
        engine.dispose()


if __name__ == "__main__":
    main()
