"""The discovery crawl: from seed addresses outward over LLDP and CDP neighbours, inside the
allowed ranges only. Addresses in, plain `Found` rows out; no database, no decisions (what a
device is and where it hangs is monitor.discovery's work).

Each visited address is asked, with the one set of credentials given:

- the system group (sysObjectID, sysDescr, sysName, sysServices) and the vendor/model the
  inventory code already knows how to read (collectors.snmp._system);
- LLDP-MIB: the local chassis id and enabled capabilities, the local port names
  (lldpLocPortTable), the remote table (lldpRemTable: chassis, port, sysName, capabilities) and
  the remote management addresses (lldpRemManAddrTable, where the address is in the index);
- CISCO-CDP-MIB cdpCacheTable (device id, address, port, capabilities), its local port named by
  ifName of the row's ifIndex.

A neighbour's management address inside the allowed ranges joins the next wave. Bounds: at most
`max_addresses` visited, a deadline checked before every wave and enforced inside it (what is
unanswered when it passes is dropped and the crawl says `stopped="deadline"`), the collector's
concurrency, at most `rate` new SNMP sessions a second; at most 256 neighbour rows a device.
Everything read is untrusted and cleaned as the SNMP collector cleans it.

**Profiles in turn.** `credentials` is one set, or a list of `Profile`s: each address is asked
with the first; what does not answer (timeout, refused, error) is asked again with the next, and
so on; a found device says which profile answered (`Found.profile`).

**The survey** (`survey`) is what `ictmon discover` runs: a ping sweep of every address of the
ranges (collectors.ping.probe: one socket, `rate` probes a second, stopped at the deadline),
then the crawl whose first wave is the seeds and every address that answered ping. An address
that answers ping but no profile is still a `Found` (`pinged=True`, state timeout/auth_error):
"answers ping, SNMP refused". A neighbour that answers SNMP but not ping (ICMP filtered) is
found by the crawl all the same. Without ICMP permission the sweep is skipped and said so
(`Crawl.sweep_error`); the crawl from the seeds still runs.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from collectors.ping import IcmpNotPermitted, PingTarget, probe
from collectors.snmp import (
    _EXCEPTION_TAGS,
    ERROR,
    IF_NAME,
    OK,
    SYS,
    SnmpCollector,
    SnmpCredentials,
    SnmpTarget,
    _exception_tags,
    _Failed,
    _hex_or_text,
    _Session,
    _system,
    as_int,
    clean_text,
)

SYS_SERVICES = f"{SYS}.7.0"

LLDP = "1.0.8802.1.1.2.1"
LLDP_LOC_CHASSIS_ID = f"{LLDP}.3.2.0"
LLDP_LOC_CAP_ENABLED = f"{LLDP}.3.6.0"
LLDP_LOC_PORT_ID, LLDP_LOC_PORT_DESCR = f"{LLDP}.3.7.1.3", f"{LLDP}.3.7.1.4"
LLDP_REM = f"{LLDP}.4.1.1"
LLDP_REM_CHASSIS, LLDP_REM_PORT_ID = f"{LLDP_REM}.5", f"{LLDP_REM}.7"
LLDP_REM_PORT_DESCR, LLDP_REM_SYS_NAME = f"{LLDP_REM}.8", f"{LLDP_REM}.9"
LLDP_REM_CAP_ENABLED = f"{LLDP_REM}.12"
LLDP_REM_MAN_ADDR_IF_SUBTYPE = f"{LLDP}.4.2.1.3"  # the address itself is in the index

CDP_CACHE = "1.3.6.1.4.1.9.9.23.1.2.1.1"
CDP_ADDRESS_TYPE, CDP_ADDRESS = f"{CDP_CACHE}.3", f"{CDP_CACHE}.4"
CDP_DEVICE_ID, CDP_DEVICE_PORT = f"{CDP_CACHE}.6", f"{CDP_CACHE}.7"
CDP_CAPABILITIES = f"{CDP_CACHE}.9"

# LLDP's BITS (IEEE 802.1AB lldpSystemCapabilitiesMap): bit 0 is the first octet's high bit.
LLDP_CAPABILITIES = (
    "other",
    "repeater",
    "bridge",
    "wlanAccessPoint",
    "router",
    "telephone",
    "docsisCableDevice",
    "stationOnly",
)
# CDP's capability word (cdpCacheCapabilities, 4 octets, low bits).
CDP_CAPABILITIES_BITS = (
    (0x01, "router"),
    (0x02, "transparentBridge"),
    (0x04, "sourceRouteBridge"),
    (0x08, "switch"),
    (0x10, "host"),
    (0x20, "igmp"),
    (0x40, "repeater"),
)

MAX_NEIGHBOURS = 256  # rows kept per device, per protocol
# Rows a GETBULK asks per column: most devices have a few neighbours, and every row asked past a
# column's end is work for the agent (10 columns side by side × 25 would be 250 var-binds).
NEIGHBOUR_REPETITIONS = 8
MAX_ADDRESSES = 4096  # the default bound of one crawl
PING_TIMEOUT = 1.0  # seconds an address of the sweep has to answer


@dataclass(frozen=True)
class Profile:
    """One set of SNMP credentials to try, by the name people know it by."""

    name: str
    credentials: SnmpCredentials
    port: int = 161


@dataclass(frozen=True)
class NeighbourRow:
    """One LLDP or CDP row: who is on the far side of one of this device's ports."""

    protocol: str  # "lldp" or "cdp"
    local_port: str
    remote_name: str | None = None  # LLDP sysName, CDP device id
    remote_port: str | None = None
    remote_chassis: str | None = None
    remote_address: str | None = None
    remote_capabilities: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Found:
    """One address the crawl visited. `state` is the SNMP collector's ok/timeout/auth_error/
    error; the rest is None or empty when the agent did not say."""

    address: str
    state: str
    error: str | None = None
    object_id: str | None = None
    descr: str | None = None
    sys_name: str | None = None
    services: int | None = None
    vendor: str | None = None
    model: str | None = None
    chassis_id: str | None = None
    capabilities: frozenset[str] = frozenset()  # LLDP enabled capabilities of itself
    neighbours: tuple[NeighbourRow, ...] = ()
    profile: str | None = None  # the profile that answered (None: none did, or credentials)
    pinged: bool | None = None  # answered the sweep's ping (None: not swept)


