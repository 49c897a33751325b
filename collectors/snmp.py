"""SNMP collector (pysnmp 7, asyncio): targets in, plain result dataclasses out. No database.

Two kinds of visit:

- `poll`: what the interval job needs — sysUpTime plus the few interface columns that make rates
  (64-bit octet counters, oper status, errors, discards, ifHighSpeed), and CPU/memory/storage or
  UPS only on devices whose last inventory showed they have them. One GETBULK request carries
  sysUpTime as a non-repeater and all the columns side by side, so a 24-port switch costs two or
  three round trips.
- `inventory`: the daily full visit — system group, interface names/descriptions/aliases/types,
  identity (ENTITY-MIB chassis, the vendor's MIB, sysDescr: collectors/vendors.py says where),
  health (vendor MIB, HOST-RESOURCES, UCD-SNMP memory), UPS (RFC 1628 and the vendor's MIB) and
  LLDP neighbours, plus everything `poll` gets, so a device inventoried this round still gets its
  rates. It returns a HealthPlan: what the interval poll should ask for, and nothing more.

Why not pysnmp's hlapi walk functions: they resolve every OID through the MIB view on the way in
and out, which costs more CPU than the protocol itself. Here requests go to the command generator
with numeric OIDs and raw var-binds come back; no MIB is ever loaded.

One SnmpEngine lives on one private event loop thread for the collector's lifetime; callers use
the synchronous methods from any thread. Concurrency is bounded by a semaphore, and every device
has a deadline, so a silent or garbage-answering agent costs its own timeout and nothing else.
Everything an agent says is untrusted: strings are decoded defensively, numbers checked, tables
bounded in rows and requests, non-increasing OIDs end a walk.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import ipaddress
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors import vendors
from collectors.vendors import Vendor

# --------------------------------------------------------------------------------------------
# Numeric OIDs (no MIB resolution anywhere)

SYS = "1.3.6.1.2.1.1"
SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME = f"{SYS}.1.0", f"{SYS}.2.0", f"{SYS}.3.0"
SYS_CONTACT, SYS_NAME, SYS_LOCATION = f"{SYS}.4.0", f"{SYS}.5.0", f"{SYS}.6.0"

IF = "1.3.6.1.2.1.2.2.1"
IF_DESCR, IF_TYPE, IF_SPEED = f"{IF}.2", f"{IF}.3", f"{IF}.5"
IF_ADMIN, IF_OPER = f"{IF}.7", f"{IF}.8"
IF_IN_OCTETS, IF_IN_DISCARDS, IF_IN_ERRORS = f"{IF}.10", f"{IF}.13", f"{IF}.14"
IF_OUT_OCTETS, IF_OUT_DISCARDS, IF_OUT_ERRORS = f"{IF}.16", f"{IF}.19", f"{IF}.20"
IFX = "1.3.6.1.2.1.31.1.1.1"
IF_NAME, IF_HC_IN, IF_HC_OUT = f"{IFX}.1", f"{IFX}.6", f"{IFX}.10"
IF_HIGH_SPEED, IF_ALIAS = f"{IFX}.15", f"{IFX}.18"

HR_PROCESSOR_LOAD = "1.3.6.1.2.1.25.3.3.1.2"
HR_STORAGE = "1.3.6.1.2.1.25.2.3.1"
HR_STORAGE_TYPE, HR_STORAGE_DESCR = f"{HR_STORAGE}.2", f"{HR_STORAGE}.3"
HR_STORAGE_UNITS, HR_STORAGE_SIZE, HR_STORAGE_USED = (
    f"{HR_STORAGE}.4",
    f"{HR_STORAGE}.5",
    f"{HR_STORAGE}.6",
)
HR_STORAGE_RAM, HR_STORAGE_FIXED_DISK = "1.3.6.1.2.1.25.2.1.2", "1.3.6.1.2.1.25.2.1.4"

# UCD-SNMP-MIB memory (Net-SNMP agents: Linux, pfSense, NAS, APs), in kB
UCD_MEM = "1.3.6.1.4.1.2021.4"
UCD_TOTAL, UCD_AVAIL = f"{UCD_MEM}.5.0", f"{UCD_MEM}.6.0"
UCD_BUFFER, UCD_CACHED = f"{UCD_MEM}.14.0", f"{UCD_MEM}.15.0"
UCD_SCALARS = [UCD_TOTAL, UCD_AVAIL, UCD_BUFFER, UCD_CACHED]

ENT = "1.3.6.1.2.1.47.1.1.1.1"
ENT_DESCR, ENT_CLASS, ENT_FIRMWARE, ENT_SOFTWARE = f"{ENT}.2", f"{ENT}.5", f"{ENT}.9", f"{ENT}.10"
ENT_SERIAL, ENT_MFG, ENT_MODEL = f"{ENT}.11", f"{ENT}.12", f"{ENT}.13"
ENT_CLASS_CHASSIS, ENT_CLASS_STACK = 3, 11

UPS = "1.3.6.1.2.1.33.1"
UPS_MFG, UPS_MODEL, UPS_SOFTWARE = f"{UPS}.1.1.0", f"{UPS}.1.2.0", f"{UPS}.1.3.0"
UPS_BATTERY_STATUS, UPS_SECONDS_ON_BATTERY = f"{UPS}.2.1.0", f"{UPS}.2.2.0"
UPS_MINUTES_REMAINING, UPS_CHARGE = f"{UPS}.2.3.0", f"{UPS}.2.4.0"
UPS_OUTPUT_SOURCE = f"{UPS}.4.1.0"
UPS_SOURCE_BATTERY = 5
# Keyed by int | None: looked up with whatever number the agent gave, or none.
UPS_BATTERY_STATES: dict[int | None, str] = {1: "unknown", 2: "normal", 3: "low", 4: "depleted"}

LLDP_LOC_PORT_DESCR = "1.0.8802.1.1.2.1.3.7.1.4"
LLDP_REM = "1.0.8802.1.1.2.1.4.1.1"
LLDP_REM_CHASSIS, LLDP_REM_PORT_ID = f"{LLDP_REM}.5", f"{LLDP_REM}.7"
LLDP_REM_PORT_DESCR, LLDP_REM_SYS_NAME = f"{LLDP_REM}.8", f"{LLDP_REM}.9"

IF_STATUS: dict[int | None, str] = {
    1: "up",
    2: "down",
    3: "testing",
    4: "unknown",
    5: "dormant",
    6: "notPresent",
    7: "lowerLayerDown",
}

# sysObjectID enterprise number → organisation: IANA's registry, shipped as collectors/data/
# enterprises.tsv.gz (scripts/enterprises.py regenerates it). Looked up by reading the sorted file
# up to the number (a few ms, only at inventory and only for vendors without a rule), not held
# in memory: 62,000 names would cost a long-running process 14 MiB.
REGISTRY = Path(__file__).resolve().parent / "data" / "enterprises.tsv.gz"

# Error states a result can carry (the API's `snmp_state`).
OK, TIMEOUT, AUTH_ERROR, ERROR = "ok", "timeout", "auth_error", "error"

MAX_TEXT = 255  # longest string kept from an agent, by default
MAX_DESCR = 2048  # sysDescr: kept whole (Cisco's runs past 255), but bounded
MAX_GET = 40  # OIDs per GET request: the answer stays well inside one UDP datagram
MAX_ROWS = 4096  # rows per table column: a garbage agent cannot fill memory
MAX_REQUESTS = 400  # requests per device per visit


# --------------------------------------------------------------------------------------------
# Targets and results


@dataclass(frozen=True)
class SnmpCredentials:
    """v1/v2c community or v3 USM user. Secrets never appear in repr (logs, tracebacks)."""

    version: str = "2c"  # "1", "2c" or "3"
    community: str | None = field(default=None, repr=False)
    user: str | None = None
    auth_protocol: str | None = None  # MD5, SHA, SHA224, SHA256, SHA384, SHA512
    auth_key: str | None = field(default=None, repr=False)
    priv_protocol: str | None = None  # DES, 3DES, AES, AES192, AES256
    priv_key: str | None = field(default=None, repr=False)


AUTH_PROTOCOLS = ("MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512")
PRIV_PROTOCOLS = ("DES", "3DES", "AES", "AES192", "AES256")


@dataclass(frozen=True)
class SnmpTarget:
    key: Any  # the caller's id for the device
    address: str
    credentials: SnmpCredentials
    port: int = 161
    # Hints from the last inventory: fetch these in the interval poll only where they exist.
    host_resources: bool = False
    ups: bool = False
    # Interfaces the last visit found: GETBULK asks for that many rows (+1 to see the end)
    # instead of max_repetitions, so a 3-port access point is not sent 25 rows of 8 columns.
    if_count: int | None = None
    # What the last inventory found worth polling (vendor rules, storage rows); None = not yet.
    plan: HealthPlan | None = None


@dataclass(frozen=True)
class HealthPlan:
    """What an inventory found worth polling, kept by the caller and handed back in the next
    targets, so the interval poll asks for those values only (a pfSense walks 593 storage rows;
    its poll asks for the two it shows)."""

    vendor: str | None = None  # key of collectors.vendors.VENDORS
    hr_cpu: bool = False  # hrProcessorLoad answered
    ucd_memory: bool = False  # UCD-SNMP memory answered
    # hrStorage rows: (index, allocation units, role) with role physical / buffers / cached
    memory_rows: tuple[tuple[int, int, str], ...] = ()
    disk_rows: tuple[tuple[int, int, str], ...] = ()  # (index, units, description)
    # Rows each health column (vendor CPU/memory/temperature/sensor columns, hrProcessorLoad)
    # had at the inventory: the poll walks only those that answered, asking for that many rows
    # (+1 to see the end) rather than a fixed 8 per column. None: not known (an older plan).
    column_rows: tuple[tuple[str, int], ...] | None = None

    def as_json(self) -> dict:
        return {
            "vendor": self.vendor,
            "hr_cpu": self.hr_cpu,
            "ucd_memory": self.ucd_memory,
            "memory_rows": [list(r) for r in self.memory_rows],
            "disk_rows": [list(r) for r in self.disk_rows],
            "column_rows": None
            if self.column_rows is None
            else [list(r) for r in self.column_rows],
        }

    @classmethod
    def from_json(cls, data: Any) -> HealthPlan | None:
        """Back from storage; anything malformed is no plan (the next poll walks in full)."""
        if not isinstance(data, dict):
            return None
        try:
            vendor = data.get("vendor")
            rows = []
            for key in ("memory_rows", "disk_rows"):
                rows.append(
                    tuple(
                        (int(i), int(u), str(d))
                        for i, u, d in (data.get(key) or ())[:64]
                        if int(i) >= 0 and int(u) > 0
                    )
                )
            counted = data.get("column_rows")
            column_rows = (
                None
                if not isinstance(counted, list)
                else tuple((str(c), max(0, int(n))) for c, n in counted[:64])
            )
            return cls(
                vendor=vendor if isinstance(vendor, str) and vendors.by_key(vendor) else None,
                hr_cpu=data.get("hr_cpu") is True,
                ucd_memory=data.get("ucd_memory") is True,
                memory_rows=rows[0],
                disk_rows=rows[1],
                column_rows=column_rows,
            )
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True)
class InterfaceSample:
    if_index: int
    oper_status: str | None = None
    admin_status: str | None = None
    in_octets: int | None = None
    out_octets: int | None = None
    counter_bits: int = 64  # 64 (ifHC*) or 32 (ifIn/OutOctets) — the wrap arithmetic differs
    speed_mbps: float | None = None
    in_errors: int | None = None
    out_errors: int | None = None
    in_discards: int | None = None
    out_discards: int | None = None
    # Inventory only (None in an interval poll):
    name: str | None = None
    descr: str | None = None
    alias: str | None = None
    if_type: int | None = None


@dataclass(frozen=True)
class StorageUse:
    descr: str
    kind: str  # "memory" or "disk"
    size_bytes: int
    used_bytes: int

    @property
    def used_pct(self) -> float | None:
        return round(100.0 * self.used_bytes / self.size_bytes, 1) if self.size_bytes > 0 else None


@dataclass(frozen=True)
class SensorReading:
    """One fan or power supply: kind fan/psu, its name, and state normal / warning / critical /
    not_present (collectors.vendors)."""

    kind: str
    name: str
    state: str


@dataclass(frozen=True)
class Health:
    cpu_pct: float | None = None  # the vendor's CPU value, else mean hrProcessorLoad
    memory: StorageUse | None = None  # when the agent gives sizes
    disks: tuple[StorageUse, ...] = ()
    memory_pct: float | None = None  # in use, buffers and cache not counted
    temperature_c: float | None = None
    sensors: tuple[SensorReading, ...] = ()  # fans and power supplies, vendor MIBs


@dataclass(frozen=True)
class UpsStatus:
    on_battery: bool | None = None
    battery_status: str | None = None  # normal / low / depleted / unknown
    charge_pct: int | None = None
    minutes_remaining: int | None = None
    seconds_on_battery: int | None = None


@dataclass(frozen=True)
class SystemInfo:
    descr: str | None = None
    object_id: str | None = None
    name: str | None = None
    location: str | None = None
    contact: str | None = None
    vendor: str | None = None
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None


@dataclass(frozen=True)
class Neighbour:
    local_port: str
    remote_name: str | None
    remote_port: str | None
    remote_chassis: str | None


@dataclass
class SnmpResult:
    """What one visit to one device found. `state` is ok/timeout/auth_error/error."""

    key: Any
    address: str
    state: str
    error: str | None = None
    uptime_cs: int | None = None  # sysUpTime in hundredths of a second
    interfaces: tuple[InterfaceSample, ...] = ()
    health: Health | None = None
    ups: UpsStatus | None = None
    system: SystemInfo | None = None  # inventory only
    neighbours: tuple[Neighbour, ...] | None = None  # inventory only; () = LLDP present, none seen
    plan: HealthPlan | None = None  # inventory only: what the interval poll should ask for
    inventory: bool = False
    seconds: float = 0.0
    requests: int = 0
    varbinds: int = 0  # var-binds received (GETBULK overshoot included)
    values: int = 0  # of which useful: rows and scalars kept

    @property
    def ok(self) -> bool:
        return self.state == OK


# --------------------------------------------------------------------------------------------
# Untrusted values → Python


def clean_text(value: Any, limit: int = MAX_TEXT) -> str | None:
    """An agent's string as safe text: UTF-8 or U+FFFD, no control characters (PostgreSQL refuses
    NUL; a terminal or CSV obeys escapes), at most `limit` characters. Never raises."""
    if value is None or _is_exception(value):
        return None
    try:
        raw = bytes(value.asOctets()) if hasattr(value, "asOctets") else value
    except Exception:
        return None
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    text = "".join(c if c >= " " and c != "\x7f" else " " for c in text).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text or None


def _hex_or_text(value: Any) -> str | None:
    """LLDP chassis/port ids are often MAC addresses in raw bytes: show those as aa:bb:…"""
    try:
        raw = bytes(value.asOctets())
    except Exception:
        return clean_text(value)
    if raw and all(32 <= b < 127 for b in raw):
        return clean_text(raw)
    return ":".join(f"{b:02x}" for b in raw[:32]) or None


def as_int(value: Any) -> int | None:
    if value is None or _is_exception(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _as_oid(value: Any) -> str | None:
    if value is None or _is_exception(value):
        return None
    try:
        return ".".join(str(part) for part in tuple(value))
    except Exception:
        return None


def _is_exception(value: Any) -> bool:
    # noSuchObject / noSuchInstance / endOfMibView come back as values of these tag classes.
    return getattr(value, "tagSet", None) in _EXCEPTION_TAGS


def _exception_tags():
    from pysnmp.proto import rfc1905

    return {rfc1905.noSuchObject.tagSet, rfc1905.noSuchInstance.tagSet, rfc1905.endOfMibView.tagSet}


_EXCEPTION_TAGS: set = set()


@functools.lru_cache(maxsize=256)
def enterprise_name(number: int) -> str | None:
    """The organisation IANA registered `number` to, without its corporate suffix."""
    with gzip.open(REGISTRY, "rt", encoding="utf-8") as lines:
        for line in lines:
            key, _, name = line.rstrip("\n").partition("\t")
            if not key.isdigit():
                continue
            if int(key) == number:
                return _short_name(name)
            if int(key) > number:
                break
    return None


_SUFFIXES = (
    " Inc.", " Inc", " Co., Ltd.", " Co.,Ltd", " Co., Ltd", " Co.,Ltd.", " Ltd.", " Ltd",
    " Limited", " Corporation", " Corp.", " Corp", " GmbH", " AG", " AB", " S.A.", " LLC",
    " Technology", " Technologies", ",",
)  # fmt: skip


def _short_name(name: str | None) -> str | None:
    if not name:
        return None
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                name, changed = name[: -len(suffix)].rstrip(), True
    return name or None


def vendor_from_object_id(object_id: str | None, descr: str | None = None) -> str | None:
    """The vendor a sysObjectID names: the vendor rules' display name, else IANA's registry."""
    prefix = "1.3.6.1.4.1."
    oid = (object_id or "").lstrip(".")
    if not oid.startswith(prefix):
        return None
    rules = vendors.match(oid, descr)
    if rules is not None and rules.name:
        return rules.name
    number = oid[len(prefix) :].split(".", 1)[0]
    return enterprise_name(int(number)) if number.isdigit() else None


# --------------------------------------------------------------------------------------------
# Failures as data


class _Failed(Exception):
    def __init__(self, state: str, message: str):
        super().__init__(message)
        self.state = state


def _classify(indication) -> _Failed:
    from pysnmp.proto import errind

    text = str(indication)
    if isinstance(indication, errind.RequestTimedOut):
        return _Failed(TIMEOUT, "no answer (agent silent, or wrong community)")
    auth = (
        errind.UnknownUserName,
        errind.WrongDigest,
        errind.DecryptionError,
        errind.AuthenticationError,
        errind.AuthenticationFailure,
        errind.UnsupportedSecurityLevel,
        errind.UnknownSecurityName,
        errind.UnknownCommunityName,
        errind.NotInTimeWindow,
        errind.NoAuthentication,
    )
    if isinstance(indication, auth):
        return _Failed(AUTH_ERROR, f"authentication failed: {text}")
    return _Failed(ERROR, text[:200] or "SNMP error")


# --------------------------------------------------------------------------------------------
# The collector


class SnmpCollector:
    """Owns one SnmpEngine on a private event loop; `poll` and `inventory` block the caller."""

    def __init__(
        self,
        *,
        timeout: float = 2.0,
        retries: int = 1,
        max_concurrency: int = 64,
        max_repetitions: int = 25,
        device_deadline: float | None = None,
    ):
        self.timeout = timeout
        self.retries = retries
        self.max_concurrency = max_concurrency
        self.max_repetitions = max_repetitions
        # Worst case for an agent that answers, but slowly and forever: a few full timeouts.
        self.device_deadline = device_deadline or max(5.0, timeout * (retries + 1) * 6)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._engine = None
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="snmp-collector", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:  # set together: both or neither
            return
        if self._engine is not None:
            engine, self._engine = self._engine, None
            asyncio.run_coroutine_threadsafe(_close_engine(engine), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- public, synchronous ---------------------------------------------------------------

    def poll(self, targets: Iterable[SnmpTarget]) -> list[SnmpResult]:
        return self._run(list(targets), inventory=False)

    def inventory(self, targets: Iterable[SnmpTarget]) -> list[SnmpResult]:
        return self._run(list(targets), inventory=True)

    def visit(
        self, poll_targets: list[SnmpTarget], inventory_targets: list[SnmpTarget]
    ) -> list[SnmpResult]:
        """Both kinds in one concurrent round (the interval job)."""
        loop = self._ensure_loop()
        jobs = [(t, False) for t in poll_targets] + [(t, True) for t in inventory_targets]
        # Every device is bounded by its deadline (twice for an SNMPv3 retry); this outer bound
        # only guards against a bug leaving the caller's thread blocked forever.
        waves = len(jobs) / max(1, self.max_concurrency) + 1
        future = asyncio.run_coroutine_threadsafe(self._round(jobs), loop)
        try:
            return future.result(timeout=2 * self.device_deadline * waves + 30)
        except BaseException:
            future.cancel()
            raise

    def _run(self, targets: list[SnmpTarget], *, inventory: bool) -> list[SnmpResult]:
        if inventory:
            return self.visit([], targets)
        return self.visit(targets, [])

    # -- async core ------------------------------------------------------------------------

    async def _round(self, jobs: list[tuple[SnmpTarget, bool]]) -> list[SnmpResult]:
        if self._engine is None:
            from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

            if not _EXCEPTION_TAGS:
                _EXCEPTION_TAGS.update(_exception_tags())
            self._engine = SnmpEngine()
        gate = asyncio.Semaphore(self.max_concurrency)
        user_locks = _user_locks([t for t, _ in jobs])

        async def one(target: SnmpTarget, inventory: bool) -> SnmpResult:
            async with gate:
                lock = user_locks.get(target.credentials.user or "")
                if lock is None:
                    return await self._visit(target, inventory)
                async with lock:
                    return await self._visit(target, inventory)

        return list(await asyncio.gather(*(one(t, inv) for t, inv in jobs)))

    async def _visit(self, target: SnmpTarget, inventory: bool) -> SnmpResult:
        result = await self._visit_once(target, inventory)
        # pysnmp remembers an agent's SNMPv3 engine ID for 5 minutes and does not notice when
        # it changes (agent reinstalled, device replaced, some reboots): forget it, try again.
        if (
            target.credentials.version == "3"
            and result.state in (TIMEOUT, AUTH_ERROR)
            and _forget_engine_id(self._engine, target)
        ):
            retried = await self._visit_once(target, inventory)
            retried.seconds += result.seconds
            return retried
        return result

    async def _visit_once(self, target: SnmpTarget, inventory: bool) -> SnmpResult:
        started = time.monotonic()
        session = _Session(self, target)
        result = SnmpResult(target.key, target.address, OK, inventory=inventory)
        try:
            await session.open()
            await asyncio.wait_for(_collect(session, result, inventory), self.device_deadline)
        except _Failed as failure:
            result.state, result.error = failure.state, str(failure)
        except TimeoutError:
            result.state = TIMEOUT
            result.error = f"no complete answer within {self.device_deadline:g} s"
        except Exception as exc:  # a garbage reply pysnmp chokes on is this device's problem only
            result.state, result.error = ERROR, f"{type(exc).__name__}: {exc}"[:200]
        if not result.ok:
            result.interfaces, result.health, result.ups = (), None, None
            result.system, result.neighbours = None, None
        result.seconds = time.monotonic() - started
        result.requests, result.varbinds = session.requests, session.varbinds
        result.values = session.values
        return result


def _user_locks(targets: list[SnmpTarget]) -> dict[str, asyncio.Lock]:
    """pysnmp keys its USM table by user name: devices sharing a name with different keys must
    take turns, or one device's keys would be used for another's request."""
    keys: dict[str, set] = {}
    for t in targets:
        c = t.credentials
        if c.version == "3" and c.user:
            keys.setdefault(c.user, set()).add(
                (c.auth_protocol, c.auth_key, c.priv_protocol, c.priv_key)
            )
    return {user: asyncio.Lock() for user, sets in keys.items() if len(sets) > 1}


def _forget_engine_id(engine, target: SnmpTarget) -> bool:
    """Drop pysnmp's cached engine ID of this agent; True if there was one."""
    from pysnmp.proto.mpmod.rfc3412 import SnmpV3MessageProcessingModel

    model = engine.message_processing_subsystems.get(
        SnmpV3MessageProcessingModel.MESSAGE_PROCESSING_MODEL_ID
    )
    cache = getattr(model, "_SnmpV3MessageProcessingModel__engineIdCache", None)
    if not isinstance(cache, dict):
        return False
    keys = [k for k in cache if len(k) == 2 and tuple(k[1])[:2] == (target.address, target.port)]
    # Its expiry queue must forget the key too, or the expiry tick would fail on a missing key.
    queue = getattr(model, "_SnmpV3MessageProcessingModel__engineIdCacheExpQueue", {})
    for key in keys:
        del cache[key]
        for pending in queue.values():
            while key in pending:
                pending.remove(key)
    return bool(keys)


