"""What edge collectors cost the central, and what a collector costs its school's machine.

    .venv/bin/python bench/collector_ingest.py [--collectors 50] [--devices 100] [--minutes 10]
        [--backlog-hours 72] [--rss-devices 200] [--rss-seconds 150] [--postgres-url URL]

A central on PostgreSQL (a database of its own on the server at ICTMON_TEST_POSTGRES_URL, default
127.0.0.1:5432, created and dropped as tests/conftest.py's postgres_engine does) runs as a real
`ictmon run --only web` process; every upload goes through the real route
(POST /api/v1/collector/results) over HTTP on loopback, gzip-compressed as a collector sends
it, with a collector's real token from the real enrolment route. Nothing pings on the central's side: time is simulated by the sweeps'
timestamps.

1. Steady district: `--collectors` collectors of `--devices` devices each (plus each school's
   router, which the office watches itself), `--minutes` minutes of a district's life: a ping
   sweep a minute and an SNMP round every five per collector (each collector uploads once per
   simulated minute, 4 uploads at a time). Figures: results applied per second, the central's
   CPU (user + system of the web process, from /proc) per 1,000 results, and from that the
   steady district's share of one core (5,000 devices: 5,000 ping results a minute + 5,000 SNMP
   results every 5 minutes = 100 results a second).
2. Backlog: one more collector uploads `--backlog-hours` of buffered results for `--devices`
   devices, taken from a real collector queue (monitor.agent.queue) in the batches the real
   collector makes: the time from its first upload to the last answer.
3. Collector memory: a real `ictmon collector enrol` + `ictmon collector run` for `--rss-devices`
   devices on loopback (127.62.x.y, every one answers) for `--rss-seconds` (a sweep a minute,
   the central's default [ping] interval); its peak resident memory (VmHWM).

Prints figures; asserts nothing. Traffic stays on 127.0.0.0/8.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from collectors.snmp import OK, Health, InterfaceSample, SnmpResult
from monitor.agent.client import GZIP_LEVEL
from monitor.agent.queue import ResultQueue
from monitor.agent.runner import MAX_BATCH_BYTES, MAX_BATCH_ROWS
from monitor.edge.protocol import ENROL_PATH, RESULTS_PATH, Batch, PingOutcome, SnmpRound, Sweep
from monitor.edge.snmp_wire import encode_result

REPO = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get(
    "ICTMON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TICKS = os.sysconf("SC_CLK_TCK")
SWEEP_S, SNMP_S = 60, 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Central:
    def __init__(self, directory: Path, database_url: str):
        self.directory = directory
        self.port = _free_port()
        self.config = directory / "central.toml"
        self.config.write_text(
            f'[database]\nurl = "{database_url}"\n[paths]\ndata_dir = "{directory}"\n'
            f'[web]\nhost = "127.0.0.1"\nport = {self.port}\n'
            # The sweeps' own interval: a longer gap between two sweeps is written as unknown.
            f"[ping]\ninterval = {SWEEP_S}\ntimeout = 0.5\ncount = 1\n"
            "[collector]\npush_interval = 30\n",
            encoding="utf-8",
        )
        self.process: subprocess.Popen | None = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def ictmon(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
            cwd=REPO,
        ).stdout

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(self.config), "run", "--only", "web"],
            stdout=open(self.directory / "web.log", "wb"),  # noqa: SIM115 (the process owns it)
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the central's web process did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def post(self, path: str, document: dict, token: str = "") -> tuple[int, dict]:
        return self.post_bytes(path, json.dumps(document, separators=(",", ":")).encode(), token)

    def upload(self, document: dict, token: str) -> tuple[int, dict, int]:
        """A batch as a collector sends it (monitor.agent.client: gzip); also the bytes sent."""
        body = gzip.compress(
            json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode(),
            compresslevel=GZIP_LEVEL,
        )
        return (*self.post_bytes(RESULTS_PATH, body, token, gzipped=True), len(body))

    def post_bytes(
        self, path: str, body: bytes, token: str = "", *, gzipped: bool = False
    ) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"}
            | ({"Content-Encoding": "gzip"} if gzipped else {}),
        )
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with self._opener.open(request, timeout=300) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, {"error": error.read().decode(errors="replace")}

    def cpu(self) -> float:
        assert self.process is not None
        return _cpu_seconds(self.process.pid)

    def collector(self, name: str, site: str) -> str:
        """A collector created on the central and enrolled through the real route: its token."""
        out = self.ictmon("collector", "create", name, "--site", site)
        code = out.strip().splitlines()[-1].split()[-1]
        status, enrolled = self.post(ENROL_PATH, {"code": code, "hostname": name, "version": "b"})
        if status != 201:
            raise RuntimeError(f"enrolment of {name}: {status} {enrolled}")
        return enrolled["token"]


def _district_csv(schools: int, devices: int, extra: list[tuple[str, int]]) -> str:
    lines = ["site,site_name,name,address,kind,parent", "OFFICE,office,core,127.63.0.1,switch,"]
    every = [(f"S{n:03d}", devices) for n in range(1, schools + 1)] + extra
    for i, (code, count) in enumerate(every, start=1):
        lines.append(f"{code},school {code},router,127.63.{i}.1,router,OFFICE/core")
        for d in range(count):
            address = f"127.62.{i}.{d + 2}" if count <= 250 else f"127.62.{d // 250}.{d % 250 + 2}"
            lines.append(f"{code},school {code},dev-{d},{address},switch,router")
    return "\n".join(lines) + "\n"


def _devices_of(engine, code: str) -> list[tuple[int, str]]:
    with engine.connect() as c:
        return [
            (r.id, r.address)
            for r in c.execute(
                text(
                    "SELECT d.id, d.address FROM devices d JOIN sites s ON s.id = d.site_id "
                    "WHERE s.code = :code AND d.name <> 'router' ORDER BY d.id"
                ),
                {"code": code},
            )
        ]


def _sweep(at: datetime, devices: list[tuple[int, str]]) -> Sweep:
    # One device in fifty silent: a district always has some.
    return Sweep(
        at,
        tuple(
            PingOutcome(d, 1, 0) if d % 50 == 0 else PingOutcome(d, 1, 1, 0.4, 0.4, 0.4)
            for d, _ in devices
        ),
    )


def _snmp(at: datetime, devices: list[tuple[int, str]], step: int) -> SnmpRound:
    results = []
    for d, address in devices:
        octets = step * 37_500_000 + d
        result = SnmpResult(
            key=d,
            address=address,
            state=OK,
            uptime_cs=8_640_000 + step * 30_000,
            interfaces=tuple(
                InterfaceSample(i, "up", "up", octets * i, octets * i // 3, 64, 1000.0, 0, 0, 0, 0)
                for i in range(1, 9)
            ),
            health=Health(cpu_pct=12.0, memory_pct=40.0, temperature_c=41.0),
        )
        results.append(encode_result(result))
    return SnmpRound(at, tuple(results))


def steady(central: Central, tokens: dict[str, str], devices, minutes: int) -> dict:
    start = datetime.now(UTC) - timedelta(minutes=minutes + 1)
    uploads = []
    for m in range(minutes):
        at = start + timedelta(seconds=m * SWEEP_S)
        for code, token in tokens.items():
            rounds = (_snmp(at, devices[code], m),) if m % (SNMP_S // SWEEP_S) == 0 else ()
            uploads.append((code, token, at, m, rounds))

    def send(item) -> int:
        code, token, at, m, rounds = item
        batch = Batch(
            batch_id=f"{code}-{m}",
            sent_at=datetime.now(UTC),
            sweeps=(_sweep(at, devices[code]),),
            snmp_rounds=rounds,
        )
        status, answer, _ = central.upload(batch.to_json(), token)
        if status != 200:
            raise RuntimeError(f"{code} minute {m}: {status} {answer}")
        return batch.result_count

    # Minute by minute, the collectors' uploads 4 at a time; one collector's uploads in order,
    # as a real collector makes them (one upload thread).
    cpu0, t0, results = central.cpu(), time.perf_counter(), 0
    with ThreadPoolExecutor(max_workers=4) as pool:
        for m in range(minutes):
            results += sum(pool.map(send, [u for u in uploads if u[3] == m]))
    wall, cpu = time.perf_counter() - t0, central.cpu() - cpu0
    per_1000 = cpu / results * 1000
    district_rate = sum(len(v) for v in devices.values()) * (1 / SWEEP_S + 1 / SNMP_S)
    return {
        "uploads": len(uploads),
        "results": results,
        "wall_s": wall,
        "cpu_s": cpu,
        "results_per_s": results / wall,
        "cpu_ms_per_1000": per_1000 * 1000,
        "district_results_per_s": district_rate,
        "core_share_pct": 100 * per_1000 / 1000 * district_rate,
    }


def backlog(central: Central, token: str, devices, hours: float, directory: Path) -> dict:
    queue = ResultQueue(directory / "backlog-queue.sqlite3")
    start = datetime.now(UTC) - timedelta(hours=hours)
    sweeps = int(hours * 3600 // SWEEP_S)
    t_fill = time.perf_counter()
    for m in range(sweeps):
        at = start + timedelta(seconds=m * SWEEP_S)
        sweep = _sweep(at, devices)
        queue.append_sweep(at, sweep.results)
        if m % (SNMP_S // SWEEP_S) == 0:
            queue.append_snmp(at, _snmp(at, devices, m).results)
    fill = time.perf_counter() - t_fill
    total = queue.stats().results
    cpu0, t0, uploads, applied = central.cpu(), time.perf_counter(), 0, 0
    collector_s = 0.0  # the collector's own part: taking a batch from its queue, encoding it
    plain = sent = 0  # bytes of JSON, and of what went on the wire (gzip)
    while True:
        t = time.perf_counter()
        taken = queue.take(
            sent_at=datetime.now(UTC), max_rows=MAX_BATCH_ROWS, max_bytes=MAX_BATCH_BYTES
        )
        if taken is None:
            collector_s += time.perf_counter() - t
            break
        packed = gzip.compress(taken.body, compresslevel=GZIP_LEVEL)  # as the collector sends it
        plain, sent = plain + len(taken.body), sent + len(packed)
        collector_s += time.perf_counter() - t
        status, answer = central.post_bytes(RESULTS_PATH, packed, token, gzipped=True)
        if status != 200:
            raise RuntimeError(f"backlog upload {taken.batch_id}: {status} {answer}")
        applied += answer.get("applied", 0)
        t = time.perf_counter()
        queue.accepted(taken)
        collector_s += time.perf_counter() - t
        uploads += 1
    wall, cpu = time.perf_counter() - t0, central.cpu() - cpu0
    queue.close()
    return {
        "results": total,
        "applied": applied,
        "uploads": uploads,
        "wall_s": wall,
        "central_s": wall - collector_s,
        "collector_s": collector_s,
        "cpu_s": cpu,
        "results_per_s": total / wall,
        "queue_fill_s": fill,
        "json_mb": plain / 1e6,
        "sent_mb": sent / 1e6,
    }


def collector_memory(central: Central, directory: Path, site: str, seconds: float) -> dict:
    out = central.ictmon(
        "collector", "create", "rss-pi", "--site", site, "--url", f"http://127.0.0.1:{central.port}"
    )
    code = out.strip().splitlines()[-1].split()[-1]
    config = directory / "collector.toml"
    config.write_text(
        f'[paths]\ndata_dir = "{directory / "collector"}"\n'
        f'[collector]\nstate_dir = "{directory / "collector" / "state"}"\npush_interval = 5\n',
        encoding="utf-8",
    )
    base = [sys.executable, "-m", "monitor", "--config", str(config), "collector"]
    subprocess.run(
        [*base, "enrol", f"http://127.0.0.1:{central.port}", "--code", code],
        check=True,
        capture_output=True,
        timeout=120,
        cwd=REPO,
    )
    process = subprocess.Popen(
        [*base, "run"],
        stdout=open(directory / "collector.log", "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )
    peak, samples = 0.0, 0
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and process.poll() is None:
            peak = max(peak, _peak_rss_mb(process.pid))
            samples += 1
            time.sleep(1)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    status = subprocess.run(
        [*base, "status", "--json"], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    return {"peak_rss_mb": peak, "seconds": seconds, "status": status.stdout.strip()[:400]}


def run(args: argparse.Namespace, directory: Path, url: str, engine) -> None:
    central = Central(directory, url)
    try:
        central.ictmon("init", "--admin-password", "benchmark password")
        extra = [("BACKLOG", args.devices), ("RSS", args.rss_devices)]
        (directory / "district.csv").write_text(
            _district_csv(args.collectors, args.devices, extra), encoding="utf-8"
        )
        t = time.perf_counter()
        central.ictmon("import", str(directory / "district.csv"))
        print(f"district imported in {time.perf_counter() - t:.1f} s", flush=True)
        central.start()
        codes = [f"S{n:03d}" for n in range(1, args.collectors + 1)]
        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as pool:
            made = pool.map(lambda code: central.collector(f"{code}-pi", code), codes)
            tokens = dict(zip(codes, made, strict=True))
        print(f"{len(tokens)} collectors enrolled in {time.perf_counter() - t:.1f} s")
        devices = {code: _devices_of(engine, code) for code in codes}

        s = steady(central, tokens, devices, args.minutes)
        print(
            f"\nsteady district: {args.collectors} collectors x {args.devices} devices, "
            f"{args.minutes} simulated minutes, {s['uploads']} uploads\n"
            f"  results applied     {s['results']:>10,}\n"
            f"  wall                {s['wall_s']:>10.1f} s\n"
            f"  results/s           {s['results_per_s']:>10,.0f}\n"
            f"  central CPU         {s['cpu_s']:>10.1f} s\n"
            f"  CPU per 1,000       {s['cpu_ms_per_1000']:>10.1f} ms\n"
            f"  district rate       {s['district_results_per_s']:>10.1f} results/s\n"
            f"  share of one core   {s['core_share_pct']:>10.1f} %",
            flush=True,
        )

        token = central.collector("BACKLOG-pi", "BACKLOG")
        b = backlog(central, token, _devices_of(engine, "BACKLOG"), args.backlog_hours, directory)
        print(
            f"\nbacklog: {args.backlog_hours:g} h of one collector, {args.devices} devices\n"
            f"  results             {b['results']:>10,} (applied {b['applied']:,})\n"
            f"  uploads             {b['uploads']:>10,}\n"
            f"  time to apply       {b['wall_s']:>10.1f} s\n"
            f"    of which central  {b['central_s']:>10.1f} s (upload answered)\n"
            f"    and collector     {b['collector_s']:>10.1f} s (queue, encoding, gzip)\n"
            f"  sent                {b['sent_mb']:>10.1f} MB (gzip; {b['json_mb']:.0f} MB of JSON)\n"
            f"  results/s           {b['results_per_s']:>10,.0f}\n"
            f"  central CPU         {b['cpu_s']:>10.1f} s\n"
            f"  (queue filled in {b['queue_fill_s']:.1f} s)",
            flush=True,
        )

        m = collector_memory(central, directory, "RSS", args.rss_seconds)
        print(
            f"\ncollector memory: {args.rss_devices} devices on loopback, "
            f"{m['seconds']:g} s of `ictmon collector run`\n"
            f"  peak RSS (VmHWM)    {m['peak_rss_mb']:>10.1f} MB\n"
            f"  status: {m['status']}",
            flush=True,
        )
    except BaseException:
        log = directory / "web.log"
        if log.exists():
            print(log.read_text(errors="replace")[-5000:])
        raise
    finally:
        central.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collectors", type=int, default=50)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--backlog-hours", type=float, default=72.0)
    parser.add_argument("--rss-devices", type=int, default=200)
    parser.add_argument("--rss-seconds", type=float, default=150.0)
    parser.add_argument("--postgres-url", default=POSTGRES_ADMIN_URL)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (database, process)

    admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    name = f"ictmon_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        with tempfile.TemporaryDirectory(prefix="ictmon-bench-edge-") as tmp:
            run(args, Path(tmp), url, engine)
    finally:
        engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
