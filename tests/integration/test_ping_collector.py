"""The ping collector against the real kernel: loopback answers, a namespace makes devices fail.

Every target is in 127.0.0.0/8 or ::1, in this machine's stack or in a namespace the test creates.
Timing checks are containment bounds only (generous), never speed assertions.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time

import ping3
import pytest

import collectors.ping
from collectors.ping import PingTarget, icmp_permission_problem, probe
from tests.support.netns import NetNS, netns_problem
from tests.support.requirements import require, require_commands, require_root

NOBODY = 65534
# Source paths for a probe run in a subprocess (possibly as another user and another interpreter).
_PATHS = [
    os.path.dirname(os.path.dirname(os.path.abspath(collectors.ping.__file__))),
    os.path.dirname(os.path.dirname(os.path.abspath(ping3.__file__))),
]
_PROBE_SCRIPT = r"""
import json, sys, time
args = json.loads(sys.argv[1])
sys.path[:0] = args["paths"]
from collectors.ping import IcmpNotPermitted, PingTarget, icmp_permission_problem, probe
out = {"problem": icmp_permission_problem()}
try:
    import socket
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
    out["raw_socket"] = True
except PermissionError:
    out["raw_socket"] = False
started = time.monotonic()
try:
    results = probe([PingTarget(i, a) for i, a in enumerate(args["addresses"])], **args["options"])
    out["results"] = [dict(r.__dict__, ok=r.ok) for r in results]
except IcmpNotPermitted as err:
    out["not_permitted"] = str(err)