async def _close_engine(engine) -> None:
    with contextlib.suppress(Exception):
        engine.close_dispatcher()


class _Session:
    """One device's requests: LCD entries, counting, and the raw GET / GETBULK calls."""

    def __init__(self, collector: SnmpCollector, target: SnmpTarget):
        self.collector = collector
        self.engine = collector._engine
        self.target = target
        self.requests = 0
        self.varbinds = 0
        self.values = 0
        self.addr_name = None

    async def open(self) -> None:
        from pysnmp.hlapi.v3arch.asyncio import ContextData, Udp6TransportTarget, UdpTransportTarget
        from pysnmp.hlapi.v3arch.asyncio.cmdgen import LCD

        auth = _auth_data(self.target.credentials)
        try:
            is_v6 = ipaddress.ip_address(self.target.address).version == 6
        except ValueError:
            is_v6 = False
        transport_class = Udp6TransportTarget if is_v6 else UdpTransportTarget
        try:
            transport = await transport_class.create(
                (self.target.address, self.target.port),
                timeout=self.collector.timeout,
                retries=self.collector.retries,
            )
        except Exception as exc:
            raise _Failed(ERROR, f"bad address: {exc}"[:200]) from None
        self.context = ContextData()
        self.addr_name, _ = LCD.configure(self.engine, auth, transport, self.context.contextName)

    def _send(self, generator, *args) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()

        def done(engine, handle, indication, status, index, var_binds, ctx):
            if not future.done():
                future.set_result((indication, status, index, var_binds))

        generator.send_varbinds(
            self.engine,
            self.addr_name,
            self.context.contextEngineId,
            self.context.contextName,
            *args,
            done,
            None,
        )
        return future

    async def _request(self, generator, *args):
        if self.requests >= MAX_REQUESTS:
            raise _Failed(ERROR, f"agent needed more than {MAX_REQUESTS} requests; gave up")
        self.requests += 1
        indication, status, _, var_binds = await self._send(generator, *args)
        if indication:
            raise _classify(indication)
        if status and int(status) != 0:
            # noSuchName (v1) or genErr on an optional table: treat as "nothing there"
            return None
        self.varbinds += len(var_binds)
        return var_binds

    async def get(self, oids: list[str]) -> dict[str, Any]:
        from pysnmp.entity.rfc3413 import cmdgen
        from pysnmp.proto.api import v2c
        from pysnmp.proto.rfc1902 import ObjectName

        var_binds = await self._request(
            cmdgen.GetCommandGenerator(), [(ObjectName(o), v2c.null) for o in oids]
        )
        if var_binds is None and len(oids) > 1 and self.target.credentials.version == "1":
            # v1 fails the whole GET with noSuchName for one missing OID: ask one at a time.
            values_v1: dict[str, Any] = {}
            for oid in oids:
                values_v1.update(await self.get([oid]))
            return values_v1
        values: dict[str, Any] = {}
        for name, value in var_binds or ():
            if not _is_exception(value):
                values[str(name)] = value
        self.values += len(values)
        return values

    async def get_many(self, oids: Sequence[str]) -> dict[str, Any]:
        """GET of any number of OIDs, MAX_GET per request."""
        values: dict[str, Any] = {}
        oids = list(dict.fromkeys(oids))
        for start in range(0, len(oids), MAX_GET):
            values.update(await self.get(oids[start : start + MAX_GET]))
        return values

    async def walk(
        self, columns: list[str], non_repeaters: Sequence[str] = (), repetitions: int | None = None
    ) -> tuple[dict[str, Any], dict[str, dict[tuple[int, ...], Any]]]:
        """GETBULK walk of several table columns side by side (plus scalars fetched as
        non-repeaters in the first request). Returns (scalars, {column: {index: value}})."""
        from pysnmp.entity.rfc3413 import cmdgen
        from pysnmp.proto.api import v2c
        from pysnmp.proto.rfc1902 import ObjectName

        prefixes = {c: tuple(int(p) for p in c.split(".")) for c in columns}
        tables: dict[str, dict[tuple[int, ...], Any]] = {c: {} for c in columns}
        cursor = {c: prefixes[c] for c in columns}
        scalars: dict[str, Any] = {}
        pending_scalars = list(non_repeaters)
        active = list(columns)
        generator = cmdgen.BulkCommandGenerator()
        if self.target.credentials.version == "1":
            # v1 has no GETBULK; agents still this old are rare enough to walk slowly.
            return await self._walk_v1(columns, non_repeaters)
        while active or pending_scalars:
            request = [(ObjectName(_scalar_parent(o)), v2c.null) for o in pending_scalars]
            request += [(ObjectName(cursor[c]), v2c.null) for c in active]
            rows = (
                min(repetitions or self.collector.max_repetitions, self.collector.max_repetitions)
                if active
                else 1
            )
            var_binds = await self._request(generator, len(pending_scalars), rows, request)
            if var_binds is None:
                break
            var_binds = list(var_binds)
            for (name, value), asked in zip(var_binds[: len(pending_scalars)], pending_scalars):
                if str(name) == asked and not _is_exception(value):
                    scalars[asked] = value
                    self.values += 1
            rest = var_binds[len(pending_scalars) :]
            pending_scalars = []
            if not active:
                break
            still = []
            width = len(active)
            finished: set[str] = set()
            for position, (name, value) in enumerate(rest):
                column = active[position % width]
                if column in finished:
                    continue
                oid = tuple(name)
                prefix = prefixes[column]
                if oid[: len(prefix)] != prefix or _is_exception(value) or oid <= cursor[column]:
                    # left the column, end of MIB, or a non-increasing OID (broken agent)
                    finished.add(column)
                    continue
                tables[column][oid[len(prefix) :]] = value
                self.values += 1
                cursor[column] = oid
                if len(tables[column]) >= MAX_ROWS:
                    finished.add(column)
            for column in active:
                if column not in finished and rest:
                    still.append(column)
            if not rest:
                break
            active = still
        return scalars, tables

    async def _walk_v1(self, columns, non_repeaters):
        from pysnmp.entity.rfc3413 import cmdgen
        from pysnmp.proto.api import v2c
        from pysnmp.proto.rfc1902 import ObjectName

        scalars = await self.get(list(non_repeaters)) if non_repeaters else {}
        tables: dict[str, dict[tuple[int, ...], Any]] = {}
        for column in columns:
            prefix = tuple(int(p) for p in column.split("."))
            cursor = prefix
            rows: dict[tuple[int, ...], Any] = {}
            while len(rows) < MAX_ROWS:
                var_binds = await self._request(
                    cmdgen.NextCommandGenerator(), [(ObjectName(cursor), v2c.null)]
                )
                if not var_binds:
                    break
                name, value = var_binds[0]
                oid = tuple(name)
                if oid[: len(prefix)] != prefix or oid <= cursor or _is_exception(value):
                    break
                rows[oid[len(prefix) :]] = value
                self.values += 1
                cursor = oid
            tables[column] = rows
        return scalars, tables


