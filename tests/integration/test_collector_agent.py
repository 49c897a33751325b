"""The school's collector against the real central: `ictmon run --only web` on a test database,
the collector created with `ictmon collector create`, then `ictmon collector enrol | run |
status` on the school's side, each a real process. Devices are loopback addresses (127.62.1.x),
which the kernel answers; the central is on 127.0.0.1. Network namespaces and WAN cuts are
tests/integration/test_edge_collectors.py's; this file is about the collector's own commands.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from collectors.ping import icmp_permission_problem
from tests.support.requirements import require
from tests.support.waiting import wait_until

DISTRICT = """\
site,site_name,name,address,kind,parent
S012,โรงเรียนบ้านโคกสูง,router,127.62.1.1,router,
S012,โรงเรียนบ้านโคกสูง,sw-1,127.62.1.2,switch,router
S012,โรงเรียนบ้านโคกสูง,ap-1,127.62.1.3,ap,sw-1
"""
WAIT_S = 60  # a bound for a loaded CI machine; nothing here asserts on speed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ictmon(config: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert not check or done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> tuple[int, str]:
    process.send_signal(sig)
    try:
        out, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return process.returncode, out.decode("utf-8", "replace")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Central:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = directory / "central.toml"
        self.config.write_text(
            f'[database]\nurl = "sqlite:///{directory / "ictmon.db"}"\n'
            f'[paths]\ndata_dir = "{directory}"\n'
            f'[web]\nhost = "127.0.0.1"\nport = {self.port}\n'
            "[ping]\ninterval = 1\ntimeout = 0.5\ncount = 1\n"
            "[collector]\npush_interval = 1\n",
            encoding="utf-8",
        )
        (directory / "district.csv").write_text(DISTRICT, encoding="utf-8")
        _ictmon(self.config, "init", "--admin-password", "correct-horse-42")
        _ictmon(self.config, "import", str(directory / "district.csv"))
        self.token = _ictmon(self.config, "token", "create", "admin").stdout.strip()
        self.web: subprocess.Popen | None = None

    def start(self) -> None:
        self.web = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(self.config), "run", "--only", "web"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: _listening(self.port), within=WAIT_S, what="the central's web process")

    def stop(self) -> None:
        if self.web is not None:
            _stop(self.web)

    def create(self, name: str, site: str) -> str:
        """`ictmon collector create`; the enrolment command from its last line."""
        out = _ictmon(self.config, "collector", "create", name, "--site", site, "--url", self.url)
        return out.stdout.strip().splitlines()[-1]

    def devices(self) -> dict[str, str]:
        request = urllib.request.Request(
            f"{self.url}/api/v1/devices", headers={"Authorization": f"Bearer {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return {d["name"]: d["state"] for d in json.loads(answer.read())["devices"]}
        except (urllib.error.URLError, OSError):
            return {}


class School:
    def __init__(self, directory: Path):
        directory.mkdir()
        self.state = directory / "state"
        self.config = directory / "collector.toml"
        self.config.write_text(
            f'[paths]\ndata_dir = "{directory}"\n[collector]\nstate_dir = "{self.state}"\n',
            encoding="utf-8",
        )

    def cli(self, *args: str, check: bool = False) -> subprocess.CompletedProcess:
        return _ictmon(self.config, "collector", *args, check=check)

    def status(self) -> dict:
        return json.loads(self.cli("status", "--json", check=True).stdout)

    def run(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(self.config), "collector", "run"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture
def central(tmp_path):
    require(icmp_permission_problem() is None, "needs ICMP permission (root or ping_group_range)")
    central = Central(tmp_path)
    central.start()
    yield central
    central.stop()


def test_enrol_run_and_status_against_the_real_central(central, tmp_path):
    school = School(tmp_path / "school")
    enrol_line = central.create("S012-pi", "S012")
    words = enrol_line.split()
    assert words[:4] == ["ictmon", "collector", "enrol", central.url]

    enrolled = school.cli(*words[2:])
    assert enrolled.returncode == 0, enrolled.stderr
    assert "enrolled as S012-pi for sites S012" in enrolled.stdout
    assert all(p.stat().st_mode & 0o077 == 0 for p in school.state.iterdir())
    token_file = (school.state / "enrolment.json").read_text()
    assert "ictc_" not in token_file  # the token is stored encrypted

    before = school.status()
    assert (before["name"], before["sites"], before["queue_length"]) == ("S012-pi", ["S012"], 0)
    assert before["running"] is False

    runner = school.run()
    try:
        wait_until(
            lambda: central.devices() == {"router": "up", "sw-1": "up", "ap-1": "up"},
            within=WAIT_S,
            what="the collector's sweeps to reach the central",
        )
        status = wait_until(
            lambda: (s := school.status())["last_push_at"] and s,
            within=WAIT_S,
            what="an upload in the collector's status",
        )
        assert status["running"] is True
        assert status["central"] == central.url
        assert status["last_error"] is None
        assert status["config_etag"] and status["devices"] == 3
        assert abs(status["clock_offset_seconds"]) < 5
        human = school.cli("status", check=True).stdout
        assert "Central / เซิร์ฟเวอร์กลาง: " + central.url in human
        assert "Last upload / ส่งข้อมูลครั้งล่าสุด: " in human

        # A second runner on the same state dir would send everything twice: refused.
        second = school.cli("run")
        assert second.returncode != 0
        assert "another `ictmon collector run` is working on" in second.stderr
    finally:
        code, out = _stop(runner)
    assert code == 0, out
    assert school.status()["running"] is False


def test_a_used_code_is_refused_in_one_line(central, tmp_path):
    words = central.create("S012-pi", "S012").split()
    first, second = School(tmp_path / "a"), School(tmp_path / "b")
    assert first.cli(*words[2:]).returncode == 0
    again = second.cli(*words[2:])
    assert again.returncode != 0
    assert again.stderr.startswith("ictmon: enrolment failed: ")
    assert len(again.stderr.strip().splitlines()) == 1
    assert not (second.state / "enrolment.json").exists()


def test_status_before_enrolling_says_what_to_do(tmp_path):
    school = School(tmp_path / "school")
    done = school.cli("status")
    assert done.returncode != 0
    assert "not enrolled" in done.stderr and "ictmon collector enrol" in done.stderr


def test_plain_http_to_a_remote_central_is_refused_before_anything_is_sent(tmp_path):
    school = School(tmp_path / "school")
    done = school.cli("enrol", "http://central.example.org", "--code", "abc")
    assert done.returncode != 0
    assert "https:// only" in done.stderr


def test_a_revoked_collector_stops_uploading_and_says_so(central, tmp_path):
    school = School(tmp_path / "school")
    words = central.create("S012-pi", "S012").split()
    assert school.cli(*words[2:]).returncode == 0
    runner = school.run()
    try:
        wait_until(lambda: school.status()["last_push_at"], within=WAIT_S, what="a first upload")
        _ictmon(central.config, "collector", "revoke", "S012-pi")
        status = wait_until(
            lambda: (s := school.status())["uploads_stopped"] and s,
            within=WAIT_S,
            what="the collector to notice it was revoked",
        )
        assert "revoked" in status["uploads_stopped"]
        assert "Uploads stopped / หยุดส่งข้อมูลแล้ว: " in school.cli("status").stdout
    finally:
        code, out = _stop(runner)
    assert code == 0, out