out["elapsed"] = time.monotonic() - started
print(json.dumps(out))
"""


def require_icmp() -> None:
    problem = icmp_permission_problem()
    require(problem is None, problem or "")


def probe_in(ns: NetNS, addresses: list[str], *, as_nobody: str | None = None, **options) -> dict:
    """Run probe() inside the namespace in a fresh process; `as_nobody` is the interpreter to use."""
    args = json.dumps({"addresses": addresses, "options": options, "paths": _PATHS})
    argv = [sys.executable, "-c", _PROBE_SCRIPT, args]
    if as_nobody:
        argv = [
            "setpriv",
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            "--clear-groups",
            as_nobody,
            "-c",
            _PROBE_SCRIPT,
            args,
        ]
    return json.loads(ns.run(argv, timeout=60).stdout)


def interpreter_for_nobody() -> str | None:
    """A Python >= 3.11 that uid 65534 can run (the venv's may live under root's home)."""
    check = (
        "import sys; sys.path[:0] = sys.argv[1:]; import collectors.ping; "
        "assert sys.version_info >= (3, 11)"
    )
    for candidate in dict.fromkeys([sys.executable, shutil.which("python3"), "/usr/bin/python3"]):
        if not candidate:
            continue
        done = subprocess.run(
            [
                "setpriv",
                f"--reuid={NOBODY}",
                f"--regid={NOBODY}",
                "--clear-groups",
                candidate,
                "-c",
                check,
                *_PATHS,
            ],
            capture_output=True,
            timeout=30,
        )
        if done.returncode == 0:
            return candidate
    return None


def by_address(report: dict) -> dict[str, dict]:
    return {r["address"]: r for r in report["results"]}


# --- in this machine's own stack -------------------------------------------------------------


def test_loopback_addresses_answer_with_sane_rtt():
    require_icmp()
    results = probe([PingTarget("a", "127.0.0.1"), PingTarget("b", "127.20.0.1")], timeout=2.0)
    for r in results:
        assert (r.ok, r.sent, r.received, r.error, r.loss_pct) == (True, 1, 1, None, 0.0)
        assert 0.0 <= r.rtt_min_ms <= r.rtt_avg_ms <= r.rtt_max_ms < 1000.0


def test_ipv6_loopback_answers():
    require_icmp()
    if not socket.has_ipv6 or not os.path.exists("/proc/net/if_inet6"):
        pytest.skip("IPv6 is disabled on this machine")
    [r] = probe([PingTarget("v6", "::1")], timeout=2.0)
    assert r.ok and r.error is None


def test_count_sends_that_many_rounds_per_target():
    require_icmp()
    results = probe(
        [PingTarget(1, "127.0.0.1"), PingTarget(2, "127.20.0.2")],
        count=3,
        interval=0.05,
        timeout=2.0,
    )
    assert [(r.sent, r.received, r.loss_pct) for r in results] == [(3, 3, 0.0), (3, 3, 0.0)]


def test_results_come_back_in_target_order():
    require_icmp()
    addresses = ["127.20.1.9", "not-an-ip", "127.20.1.3", "127.0.0.1", "127.20.1.3", "127.20.1.1"]
    targets = [PingTarget(("device", i), a) for i, a in enumerate(addresses)]
    results = probe(targets, timeout=2.0)
    assert [(r.key, r.address) for r in results] == [(t.key, t.address) for t in targets]


def test_bad_address_gives_an_error_result_and_the_others_still_run():
    require_icmp()
    targets = [
        PingTarget("bad", "not-an-ip"),
        PingTarget("range", "300.1.2.3"),
        PingTarget("multicast", "224.0.0.1"),
        PingTarget("good", "127.0.0.1"),
    ]
    bad, out_of_range, multicast, good = probe(targets, timeout=2.0)
    for r in (bad, out_of_range, multicast):
        assert r.error.startswith("bad address: ") and (r.sent, r.ok) == (0, False)
    assert good.ok


def test_no_targets_give_no_results():
    assert probe([]) == []


def test_icmp_is_permitted_as_root():
    require_root()
    assert icmp_permission_problem() is None


# --- devices that fail, inside a namespace ---------------------------------------------------


@pytest.mark.netns
def test_netns_silence_makes_an_address_time_out_and_restore_brings_it_back(netns):
    netns.silence("127.40.0.1")
    netns.silence("127.40.0.1")  # idempotent
    assert (
        by_address(probe_in(netns, ["127.40.0.1"], timeout=0.5))["127.40.0.1"]["error"] == "timeout"
    )
    netns.restore("127.40.0.1")
    assert by_address(probe_in(netns, ["127.40.0.1"], timeout=2.0))["127.40.0.1"]["ok"]


@pytest.mark.netns
def test_silent_device_times_out_without_delaying_the_answering_ones(netns):
    netns.silence("127.40.0.2")
    timeout = 1.0
    report = probe_in(netns, ["127.40.0.1", "127.40.0.2", "127.40.0.3"], timeout=timeout)
    results = by_address(report)
    dead = results["127.40.0.2"]
    assert (dead["error"], dead["sent"], dead["received"]) == ("timeout", 1, 0)
    for alive in (results["127.40.0.1"], results["127.40.0.3"]):
        assert alive["ok"] and alive["rtt_max_ms"] < timeout * 1000
    assert timeout * 0.9 <= report["elapsed"] < timeout + 3  # costs its timeout, and no more


@pytest.mark.netns
@pytest.mark.parametrize(
    "icmp_type, error",
    [("host-unreachable", "host unreachable"), ("admin-prohibited", "administratively prohibited")],
)
def test_icmp_error_is_reported_and_not_blamed_on_the_next_device(netns, icmp_type, error):
    netns.run(
        [
            "nft",
            "add",
            "rule",
            "inet",
            netns.table,
            netns.chain,
            "ip",
            "daddr",
            "127.40.0.9",
            "reject",
            "with",
            "icmp",
            "type",
            icmp_type,
        ]
    )
    report = probe_in(netns, ["127.40.0.9", "127.40.0.10", "127.40.0.11"], timeout=2.0)
    results = by_address(report)
    assert results["127.40.0.9"]["error"] == error
    assert results["127.40.0.10"]["ok"] and results["127.40.0.11"]["ok"]


# --- without root: ICMP datagram ("ping") sockets --------------------------------------------


@pytest.fixture
def nobody_python(netns) -> str:
    require_commands("setpriv")
    interpreter = interpreter_for_nobody()
    require(
        interpreter is not None, f"no Python >= 3.11 that uid {NOBODY} can run with this checkout"
    )
    return interpreter


@pytest.mark.netns
def test_unprivileged_user_pings_through_a_datagram_socket(netns, nobody_python):
    netns.run(["sysctl", "-w", "net.ipv4.ping_group_range=0 2147483647"])
    netns.silence("127.40.0.2")
    netns.run(
        [
            "nft",
            "add",
            "rule",
            "inet",
            netns.table,
            netns.chain,
            "ip",
            "daddr",
            "127.40.0.9",
            "reject",
            "with",
            "icmp",
            "type",
            "admin-prohibited",
        ]
    )
    report = probe_in(
        netns,
        ["127.40.0.1", "127.40.0.2", "127.40.0.9", "127.40.0.3"],
        as_nobody=nobody_python,
        timeout=1.0,
        count=2,
        interval=0.05,
    )
    assert report["raw_socket"] is False and report["problem"] is None
    results = by_address(report)
    assert results["127.40.0.1"]["received"] == 2 and results["127.40.0.3"]["received"] == 2
    assert results["127.40.0.2"]["error"] == "timeout"
    assert results["127.40.0.9"]["error"] == "administratively prohibited"


@pytest.mark.netns
def test_unprivileged_user_without_ping_permission_gets_a_one_line_fix(netns, nobody_python):
    netns.run(["sysctl", "-w", "net.ipv4.ping_group_range=1 0"])
    report = probe_in(netns, ["127.40.0.1"], as_nobody=nobody_python, timeout=1.0)
    message = report["not_permitted"]
    assert report["problem"] == message
    assert "\n" not in message
    assert f"uid {NOBODY}" in message and "sysctl -w net.ipv4.ping_group_range=" in message


def test_netns_problem_names_the_missing_prerequisite():
    problem = netns_problem()
    if os.geteuid() == 0 and shutil.which("ip") and shutil.which("nft"):
        assert problem is None
    else:
        assert problem and ("root" in problem or "installed" in problem)


@pytest.mark.netns
def test_netns_http_get_reaches_a_server_inside_the_namespace(netns):
    server = netns.popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "18099"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:  # bounded: until the server listens or 10 s pass
        try:
            status, body = netns.http_get("http://127.0.0.1:18099/", timeout=2.0)
            break
        except subprocess.CalledProcessError:
            assert server.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
    assert status == 200 and b"Directory listing" in body
    assert netns.http_get("http://127.0.0.1:18099/no-such-file", timeout=2.0)[0] == 404