@dataclass(frozen=True)
class Crawl:
    found: tuple[Found, ...]
    skipped: tuple[str, ...] = ()  # neighbour addresses outside the allowed ranges
    stopped: str | None = None  # "max_addresses" or "deadline" when a bound cut the crawl
    seconds: float = 0.0
    swept: int = 0  # addresses the sweep sent a ping to
    answered_ping: tuple[str, ...] = ()  # … and those that answered
    sweep_error: str | None = None  # why there was no sweep (no ICMP permission)


@dataclass(frozen=True)
class SweepResult:
    probed: int  # addresses a ping was sent to
    answered: tuple[str, ...]  # in address order
    cut_short: bool  # the deadline came before every address was asked
    error: str | None = None


@dataclass
class _Plan:
    allowed: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    seen: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)


def capabilities_from_bits(value: Any) -> frozenset[str]:
    """LLDP BITS (octets) → capability names."""
    try:
        raw = bytes(value.asOctets()) if hasattr(value, "asOctets") else bytes(value)
    except Exception:
        return frozenset()
    names = set()
    for position, name in enumerate(LLDP_CAPABILITIES):
        byte, bit = divmod(position, 8)
        if byte < len(raw) and raw[byte] & (0x80 >> bit):
            names.add(name)
    return frozenset(names)


def cdp_capabilities(value: Any) -> frozenset[str]:
    """cdpCacheCapabilities (4 octets, big-endian word) → capability names."""
    try:
        raw = bytes(value.asOctets()) if hasattr(value, "asOctets") else bytes(value)
    except Exception:
        return frozenset()
    word = int.from_bytes(raw[:4], "big") if raw else 0
    return frozenset(name for bit, name in CDP_CAPABILITIES_BITS if word & bit)


def _ip_from_octets(value: Any) -> str | None:
    try:
        raw = bytes(value.asOctets()) if hasattr(value, "asOctets") else bytes(value)
    except Exception:
        return None
    if len(raw) in (4, 16):
        return str(ipaddress.ip_address(raw))
    return None


