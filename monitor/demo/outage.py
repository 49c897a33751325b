"""The demo's scripted live outage: a school router stops answering a few minutes after start.

The demo's devices are loopback addresses (127.20.x.y) that the kernel answers. To make one go
silent the way a real router does (requests time out, nothing is refused), an nftables table of
our own, `inet ictmon_demo`, drops packets *to that one loopback address* on the input hook; the
table is deleted when the outage ends and again when the demo stops, so nothing else on the
machine is touched. It needs root and the `nft` command; without them the demo says so and runs
without the live part (its 60 days of history still show outages).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from contextlib import contextmanager

TABLE = "ictmon_demo"
AFTER_S = 120.0  # start → the router goes silent
LASTING_S = 180.0  # silent this long, then it answers again


def why_not() -> str | None:
    """None when the demo can silence a device here, else the reason it cannot."""
    if os.geteuid() != 0:
        return "not running as root"
    if shutil.which("nft") is None:
        return "the nft command (nftables) is not installed"
    return None


def silence_commands(address: str) -> list[list[str]]:
    """nft commands that make `address` (a loopback address, never anything else) silent."""
    ip = ipaddress.ip_address(address)
    if ip.version != 4 or not ip.is_loopback:
        raise ValueError(f"the demo silences loopback addresses only, not {address}")
    return [
        ["nft", "add", "table", "inet", TABLE],
        ["nft", "add", "chain", "inet", TABLE, "input", "{ type filter hook input priority 0 ; }"],
        ["nft", "add", "rule", "inet", TABLE, "input", "ip", "daddr", str(ip), "drop"],
    ]


RESTORE = ["nft", "delete", "table", "inet", TABLE]


class ScriptedOutage:
    """A thread: wait `after` seconds, silence the address for `lasting` seconds, restore."""

    def __init__(
        self,
        address: str,
        announce: Callable[[str], None],
        *,
        after: float = AFTER_S,
        lasting: float = LASTING_S,
    ):
        self.address = address
        self.announce = announce
        self.after, self.lasting = after, lasting
        self._stop = threading.Event()
        self._applied = False
        self._thread = threading.Thread(target=self._run, name="demo-outage", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._restore()

    def _run(self) -> None:
        if self._stop.wait(self.after):
            return
        self._restore()  # a table left by a demo that was killed
        for command in silence_commands(self.address):
            if subprocess.run(command, capture_output=True, timeout=10).returncode != 0:
                self.announce(f"demo outage: could not run {' '.join(command)}; skipped")
                self._restore()
                return
        self._applied = True
        self.announce(
            f"demo outage: {self.address} is silent now for {self.lasting:.0f} s "
            "(watch the status page, the incident and the mail)"
        )
        if self._stop.wait(self.lasting):
            return
        self._restore()
        self.announce(f"demo outage: {self.address} answers again")

    def _restore(self) -> None:
        subprocess.run(RESTORE, capture_output=True, timeout=10)
        self._applied = False


@contextmanager
def live_outage(address: str, announce: Callable[[str], None], *, enabled: bool = True):
    """The scripted outage for as long as the block runs, when this machine allows it."""
    reason = "turned off (--no-outage)" if not enabled else why_not()
    if reason:
        announce(f"demo outage: no live outage ({reason}); the history still shows outages")
        yield None
        return
    outage = ScriptedOutage(address, announce)
    announce(f"demo outage: {address} will go silent in {outage.after:.0f} s")
    outage.start()
    try:
        yield outage
    finally:
        outage.stop()
