"""Counter arithmetic: two readings of an SNMP counter → a rate, or None when no honest rate exists.

PURE (no I/O, no clock). The rules, in order:

1. A reading is missing (first poll, interface appeared, agent skipped it) → None.
2. Time did not advance → None.
3. The device rebooted between the readings (sysUpTime went backwards, and not because sysUpTime
   itself wrapped after 497 days) → None: counters restarted from zero, the difference means
   nothing. The caller records the reboot.
4. The counter went down:
   - a 32-bit counter wrapped past 2^32 once → the difference modulo 2^32;
   - a 64-bit counter "wrapping" is a reset (at 100 Gbit/s a 64-bit octet counter takes 46 years
     to wrap) → None.
5. A 32-bit counter on a link fast enough to wrap it more than once between the readings
   (a gigabit port wraps a 32-bit octet counter in 34 s) → None: how many wraps happened cannot
   be known, and one guess would understate the traffic. Such ports need the 64-bit counters.
6. The rate is more than the interface can carry (125% of its speed, to forgive speed rounding
   and agents that report the negotiated rate) → None: a discontinuity the agent did not tell us
   about (module reset, counter cleared by an operator). Without a known speed, a 32-bit wrap is
   accepted as is and a rate above 400 Gbit/s is refused.

Utilisation is the busier direction's share of the speed, 0–100 %.
"""

from __future__ import annotations

from dataclasses import dataclass

WRAP_32 = 2**32
UPTIME_WRAP = 2**32  # sysUpTime is TimeTicks (1/100 s), wraps after ~497 days
SPEED_SLACK = 1.25
FASTEST_BPS = 400e9  # no interface we monitor is faster


@dataclass(frozen=True)
class Reading:
    """One poll of one counter: value, counter width, and the agent's sysUpTime (1/100 s)."""

    value: int | None
    bits: int  # 32 or 64
    uptime_cs: int | None


def rebooted(previous_uptime_cs: int | None, uptime_cs: int | None, elapsed_s: float) -> bool:
    """True when sysUpTime went backwards for another reason than its own 32-bit wrap."""
    if previous_uptime_cs is None or uptime_cs is None:
        return False
    if uptime_cs >= previous_uptime_cs:
        return False
    # Near 2^32 ticks a small value after the wrap is the same boot: the ticks that passed
    # across the wrap roughly match the wall time that passed.
    across_wrap = uptime_cs + UPTIME_WRAP - previous_uptime_cs
    expected = elapsed_s * 100
    return not (expected > 0 and abs(across_wrap - expected) <= max(expected * 0.5, 3000))


def octet_delta(previous: Reading, current: Reading, elapsed_s: float) -> int | None:
    """Octets counted between two readings, or None (see the module rules)."""
    if previous.value is None or current.value is None or elapsed_s <= 0:
        return None
    if previous.bits != current.bits:
        return None  # the agent switched between 32- and 64-bit counters
    if rebooted(previous.uptime_cs, current.uptime_cs, elapsed_s):
        return None
    if current.value >= previous.value:
        return current.value - previous.value
    if current.bits == 32 and previous.value < WRAP_32:
        return current.value + WRAP_32 - previous.value
    return None


def rate_bps(
    previous: Reading, current: Reading, elapsed_s: float, speed_mbps: float | None
) -> float | None:
    """Bits per second between two readings, None where no honest rate exists."""
    delta = octet_delta(previous, current, elapsed_s)
    if delta is None:
        return None
    if current.bits == 32 and speed_mbps and elapsed_s * speed_mbps * 1e6 / 8 >= WRAP_32:
        return None
    bps = delta * 8 / elapsed_s
    ceiling = speed_mbps * 1e6 * SPEED_SLACK if speed_mbps and speed_mbps > 0 else FASTEST_BPS
    return None if bps > ceiling else bps


def count_delta(
    previous: int | None, current: int | None, bits: int, rebooted_: bool
) -> int | None:
    """Errors/discards counted between two readings (Counter32 unless told otherwise)."""
    if previous is None or current is None or rebooted_:
        return None
    if current >= previous:
        return current - previous
    if bits == 32 and previous < WRAP_32:
        return current + WRAP_32 - previous
    return None


def utilisation_pct(
    in_bps: float | None, out_bps: float | None, speed_mbps: float | None
) -> float | None:
    """The busier direction as a share of the interface speed, 0–100."""
    if not speed_mbps or speed_mbps <= 0:
        return None
    busiest = max((v for v in (in_bps, out_bps) if v is not None), default=None)
    if busiest is None:
        return None
    return round(min(100.0, 100.0 * busiest / (speed_mbps * 1e6)), 2)