def _scalar_parent(oid: str) -> str:
    """A GETBULK non-repeater returns the *next* OID: ask for the parent of `x.0` to get `x.0`,
    and for the instance just before any other (`x.4` for `x.5`: tables indexed by one integer;
    where that guess is wrong the answer names another OID and the value is not taken)."""
    head, _, last = oid.rpartition(".")
    if last == "0":
        return head
    return f"{head}.{int(last) - 1}" if last.isdigit() else oid


def _auth_data(credentials: SnmpCredentials):
    from pysnmp.hlapi.v3arch.asyncio import CommunityData, UsmUserData
    from pysnmp.hlapi.v3arch.asyncio import auth as A

    if credentials.version in ("1", "2c"):
        if not credentials.community:
            raise _Failed(ERROR, "no community configured")
        return CommunityData(credentials.community, mpModel=0 if credentials.version == "1" else 1)
    if credentials.version != "3":
        raise _Failed(ERROR, f"unknown SNMP version {credentials.version!r}")
    if not credentials.user:
        raise _Failed(ERROR, "no SNMPv3 user configured")
    auth_protocols = {
        "MD5": A.USM_AUTH_HMAC96_MD5,
        "SHA": A.USM_AUTH_HMAC96_SHA,
        "SHA224": A.USM_AUTH_HMAC128_SHA224,
        "SHA256": A.USM_AUTH_HMAC192_SHA256,
        "SHA384": A.USM_AUTH_HMAC256_SHA384,
        "SHA512": A.USM_AUTH_HMAC384_SHA512,
    }
    priv_protocols = {
        "DES": A.USM_PRIV_CBC56_DES,
        "3DES": A.USM_PRIV_CBC168_3DES,
        "AES": A.USM_PRIV_CFB128_AES,
        "AES192": A.USM_PRIV_CFB192_AES,
        "AES256": A.USM_PRIV_CFB256_AES,
    }
    kwargs: dict[str, Any] = {}
    if credentials.auth_key:
        protocol = auth_protocols.get((credentials.auth_protocol or "SHA").upper())
        if protocol is None:
            raise _Failed(ERROR, f"unknown SNMPv3 auth protocol {credentials.auth_protocol!r}")
        kwargs.update(authKey=credentials.auth_key, authProtocol=protocol)
        if credentials.priv_key:
            protocol = priv_protocols.get((credentials.priv_protocol or "AES").upper())
            if protocol is None:
                raise _Failed(
                    ERROR, f"unknown SNMPv3 privacy protocol {credentials.priv_protocol!r}"
                )
            kwargs.update(privKey=credentials.priv_key, privProtocol=protocol)
    try:
        return UsmUserData(credentials.user, **kwargs)
    except Exception as exc:  # e.g. a key shorter than 8 characters
        raise _Failed(ERROR, f"SNMPv3 settings rejected: {exc}"[:200]) from None


