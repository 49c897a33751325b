"""Throw-away network namespaces for tests that need devices to fail like real ones.

A namespace has its own loopback, so every 127.x.y.z inside it answers ICMP, and its own nftables, so a
test can make an address "go down" by dropping packets to it on the input hook: the sender sees a silent
timeout, as with a dead device (see /work/shared/TESTING.md). Nothing here sends a packet anywhere else.

    with network_namespace() as ns:
        ns.silence("127.1.2.3")                 # now times out
        ns.run([sys.executable, "-c", code])    # run the code under test inside the namespace
        ns.restore("127.1.2.3")                 # answers again

Do not silence 127.0.0.1: it is the source address of loopback pings, so every reply goes to it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.support.requirements import require

__all__ = ["NetNS", "netns", "netns_problem", "network_namespace"]

_TABLE = "ictmon"
_CHAIN = "input"
_SETS = {4: "silenced4", 6: "silenced6"}
_RULESET = f"""
table inet {_TABLE} {{
    set {_SETS[4]} {{ type ipv4_addr; }}
    set {_SETS[6]} {{ type ipv6_addr; }}
    chain {_CHAIN} {{
        type filter hook input priority 0; policy accept;
        ip daddr @{_SETS[4]} drop
        ip6 daddr @{_SETS[6]} drop
    }}
}}
"""
_COMMAND_TIMEOUT = 120.0  # default bound for anything run inside a namespace
_counter = itertools.count()

# Runs inside the namespace. No proxy (an inherited http_proxy would send the request off the
# machine) and no redirects (a test should see the 3xx it got, not wherever it points).
_HTTP_GET = r"""
import base64, json, sys, urllib.error, urllib.request
url, timeout, headers = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3])
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
try:
    with opener.open(urllib.request.Request(url, headers=headers), timeout=timeout) as response:
        status, body = response.status, response.read()
except urllib.error.HTTPError as err:
    status, body = err.code, err.read()
sys.stdout.write(json.dumps({"status": status, "body": base64.b64encode(body).decode()}))
"""


def netns_problem() -> str | None:
    """Why network namespaces cannot be used here, or None if they can."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add, nft in the namespace)"
    missing = [c for c in ("ip", "nft") if shutil.which(c) is None]
    if missing:
        return f"network namespaces need {', '.join(missing)} installed (iproute2, nftables)"
    return None


def _run(argv: list[str], **kw) -> subprocess.CompletedProcess:
    kw.setdefault("check", True)
    kw.setdefault("text", True)
    if not {"stdout", "stderr", "capture_output"} & kw.keys():
        kw["capture_output"] = True
    kw.setdefault("timeout", _COMMAND_TIMEOUT)
    try:
        return subprocess.run(argv, **kw)
    except subprocess.CalledProcessError as err:
        if err.stderr:
            err.add_note(
                f"stderr: {err.stderr.strip() if isinstance(err.stderr, str) else err.stderr!r}"
            )
        raise


def _by_version(addresses: tuple[str, ...]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {4: [], 6: []}
    for text in addresses:
        ip = ipaddress.ip_address(text)
        if str(ip) not in grouped[ip.version]:
            grouped[ip.version].append(str(ip))
    return grouped


class NetNS:
    """A namespace made by network_namespace(). `table`/`chain` name its nft input chain for extra rules."""

    table = _TABLE
    chain = _CHAIN

    def __init__(self, name: str):
        self.name = name
        self._silenced: set[str] = set()
        self._children: list[subprocess.Popen] = []

    def __repr__(self) -> str:
        return f"NetNS({self.name!r})"

    def _exec(self, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name, *argv]

    def run(self, argv: list[str], **kw) -> subprocess.CompletedProcess:
        """Run argv inside the namespace; check=True, text, captured output and a timeout by default."""
        return _run(self._exec(argv), **kw)

    def popen(self, argv: list[str], **kw) -> subprocess.Popen:
        """Start argv inside the namespace; it is terminated when the namespace is deleted."""
        process = subprocess.Popen(self._exec(argv), **kw)
        self._children.append(process)
        return process

    def silence(self, *addresses: str) -> None:
        """Drop everything addressed to these on the input hook: they time out silently. Idempotent."""
        for version, new in _by_version(addresses).items():
            new = [a for a in new if a not in self._silenced]
            if new:
                self.run(
                    [
                        "nft",
                        "add",
                        "element",
                        "inet",
                        _TABLE,
                        _SETS[version],
                        "{ " + ", ".join(new) + " }",
                    ]
                )
                self._silenced.update(new)

    def restore(self, *addresses: str) -> None:
        """Undo silence() for these addresses (ones not silenced are ignored)."""
        for version, old in _by_version(addresses).items():
            old = [a for a in old if a in self._silenced]
            if old:
                self.run(
                    [
                        "nft",
                        "delete",
                        "element",
                        "inet",
                        _TABLE,
                        _SETS[version],
                        "{ " + ", ".join(old) + " }",
                    ]
                )
                self._silenced.difference_update(old)

    def http_get(
        self, url: str, timeout: float = 5.0, headers: dict | None = None
    ) -> tuple[int, bytes]:
        """GET url from inside the namespace: (status, body). Error statuses are returned, not raised."""
        import base64

        done = self.run(
            [sys.executable, "-c", _HTTP_GET, url, str(timeout), json.dumps(headers or {})],
            timeout=timeout + 30,
        )
        reply = json.loads(done.stdout)
        return reply["status"], base64.b64decode(reply["body"])

    def _stop_children(self) -> None:
        for process in self._children:
            if process.poll() is None:
                process.terminate()
        for process in self._children:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self._children.clear()


@contextlib.contextmanager
def network_namespace(prefix: str = "ictmon-test") -> Iterator[NetNS]:
    """A fresh namespace with lo up and the nft input chain loaded; always deleted on exit."""
    name = f"{prefix}-{os.getpid()}-{next(_counter)}"
    _run(["ip", "netns", "add", name])
    ns = NetNS(name)
    try:
        ns.run(["ip", "link", "set", "lo", "up"])
        ns.run(["nft", "-f", "-"], input=_RULESET)
        yield ns
    finally:
        try:
            ns._stop_children()
        finally:
            _run(["ip", "netns", "del", name], check=False)


@pytest.fixture
def netns() -> Iterator[NetNS]:
    """A namespace for one test; skips locally (fails in CI) where namespaces cannot be made."""
    problem = netns_problem()
    require(problem is None, problem or "")
    with network_namespace() as ns:
        yield ns
