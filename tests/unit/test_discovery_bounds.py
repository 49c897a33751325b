"""Discovery's bounds and refusals: the sweep's rate (the ping Sweep's pure schedule), the
addresses a sweep asks, the site's allowed ranges, the root of a run from an empty ictmon, and
the "answers ping, SNMP refused" note."""

from __future__ import annotations

import math
import socket
from dataclasses import replace

import pytest

from collectors.discovery import Found, addresses_of
from collectors.ping import Sweep
from monitor.discovery import proposal
from monitor.snmp.discover import DiscoveryError, check_allowed, networks, site_ranges
from tests.support import discovery_site as site


def _sweep(n: int, rate: float | None) -> Sweep:
    addresses = [(socket.AF_INET, f"127.42.0.{i}") for i in range(1, n + 1)]
    return Sweep(addresses, count=1, timeout=1.0, interval=0.0, window=1024, rate=rate)


def test_a_rated_sweep_sends_no_faster_than_its_rate():
    sweep = _sweep(5, rate=100.0)  # one send every 10 ms
    assert sweep.claim(0.0) is not None
    assert sweep.claim(0.0) is None  # the next one is not due yet
    assert sweep.claim(0.009) is None
    assert sweep.next_event() == pytest.approx(0.01)
    assert sweep.claim(0.01) is not None


def test_an_unrated_sweep_sends_as_fast_as_its_window_allows():
    sweep = _sweep(5, rate=None)
    for _ in range(2):
        target, seq = sweep.claim(0.0)
        sweep.sent(target, seq, 0.0)
    assert sweep.next_event() == -math.inf  # more to send now
    assert sum(sweep.claim(0.0) is not None for _ in range(3)) == 3


def test_a_sweep_asks_every_host_of_a_range_and_a_single_address_itself():
    assert addresses_of(["127.40.1.0/30"]) == ["127.40.1.1", "127.40.1.2"]
    assert addresses_of(["127.40.1.9/32", "127.40.1.10/31"]) == [
        "127.40.1.9",
        "127.40.1.10",
        "127.40.1.11",
    ]
    assert len(addresses_of(["127.40.0.0/22"])) == 1022


@pytest.mark.parametrize(
    ("text", "ranges", "message"),
    [
        ("127.40.1.0/24", ["127.40.2.0/24"], "outside the site's allowed ranges (127.40.1.0/24)"),
        ("127.40.1.0/25 127.40.3.0/24", ["127.40.1.0/24"], "outside the site's allowed ranges"),
        ("127.40.1.0/24", ["127.40.0.0/23"], "outside the site's allowed ranges"),  # larger
        ("127.40.1.0/24, nonsense", ["127.40.1.0/24"], "'nonsense', not a range"),
    ],
)
def test_a_range_outside_the_sites_allowed_ranges_is_refused(text, ranges, message):
    with pytest.raises(DiscoveryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_allowed(networks(ranges, 4096), site_ranges(text))


def test_inside_the_allowed_ranges_or_with_none_set_any_range_goes():
    check_allowed(networks(["127.40.1.64/26"], 4096), site_ranges("127.40.1.0/24"))
    check_allowed(networks(["127.40.3.0/24"], 4096), site_ranges("127.40.1.0/24,127.40.3.0/24"))
    check_allowed(networks(["127.40.9.0/24"], 4096), site_ranges(None))
    check_allowed(networks(["127.40.9.0/24"], 4096), site_ranges("  "))


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        (["127.40.0.0/22", "127.40.4.0/22"], "hold 2048 addresses, more than the 1024"),
        (["127.40.1.0/24", "127.40.1.7/32"], "ranges overlap"),
        ([], "give at least one address range"),
    ],
)
def test_huge_and_overlapping_ranges_are_refused(ranges, message):
    with pytest.raises(DiscoveryError, match=message):
        networks(ranges, 1024)


def test_from_an_empty_ictmon_the_root_is_the_router_the_run_found():
    found = site.site()
    assert proposal.choose_root(found) == site.ROUTER.address
    # Without the router's answer: the lowest address of what answered.
    without = [
        replace(f, state="timeout") if f.address == site.ROUTER.address else f for f in found
    ]
    assert proposal.choose_root(without) == site.SW1.address
    assert proposal.choose_root([]) is None


def test_an_address_that_answers_ping_but_not_snmp_is_other_with_the_note():
    refuser = Found("127.40.1.30", "timeout", "no answer", pinged=True)
    quiet_neighbour = Found("127.40.1.31", "timeout", "no answer", pinged=False)
    found = [*site.site(), refuser, quiet_neighbour]
    plan = proposal.propose(found, site.ROUTER.address, [], ["127.40.1.0/24"])
    entries = {e.address: e.proposed for e in plan.entries}
    assert entries["127.40.1.30"].kind.kind == "other"
    assert entries["127.40.1.30"].note == proposal.NOTE_SNMP_REFUSED
    assert entries["127.40.1.31"].note is None  # not pinged: no such claim
    assert entries[site.ROUTER.address].note is None


def test_the_profile_that_answered_is_part_of_the_proposal():
    found = [replace(f, profile="schools-v2") for f in site.site()]
    plan = proposal.propose(found, site.ROUTER.address, [], ["127.40.1.0/24"])
    assert {e.proposed.profile for e in plan.entries} == {"schools-v2"}