# --------------------------------------------------------------------------------------------
# What to fetch, and how raw values become results

POLL_COLUMNS_64 = [
    IF_OPER,
    IF_HC_IN,
    IF_HC_OUT,
    IF_HIGH_SPEED,
    IF_IN_ERRORS,
    IF_OUT_ERRORS,
    IF_IN_DISCARDS,
    IF_OUT_DISCARDS,
]
POLL_COLUMNS_32 = [IF_IN_OCTETS, IF_OUT_OCTETS, IF_SPEED]
INVENTORY_IF_COLUMNS = [IF_DESCR, IF_TYPE, IF_ADMIN, IF_NAME, IF_ALIAS]
HR_COLUMNS = [HR_STORAGE_TYPE, HR_STORAGE_DESCR, HR_STORAGE_UNITS, HR_STORAGE_SIZE, HR_STORAGE_USED]
UPS_SCALARS = [
    UPS_BATTERY_STATUS,
    UPS_SECONDS_ON_BATTERY,
    UPS_MINUTES_REMAINING,
    UPS_CHARGE,
    UPS_OUTPUT_SOURCE,
]


async def _collect(session: _Session, result: SnmpResult, inventory: bool) -> None:
    target = session.target
    extra_columns = INVENTORY_IF_COLUMNS if inventory else []
    rows = None if inventory or not target.if_count else target.if_count + 1
    scalars, tables = await session.walk(POLL_COLUMNS_64 + extra_columns, [SYS_UPTIME], rows)
    result.uptime_cs = as_int(scalars.get(SYS_UPTIME))
    if result.uptime_cs is None:
        system = await session.get([SYS_UPTIME])
        result.uptime_cs = as_int(system.get(SYS_UPTIME))
    # Interfaces without 64-bit counters (old agents, v1): the 32-bit ones, with wrap handling.
    indexes = set(_indexes(tables[IF_OPER]))
    missing_hc = [i for i in indexes if i not in _indexes(tables[IF_HC_IN])]
    tables32: dict[str, dict] = {c: {} for c in POLL_COLUMNS_32}
    if missing_hc or not indexes:
        _, tables32 = await session.walk(POLL_COLUMNS_32)
        indexes |= set(_indexes(tables32[IF_IN_OCTETS]))
    result.interfaces = tuple(_interface(i, tables, tables32, inventory) for i in sorted(indexes))

    plan = target.plan
    vendor = vendors.by_key(plan.vendor) if plan else None
    if inventory:
        # Identity first: the vendor it names decides where health and UPS values live.
        result.system, vendor = await _system(session)
        plan = None
    if inventory or target.host_resources:
        result.health, plan = await _health(session, vendor, plan)
    if inventory or target.ups:
        result.ups = await _ups(session, vendor)
    if inventory:
        result.plan = plan or HealthPlan(vendor=vendor.key if vendor else None)
        result.neighbours = await _neighbours(session)


