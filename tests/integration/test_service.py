"""The whole service in a network namespace: a school goes offline, comes back, ictmon restarts.

ictmon runs as a real process (`ictmon run`: scheduler + web) inside a namespace the test creates;
the "outage" is an nft drop on the school's addresses there, so the router and everything behind it
fall silent exactly as in a real outage (timeouts, not errors). We watch what the officer's scripts
would watch: /api/v1/devices.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.waiting import wait_until

pytestmark = pytest.mark.netns

INTERVAL = 1.0
CONFIRMATIONS = 2
TIMEOUT = 0.5
PORT = 18080
# How long a change may take to show: the confirmations, a sweep's own length, and a margin for a
# loaded CI machine. Only a bound for the wait; nothing here asserts on speed.
SETTLE_S = INTERVAL * CONFIRMATIONS + TIMEOUT + 15

DISTRICT = """\
site,site_name,name,address,kind,parent
OFFICE,สำนักงานเขต,core-switch,127.30.0.1,switch,
S001,โรงเรียนบ้านหนองบัว,router,127.30.1.1,router,OFFICE/core-switch
S001,โรงเรียนบ้านหนองบัว,sw-core,127.30.1.2,switch,router
S001,โรงเรียนบ้านหนองบัว,ap-library,127.30.1.3,ap,sw-core
S002,โรงเรียนวัดป่าประดู่,router,127.30.2.1,router,OFFICE/core-switch
"""
SCHOOL_ONE = ("127.30.1.1", "127.30.1.2", "127.30.1.3")


class Service:
    """ictmon started in a namespace, and the officer's view of it through the API."""

    def __init__(self, ns, directory: Path):
        self.ns = ns
        self.config = directory / "ictmon.toml"
        self.config.write_text(
            f'[database]\nurl = "sqlite:///ictmon.db"\n[paths]\ndata_dir = "."\n'
            f'[web]\nhost = "127.0.0.1"\nport = {PORT}\n'
            f"[ping]\ninterval = {INTERVAL}\ntimeout = {TIMEOUT}\ncount = 1\n"
            f"confirmations = {CONFIRMATIONS}\n",
            encoding="utf-8",
        )
        (directory / "district.csv").write_text(DISTRICT, encoding="utf-8")
        self.directory = directory
        self.process: subprocess.Popen | None = None
        self.token = ""

    def ictmon(self, *args: str) -> str:
        done = self.ns.run(
            [sys.executable, "-m", "monitor", "--config", str(self.config), *args],
            capture_output=True,
            timeout=120,
        )
        return done.stdout

    def setup(self) -> None:
        self.ictmon("init", "--admin-password", "correct-horse-42")
        self.ictmon("import", str(self.directory / "district.csv"))
        self.token = self.ictmon("token", "create", "admin").strip()

    def start(self) -> None:
        self.process = self.ns.popen(
            [sys.executable, "-m", "monitor", "--config", str(self.config), "run"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=10)

    def devices(self) -> dict[str, dict]:
        status, body = self.ns.http_get(
            f"http://127.0.0.1:{PORT}/api/v1/devices",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert status == 200, body
        return {f"{d['site']}/{d['name']}": d for d in json.loads(body)["devices"]}

    def wait_for(self, expected: dict[str, str], within: float) -> dict[str, dict]:
        """Poll the API until every named device shows its expected state (bounded)."""
        deadline = time.monotonic() + within
        seen: dict[str, dict] = {}
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.output()
            try:
                seen = self.devices()
            except (OSError, AssertionError, ValueError, subprocess.CalledProcessError):
                seen = {}
            if seen and all(seen[name]["state"] == state for name, state in expected.items()):
                return seen
            time.sleep(0.5)
        states = {name: seen.get(name, {}).get("state") for name in expected}
        pytest.fail(f"after {within:.0f} s expected {expected}, API shows {states}")

    def runs(self, job: str) -> int:
        """How many runs of `job` the service has finished (its job_runs row; 0 before the first)."""
        with sqlite3.connect(self.directory / "ictmon.db", timeout=30) as db:
            row = db.execute("SELECT runs FROM job_runs WHERE job = ?", (job,)).fetchone()
        return row[0] if row else 0

    def wait_for_runs(self, job: str, more: int, within: float) -> None:
        """Wait until `job` has finished `more` further runs. Checking that something does *not*
        happen (no second mail, no second risk) needs those runs to have happened; a fixed sleep
        is too short on a loaded machine."""
        target = self.runs(job) + more
        wait_until(
            lambda: self.runs(job) >= target, within=within, what=f"{more} more runs of {job}"
        )

    def output(self) -> str:
        if self.process and self.process.poll() is not None and self.process.stdout:
            return self.process.stdout.read().decode(errors="replace")
        return "(still running)"

    def history(self, site: str, name: str) -> list[str]:
        with sqlite3.connect(self.directory / "ictmon.db") as db:
            rows = db.execute(
                "SELECT i.status FROM state_intervals i JOIN devices d ON d.id = i.device_id "
                "JOIN sites s ON s.id = d.site_id WHERE s.code = ? AND d.name = ? "
                "ORDER BY i.started_at, i.id",
                (site, name),
            ).fetchall()
        return [r[0] for r in rows]

    def wait_for_history(self, site: str, name: str, expected: list[str], within: float) -> None:
        """Poll the state history until it reads `expected` (bounded). After a restart the API
        shows the states kept from before the stop until the first sweep has written its own."""
        deadline = time.monotonic() + within
        seen = self.history(site, name)
        while seen != expected and time.monotonic() < deadline:
            time.sleep(0.5)
            seen = self.history(site, name)
        assert seen == expected


@pytest.fixture
def service(netns, tmp_path):
    svc = Service(netns, tmp_path)
    svc.setup()
    svc.start()
    yield svc
    if svc.process and svc.process.poll() is None:
        svc.stop()


ALL_UP = {
    "OFFICE/core-switch": "up",
    "S001/router": "up",
    "S001/sw-core": "up",
    "S001/ap-library": "up",
    "S002/router": "up",
}


def test_school_outage_marks_router_down_and_children_unreachable_then_recovers(service):
    service.wait_for(ALL_UP, within=SETTLE_S)

    service.ns.silence(*SCHOOL_ONE)
    during = service.wait_for(
        {"S001/router": "down", "S001/sw-core": "unreachable", "S001/ap-library": "unreachable"},
        within=SETTLE_S,
    )
    assert during["S002/router"]["state"] == "up"
    assert during["OFFICE/core-switch"]["state"] == "up"
    assert during["S001/router"]["since"].endswith("+07:00")

    service.ns.restore(*SCHOOL_ONE)
    service.wait_for(ALL_UP, within=SETTLE_S)
    assert service.history("S001", "router") == ["up", "down", "up"]
    assert service.history("S001", "sw-core") == ["up", "unreachable", "up"]


def test_time_while_ictmon_was_stopped_is_recorded_as_unknown(service):
    service.wait_for(ALL_UP, within=SETTLE_S)
    service.stop()
    # Longer than the gap threshold (two intervals + one sweep + 5 s), so the pause is a gap.
    time.sleep(2 * INTERVAL + TIMEOUT + 5 + 3)
    service.start()
    service.wait_for(ALL_UP, within=SETTLE_S)

    service.wait_for_history("S001", "router", ["up", "unknown", "up"], within=SETTLE_S)
    service.wait_for_history("OFFICE", "core-switch", ["up", "unknown", "up"], within=SETTLE_S)
