"""Time from the first lost ping to the DOWN mail accepted by the SMTP server.

    sudo .venv/bin/python bench/alert_latency.py [--interval 60 --confirmations 3 --timeout 1
                                                   --count 3 --send-interval 5] [--runs 1]

Runs `ictmon run` and an aiosmtpd server inside a namespace it creates (and deletes), silences a
school router with an nft drop just after a sweep has seen it answer (so the first lost ping is the
next sweep's), and prints how long until the mail arrived. Defaults are ictmon's own defaults.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.test_alerts_service import AlertingService
from tests.support.netns import network_namespace


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", type=float, default=60.0)
    parser.add_argument("--confirmations", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--send-interval", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=1)
    a = parser.parse_args()
    bound = a.interval * (a.confirmations + 2) + a.send_interval + 60
    for run in range(a.runs):
        with network_namespace("ictmon-bench") as ns, tempfile.TemporaryDirectory() as tmp:
            svc = AlertingService(ns, Path(tmp))
            text = svc.config.read_text(encoding="utf-8")
            text = text.replace("send_interval = 0.5", f"send_interval = {a.send_interval}")
            head, _, rest = text.partition("[ping]\n")
            _, _, rest = rest.partition("\n\n")
            svc.config.write_text(
                head
                + f"[ping]\ninterval = {a.interval}\ntimeout = {a.timeout}\ncount = {a.count}\n"
                f"confirmations = {a.confirmations}\n\n" + rest,
                encoding="utf-8",
            )
            svc.start_smtp()
            svc.setup()
            svc.start()
            try:
                svc.wait_for({"S001/router": "up"}, within=bound)
                # Right after a sweep: the next sweep's ping is the first one lost.
                seen = _last_check(svc)
                deadline = time.monotonic() + a.interval + 30
                while _last_check(svc) == seen and time.monotonic() < deadline:
                    time.sleep(0.05)
                silenced = time.time()
                svc.ns.silence("127.30.1.1")
                mail = svc.wait_for_mails(1, within=bound)[0]
                print(
                    f"run {run + 1}: silenced → DOWN mail {mail.arrived - silenced:.1f} s "
                    f"(interval {a.interval:g} s, confirmations {a.confirmations}, timeout "
                    f"{a.timeout:g} s, count {a.count}, send_interval {a.send_interval:g} s)",
                    flush=True,
                )
            finally:
                svc.stop()
                svc.stop_smtp()


def _last_check(svc):
    with sqlite3.connect(svc.directory / "ictmon.db", timeout=30) as db:
        return db.execute(
            "SELECT s.last_check_at FROM device_states s JOIN devices d "
            "ON d.id = s.device_id WHERE d.address = '127.30.1.1'"
        ).fetchone()


if __name__ == "__main__":
    main()