def _indexes(column: dict[tuple[int, ...], Any]) -> list[int]:
    return [suffix[0] for suffix in column if len(suffix) == 1]


def _interface(index: int, tables, tables32, inventory: bool) -> InterfaceSample:
    row = (index,)
    hc_in, hc_out = as_int(tables[IF_HC_IN].get(row)), as_int(tables[IF_HC_OUT].get(row))
    bits = 64
    if hc_in is None or hc_out is None:
        hc_in, hc_out, bits = (
            as_int(tables32[IF_IN_OCTETS].get(row)),
            as_int(tables32[IF_OUT_OCTETS].get(row)),
            32,
        )
    speed = as_int(tables[IF_HIGH_SPEED].get(row))
    speed_mbps: float | None = float(speed) if speed else None
    if speed_mbps is None:
        bps = as_int(tables32.get(IF_SPEED, {}).get(row))
        speed_mbps = bps / 1e6 if bps else None
    return InterfaceSample(
        if_index=index,
        oper_status=IF_STATUS.get(as_int(tables[IF_OPER].get(row))),
        admin_status=IF_STATUS.get(as_int(tables[IF_ADMIN].get(row))) if inventory else None,
        in_octets=hc_in,
        out_octets=hc_out,
        counter_bits=bits,
        speed_mbps=speed_mbps,
        in_errors=as_int(tables[IF_IN_ERRORS].get(row)),
        out_errors=as_int(tables[IF_OUT_ERRORS].get(row)),
        in_discards=as_int(tables[IF_IN_DISCARDS].get(row)),
        out_discards=as_int(tables[IF_OUT_DISCARDS].get(row)),
        name=clean_text(tables[IF_NAME].get(row), 100) if inventory else None,
        descr=clean_text(tables[IF_DESCR].get(row)) if inventory else None,
        alias=clean_text(tables[IF_ALIAS].get(row)) if inventory else None,
        if_type=as_int(tables[IF_TYPE].get(row)) if inventory else None,
    )


