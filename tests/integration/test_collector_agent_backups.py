"""SSH configuration backups by a school's collector, against a real SSH server on loopback
(tests/support/fake_switch.py, a Cisco-like CLI).

In process: the runner backs up what its configuration gives a login, queues each result as the
central will read it, remembers its attempts across a restart, and serves an officer's request
once. End to end: a real central (`ictmon run --only web`) and a real collector process
(`ictmon collector run`) on loopback, as tests/integration/test_collector_agent.py runs them; the
version the collector took appears on the central's device page, and "back up now" on that page
reaches the collector, which backs the device up again.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import replace
from datetime import timedelta

import pytest

from monitor.agent.runner import Runner
from monitor.agent.state import Enrolled, StateDir
from monitor.edge.protocol import (
    ConfigDevice,
    ConfigDocument,
    PingTiming,
    SnmpTiming,
    SshLogin,
    SshTiming,
    parse_batch,
)
from monitor.localtime import utcnow
from tests.integration.test_collector_agent import WAIT_S, Central, School, _stop
from tests.support.fake_switch import FakeSwitch
from tests.support.waiting import wait_until

PASSWORD = "s3cret-Pa55"
ENABLE = "En4ble-!x"


@pytest.fixture
def switch():
    with FakeSwitch(password=PASSWORD, enable_secret=ENABLE) as running:
        yield running


def _config(switch: FakeSwitch, requested_at=None) -> ConfigDocument:
    login = SshLogin(
        "cisco_ios",
        port=switch.port,
        username=switch.username,
        password=PASSWORD,
        secret=ENABLE,
        requested_at=requested_at,
    )
    return ConfigDocument(
        collector="S012-pi",
        sites=("S012",),
        ping=PingTiming(interval=60, timeout=0.5, count=1, spacing=0.1, max_in_flight=8),
        snmp=SnmpTiming(300, 86400, 1, 1, 4, 25),
        push_interval=30,
        buffer_hours=72,
        devices=(
            ConfigDevice(11, "sw-1", "S012", switch.host, "switch", ssh=login),
            ConfigDevice(12, "ap-1", "S012", "127.0.0.1", "ap"),  # no login: not backed up
        ),
        ssh=SshTiming(interval=86400, timeout=10, workers=2, strict_host_keys=True),
    )


def _runner(settings, state: StateDir) -> Runner:
    return Runner(settings, state)


def _queued_backups(runner: Runner):
    taken = runner.queue.take(sent_at=utcnow(), max_rows=100, max_bytes=10**7)
    if taken is None:
        return []
    runner.queue.accepted(taken)  # as if the central took it
    # What the central would read: the batch through the wire's own parser.
    return list(parse_batch(json.loads(json.dumps(taken.batch.to_json()))).backups)


def test_the_collector_backs_up_once_a_day_across_restarts_and_on_request(
    settings, tmp_path, switch
):
    state = StateDir(tmp_path / "state")
    state.save_enrolment(Enrolled("http://127.0.0.1:9", "S012-pi", 3, ("S012",), "ictc_x"))
    state.save_config(_config(switch))
    runner = _runner(settings, state)

    assert runner.backup_round() == 1
    [backup] = _queued_backups(runner)
    assert (backup.device, backup.state) == (11, "ok")
    assert "hostname SW1" in backup.config and backup.facts["model"] == "WS-C2960X-24TS-L"
    assert backup.host_key and backup.host_key_fingerprint.startswith("SHA256:")
    assert PASSWORD not in json.dumps(backup.to_json())  # no credential goes back on the wire
    assert switch.calls == 1

    # Restarted the same day: nothing is due, nothing is repeated.
    again = _runner(settings, state)
    assert again.backup_round() == 0 and switch.calls == 1
    marks = json.loads((state.path / "ssh_backups.json").read_text())
    assert set(marks) == {"11"} and marks["11"]["at"]

    # An officer's request arrives with a configuration: served at once, and once.
    asked_at = utcnow() - timedelta(seconds=5)
    again.config = _config(switch, requested_at=asked_at)
    assert again.backup_round() == 1 and switch.calls == 2
    assert again.backup_round() == 0
    [answer] = _queued_backups(again)
    assert answer.requested_at == asked_at and answer.state == "ok"


def test_a_refused_host_key_and_a_wrong_password_are_results_not_crashes(
    settings, tmp_path, switch
):
    state = StateDir(tmp_path / "state")
    state.save_enrolment(Enrolled("http://127.0.0.1:9", "S012-pi", 3, ("S012",), "ictc_x"))
    config = _config(switch)
    known = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOb0dYNrOGyvVEXPOUOYDm5Lhj/3Eq/ZRqp0sVvJtxSL"
    device = config.devices[0]
    assert device.ssh is not None
    strict = ConfigDevice(
        device.id,
        device.name,
        device.site,
        device.address,
        device.kind,
        ssh=SshLogin(
            "cisco_ios",
            port=switch.port,
            username=switch.username,
            password="wrong",
            known_host_key=known,
        ),
    )
    state.save_config(replace(config, devices=(strict,)))
    runner = _runner(settings, state)
    runner.backup_round()
    [backup] = _queued_backups(runner)
    # Strict host keys: the changed key is refused before any password is sent.
    assert backup.state == "host_key_changed" and backup.config is None
    assert switch.offered == []


# --------------------------------------------------------------------------------------------
# End to end: a real central and a real collector process


class Browser:
    """An officer's browser on the central's pages: a cookie jar and the forms' CSRF tokens."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as answer:
            return answer.read().decode()

    def post(self, path: str, fields: dict[str, str]) -> str:
        data = urllib.parse.urlencode(fields).encode()
        with self.opener.open(self.base + path, data=data, timeout=30) as answer:
            return answer.read().decode()

    def sign_in(self, username: str, password: str) -> None:
        token = _csrf(self.get("/login"))
        self.post("/login", {"username": username, "password": password, "csrf_token": token})


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert found, "no CSRF token on the page"
    return found.group(1)