def _normal(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except (ValueError, AttributeError):
        return None


def addresses_of(networks: Sequence[str]) -> list[str]:
    """Every address a sweep asks: a network's hosts (an IPv4 /31 or /32: every address)."""
    out: list[str] = []
    for text in networks:
        net = ipaddress.ip_network(text, strict=False)
        out.extend(str(a) for a in (net.hosts() if net.num_addresses > 2 else net))
    return out


def sweep(
    addresses: Sequence[str],
    *,
    rate: float | None,
    stop_at: float,
    timeout: float = PING_TIMEOUT,
) -> SweepResult:
    """Ping each address once, at most `rate` a second, giving up at `stop_at` (monotonic)."""
    targets = [PingTarget(a, a) for a in addresses]
    try:
        results = probe(targets, timeout=timeout, count=1, rate=rate, stop_at=stop_at)
    except IcmpNotPermitted as exc:
        return SweepResult(0, (), False, str(exc))
    probed = sum(1 for r in results if r.sent)
    answered = sorted((r.address for r in results if r.ok), key=_key)
    return SweepResult(probed, tuple(answered), probed < len(targets))


def survey(
    collector: SnmpCollector,
    ranges: Sequence[str],
    seeds: Sequence[str],
    profiles: Sequence[Profile],
    *,
    max_addresses: int = MAX_ADDRESSES,
    deadline_s: float = 120.0,
    rate: float | None = None,
    ping_timeout: float = PING_TIMEOUT,
) -> Crawl:
    """The sweep of `ranges`, then the crawl from the seeds and every address that answered."""
    started = time.monotonic()
    stop_at = started + deadline_s
    swept = sweep(addresses_of(ranges), rate=rate, stop_at=stop_at, timeout=ping_timeout)
    result = crawl(
        collector,
        [*seeds, *swept.answered],
        ranges,
        profiles,
        max_addresses=max_addresses,
        deadline_s=max(0.0, stop_at - time.monotonic()),
        rate=rate,
        pinged=swept.answered,
    )
    stopped = result.stopped or ("deadline" if swept.cut_short else None)
    return replace(
        result,
        stopped=stopped,
        seconds=time.monotonic() - started,
        swept=swept.probed,
        answered_ping=swept.answered,
        sweep_error=swept.error,
    )


def crawl(
    collector: SnmpCollector,
    seeds: Sequence[str],
    allowed: Sequence[str],
    credentials: SnmpCredentials | Sequence[Profile],
    *,
    port: int = 161,
    max_addresses: int = MAX_ADDRESSES,
    deadline_s: float = 120.0,
    rate: float | None = None,
    pinged: Iterable[str] | None = None,
) -> Crawl:
    """Visit the seeds, then every neighbour address inside `allowed`, wave by wave.

    `pinged`: the addresses a sweep found answering (None: there was no sweep)."""
    started = time.monotonic()
    stop_at = started + deadline_s
    profiles = (
        [Profile("", credentials, port)]
        if isinstance(credentials, SnmpCredentials)
        else list(credentials)
    )
    answered_ping = None if pinged is None else set(pinged)
    pacer = _Pacer(rate)
    plan = _Plan(tuple(ipaddress.ip_network(r, strict=False) for r in allowed))
    found: list[Found] = []
    wave = [a for a in (_normal(s) for s in seeds) if a and _inside(a, plan)]
    wave = list(dict.fromkeys(wave))
    stopped = None
    while wave:
        if time.monotonic() >= stop_at:
            stopped = "deadline"
            break
        room = max_addresses - len(plan.seen)
        if room <= 0:
            stopped = "max_addresses"
            break
        if len(wave) > room:
            wave, stopped = wave[:room], "max_addresses"
        plan.seen.update(wave)
        results, cut = _ask_in_turn(collector, wave, profiles, pacer, stop_at)
        if answered_ping is not None:
            results = [replace(r, pinged=r.address in answered_ping) for r in results]
        found.extend(results)
        if cut:
            stopped = "deadline"
        following = []
        for result in results:
            for row in result.neighbours:
                address = row.remote_address
                if not address or address in plan.seen:
                    continue
                if _inside(address, plan):
                    following.append(address)
                else:
                    plan.skipped.add(address)
        wave = list(dict.fromkeys(following))
        if stopped:
            break
    return Crawl(
        found=tuple(sorted(found, key=_address_order)),
        skipped=tuple(sorted(plan.skipped)),
        stopped=stopped,
        seconds=time.monotonic() - started,
    )


def _ask_in_turn(
    collector: SnmpCollector,
    wave: list[str],
    profiles: Sequence[Profile],
    pacer: _Pacer,
    stop_at: float,
) -> tuple[list[Found], bool]:
    """Each address with the first profile, what did not answer with the next, and so on.
    True when the deadline cut the wave (the addresses not yet answered are left out)."""
    done: dict[str, Found] = {}
    pending = list(wave)
    cut = False
    for profile in profiles:
        if not pending:
            break
        targets = [SnmpTarget(a, a, profile.credentials, port=profile.port) for a in pending]
        results, cut = _run_wave(collector, targets, pacer, stop_at)
        answered = {r.address for r in results}
        pending = [a for a in pending if a in answered]
        for result in results:
            if result.state == OK:
                done[result.address] = replace(result, profile=profile.name or None)
            else:
                done.setdefault(result.address, result)  # the first refusal stands
        pending = [a for a in pending if done[a].state != OK]
        if cut:
            break
    return [done[a] for a in wave if a in done], cut


class _Pacer:
    """New SNMP sessions at most `rate` a second, across all waves of a run."""

    def __init__(self, rate: float | None):
        self.spacing = 1.0 / rate if rate else 0.0
        self.next = 0.0

    async def wait(self) -> None:
        if not self.spacing:
            return
        now = time.monotonic()
        slot = max(now, self.next)
        self.next = slot + self.spacing
        if slot > now:
            await asyncio.sleep(slot - now)


def _key(address: str) -> tuple[int, int]:
    ip = ipaddress.ip_address(address)
    return (ip.version, int(ip))


def _address_order(found: Found) -> tuple[int, int]:
    address = ipaddress.ip_address(found.address)
    return (address.version, int(address))


def _inside(address: str, plan: _Plan) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == n.version and ip in n for n in plan.allowed)