def _number(value: Any) -> float | None:
    """An agent's number, also when it sends it as text ("37", "37.5")."""
    number = as_int(value)
    if number is not None:
        return float(number)
    text = clean_text(value, 32)
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _reading(reading: vendors.Reading, values: dict, tables: dict) -> float | None:
    if reading.column:
        found = [
            n for n in (_number(v) for v in tables.get(reading.oid, {}).values()) if n is not None
        ]
        combined = vendors.combine(found, reading.pick)
    else:
        combined = _number(values.get(reading.oid))
    return None if combined is None else combined * reading.scale


def _first(readings: Sequence[vendors.Reading], values: dict, tables: dict, low, high):
    for reading in readings:
        value = _reading(reading, values, tables)
        if value is not None and low <= value <= high:
            return round(value, 1)
    return None


def _ucd_memory_pct(values: dict) -> tuple[float | None, StorageUse | None]:
    """UCD-SNMP: used = total − available − buffers − cache, as `free` counts it."""
    total, avail = as_int(values.get(UCD_TOTAL)), as_int(values.get(UCD_AVAIL))
    if not total or total <= 0 or avail is None or not 0 <= avail <= total:
        return None, None
    buffers = max(0, as_int(values.get(UCD_BUFFER)) or 0)
    cached = max(0, as_int(values.get(UCD_CACHED)) or 0)
    used = total - avail - buffers - cached
    if used < 0:  # agents that count buffers/cache inside "available" already
        used = total - avail
    use = StorageUse("memory", "memory", total * 1024, used * 1024)
    return use.used_pct, use


def _hr_memory(rows: dict[str, tuple[int, int, int]]) -> StorageUse | None:
    """hrStorage RAM minus Net-SNMP's "Memory buffers" and "Cached memory" rows."""
    physical = rows.get("physical")
    if physical is None:
        return None
    units, size, used = physical
    if units <= 0 or size <= 0 or used < 0:
        return None
    spare = sum(u * min(max(v, 0), s) for role, (u, s, v) in rows.items() if role != "physical")
    in_use = used * units - spare
    if in_use < 0:
        in_use = used * units
    return StorageUse("memory", "memory", size * units, min(in_use, size * units))


_MEMORY_ROLES = {"memory buffers": "buffers", "cached memory": "cached"}


