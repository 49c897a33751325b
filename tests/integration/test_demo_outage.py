"""The demo's scripted live outage makes one loopback "router" time out like a real one, then
answer again, and leaves no nftables table behind. Run inside a namespace the test creates, so
the machine's own firewall is never touched by the test."""

from __future__ import annotations

import sys
import textwrap

import pytest

from monitor.demo.outage import silence_commands

pytestmark = pytest.mark.netns

SCRIPT = textwrap.dedent(
    """
    import threading
    from collectors.ping import PingTarget, probe
    from monitor.demo.outage import ScriptedOutage

    said = []
    silent = threading.Event()
    def announce(line):
        said.append(line)
        if "silent now" in line:
            silent.set()

    def answers(address):
        [result] = probe([PingTarget(address, address)], timeout=0.5, count=1)
        return result.received > 0

    outage = ScriptedOutage("127.20.3.1", announce, after=0, lasting=60)
    outage.start()
    assert silent.wait(10), said
    print("during", answers("127.20.3.1"), answers("127.20.3.2"))
    outage.stop()
    print("after", answers("127.20.3.1"))
    """
)


def test_the_scripted_outage_silences_one_address_and_restores_it(netns):
    done = netns.run([sys.executable, "-c", SCRIPT], timeout=60)
    lines = done.stdout.split("\n")
    assert "during False True" in lines  # the router times out, its neighbour still answers
    assert "after True" in lines
    tables = netns.run(["nft", "list", "tables"]).stdout
    assert "ictmon_demo" not in tables


def test_only_loopback_addresses_can_be_silenced():
    with pytest.raises(ValueError, match="loopback"):
        silence_commands("192.0.2.1")
    assert silence_commands("127.20.3.1")[-1][-3:] == ["daddr", "127.20.3.1", "drop"]