def _run_wave(
    collector: SnmpCollector, targets: list[SnmpTarget], pacer: _Pacer, stop_at: float
) -> tuple[list[Found], bool]:
    """One wave on the collector's own loop and engine (shared with its polls)."""
    loop = collector._ensure_loop()
    future = asyncio.run_coroutine_threadsafe(_wave(collector, targets, pacer, stop_at), loop)
    waves = len(targets) / max(1, collector.max_concurrency) + 1
    paced = len(targets) * pacer.spacing
    try:
        # Each device is bounded by its deadline, the wave by stop_at; this only guards a bug.
        return future.result(timeout=2 * collector.device_deadline * waves + paced + 30)
    except BaseException:
        future.cancel()
        raise


async def _wave(
    collector: SnmpCollector, targets: Iterable[SnmpTarget], pacer: _Pacer, stop_at: float
) -> tuple[list[Found], bool]:
    if collector._engine is None:
        from pysnmp.hlapi.v3arch.asyncio import SnmpEngine  # deferred: pysnmp loads slowly

        if not _EXCEPTION_TAGS:
            _EXCEPTION_TAGS.update(_exception_tags())
        collector._engine = SnmpEngine()
    gate = asyncio.Semaphore(collector.max_concurrency)

    async def one(target: SnmpTarget) -> Found:
        async with gate:
            await pacer.wait()
            return await _identify(collector, target)

    tasks = [asyncio.ensure_future(one(t)) for t in targets]
    if not tasks:
        return [], False
    _, late = await asyncio.wait(tasks, timeout=max(0.0, stop_at - time.monotonic()))
    for task in late:
        task.cancel()
    if late:
        await asyncio.gather(*late, return_exceptions=True)
    return [t.result() for t in tasks if t not in late], bool(late)


async def _identify(collector: SnmpCollector, target: SnmpTarget) -> Found:
    session = _Session(collector, target)
    try:
        await session.open()
        return await asyncio.wait_for(_read(session), collector.device_deadline)
    except _Failed as failure:
        return Found(target.address, failure.state, str(failure))
    except TimeoutError:
        return Found(target.address, "timeout", "no complete answer in time")
    except Exception as exc:  # a garbage reply is this device's problem only
        return Found(target.address, ERROR, f"{type(exc).__name__}: {exc}"[:200])


LLDP_REM_COLUMNS = [
    LLDP_REM_CHASSIS,
    LLDP_REM_PORT_ID,
    LLDP_REM_PORT_DESCR,
    LLDP_REM_SYS_NAME,
    LLDP_REM_CAP_ENABLED,
]
CDP_COLUMNS = [CDP_ADDRESS_TYPE, CDP_ADDRESS, CDP_DEVICE_ID, CDP_DEVICE_PORT, CDP_CAPABILITIES]