async def _health(
    session: _Session, vendor: Vendor | None, plan: HealthPlan | None
) -> tuple[Health | None, HealthPlan | None]:
    """CPU, memory, temperature and disks: the vendor's values first, then the standard MIBs.
    Without a plan (inventory, or none stored yet) the whole storage table is walked and the
    rows worth polling are chosen; with one, only those rows are asked for."""
    full = plan is None
    scalars = list(vendor.health_scalars() if vendor else ())
    if full or (plan and plan.ucd_memory):
        scalars += UCD_SCALARS
    if plan is not None:
        for index, _, _ in plan.memory_rows + plan.disk_rows:
            scalars += [f"{HR_STORAGE_SIZE}.{index}", f"{HR_STORAGE_USED}.{index}"]
    counted = list(vendor.health_columns() if vendor else ())
    columns = list(counted)
    if full:
        columns += [HR_PROCESSOR_LOAD, *HR_COLUMNS]
    elif plan and plan.hr_cpu:
        columns.append(HR_PROCESSOR_LOAD)
    # A health column has a row per CPU, board, fan or supply, rarely more than a few: a short
    # GETBULK of the columns the inventory saw answer, as many rows as it saw.
    repetitions = None if full else 8
    if plan is not None and plan.column_rows is not None:
        seen = dict(plan.column_rows)
        columns = [c for c in columns if seen.get(c)]
        repetitions = min(8, max((seen[c] for c in columns), default=0) + 1)
    values, tables = await _scalars_and_columns(session, scalars, columns, repetitions)

    loads = [
        v
        for v in (as_int(x) for x in tables.get(HR_PROCESSOR_LOAD, {}).values())
        if v is not None and 0 <= v <= 100
    ]
    cpu = _first(vendor.cpu, values, tables, 0, 100) if vendor else None
    if cpu is None and loads:
        cpu = round(sum(loads) / len(loads), 1)
    temperature = (
        _first((vendor.temperature,), values, tables, -40, 150)
        if vendor and vendor.temperature
        else None
    )

    memory_rows: tuple[tuple[int, int, str], ...] = ()
    disk_rows: tuple[tuple[int, int, str], ...] = ()
    if full:
        chosen = _choose_storage(tables)
        memory_rows, disk_rows = tuple(chosen[0]), tuple(chosen[1])
    elif plan is not None:
        memory_rows, disk_rows = plan.memory_rows, plan.disk_rows
    sizes = {
        index: (
            units,
            as_int(values.get(f"{HR_STORAGE_SIZE}.{index}"))
            if not full
            else as_int(tables[HR_STORAGE_SIZE].get((index,))),
            as_int(values.get(f"{HR_STORAGE_USED}.{index}"))
            if not full
            else as_int(tables[HR_STORAGE_USED].get((index,))),
        )
        for index, units, _ in memory_rows + disk_rows
    }
    disks = []
    for index, units, descr in disk_rows:
        _, size, used = sizes[index]
        if size and size > 0 and used is not None and used >= 0:
            disks.append(StorageUse(descr, "disk", size * units, min(used, size) * units))

    memory_pct, memory = None, None
    if vendor and vendor.memory:
        memory_values = {r.oid: _reading(r, values, tables) for r in vendor.memory.readings()}
        memory_pct = vendors.memory_pct(
            vendor.memory, {k: v for k, v in memory_values.items() if v is not None}
        )
    ucd_pct, ucd_use = _ucd_memory_pct(values)
    if memory_pct is None and ucd_pct is not None:
        memory_pct, memory = ucd_pct, ucd_use
    if memory_pct is None:
        hr = {
            role: (u, sizes[i][1] or 0, sizes[i][2] or 0)
            for i, u, role in memory_rows
            if sizes[i][1] is not None
        }
        memory = _hr_memory(hr)
        memory_pct = memory.used_pct if memory else None

    new_plan = HealthPlan(
        vendor=vendor.key if vendor else None,
        hr_cpu=bool(loads) if full else bool(plan and plan.hr_cpu),
        ucd_memory=ucd_pct is not None,
        memory_rows=memory_rows,
        disk_rows=disk_rows,
        column_rows=tuple((c, len(tables.get(c, {}))) for c in (*counted, HR_PROCESSOR_LOAD))
        if full
        else (plan.column_rows if plan else None),
    )
    sensors = _sensors(vendor, values, tables) if vendor else ()
    if cpu is None and memory_pct is None and not disks and temperature is None and not sensors:
        return None, new_plan
    health = Health(cpu, memory, tuple(disks), memory_pct, temperature, sensors)
    return health, new_plan


MAX_SENSORS = 64  # a chassis with more fans and supplies than this is a broken agent


async def _scalars_and_columns(
    session: _Session, scalars: list[str], columns: list[str], repetitions: int | None
) -> tuple[dict[str, Any], dict[str, dict]]:
    """Health scalars and columns in one GETBULK where they fit (scalars as non-repeaters), so
    the interval poll costs one request less; a scalar that did not come back that way is asked
    for with a GET, as before."""
    scalars = list(dict.fromkeys(scalars))
    if (
        not columns
        or not scalars
        or len(scalars) > MAX_GET
        or not all(o.rpartition(".")[2].isdigit() for o in scalars)
    ):
        values = await session.get_many(scalars) if scalars else {}
        tables = (await session.walk(columns, repetitions=repetitions))[1] if columns else {}
        return values, tables
    values, tables = await session.walk(columns, scalars, repetitions)
    missing = [o for o in scalars if o not in values]
    if missing:
        values.update(await session.get_many(missing))
    return values, tables


def _sensors(vendor: Vendor, values: dict, tables: dict) -> tuple[SensorReading, ...]:
    """Fans and power supplies by the vendor's rules: tables row by row, scalars one each."""
    found: list[SensorReading] = []
    for rules in vendor.sensors:
        if not rules.column:
            kind = rules.kind
            state = vendors.sensor_state(rules, as_int(values.get(rules.state)), None)
            if kind and state:
                found.append(SensorReading(kind, rules.label or kind.upper(), state))
            continue
        names = tables.get(rules.name, {}) if rules.name else {}
        types = tables.get(rules.kind_column, {}) if rules.kind_column else {}
        present = tables.get(rules.present, {}) if rules.present else {}
        for row, value in sorted(tables.get(rules.state, {}).items()):
            name = clean_text(names.get(row), 100) if row in names else None
            type_value = types.get(row)
            type_text = _as_oid(type_value) if type_value is not None else None
            number = as_int(type_value)
            kind = vendors.sensor_kind(
                rules, str(number) if number is not None else type_text, name
            )
            state = vendors.sensor_state(rules, as_int(value), as_int(present.get(row)))
            if kind is None or state is None:
                continue
            label = name or f"{kind.upper()} {'.'.join(str(i) for i in row)}"
            found.append(SensorReading(kind, label, state))
            if len(found) >= MAX_SENSORS:
                return tuple(found)
    return tuple(found)


def _choose_storage(tables) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """From a full hrStorage walk: the memory rows (RAM, Net-SNMP's buffers and cache) and the
    disks worth showing (vendors.is_disk: no pseudo, tiny or read-only image filesystems)."""
    memory_rows: list[tuple[int, int, str]] = []
    disk_rows: list[tuple[int, int, str]] = []
    for row, kind in sorted(tables[HR_STORAGE_TYPE].items()):
        if len(row) != 1:
            continue
        index, kind_oid = row[0], _as_oid(kind)
        units = as_int(tables[HR_STORAGE_UNITS].get(row)) or 0
        size = as_int(tables[HR_STORAGE_SIZE].get(row)) or 0
        used = as_int(tables[HR_STORAGE_USED].get(row))
        descr = clean_text(tables[HR_STORAGE_DESCR].get(row), 100) or "?"
        if units <= 0 or size <= 0:
            continue
        role = _MEMORY_ROLES.get(descr.casefold())
        if kind_oid == HR_STORAGE_RAM and not any(r == "physical" for _, _, r in memory_rows):
            memory_rows.append((index, units, "physical"))
        elif role and not any(r == role for _, _, r in memory_rows):
            memory_rows.append((index, units, role))
        elif (
            kind_oid
            and used is not None
            and len(disk_rows) < 32
            and vendors.is_disk(kind_oid, descr, size * units, used * units)
        ):
            disk_rows.append((index, units, descr))
    return memory_rows, disk_rows


