"""Time from an APC UPS's on-battery trap to the API showing the UPS on battery, with `ictmon run`.

    .venv/bin/python bench/trap_latency.py [--runs 20] [--reference-runs 3] [--snmp-interval 300]

Runs snmpsim serving the demo's APC UPS (PowerNet-MIB; its output status writable through
snmpsim's writecache, so an SNMP SET is the mains failing) and `ictmon run` with
`[traps] listen` on loopback and the default 5-minute SNMP round. Each run: SET the UPS to
battery, start the clock, send PowerNet's upsOnBattery trap with Net-SNMP `snmptrap` (its own
start-up is inside the figure), GET /api/v1/devices/<id> every 20 ms until `ups.on_battery` is
true; then back to mains with a powerRestored trap. The reference does the same without the
trap: the clock runs until the regular SNMP round (every --snmp-interval seconds) sees it.
Everything on 127.0.0.1. Needs ICMP permission (as `ictmon run` does), snmpsim and snmptrap.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.demo import agents as snmp_agents
from tests.integration.test_traps import (
    APC_ON_BATTERY_TRAP,
    APC_OUTPUT_STATUS,
    UPS_COMMUNITY,
    ups_recording,
)
from tests.support.snmp_agents import free_udp_port

ADDRESS = "127.0.0.1"
APC_POWER_RESTORED_TRAP = "1.3.6.1.4.1.318.0.9"
POLL_EVERY = 0.02


class Bench:
    def __init__(self, directory: Path, snmp_interval: float):
        self.directory = directory
        self.agent_port = free_udp_port()
        self.trap_port = free_udp_port()
        self.web_port = free_udp_port()  # a free UDP number is as good a TCP guess on loopback
        self.config = directory / "ictmon.toml"
        self.config.write_text(
            f'[database]\nurl = "sqlite:///{directory / "ictmon.db"}"\n'
            f'[paths]\ndata_dir = "{directory}"\n'
            f'[web]\nhost = "{ADDRESS}"\nport = {self.web_port}\n'
            f"[snmp]\ninterval = {snmp_interval}\n"
            f'[traps]\nlisten = "{ADDRESS}:{self.trap_port}"\n',
            encoding="utf-8",
        )
        self.env = dict(
            os.environ, MIBS="", MIBDIRS="/nonexistent", SNMP_PERSISTENT_DIR=str(directory / "n")
        )
        self.token = ""
        self.device_id = 0
        self.snmpsim: subprocess.Popen | None = None
        self.ictmon_process: subprocess.Popen | None = None

    def ictmon(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    def start(self) -> None:
        self.snmpsim = snmp_agents.start_snmpsim(
            self.directory / "sim",
            [snmp_agents.Agent(ADDRESS, ups_recording(), UPS_COMMUNITY, self.agent_port)],
        )
        self.ictmon("init", "--admin-password", "correct-horse-42")
        district = self.directory / "district.csv"
        district.write_text(
            "site,site_name,name,address,kind,snmp_version,snmp_community,snmp_port\n"
            f"OFFICE,สำนักงานเขต,ups-a,{ADDRESS},ups,2c,{UPS_COMMUNITY},{self.agent_port}\n",
            encoding="utf-8",
        )
        self.ictmon("import", str(district))
        self.token = self.ictmon("token", "create", "admin").strip()
        self.ictmon_process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(self.config), "run"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        devices = self._wait(lambda: (self._get("/api/v1/devices") or {}).get("devices"), within=60)
        self.device_id = devices[0]["id"]
        # The first SNMP round (5 s after the start) has seen the UPS on mains.
        self.set_source(2)
        self._wait(lambda: self.on_battery() is False, within=60)

    def stop(self) -> None:
        if self.ictmon_process is not None:
            self.ictmon_process.send_signal(signal.SIGTERM)
            self.ictmon_process.wait(timeout=60)
        if self.snmpsim is not None:
            snmp_agents.stop(self.snmpsim)

    def set_source(self, value: int) -> None:
        self._net_snmp("snmpset", "-v2c", "-c", UPS_COMMUNITY, f"{ADDRESS}:{self.agent_port}",
                       APC_OUTPUT_STATUS, "i", str(value))  # fmt: skip

    def trap(self, oid: str) -> None:
        self._net_snmp("snmptrap", "-v2c", "-c", UPS_COMMUNITY, f"{ADDRESS}:{self.trap_port}",
                       "", oid)  # fmt: skip

    def on_battery(self) -> bool | None:
        body = self._get(f"/api/v1/devices/{self.device_id}")
        return None if not body or not body.get("ups") else body["ups"]["on_battery"]

    def until_on_battery(self, started: float, within: float) -> float:
        self._wait(lambda: self.on_battery() is True, within=within, every=POLL_EVERY)
        return time.monotonic() - started

    def back_to_mains(self) -> None:
        self.set_source(2)
        self.trap(APC_POWER_RESTORED_TRAP)
        self._wait(lambda: self.on_battery() is False, within=60, every=POLL_EVERY)

    def _net_snmp(self, *argv: str) -> None:
        subprocess.run(list(argv), env=self.env, capture_output=True, timeout=30, check=True)

    def _get(self, path: str):
        request = urllib.request.Request(
            f"http://{ADDRESS}:{self.web_port}{path}",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.loads(response.read())
        except OSError:
            return None

    @staticmethod
    def _wait(check, *, within: float, every: float = 0.2):
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            seen = check()
            if seen:
                return seen
            time.sleep(every)
        raise TimeoutError(f"not seen within {within:g} s")


def summary(label: str, values: list[float]) -> str:
    return (
        f"{label}: n={len(values)} median {statistics.median(values):.2f} s, "
        f"max {max(values):.2f} s, min {min(values):.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reference-runs", type=int, default=3)
    parser.add_argument("--snmp-interval", type=float, default=300.0)
    a = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp), a.snmp_interval)
        bench.start()
        try:
            by_trap = []
            for _ in range(a.runs):
                bench.set_source(3)
                started = time.monotonic()
                bench.trap(APC_ON_BATTERY_TRAP)
                by_trap.append(bench.until_on_battery(started, within=60))
                bench.back_to_mains()
            print(summary("trap → API shows on battery", by_trap), flush=True)
            by_round = []
            for _ in range(a.reference_runs):
                bench.set_source(3)
                started = time.monotonic()
                by_round.append(bench.until_on_battery(started, within=a.snmp_interval + 60))
                bench.back_to_mains()
            if by_round:
                print(
                    summary(
                        f"no trap, regular SNMP round every {a.snmp_interval:g} s → API shows it",
                        by_round,
                    ),
                    flush=True,
                )
        finally:
            bench.stop()


if __name__ == "__main__":
    main()