async def _read(session: _Session) -> Found:
    """The system group, then two GETBULK walks: the LLDP and CDP neighbour tables side by side
    (the scalars as non-repeaters), then what names their local ports and addresses."""
    system, _ = await _system(session)
    scalars, tables = await session.walk(
        [*LLDP_REM_COLUMNS, *CDP_COLUMNS],
        non_repeaters=[SYS_SERVICES, LLDP_LOC_CHASSIS_ID, LLDP_LOC_CAP_ENABLED],
        repetitions=NEIGHBOUR_REPETITIONS,
    )
    follow = []
    if tables[LLDP_REM_CHASSIS]:
        follow += [LLDP_LOC_PORT_DESCR, LLDP_LOC_PORT_ID, LLDP_REM_MAN_ADDR_IF_SUBTYPE]
    if tables[CDP_DEVICE_ID]:
        follow.append(IF_NAME)
    more = (await session.walk(follow, repetitions=NEIGHBOUR_REPETITIONS))[1] if follow else {}
    return Found(
        address=session.target.address,
        state=OK,
        object_id=system.object_id,
        descr=system.descr,
        sys_name=system.name,
        services=as_int(scalars.get(SYS_SERVICES)),
        vendor=system.vendor,
        model=system.model,
        chassis_id=_hex_or_text(scalars[LLDP_LOC_CHASSIS_ID])
        if LLDP_LOC_CHASSIS_ID in scalars
        else None,
        capabilities=capabilities_from_bits(scalars.get(LLDP_LOC_CAP_ENABLED)),
        neighbours=_lldp(tables, more) + _cdp(tables, more),
    )


def _lldp(tables: dict, more: dict) -> tuple[NeighbourRow, ...]:
    if not tables[LLDP_REM_CHASSIS]:
        return ()
    local = more
    addresses: dict[tuple[int, ...], str] = {}
    # index: timeMark.localPort.remIndex.addrSubtype.length.octets…  (subtype 1 IPv4, 2 IPv6)
    for index in sorted(more[LLDP_REM_MAN_ADDR_IF_SUBTYPE]):
        if len(index) < 5 or index[3] not in (1, 2):
            continue
        octets = index[5 : 5 + index[4]]
        if len(octets) in (4, 16) and all(0 <= o < 256 for o in octets):
            addresses.setdefault(index[:3], str(ipaddress.ip_address(bytes(octets))))
    rows = []
    for index in sorted(tables[LLDP_REM_CHASSIS])[:MAX_NEIGHBOURS]:
        if len(index) < 3:
            continue
        port = index[1]
        local_name = clean_text(local[LLDP_LOC_PORT_DESCR].get((port,)), 100) or _hex_or_text(
            local[LLDP_LOC_PORT_ID].get((port,))
        )
        rows.append(
            NeighbourRow(
                protocol="lldp",
                local_port=local_name or str(port),
                remote_name=clean_text(tables[LLDP_REM_SYS_NAME].get(index), 200),
                remote_port=clean_text(tables[LLDP_REM_PORT_DESCR].get(index), 100)
                or _hex_or_text(tables[LLDP_REM_PORT_ID].get(index)),
                remote_chassis=_hex_or_text(tables[LLDP_REM_CHASSIS].get(index)),
                remote_address=addresses.get(index[:3]),
                remote_capabilities=capabilities_from_bits(tables[LLDP_REM_CAP_ENABLED].get(index)),
            )
        )
    return tuple(rows)


def _cdp(tables: dict, more: dict) -> tuple[NeighbourRow, ...]:
    if not tables[CDP_DEVICE_ID]:
        return ()
    names = more
    rows = []
    for index in sorted(tables[CDP_DEVICE_ID])[:MAX_NEIGHBOURS]:
        if len(index) < 2:
            continue
        if_index = index[0]
        address = None
        if as_int(tables[CDP_ADDRESS_TYPE].get(index)) == 1:  # ip(1)
            address = _ip_from_octets(tables[CDP_ADDRESS].get(index))
        rows.append(
            NeighbourRow(
                protocol="cdp",
                local_port=clean_text(names[IF_NAME].get((if_index,)), 100) or str(if_index),
                remote_name=clean_text(tables[CDP_DEVICE_ID].get(index), 200),
                remote_port=clean_text(tables[CDP_DEVICE_PORT].get(index), 100),
                remote_address=address,
                remote_capabilities=cdp_capabilities(tables[CDP_CAPABILITIES].get(index)),
            )
        )
    return tuple(rows)
