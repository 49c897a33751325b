"""A district of real processes on this machine: a central office and schools behind "NAT".

    with EdgeDistrict(tmp_path) as district:          # or database_url="postgresql+psycopg://…"
        district.start()                              # central up, every school's collector enrolled and running
        district.cut_wan("S001"); ...; district.restore_wan("S001")

Network namespaces (tests/support/netns.py), one per place:

- CENTRAL runs `ictmon run` (scheduler + web on 127.0.0.1:8080) and an aiosmtpd mail catcher.
  The office's core switch (127.60.0.1) and each school router's WAN address (127.60.N.1) are
  addresses on its loopback, so they answer the office's pings. Every school's internal address
  (127.61.N.x) is dropped there by a counting nft rule: the central cannot reach a school's
  inside, as with NAT, and the counter tells whether it ever tried.
- SCHOOL N runs `ictmon collector run`; its devices (127.61.N.2-4) answer on its loopback.
- The "WAN": tests/support/tcp_forward.py listening on 127.0.0.1:8080 in the school's namespace
  and connecting to the central's web port in the central's namespace. Cutting a school's WAN
  silently drops (input hook) that port in the school's namespace and the router's WAN address
  in the central's namespace; restoring deletes both drops.
- The test itself (the root namespace) reaches the central's web through one more forwarder on
  a free port, and the database directly: the SQLite file, or PostgreSQL on 127.0.0.1:5432,
  which the central's namespace reaches through a forwarder on its own 127.0.0.1:5432.

Only loopback addresses, only namespaces made here; every wait is bounded and everything is
stopped and deleted on exit, whatever failed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from monitor.db import engine as dbmod
from tests.support.netns import NetNS, network_namespace
from tests.support.smtp import read_mails
from tests.support.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
WEB_PORT = 8080  # the central's web port in its namespace, and the WAN port in each school's
SMTP_PORT = 2525
PG_PORT = 5432
OFFICE_CORE = "127.60.0.1"
PING_INTERVAL, PING_TIMEOUT, CONFIRMATIONS = 1.0, 0.5, 2
# offline_after longer than the office needs to confirm a router down (2 sweeps + a timeout), so
# a cut WAN is one root cause: the collector's loss attaches to the router's incident.
PUSH_INTERVAL, OFFLINE_AFTER = 1.0, 5.0
WAIT_S = 60.0  # bound for any wait on another process; nothing asserts on speed
ADMIN_PASSWORD = "correct-horse-42"

# nft in every namespace of the district: addresses dropped with a counter (the central: the
# schools' insides) and TCP ports dropped (a school: its WAN forwarder's port while cut).
_EDGE_RULESET = """
table inet edge {
    set inside { type ipv4_addr; }
    set ports { type inet_service; }
    chain input {
        type filter hook input priority -10; policy accept;
        ip daddr @inside counter drop
        tcp dport @ports counter drop
    }
}
"""


def school_code(n: int) -> str:
    return f"S{n:03d}"


@dataclass
class School:
    number: int
    ns: NetNS
    directory: Path
    config: Path
    devices: dict[str, str]  # name → address inside the school (the router's is its WAN one)
    collector: str
    wan_forwarder: subprocess.Popen | None = None
    process: subprocess.Popen | None = None
    runs: int = 0  # how many times its collector was started
    enrol_output: str = ""

    @property
    def code(self) -> str:
        return school_code(self.number)

    @property
    def router_wan(self) -> str:
        return self.devices["router"]

    @property
    def inside(self) -> dict[str, str]:
        return {k: v for k, v in self.devices.items() if k != "router"}

    def log(self) -> str:
        parts = []
        for path in sorted(self.directory.glob("collector-*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)


def school_devices(n: int) -> dict[str, str]:
    return {
        "router": f"127.60.{n}.1",
        "sw-1": f"127.61.{n}.2",
        "sw-2": f"127.61.{n}.3",
        "ap-1": f"127.61.{n}.4",
    }


def district_csv(schools: int) -> str:
    lines = [
        "site,site_name,name,address,kind,parent",
        f"OFFICE,สำนักงานเขต,core,{OFFICE_CORE},switch,",
    ]
    for n in range(1, schools + 1):
        code, d = school_code(n), school_devices(n)
        name = f"โรงเรียนทดสอบ {n}"
        lines += [
            f"{code},{name},router,{d['router']},router,OFFICE/core",
            f"{code},{name},sw-1,{d['sw-1']},switch,router",
            f"{code},{name},sw-2,{d['sw-2']},switch,sw-1",
            f"{code},{name},ap-1,{d['ap-1']},ap,sw-1",
        ]
    return "\n".join(lines) + "\n"


def _start_forwarder(
    listen_ns: str, listen: str, connect_ns: str, target: str, hold: Path | None = None
) -> tuple[subprocess.Popen, int]:
    argv = [
        sys.executable,
        "-m",
        "tests.support.tcp_forward",
        listen_ns,
        listen,
        connect_ns,
        target,
    ]
    if hold is not None:
        argv.append(str(hold))
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=REPO)
    assert process.stdout is not None
    line = process.stdout.readline().decode().strip()
    if not line.startswith("ready "):
        process.kill()
        raise RuntimeError(f"forwarder {listen_ns}→{connect_ns} did not start: {line!r}")
    return process, int(line.split()[1])


def _stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@dataclass
class EdgeDistrict:
    directory: Path
    schools_count: int = 2
    database_url: str = ""  # empty: a SQLite file in directory
    central_ns: NetNS | None = None
    schools: dict[str, School] = field(default_factory=dict)
    central: subprocess.Popen | None = None
    web_port: int = 0  # the central's web as the test reaches it (root namespace)
    token: str = ""  # an admin's API token
    hold_file: Path | None = None

    def __post_init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._helpers: list[subprocess.Popen] = []
        self.mail_dir = self.directory / "mail"
        self.config = self.directory / "central.toml"
        if not self.database_url:
            self.database_url = f"sqlite:///{self.directory / 'central.db'}"
        self.engine: Engine = dbmod.make_engine(self.database_url)

    # ---------------------------------------------------------------- life

    def __enter__(self) -> EdgeDistrict:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            for school in self.schools.values():
                _stop(school.process)
                _stop(school.wan_forwarder)
            _stop(self.central)
            for helper in self._helpers:
                _stop(helper)
        finally:
            self._stack.close()
            self.engine.dispose()

    def start(self, *, collectors: bool = True) -> None:
        """The central up; with `collectors`, every school's collector created, enrolled, running."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.central_ns = self._namespace("ictmon-central")
        self._write_central_config()
        (self.directory / "district.csv").write_text(
            district_csv(self.schools_count), encoding="utf-8"
        )
        self.ictmon("init", "--admin-password", ADMIN_PASSWORD)
        self.ictmon("import", str(self.directory / "district.csv"))
        self.token = self.ictmon("token", "create", "admin").strip().splitlines()[-1]
        inside = [a for n in range(1, self.schools_count + 1) for a in self._inside_of(n)]
        self._nft_add(self.central_ns, "inside", inside)
        self._start_smtp()
        if self.database_url.startswith("postgresql"):
            process, _ = _start_forwarder(
                self.central_ns.name, f"127.0.0.1:{PG_PORT}", "-", f"127.0.0.1:{PG_PORT}"
            )
            self._helpers.append(process)
        process, self.web_port = _start_forwarder(
            "-", "127.0.0.1:0", self.central_ns.name, f"127.0.0.1:{WEB_PORT}"
        )
        self._helpers.append(process)
        # Collectors exist before the central's first sweep: it never pings a school's inside.
        codes = (
            {n: self.add_school(n) for n in range(1, self.schools_count + 1)} if collectors else {}
        )
        self.start_central()
        for n, code in codes.items():
            self.connect_school(self.schools[school_code(n)], code)

    def _namespace(self, prefix: str) -> NetNS:
        ns = self._stack.enter_context(network_namespace(prefix))
        ns.run(["nft", "-f", "-"], input=_EDGE_RULESET)
        return ns

    def _inside_of(self, n: int) -> list[str]:
        return [a for k, a in school_devices(n).items() if k != "router"]

    def _write_central_config(self) -> None:
        self.config.write_text(
            f'[database]\nurl = "{self.database_url}"\n'
            f'[paths]\ndata_dir = "{self.directory / "central-data"}"\n'
            f'[web]\nhost = "127.0.0.1"\nport = {WEB_PORT}\n'
            f"[ping]\ninterval = {PING_INTERVAL}\ntimeout = {PING_TIMEOUT}\ncount = 1\n"
            f"confirmations = {CONFIRMATIONS}\n"
            f"[collector]\npush_interval = {PUSH_INTERVAL}\noffline_after = {OFFLINE_AFTER}\n"
            f"max_batch_bytes = 3000000\n"
            f'[smtp]\nhost = "127.0.0.1"\nport = {SMTP_PORT}\ntimeout = 3\n'
            f'from_address = "ictmon@district.example"\nsend_interval = 0.5\n'
            f"retry_base = 0.5\nretry_max = 2\n"
            f'[alerts]\nrecipients = "oncall@district.example"\n'
            f"flap_threshold = 50\nflap_window = 60\n",
            encoding="utf-8",
        )

    def _start_smtp(self) -> None:
        assert self.central_ns is not None
        self.mail_dir.mkdir(exist_ok=True)
        process = self.central_ns.popen(
            [
                sys.executable,
                "-m",
                "tests.support.smtp",
                "127.0.0.1",
                str(SMTP_PORT),
                str(self.mail_dir),
            ],
            stdout=subprocess.PIPE,
            cwd=REPO,
        )
        assert process.stdout is not None
        assert process.stdout.readline().strip() == b"ready"
        self._helpers.append(process)

    def start_central(self) -> None:
        assert self.central_ns is not None
        log = open(self.directory / "central.log", "ab")  # noqa: SIM115 (the process owns it)
        self.central = self.central_ns.popen(
            [sys.executable, "-m", "monitor", "--config", str(self.config), "run"],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        log.close()
        wait_until(
            lambda: self._answers("/api/v1/devices"), within=WAIT_S, what="the central's web"
        )

    def central_log(self) -> str:
        return (self.directory / "central.log").read_text(errors="replace")[-6000:]

    def _answers(self, path: str) -> bool:
        assert self.central is not None
        if self.central.poll() is not None:
            raise RuntimeError(f"the central stopped:\n{self.central_log()}")
        try:
            status, _ = self.http("GET", path, token=self.token)
        except OSError:
            return False
        return status == 200

    # ---------------------------------------------------------------- schools

    def add_school(self, n: int) -> str:
        """The school's namespace and folder, and its collector created on the central: the
        enrolment code."""
        directory = self.directory / school_code(n)
        directory.mkdir(exist_ok=True)
        config = directory / "collector.toml"
        config.write_text(
            f'[paths]\ndata_dir = "{directory / "data"}"\n'
            f'[collector]\nstate_dir = "{directory / "state"}"\npush_interval = {PUSH_INTERVAL}\n',
            encoding="utf-8",
        )
        school = School(
            number=n,
            ns=self._namespace(f"ictmon-{school_code(n).lower()}"),
            directory=directory,
            config=config,
            devices=school_devices(n),
            collector=f"{school_code(n)}-pi",
        )
        self.schools[school.code] = school
        return self.create_collector(school.collector, school.code)

    def connect_school(self, school: School, code: str) -> None:
        """The school's WAN up, its collector enrolled with `code` and running."""
        assert self.central_ns is not None
        school.wan_forwarder, _ = _start_forwarder(
            school.ns.name,
            f"127.0.0.1:{WEB_PORT}",
            self.central_ns.name,
            f"127.0.0.1:{WEB_PORT}",
            self.hold_file,
        )
        school.enrol_output = self.collector_cli(
            school, "enrol", f"http://127.0.0.1:{WEB_PORT}", "--code", code
        )
        self.start_collector(school)

    def create_collector(self, name: str, *sites: str) -> str:
        """`ictmon collector create` on the central; the enrolment code from its last line."""
        args = [a for s in sites for a in ("--site", s)]
        out = self.ictmon(
            "collector", "create", name, *args, "--url", f"http://127.0.0.1:{WEB_PORT}"
        )
        return enrol_code(out)

    def collector_cli(self, school: School, *args: str, check: bool = True) -> str:
        done = school.ns.run(
            [sys.executable, "-m", "monitor", "--config", str(school.config), "collector", *args],
            cwd=REPO,
            check=check,
            timeout=60,
        )
        return done.stdout + (done.stderr if not check else "")

    def collector_status(self, school: School) -> dict[str, Any]:
        return json.loads(self.collector_cli(school, "status", "--json"))

    def start_collector(self, school: School) -> None:
        school.runs += 1
        log = open(school.directory / f"collector-{school.runs}.log", "wb")  # noqa: SIM115
        school.process = school.ns.popen(
            [sys.executable, "-m", "monitor", "--config", str(school.config), "collector", "run"],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        log.close()

    def stop_collector(self, school: School, sig: int = signal.SIGTERM) -> int | None:
        assert school.process is not None
        _stop(school.process, sig)
        return school.process.returncode

    # ---------------------------------------------------------------- outages

    def cut_wan(self, code: str) -> None:
        """The school's link to the office goes silent both ways: its collector's uploads time
        out, and the office's pings to its router's WAN address go unanswered."""
        school = self.schools[code]
        assert self.central_ns is not None
        self._nft_add(school.ns, "ports", [str(WEB_PORT)])
        self.central_ns.silence(school.router_wan)

    def restore_wan(self, code: str) -> None:
        school = self.schools[code]
        assert self.central_ns is not None
        self.central_ns.restore(school.router_wan)
        self._nft_delete(school.ns, "ports", [str(WEB_PORT)])

    def silence(self, code: str, device: str) -> None:
        """A device inside the school stops answering (its collector's pings time out)."""
        school = self.schools[code]
        school.ns.silence(school.devices[device])

    def restore(self, code: str, device: str) -> None:
        school = self.schools[code]
        school.ns.restore(school.devices[device])

    @staticmethod
    def _nft_add(ns: NetNS, nft_set: str, elements: list[str]) -> None:
        ns.run(
            ["nft", "add", "element", "inet", "edge", nft_set, "{ " + ", ".join(elements) + " }"]
        )

    @staticmethod
    def _nft_delete(ns: NetNS, nft_set: str, elements: list[str]) -> None:
        ns.run(
            ["nft", "delete", "element", "inet", "edge", nft_set, "{ " + ", ".join(elements) + " }"]
        )

    def packets_to_inside(self) -> int:
        """Packets the central's namespace dropped because they were for a school's inside."""
        assert self.central_ns is not None
        listing = json.loads(
            self.central_ns.run(["nft", "-j", "list", "table", "inet", "edge"]).stdout
        )
        for item in listing["nftables"]:
            rule = item.get("rule")
            if not rule:
                continue
            exprs = rule["expr"]
            if any("@inside" in json.dumps(e) for e in exprs):
                for e in exprs:
                    if "counter" in e:
                        return int(e["counter"]["packets"])
        raise AssertionError(f"no counter on the inside rule: {listing}")

    # ---------------------------------------------------------------- reading the central

    def ictmon(self, *args: str, check: bool = True) -> str:
        """An `ictmon` command on the central's side (the root namespace: only the database)."""
        return self.ictmon_env({}, *args, check=check)

    def ictmon_env(self, env: dict[str, str], *args: str, check: bool = True) -> str:
        """The same with settings overridden for this one command (ICTMON_<SECTION>_<KEY>)."""
        done = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO,
            env={**os.environ, **env},
        )
        if check and done.returncode != 0:
            raise AssertionError(f"ictmon {' '.join(args)} failed: {done.stdout}{done.stderr}")
        return done.stdout + (done.stderr if not check else "")

    def http(
        self,
        method: str,
        path: str,
        *,
        token: str = "",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30.0,
    ) -> tuple[int, bytes]:
        """One request to the central from the test (through the root forwarder), no proxy."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.web_port}{path}", data=body, method=method
        )
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            request.add_header(k, v)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=timeout) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as c:
            return list(c.execute(text(sql), params))

    def select(self, statement: Any) -> list[Any]:
        """Rows of a SQLAlchemy select on the models (times come back as aware UTC)."""
        with self.engine.connect() as c:
            return list(c.execute(statement))

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as c:
            return c.execute(text(sql), params).scalar()

    def device_id(self, code: str, name: str) -> int:
        return int(
            self.scalar(
                "SELECT d.id FROM devices d JOIN sites s ON s.id = d.site_id "
                "WHERE s.code = :code AND d.name = :name",
                code=code,
                name=name,
            )
        )

    def mails(self):
        return read_mails(self.mail_dir)

    def job_runs(self, job: str) -> int:
        return int(self.scalar("SELECT runs FROM job_runs WHERE job = :job", job=job) or 0)

    def wait_for_job_runs(self, job: str, more: int) -> None:
        target = self.job_runs(job) + more
        wait_until(
            lambda: self.job_runs(job) >= target, within=WAIT_S, what=f"{more} runs of {job}"
        )


def enrol_code(output: str) -> str:
    """The code from `ictmon collector create|code`'s last line: `ictmon collector enrol URL --code CODE`."""
    last = output.strip().splitlines()[-1].split()
    assert last[:3] == ["ictmon", "collector", "enrol"] and last[-2] == "--code", output
    return last[-1]


def wait_quietly(seconds: float) -> None:
    """A pause where what is checked is that something goes on happening for a while (sweeps
    while the WAN is cut): bounded and short, never an assertion on speed."""
    time.sleep(seconds)


def postgres_database(admin_url: str) -> tuple[str, Any]:
    """A fresh database on the machine's PostgreSQL: (its URL, a function that drops it)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"ictmon_edge_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop
