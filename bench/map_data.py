"""How fast the network map's data (/map/data.json) is served for a large district, and how
many SQL statements it costs.

    .venv/bin/python bench/map_data.py [--devices 5000] [--requests 30]
        [--database sqlite|postgresql|both] [--postgres-url URL]

Two districts of `--devices` devices, built with bench/web_status.py's builder (states, a few
schools offline) plus what the SNMP inventory stores for the map: an LLDP table on every device
(its parent, and up to 256 of its children, as snmp_status.neighbours holds them) and an
interface per link with a utilisation. "district": one office and 150 schools (the map draws
the office's devices and one node per school); "one big site": the office and ONE school
holding all the other devices (the map draws every one). For each, /map/data.json at district
level and for the largest school, in-process with the Flask test client signed in: median and
95th percentile per request, statements per request, size of the answer. Prints figures;
asserts nothing. Touches no network.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from bench.web_status import POSTGRES_ADMIN_URL, build_district, database, measure
from monitor.accounts.users import create_user
from monitor.db import engine as dbmod
from monitor.localtime import utcnow
from monitor.secrets import ensure_keys
from monitor.settings import DatabaseSettings, PathSettings, Settings
from web.app import create_app

PASSWORD = "benchmark password"
MAX_ROWS = 256  # monitor.devices.collected.neighbour_rows keeps this many rows of a table


def add_lldp(engine) -> tuple[int, int, str]:
    """Every device's LLDP table and link ports, as the SNMP inventory would have stored them.
    Returns (tables, ports, the code of the largest site)."""
    rng = random.Random(7)
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as c:
        devices = c.execute(text("SELECT id, name, parent_id, site_id FROM devices")).all()
        largest = c.execute(
            text(
                "SELECT s.code FROM sites s JOIN devices d ON d.site_id = s.id "
                "GROUP BY s.code ORDER BY count(*) DESC, s.code LIMIT 1"
            )
        ).scalar_one()
    name = {d.id: d.name for d in devices}
    children: dict[int, list[int]] = {}
    for d in devices:
        if d.parent_id is not None:
            children.setdefault(d.parent_id, []).append(d.id)
    now = utcnow().replace(tzinfo=None)
    statuses, ports = [], []
    for d in devices:
        rows = []
        if d.parent_id is not None:
            rows.append({"local_port": "1", "remote_name": name[d.parent_id], "remote_port": "p"})
            ports.append((d.id, 1, "1", rng.uniform(0, 90), now))
        for k, child in enumerate(children.get(d.id, [])[: MAX_ROWS - 1], start=2):
            rows.append({"local_port": str(k), "remote_name": name[child], "remote_port": "1"})
            ports.append((d.id, k, str(k), rng.uniform(0, 90), now))
        statuses.append((d.id, "ok", now, json.dumps(rows)))
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        mark = "%s" if postgres else "?"
        cur.executemany(
            "INSERT INTO snmp_status (device_id, state, polled_at, neighbours, "
            "has_host_resources, has_ups) VALUES "
            f"({mark}, {mark}, {mark}, {mark}, false, false)",
            statuses,
        )
        cur.executemany(
            "INSERT INTO snmp_interfaces (device_id, if_index, name, utilisation_pct, seen_at, "
            f"counter_bits) VALUES ({mark}, {mark}, {mark}, {mark}, {mark}, 64)",
            ports,
        )
        raw.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE" if postgres else "ANALYZE"))
    return len(statuses), len(ports), largest


def run(devices_total: int, sites_total: int, shape: str, kind: str, url: str, requests: int):
    with tempfile.TemporaryDirectory(prefix="ictmon-bench-") as tmp, database(kind, tmp, url) as db:
        settings = replace(
            Settings(),
            database=DatabaseSettings(url=db),
            paths=PathSettings(data_dir=f"{tmp}/data"),
        )
        ensure_keys(settings)
        engine = dbmod.make_engine(db)
        dbmod.upgrade(engine)
        factory = dbmod.session_factory(engine)
        build_district(
            engine, devices_total, sites_total, 60, utcnow(), rollup_days=0, sample_hours=0
        )
        tables, ports, largest = add_lldp(engine)
        with dbmod.transaction(factory) as s:
            create_user(s, "bench", PASSWORD)
        print(
            f"  {devices_total:,} devices / {sites_total} sites on {kind}: {tables:,} LLDP tables, "
            f"{ports:,} link ports; largest site {largest}",
            file=sys.stderr,
        )
        app = create_app(settings, session_factory=factory)
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        assert (
            client.post("/login", data={"username": "bench", "password": PASSWORD}).status_code
            == 302
        )
        rows = []
        for label, path in [
            ("district level", "/map/data.json"),
            (f"site {largest}", f"/map/data.json?site={largest}"),
            ("the page /map", "/map"),
        ]:
            median, p95, statements, size = measure(client, engine, path, requests)
            nodes = (
                len(client.get(path).get_json()["nodes"])
                if path.endswith("json") or "?" in path
                else 0
            )
            rows.append((shape, kind, label, median, p95, statements, size, nodes))
        engine.dispose()
        return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres-url", default=POSTGRES_ADMIN_URL)
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    rows = []
    for kind in kinds:
        rows += run(args.devices, 151, "district", kind, args.postgres_url, args.requests)
        rows += run(args.devices, 2, "one big site", kind, args.postgres_url, args.requests)
    print(
        f"{'shape':<13} {'db':<10} {'what':<22} {'median ms':>9} {'p95 ms':>8} "
        f"{'stmts':>5} {'kB':>7} {'nodes':>6}"
    )
    for shape, kind, label, median, p95, statements, size, nodes in rows:
        print(
            f"{shape:<13} {kind:<10} {label:<22} {median:>9.1f} {p95:>8.1f} "
            f"{statements:>5.0f} {size / 1000:>7.0f} {nodes or '':>6}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
