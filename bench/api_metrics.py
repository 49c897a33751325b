"""How fast /metrics (and the OpenAPI document) answer for a whole district, and their SQL cost.

    .venv/bin/python bench/api_metrics.py [--requests 30] [--sizes 500,5000]

Builds the same district as bench/web_status.py in a temporary SQLite file, adds a row of
job_runs per scheduled job, then requests /metrics with a viewer's bearer token (as a Prometheus
scrape job does) through the Flask test client and prints the median and 95th percentile time,
the SQL statements per request and the size of the answer. Prints figures; asserts nothing.
Touches no network.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.web_status import build_district, measure
from monitor.accounts.users import create_token, create_user
from monitor.db import engine as dbmod
from monitor.db.models import JobRun
from monitor.localtime import utcnow
from monitor.secrets import ensure_keys
from monitor.settings import DatabaseSettings, PathSettings, Settings
from web.app import create_app

JOBS = (
    "ping-sweep",
    "housekeeping",
    "snmp-poll",
    "ssh-backup",
    "monthly-report",
    "outbox-sender",
    "risk-rules",
)


def run(devices_total: int, sites_total: int, requests: int) -> list[tuple]:
    with tempfile.TemporaryDirectory(prefix="ictmon-bench-") as tmp:
        settings = replace(
            Settings(),
            database=DatabaseSettings(url=f"sqlite:///{tmp}/bench.db"),
            paths=PathSettings(data_dir=f"{tmp}/data"),
        )
        ensure_keys(settings)
        engine = dbmod.make_engine(settings.database.url)
        dbmod.upgrade(engine)
        factory = dbmod.session_factory(engine)
        now = utcnow()
        build_district(engine, devices_total, sites_total, 300, now)
        with dbmod.transaction(factory) as s:
            token = create_token(
                s, create_user(s, "prometheus", "benchmark password", role="viewer")
            )
            for job in JOBS:
                s.add(
                    JobRun(
                        job=job,
                        scheduled_at=now,
                        started_at=now,
                        finished_at=now + timedelta(seconds=2),
                        duration_s=2.0,
                        lag_s=0.01,
                        ok=True,
                        error="",
                        last_success_at=now,
                        runs=10,
                        failures=0,
                    )
                )
        client = create_app(settings, session_factory=factory).test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        rows = []
        for url in ("/metrics", "/api/v1/openapi.json"):
            median, p95, queries, size = measure(client, engine, url, requests)
            rows.append((f"{devices_total:,}/{sites_total}", url, median, p95, queries, size))
        engine.dispose()
        return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--sizes", default="500,5000", help="device counts; sites = devices / 33.3 (150 for 5,000)"
    )
    args = parser.parse_args(argv)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        rows += run(size, max(2, round(size * 150 / 5000)), args.requests)
    print(
        f"| {'devices/sites':<13} | {'request':<22} | {'median ms':>9} | {'p95 ms':>7} "
        f"| {'SQL/request':>11} | {'bytes':>9} |"
    )
    print(f"|{'-' * 15}|{'-' * 24}|{'-' * 10}:|{'-' * 8}:|{'-' * 12}:|{'-' * 10}:|")
    for district, label, median, p95, queries, size in rows:
        print(
            f"| {district:<13} | {label:<22} | {median:>9.1f} | {p95:>7.1f} | {queries:>11g} "
            f"| {size:>9,} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
