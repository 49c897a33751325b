"""The longest delay of a ping sweep while a browser import of 5,000 rows is confirmed.

    .venv/bin/python bench/import_during_sweep.py [--rows 5000] [--interval 2]

Starts a real `ictmon run` (web front and scheduler in one process, SQLite) on a small district
of loopback devices (127.41.x.y), signs in over HTTP, uploads a CSV of `--rows` new devices
(127.42.x.y: loopback too, so the sweeps after the import still ping nothing outside) and
confirms it, as an officer would. The sweeps' own records (ping_samples of one device) then tell
how late each sweep came: the longest gap between two sweeps minus the interval is the delay;
a gap of two intervals or more is a skipped sweep. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from datetime import datetime
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct-horse-42"
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]+)"')
CONFIRM = re.compile(r'action="(/manage/import/[A-Za-z0-9_-]{32})"')


def csrf(page: str) -> str:
    return VALUE.search(CSRF_INPUT.search(page).group(0)).group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ictmon(config: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )


def district_csv(sites: int) -> str:
    lines = ["site,site_name,name,address,kind,parent"]
    for n in range(1, sites + 1):
        lines.append(f"B{n:03d},โรงเรียนทดสอบ {n},router,127.41.{n}.1,router,")
        lines.append(f"B{n:03d},โรงเรียนทดสอบ {n},switch,127.41.{n}.2,switch,router")
    return "\n".join(lines) + "\n"


def big_csv(rows: int) -> str:
    lines = ["site,site_name,name,address,kind,snmp_version,snmp_community"]
    for i in range(rows):
        site = i // 10
        lines.append(
            f"N{site:04d},หน่วยงานนำเข้า {site},dev-{i},127.42.{i // 250}.{i % 250 + 1},"
            f"switch,2c,community-{i}"
        )
    return "\n".join(lines) + "\n"


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def sample_times(database: Path, name: str) -> list[datetime]:
    with sqlite3.connect(database, timeout=60) as c:
        rows = c.execute(
            "SELECT s.at FROM ping_samples s JOIN devices d ON d.id = s.device_id "
            "WHERE d.name = ? ORDER BY s.at",
            (name,),
        ).fetchall()
    return [datetime.fromisoformat(r[0]) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--sites", type=int, default=25)
    a = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        database = tmp / "ictmon.db"
        config = tmp / "ictmon.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{database}"\n[paths]\ndata_dir = "{tmp}"\n'
            f'[web]\nhost = "127.0.0.1"\nport = {port}\n'
            f"[ping]\ninterval = {a.interval}\ntimeout = 0.5\ncount = 1\n",
            encoding="utf-8",
        )
        (tmp / "district.csv").write_text(district_csv(a.sites), encoding="utf-8")
        ictmon(config, "init", "--admin-password", PASSWORD)
        ictmon(config, "import", str(tmp / "district.csv"))
        with open(tmp / "run.log", "wb") as log:  # the child keeps its own copy of the file
            process = subprocess.Popen(
                [sys.executable, "-m", "monitor", "--config", str(config), "run"],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            jar = http.cookiejar.CookieJar()
            web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            for _ in range(300):  # bounded: up to 60 s for the server to listen
                try:
                    page = web.open(f"{base}/login", timeout=5).read().decode()
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise SystemExit("ictmon run did not start: see its log")
            token = csrf(page)
            form = urllib.parse.urlencode(
                {"csrf_token": token, "username": "admin", "password": PASSWORD}
            ).encode()
            web.open(f"{base}/login", data=form, timeout=30).read()
            time.sleep(4 * a.interval)  # a few undisturbed sweeps first: the baseline
            page = web.open(f"{base}/manage/import", timeout=30).read().decode()
            body, ctype = multipart(
                {"csrf_token": csrf(page)},
                "big.csv",
                big_csv(a.rows).encode(),
            )
            t0 = time.time()
            request = urllib.request.Request(
                f"{base}/manage/import", data=body, headers={"Content-Type": ctype}
            )
            preview = web.open(request, timeout=600).read().decode()
            t1 = time.time()
            action = CONFIRM.search(preview).group(1)
            form = urllib.parse.urlencode({"csrf_token": csrf(preview)}).encode()
            web.open(f"{base}{action}", data=form, timeout=600).read()
            t2 = time.time()
            time.sleep(4 * a.interval)  # sweeps after the import
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        times = sample_times(database, "router")
        with sqlite3.connect(database) as c:
            devices = c.execute("SELECT count(*) FROM devices").fetchone()[0]

    def gaps(since: float, until: float) -> list[float]:
        inside = [t for t in times if since - a.interval <= t.timestamp() <= until + a.interval]
        return [(y - x).total_seconds() for x, y in pairwise(inside)]

    before = gaps(times[0].timestamp(), t0)
    during = gaps(t1, t2)
    print(f"rows imported: {a.rows} ({devices} devices now); sweep interval {a.interval:g} s")
    print(f"upload + preview: {t1 - t0:.1f} s; confirm: {t2 - t1:.1f} s")
    print(f"before the import: longest gap between sweeps {max(before):.2f} s")
    worst = max(during) if during else float("nan")
    print(
        f"during the confirm: longest gap {worst:.2f} s → longest sweep delay "
        f"{max(0.0, worst - a.interval):.2f} s; sweeps skipped: "
        f"{sum(int(g // a.interval) - 1 for g in during if g >= 2 * a.interval)}"
    )


if __name__ == "__main__":
    main()