async def _ups(session: _Session, vendor: Vendor | None) -> UpsStatus | None:
    """RFC 1628 UPS-MIB, with the vendor's own MIB (APC PowerNet, Eaton, CyberPower) beside it
    for what the standard one does not answer."""
    rules = vendor.ups if vendor else None
    values = await session.get_many(UPS_SCALARS + list(rules.oids() if rules else ()))
    if not values:
        return None
    source = as_int(values.get(UPS_OUTPUT_SOURCE))
    seconds = as_int(values.get(UPS_SECONDS_ON_BATTERY))
    on_battery = None
    if source is not None:
        on_battery = source == UPS_SOURCE_BATTERY
    elif seconds is not None:
        on_battery = seconds > 0
    charge = as_int(values.get(UPS_CHARGE))
    minutes = as_int(values.get(UPS_MINUTES_REMAINING))
    charge = charge if charge is not None and 0 <= charge <= 100 else None
    minutes = minutes if minutes is not None and 0 <= minutes < 100_000 else None
    battery = UPS_BATTERY_STATES.get(as_int(values.get(UPS_BATTERY_STATUS)))
    if rules is not None:
        state = as_int(values.get(rules.source))
        if on_battery is None and state is not None:
            if state in rules.on_battery:
                on_battery = True
            elif state in rules.on_mains:
                on_battery = False
        if charge is None:
            found = _first(rules.charge, values, {}, 0, 100)
            charge = None if found is None else round(found)
        if minutes is None:
            found = _first(rules.minutes, values, {}, 0, 99_999)
            minutes = None if found is None else int(found)
        if battery is None and rules.battery:
            state = as_int(values.get(rules.battery))
            battery = dict(rules.battery_states).get(state) if state is not None else None
    if on_battery is None and charge is None and minutes is None and battery is None:
        return None
    return UpsStatus(
        on_battery=on_battery,
        battery_status=battery,
        charge_pct=charge,
        minutes_remaining=minutes,
        seconds_on_battery=seconds if seconds is not None and seconds >= 0 else None,
    )


ENTITY_COLUMNS = [ENT_CLASS, ENT_SERIAL, ENT_MFG, ENT_MODEL, ENT_SOFTWARE, ENT_FIRMWARE, ENT_DESCR]


async def _system(session: _Session) -> tuple[SystemInfo, Vendor | None]:
    values = await session.get_many(
        [
            SYS_DESCR,
            SYS_OBJECT_ID,
            SYS_CONTACT,
            SYS_NAME,
            SYS_LOCATION,
            UPS_MFG,
            UPS_MODEL,
            UPS_SOFTWARE,
            *vendors.PROBES,
        ]
    )
    object_id = _as_oid(values.get(SYS_OBJECT_ID))
    descr = clean_text(values.get(SYS_DESCR), MAX_DESCR)
    vendor = vendors.match(object_id, descr, frozenset(p for p in vendors.PROBES if p in values))
    own = (
        await session.get_many(vendor.identity_oids()) if vendor and vendor.identity_oids() else {}
    )
    columns = list(ENTITY_COLUMNS)
    if vendor and vendor.model_column:
        columns.append(vendor.model_column)
    if vendor and vendor.firmware_column:
        columns.append(vendor.firmware_column)
    _, tables = await session.walk(columns)
    chassis = _chassis(tables)

    def first(*candidates: str | None) -> str | None:
        return next((c for c in candidates if c), None)

    def column(oid: str | None, limit: int) -> str | None:
        rows = tables.get(oid or "", {})
        return clean_text(rows[min(rows)], limit) if rows else None

    def own_value(oids: Sequence[str], limit: int, joined: bool = False) -> str | None:
        found = [t for t in (clean_text(own.get(o), limit) for o in oids) if t]
        if not found:
            return None
        return " ".join(found)[:limit] if joined else found[0]

    ups_mfg = clean_text(values.get(UPS_MFG), 100)
    model = first(
        chassis.get("model"),
        own_value(vendor.model, 200, joined=True) if vendor else None,
        column(vendor.model_column if vendor else None, 200),
        clean_text(values.get(UPS_MODEL), 200),
        vendors.from_descr(vendor.model_from_descr, descr) if vendor else None,
    )
    serial = first(
        chassis.get("serial"),
        own_value(vendor.serial, 100) if vendor else None,
    )
    firmware = first(
        own_value(vendor.firmware, 100) if vendor else None,
        column(vendor.firmware_column if vendor else None, 100),
        chassis.get("firmware"),
        clean_text(values.get(UPS_SOFTWARE), 100),
        vendors.from_descr(vendor.firmware_from_descr, descr) if vendor else None,
    )
    if vendor and vendor.model_with_descr and chassis.get("descr") and chassis.get("model"):
        model = f"{chassis['descr']} ({chassis['model']})"[:200]
    if vendor:
        model = vendors.rewrite(model, vendor.model_rewrite)
        firmware = vendors.tidy(firmware, vendor.firmware_pattern)
    name = first(
        vendor.name if vendor else None,
        chassis.get("vendor"),
        ups_mfg,
        vendor_from_object_id(object_id, descr),
    )
    info = SystemInfo(
        descr=descr,
        object_id=object_id,
        name=clean_text(values.get(SYS_NAME), 200),
        location=clean_text(values.get(SYS_LOCATION), 200),
        contact=clean_text(values.get(SYS_CONTACT), 200),
        vendor=name,
        model=model,
        serial=serial,
        firmware=firmware,
    )
    return info, vendor


def _chassis(entity: dict[str, dict]) -> dict[str, str]:
    """Model, serial, firmware and maker of the device itself from ENTITY-MIB: the chassis
    rows (class chassis(3)), then stack(11), in index order — never a module, a port or a USB
    controller. An agent without entPhysicalClass: its first row only."""
    classes = entity.get(ENT_CLASS, {})
    if classes:
        chassis = sorted(r for r, c in classes.items() if as_int(c) == ENT_CLASS_CHASSIS)
        stack = sorted(r for r, c in classes.items() if as_int(c) == ENT_CLASS_STACK)
        rows = chassis + stack
    else:
        known = set(entity.get(ENT_MODEL, {})) | set(entity.get(ENT_SERIAL, {}))
        rows = sorted(known)[:1]
    found: dict[str, str] = {}
    for row in rows:
        for key, oid, limit in (
            ("serial", ENT_SERIAL, 100),
            ("model", ENT_MODEL, 200),
            ("vendor", ENT_MFG, 100),
            ("firmware", ENT_SOFTWARE, 100),
            ("firmware", ENT_FIRMWARE, 100),
            ("descr", ENT_DESCR, 200),
        ):
            if key not in found:
                text = clean_text(entity.get(oid, {}).get(row), limit)
                if text:
                    found[key] = text
    return found


async def _neighbours(session: _Session) -> tuple[Neighbour, ...] | None:
    _, tables = await session.walk(
        [
            LLDP_REM_CHASSIS,
            LLDP_REM_PORT_ID,
            LLDP_REM_PORT_DESCR,
            LLDP_REM_SYS_NAME,
            LLDP_LOC_PORT_DESCR,
        ]
    )
    local = {row[0]: clean_text(v, 100) for row, v in tables[LLDP_LOC_PORT_DESCR].items() if row}
    if not local and not tables[LLDP_REM_CHASSIS]:
        return None
    found = []
    for row in sorted(tables[LLDP_REM_CHASSIS])[:256]:
        if len(row) < 3:
            continue
        port = row[1]
        found.append(
            Neighbour(
                local_port=local.get(port) or str(port),
                remote_name=clean_text(tables[LLDP_REM_SYS_NAME].get(row), 200),
                remote_port=clean_text(tables[LLDP_REM_PORT_DESCR].get(row), 100)
                or _hex_or_text(tables[LLDP_REM_PORT_ID].get(row)),
                remote_chassis=_hex_or_text(tables[LLDP_REM_CHASSIS].get(row)),
            )
        )
    return tuple(found)
