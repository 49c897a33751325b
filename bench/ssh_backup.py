#!/usr/bin/env python3
"""Benchmark: back up N simulated switches over SSH on loopback, through the whole backup run
(plan → collectors.ssh → config_backups.record into SQLite).

    .venv/bin/python bench/ssh_backup.py [--devices 50] [--workers 4,8,16] [--hung 0]

The switches are tests/support/fake_switch.py servers (real SSH, IOS-like CLI) on 127.21.0.x,
run in a *child process* so the figures below are the backup side's alone: wall time of the run,
per-device session time (median, p95, max), the concurrency used, and peak RSS of this process
(resource.getrusage: maximum resident set size). Each worker count runs twice: a first backup
(every device stores a version) and an unchanged second one. `--hung K` makes K switches accept
and never answer, to show that they cost one worker for the timeout and nothing more.
Figures are printed, not asserted; no packet leaves loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

_SERVERS = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from tests.support.fake_switch import FakeSwitch
n, hung = int(sys.argv[2]), int(sys.argv[3])
switches = [FakeSwitch(host=f"127.21.0.{i + 1}", password="bench-pw", enable_secret="bench-en",
                       hang=i < hung).start() for i in range(n)]
print(json.dumps([[s.host, s.port] for s in switches]), flush=True)
sys.stdin.read()   # until the benchmark closes our stdin
for s in switches:
    s.stop()
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--workers", default="4,8,16")
    parser.add_argument("--hung", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    if not 1 <= args.devices <= 250:
        parser.error("--devices must be 1-250 (one 127.21.0.x address each)")

    from cryptography.fernet import Fernet

    from monitor.configs.backup_job import run_backups
    from monitor.db import engine as dbmod
    from monitor.db.models import SshAccess
    from monitor.secrets import Vault
    from monitor.settings import SshSettings
    from tests.conftest import add_device, add_site

    servers = subprocess.Popen(
        [sys.executable, "-c", _SERVERS, REPO, str(args.devices), str(args.hung)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        endpoints = json.loads(servers.stdout.readline())
        vault = Vault(Fernet.generate_key())
        print(
            f"{args.devices} simulated switches on 127.21.0.x ({args.hung} hung), "
            f"[ssh] timeout {args.timeout:g} s"
        )
        print(
            f"{'workers':>7} {'run':<10} {'wall s':>7} {'dev/s':>6} {'median s':>8} "
            f"{'p95 s':>6} {'max s':>6} {'ok':>4} {'changed':>7} {'peak RSS MB':>11}"
        )
        for workers in [int(w) for w in args.workers.split(",")]:
            with tempfile.TemporaryDirectory() as tmp:
                engine = dbmod.make_engine(f"sqlite:///{tmp}/bench.db")
                dbmod.upgrade(engine)
                sessions = dbmod.session_factory(engine)
                with sessions.begin() as s:
                    site = add_site(s, "B01", "bench")
                    for n, (host, port) in enumerate(endpoints):
                        device = add_device(s, site, f"sw-{n:03d}", host, "switch")
                        device.ssh_device_type, device.ssh_username = "cisco_ios", "backup"
                        device.ssh_port, device.ssh_password = port, vault.encrypt("bench-pw")
                        s.add(
                            SshAccess(device_id=device.id, enable_secret=vault.encrypt("bench-en"))
                        )
                settings = SshSettings(timeout=args.timeout, workers=workers)
                for label in ("first", "unchanged"):
                    started = time.monotonic()
                    outcomes = run_backups(sessions, settings, vault, trigger="bench")
                    wall = time.monotonic() - started
                    seconds = sorted(o.seconds for o in outcomes)
                    p95 = seconds[min(len(seconds) - 1, int(len(seconds) * 0.95))]
                    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                    print(
                        f"{workers:>7} {label:<10} {wall:>7.2f} {len(outcomes) / wall:>6.1f} "
                        f"{statistics.median(seconds):>8.2f} {p95:>6.2f} {seconds[-1]:>6.2f} "
                        f"{sum(o.state == 'ok' for o in outcomes):>4} "
                        f"{sum(o.changed for o in outcomes):>7} {peak:>11.0f}"
                    )
                engine.dispose()
    finally:
        servers.stdin.close()
        servers.wait(timeout=30)


if __name__ == "__main__":
    main()
