#!/usr/bin/env python3
"""Benchmark: one ping sweep by ictmon's collectors.ping.probe against fping, same addresses, same run.

    sudo .venv/bin/python bench/ping_sweep.py [--timeout 1.0] [--repeat 3]

Everything runs inside a network namespace this script creates (and always deletes): the targets are
127.10.x.y addresses on the namespace's own loopback, and "silent" devices are made by an nft drop on
the input hook. No packet leaves the namespace. Each tool runs as a child process, so wall time and CPU
(resource.getrusage of the children: user + system) are measured the same way for both, including
interpreter start-up for ictmon. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.support.netns import netns_problem, network_namespace  # noqa: E402

_ICTMON = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from collectors.ping import PingTarget, probe
addresses = open(sys.argv[2]).read().split()
results = probe([PingTarget(a, a) for a in addresses], timeout=float(sys.argv[3]))
print(json.dumps([r.address for r in results if r.ok]))
"""
_RUN_LIMIT = 120.0  # seconds, per child process


def addresses(n: int) -> list[str]:
    """127.10.0.1 upward, 250 per /24 so no address ends in .0 or .255."""
    return [f"127.{10 + i // 62500}.{i // 250 % 250}.{i % 250 + 1}" for i in range(n)]


def timed(ns, argv: list[str]) -> tuple[float, float, str]:
    """(wall s, CPU s, stdout) of one child run inside the namespace."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = ns.run(argv, check=False, timeout=_RUN_LIMIT)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # fping exits 1 when some target did not answer
        raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def run_ictmon(ns, path: str, timeout: float) -> tuple[float, float, set[str]]:
    wall, cpu, out = timed(ns, [sys.executable, "-c", _ICTMON, REPO, path, str(timeout)])
    return wall, cpu, set(json.loads(out))


def run_fping(ns, path: str, timeout: float) -> tuple[float, float, set[str]]:
    # -a: print answering targets; -i 0: no gap between sends; -r 0: no retries; -t: per-target timeout
    wall, cpu, out = timed(
        ns, ["fping", "-a", "-i", "0", "-r", "0", "-t", str(int(timeout * 1000)), "-f", path]
    )
    return wall, cpu, set(out.split())


def measure(ns, tool, path: str, timeout: float, expected: set[str], repeat: int) -> dict:
    runs = [tool(ns, path, timeout) for _ in range(repeat)]
    return {
        "wall": statistics.median(r[0] for r in runs),
        "cpu": statistics.median(r[1] for r in runs),
        "lost": max(len(expected - r[2]) for r in runs),  # worst run
        "extra": max(
            len(r[2] - expected) for r in runs
        ),  # silenced targets seen answering (should be 0)
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--timeout", type=float, default=1.0, help="per-target timeout, seconds")
    parser.add_argument("--repeat", type=int, default=3, help="runs per cell; the median is shown")
    args = parser.parse_args()
    if not 1 <= args.repeat <= 20 or not 0.1 <= args.timeout <= 10:
        parser.error("--repeat must be 1..20 and --timeout 0.1..10")
    problem = netns_problem() or (None if shutil.which("fping") else "fping is not installed")
    if problem:
        print(f"cannot run: {problem}", file=sys.stderr)
        return 2

    scenarios = [
        ("1,000 loopback", 1000, 0),
        ("5,000 loopback", 5000, 0),
        ("5,000, 10% silent", 5000, 10),
    ]
    rows = []
    with network_namespace("ictmon-bench") as ns, tempfile.TemporaryDirectory() as tmp:
        for label, n, silent_every in scenarios:
            targets = addresses(n)
            silent = set(targets[::silent_every]) if silent_every else set()
            path = os.path.join(tmp, f"{n}.txt")
            with open(path, "w") as f:
                f.write("\n".join(targets) + "\n")
            ns.silence(*sorted(silent))
            expected = set(targets) - silent
            ictmon = measure(ns, run_ictmon, path, args.timeout, expected, args.repeat)
            fping = measure(ns, run_fping, path, args.timeout, expected, args.repeat)
            ns.restore(*sorted(silent))
            rows.append((label, ictmon, fping))

    print(
        f"ping sweep, timeout {args.timeout:g} s, median of {args.repeat} runs, "
        f"inside namespace (loopback), {os.cpu_count()} CPUs"
    )
    header = f"{'scenario':<20} {'tool':<7} {'wall s':>7} {'CPU s':>7} {'lost':>5}   {'wall x':>7} {'CPU x':>7}"
    print(header)
    print("-" * len(header))
    for label, ictmon, fping in rows:
        for name, m in (("ictmon", ictmon), ("fping", fping)):
            ratio = ""
            if name == "ictmon":
                ratio = (
                    f"{m['wall'] / fping['wall']:>7.1f} {m['cpu'] / max(fping['cpu'], 1e-3):>7.1f}"
                )
            extra = f"  ({m['extra']} silenced answered!)" if m["extra"] else ""
            print(
                f"{label:<20} {name:<7} {m['wall']:>7.2f} {m['cpu']:>7.2f} {m['lost']:>5}   {ratio}{extra}"
            )
            label = ""
    print("lost = answering targets reported down (worst run); ratios are ictmon / fping")
    return 0


if __name__ == "__main__":
    sys.exit(main())
