"""Counter arithmetic, table-driven: 32-bit wraps, 64-bit counters, resets and reboots, missing
samples. Every case is a reading pair a real agent can produce; none may give an absurd rate."""

from __future__ import annotations

import pytest

from monitor.snmp.counters import (
    Reading,
    count_delta,
    octet_delta,
    rate_bps,
    rebooted,
    utilisation_pct,
)

W32 = 2**32
DAY_CS = 8_640_000  # one day of sysUpTime ticks


def r(value, bits=64, uptime=10 * DAY_CS):
    return Reading(value, bits, uptime)


# (case, previous, current, elapsed s, speed Mbit/s, expected bit/s or None)
RATE_CASES = [
    (
        "64-bit steady growth",
        r(1_000_000),
        r(1_000_000 + 3_750_000, uptime=10 * DAY_CS + 30_000),
        300,
        1000,
        100_000.0,
    ),
    (
        "64-bit counter above 2^63",
        r(2**63 + 10),
        r(2**63 + 10 + 375, uptime=10 * DAY_CS + 30_000),
        300,
        1000,
        10.0,
    ),
    (
        "32-bit wrap once",
        r(W32 - 1_000, 32),
        r(2_750, 32, uptime=10 * DAY_CS + 30_000),
        300,
        100,
        100.0,
    ),
    (
        "32-bit counter going down after reboot",
        r(900_000_000, 32),
        r(1_000, 32, uptime=30_000),
        300,
        1000,
        None,
    ),
    (
        "64-bit counter going down without reboot: a reset",
        r(5_000_000_000),
        r(1_000, uptime=10 * DAY_CS + 30_000),
        300,
        1000,
        None,
    ),
    (
        "64-bit counter going up after a reboot",
        r(1_000),
        r(900_000, uptime=20_000),
        300,
        1000,
        None,
    ),
    ("previous sample missing", r(None), r(1_000), 300, 1000, None),
    ("current sample missing", r(1_000), r(None), 300, 1000, None),
    ("no time passed", r(1_000), r(2_000), 0, 1000, None),
    ("clock went backwards", r(1_000), r(2_000), -5, 1000, None),
    (
        "rate beyond the link speed: a discontinuity",
        r(0),
        r(10**12, uptime=10 * DAY_CS + 30_000),
        300,
        100,
        None,
    ),
    (
        "32-bit wrap that would exceed a 10 Mbit/s link",
        r(10, 32),
        r(5, 32, uptime=10 * DAY_CS + 30_000),
        300,
        10,
        None,
    ),
    ("agent switched from 32- to 64-bit counters", r(1_000, 32), r(2_000, 64), 300, 1000, None),
    (
        "unknown speed, sane 32-bit wrap accepted",
        r(W32 - 100, 32),
        r(275, 32, uptime=10 * DAY_CS + 30_000),
        300,
        None,
        10.0,
    ),
    (
        "unknown speed, absurd 64-bit jump refused",
        r(0),
        r(10**16, uptime=10 * DAY_CS + 30_000),
        300,
        None,
        None,
    ),
    (
        "32-bit counter on a gigabit port polled every 5 min: wraps unknowable",
        r(1_000, 32),
        r(2_000, 32, uptime=10 * DAY_CS + 30_000),
        300,
        1000,
        None,
    ),
    (
        "32-bit counter on a gigabit port polled every 30 s",
        r(1_000, 32),
        r(1_000 + 37_500_000, 32, uptime=10 * DAY_CS + 3_000),
        30,
        1000,
        10_000_000.0,
    ),
    ("idle interface", r(42), r(42, uptime=10 * DAY_CS + 30_000), 300, 1000, 0.0),
    (
        "exactly line rate (speed rounding forgiven)",
        r(0),
        r(125_000_000 * 300, uptime=10 * DAY_CS + 30_000),
        300,
        1000,
        1e9,
    ),
]


@pytest.mark.parametrize(
    "case,previous,current,elapsed,speed,expected", RATE_CASES, ids=[c[0] for c in RATE_CASES]
)
def test_rate(case, previous, current, elapsed, speed, expected):
    got = rate_bps(previous, current, elapsed, speed)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


# (case, previous uptime, current uptime, elapsed s, rebooted?)
REBOOT_CASES = [
    ("uptime grows", 10 * DAY_CS, 10 * DAY_CS + 30_000, 300, False),
    ("uptime drops: reboot", 10 * DAY_CS, 30_000, 300, True),
    ("sysUpTime wraps after 497 days: same boot", W32 - 10_000, 20_000, 300, False),
    ("near the wrap but far too small: reboot", W32 - 10_000, 5, 3600 * 24, True),
    ("first poll", None, 30_000, 300, False),
    ("agent stopped reporting uptime", 30_000, None, 300, False),
    ("uptime unchanged (cached agent)", 30_000, 30_000, 300, False),
]


@pytest.mark.parametrize(
    "case,before,after,elapsed,expected", REBOOT_CASES, ids=[c[0] for c in REBOOT_CASES]
)
def test_reboot_detection(case, before, after, elapsed, expected):
    assert rebooted(before, after, elapsed) is expected


def test_octets_across_a_32_bit_wrap_are_counted_exactly():
    assert octet_delta(r(W32 - 5, 32), r(10, 32, uptime=10 * DAY_CS + 100), 1) == 15


@pytest.mark.parametrize(
    "previous,current,bits,rebooted_,expected",
    [
        (10, 15, 32, False, 5),
        (W32 - 1, 1, 32, False, 2),
        (100, 5, 64, False, None),  # a 64-bit error counter going down is a reset
        (100, 120, 32, True, None),  # after a reboot nothing is comparable
        (None, 5, 32, False, None),
        (5, None, 32, False, None),
    ],
)
def test_error_counter_deltas(previous, current, bits, rebooted_, expected):
    assert count_delta(previous, current, bits, rebooted_) == expected


@pytest.mark.parametrize(
    "in_bps,out_bps,speed,expected",
    [
        (500e6, 100e6, 1000, 50.0),
        (100e6, 900e6, 1000, 90.0),
        (2e9, 0, 1000, 100.0),  # never above 100 %
        (None, 5e6, 100, 5.0),
        (None, None, 100, None),
        (5e6, 5e6, None, None),  # unknown speed: no utilisation
        (5e6, 5e6, 0, None),
    ],
)
def test_utilisation(in_bps, out_bps, speed, expected):
    assert utilisation_pct(in_bps, out_bps, speed) == expected