def _device_id(central: Central, name: str) -> int:
    request = urllib.request.Request(
        f"{central.url}/api/v1/devices", headers={"Authorization": f"Bearer {central.token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        devices = json.loads(answer.read())["devices"]
    return next(d["id"] for d in devices if d["name"] == name)


def test_a_collector_backs_up_a_school_switch_the_central_shows_and_asks_again(tmp_path):
    # sw-1 of the district is 127.62.1.2: the fake switch listens there (loopback).
    with FakeSwitch(host="127.62.1.2", password=PASSWORD, enable_secret=ENABLE) as switch:
        central = Central(tmp_path)
        with central.config.open("a", encoding="utf-8") as config:
            config.write("[ssh]\ntimeout = 15\n")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "monitor",
                "--config",
                str(central.config),
                "ssh",
                "device",
                "S012/sw-1",
                "--type",
                "cisco_ios",
                "--port",
                str(switch.port),
                "--username",
                switch.username,
                "--password-env",
                "SW_PASSWORD",
                "--enable-secret-env",
                "SW_ENABLE",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "SW_PASSWORD": PASSWORD, "SW_ENABLE": ENABLE},
        )
        assert done.returncode == 0, done.stderr
        central.start()
        school = School(tmp_path / "school")
        runner = None
        try:
            enrolled = school.cli(*central.create("S012-pi", "S012").split()[2:])
            assert enrolled.returncode == 0, enrolled.stderr
            device_id = _device_id(central, "sw-1")
            browser = Browser(central.url)
            browser.sign_in("admin", "correct-horse-42")
            runner = school.run()

            page = wait_until(
                lambda: "WS-C2960X-24TS-L" in (p := browser.get(f"/devices/{device_id}")) and p,
                within=WAIT_S,
                what="the collector's backup on the central's device page",
            )
            assert "ตัวเก็บข้อมูล S012-pi" in page  # taken by the collector (Thai by default)
            assert page.count("data-version=") == 1
            assert switch.calls == 1

            # The officer changes the switch, then asks for a backup now on the device page.
            switch.config = [*switch.config[:-1], "snmp-server contact ict@school", "end"]
            answer = browser.post(
                f"/devices/{device_id}/configs/backup", {"csrf_token": _csrf(page)}
            )
            assert "ขอให้ตัวเก็บข้อมูล S012-pi สำรองค่าคอนฟิกแล้ว" in answer
            wait_until(
                lambda: switch.calls >= 2,
                within=WAIT_S,
                what="the collector to back up on request",
            )
            diff_page = wait_until(
                lambda: "snmp-server contact" in (p := _latest_text(browser, device_id)) and p,
                within=WAIT_S,
                what="the requested backup's new version on the central",
            )
            assert "snmp-server contact ict@school" in diff_page
            waiting = browser.get(f"/devices/{device_id}")
            assert 'id="backup-request"' not in waiting  # answered: no longer waiting

            # The command line asks the collector too; the office tries nothing itself.
            asked = _ictmon_cli(central, "backup", "--device", "S012/sw-1")
            assert asked.returncode == 0, asked.stderr
            assert "S012/sw-1 is backed up by collector S012-pi" in asked.stdout
            wait_until(lambda: switch.calls >= 3, within=WAIT_S, what="the CLI's request served")
            everything = _ictmon_cli(central, "backup")
            assert "nothing to back up" in everything.stdout and switch.calls == 3
        finally:
            if runner is not None:
                code, out = _stop(runner)
                assert code == 0, out
            central.stop()


def _ictmon_cli(central: Central, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(central.config), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _latest_text(browser: Browser, device_id: int) -> str:
    try:
        return browser.get(f"/devices/{device_id}/configs/latest.txt")
    except urllib.error.HTTPError:
        return ""
