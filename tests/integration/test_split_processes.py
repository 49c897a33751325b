"""A larger office runs the web front and the scheduler as separate processes on one database:
what the poller process measures must show in the web process's API and /metrics, the web
process must not poll, and the poller process must not serve pages.

Real processes (`ictmon run --only …`), real ICMP to loopback devices (127.31.x.y), real HTTP.
SQLite in WAL mode is shared by the two processes here; PostgreSQL is the documented choice for
separate machines, and the same code runs there (its database tests run on both)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.requirements import require
from tests.support.waiting import wait_until

DISTRICT = """\
site,site_name,name,address,kind,parent
S001,โรงเรียนบ้านหนองบัว,router,127.31.1.1,router,
S001,โรงเรียนบ้านหนองบัว,switch,127.31.1.2,switch,router
"""
SWEEP_RUNS = 'ictmon_job_runs_total{job="ping-sweep"}'
WAIT_S = 30  # a bound for the wait on a loaded CI machine; nothing here asserts on speed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ictmon(config: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def _get(url: str, token: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        out, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out.decode("utf-8", "replace")


@pytest.fixture
def configured(tmp_path):
    from collectors.ping import icmp_permission_problem

    require(icmp_permission_problem() is None, "needs ICMP permission (root or ping_group_range)")
    web_port = _free_port()
    config = tmp_path / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "ictmon.db"}"\n'
        f'[paths]\ndata_dir = "{tmp_path}"\n'
        f'[web]\nhost = "127.0.0.1"\nport = {web_port}\n'
        "[ping]\ninterval = 1\ntimeout = 0.5\ncount = 1\nconfirmations = 2\n",
        encoding="utf-8",
    )
    (tmp_path / "district.csv").write_text(DISTRICT, encoding="utf-8")
    _ictmon(config, "init", "--admin-password", "correct-horse-42")
    _ictmon(config, "import", str(tmp_path / "district.csv"))
    token = _ictmon(config, "token", "create", "admin").strip()
    return config, web_port, token


def test_the_web_process_shows_what_the_poller_process_measured(configured):
    config, port, token = configured
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "monitor", "--config", str(config), "run", "--only"]
    web = subprocess.Popen([*command, "web"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    poller = None
    try:
        wait_until(lambda: _listening(port), within=WAIT_S, what="the web process to serve")

        # The web process alone polls nothing: every device stays without a state. (A fixed
        # pause, because what is checked is that nothing happens in it.)
        time.sleep(2.5)
        status, body = _get(f"{base}/api/v1/devices", token)
        assert status == 200
        assert {d["state"] for d in json.loads(body)["devices"]} == {"unknown"}

        poller = subprocess.Popen(
            [*command, "poller"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )

        def device_states() -> set[str]:
            status, body = _get(f"{base}/api/v1/devices", token)
            return {d["state"] for d in json.loads(body)["devices"]} if status == 200 else set()

        wait_until(
            lambda: device_states() == {"up"},
            within=WAIT_S,
            what="the poller's sweeps to reach the web process",
        )

        # The sweep's run is recorded in job_runs after the sweep itself has committed, so the
        # devices may show "up" a moment before /metrics counts the run.
        def metrics_after_a_sweep() -> str:
            status, metrics = _get(f"{base}/metrics", token)
            return metrics if status == 200 and SWEEP_RUNS in metrics else ""

        metrics = wait_until(
            metrics_after_a_sweep, within=WAIT_S, what="the ping sweep's run in /metrics"
        )
        assert 'ictmon_devices{state="up"} 2' in metrics
    finally:
        web_out = _stop(web)
        poller_out = _stop(poller) if poller is not None else ""
    assert "web front only" in web_out
    assert "ictmon is running" not in poller_out  # the poller served no pages
    assert "polling every" in poller_out
