"""PURE: what a collector and the central say to each other, as JSON over HTTPS.

Both sides build and read messages through this module only, so the wire format lives in one
place. Everything read from the wire is checked here and refused with a `ProtocolError` that
names the field (`sweeps[3].results[2].device: expected an integer`); nothing half-read goes on.

    POST /api/v1/collector/enrol     {"code", "hostname", "version"} → Enrolment
    GET  /api/v1/collector/config    Authorization: Bearer <token>, If-None-Match → ConfigDocument
    POST /api/v1/collector/results   Authorization: Bearer <token>, Batch → {"applied", "duplicate"}

Times on the wire are ISO 8601 in UTC with an offset ("2026-12-07T08:00:00+00:00").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

PROTOCOL_VERSION = 1
TOKEN_PREFIX = "ictc_"
ENROL_PATH = "/api/v1/collector/enrol"
CONFIG_PATH = "/api/v1/collector/config"
RESULTS_PATH = "/api/v1/collector/results"

# A batch id: the collector's own (a uuid, or its queue's first and last row); 1-64 safe characters.
_BATCH_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_SWEEPS_PER_BATCH = 5_000
MAX_RESULTS_PER_SWEEP = 5_000
MAX_SNMP_ROUNDS_PER_BATCH = 1_000
MAX_TEXT = 200


class ProtocolError(ValueError):
    """A message that does not follow this module: the text names the field."""


# --------------------------------------------------------------------------------------------
# Enrolment


@dataclass(frozen=True)
class EnrolRequest:
    code: str
    hostname: str = ""
    version: str = ""


@dataclass(frozen=True)
class Enrolment:
    collector_id: int
    name: str
    token: str  # shown once; the central keeps only its hash
    sites: tuple[str, ...] = ()


def parse_enrol_request(data: Any) -> EnrolRequest:
    body = _object(data, "body")
    return EnrolRequest(
        code=_text(body, "code", required=True),
        hostname=_text(body, "hostname"),
        version=_text(body, "version"),
    )


def parse_enrolment(data: Any) -> Enrolment:
    body = _object(data, "body")
    token = _text(body, "token", required=True, limit=200)
    if not token.startswith(TOKEN_PREFIX):
        raise ProtocolError(f"token: expected a collector token starting {TOKEN_PREFIX}")
    return Enrolment(
        collector_id=_int(body, "collector_id"),
        name=_text(body, "name", required=True),
        token=token,
        sites=tuple(_texts(body, "sites")),
    )


# --------------------------------------------------------------------------------------------
# Configuration the collector pulls


@dataclass(frozen=True)
class SnmpAccess:
    version: str = "2c"
    port: int = 161
    community: str | None = field(default=None, repr=False)
    user: str | None = None
    auth_protocol: str | None = None
    auth_key: str | None = field(default=None, repr=False)
    priv_protocol: str | None = None
    priv_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ConfigDevice:
    id: int
    name: str
    site: str  # site code
    address: str
    kind: str
    # Only a device this collector measures too: the state function's parent on its side.
    parent: int | None = None
    snmp: SnmpAccess | None = None


@dataclass(frozen=True)
class PingTiming:
    interval: float
    timeout: float
    count: int
    spacing: float
    max_in_flight: int


@dataclass(frozen=True)
class SnmpTiming:
    interval: float
    inventory_interval: float
    timeout: float
    retries: int
    max_concurrency: int
    max_repetitions: int


@dataclass(frozen=True)
class ConfigDocument:
    collector: str
    sites: tuple[str, ...]
    ping: PingTiming
    snmp: SnmpTiming
    push_interval: float
    buffer_hours: float
    devices: tuple[ConfigDevice, ...]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def etag(self) -> str:
        """The same document always gives the same tag; any change gives another."""
        return config_etag(self.to_json())


def config_etag(document: Mapping[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def parse_config(data: Any) -> ConfigDocument:
    body = _object(data, "body")
    ping = _object(body.get("ping"), "ping")
    snmp = _object(body.get("snmp"), "snmp")
    devices = []
    for i, raw in enumerate(_list(body, "devices", limit=100_000)):
        where = f"devices[{i}]"
        item = _object(raw, where)
        access = item.get("snmp")
        devices.append(
            ConfigDevice(
                id=_int(item, "id", where),
                name=_text(item, "name", where, required=True),
                site=_text(item, "site", where, required=True),
                address=_text(item, "address", where, required=True, limit=255),
                kind=_text(item, "kind", where, required=True),
                parent=_int(item, "parent", where, optional=True),
                snmp=None if access is None else _snmp_access(access, f"{where}.snmp"),
            )
        )
    return ConfigDocument(
        collector=_text(body, "collector", required=True),
        sites=tuple(_texts(body, "sites")),
        ping=PingTiming(
            interval=_number(ping, "interval", "ping"),
            timeout=_number(ping, "timeout", "ping"),
            count=_int(ping, "count", "ping"),
            spacing=_number(ping, "spacing", "ping"),
            max_in_flight=_int(ping, "max_in_flight", "ping"),
        ),
        snmp=SnmpTiming(
            interval=_number(snmp, "interval", "snmp"),
            inventory_interval=_number(snmp, "inventory_interval", "snmp"),
            timeout=_number(snmp, "timeout", "snmp"),
            retries=_int(snmp, "retries", "snmp"),
            max_concurrency=_int(snmp, "max_concurrency", "snmp"),
            max_repetitions=_int(snmp, "max_repetitions", "snmp"),
        ),
        push_interval=_number(body, "push_interval"),
        buffer_hours=_number(body, "buffer_hours"),
        devices=tuple(devices),
    )


def _snmp_access(raw: Any, where: str) -> SnmpAccess:
    item = _object(raw, where)
    version = _text(item, "version", where, required=True)
    if version not in ("1", "2c", "3"):
        raise ProtocolError(f"{where}.version: expected 1, 2c or 3, got {version!r}")
    return SnmpAccess(
        version=version,
        port=_int(item, "port", where),
        community=_text(item, "community", where, optional=True),
        user=_text(item, "user", where, optional=True),
        auth_protocol=_text(item, "auth_protocol", where, optional=True),
        auth_key=_text(item, "auth_key", where, optional=True),
        priv_protocol=_text(item, "priv_protocol", where, optional=True),
        priv_key=_text(item, "priv_key", where, optional=True),
    )


# --------------------------------------------------------------------------------------------
# Results the collector uploads


@dataclass(frozen=True)
class PingOutcome:
    device: int
    sent: int
    received: int
    rtt_min_ms: float | None = None
    rtt_avg_ms: float | None = None
    rtt_max_ms: float | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.received > 0

    def to_json(self) -> dict[str, Any]:
        # By hand, not asdict: a 72-h backlog holds 400,000 of these.
        return {
            "device": self.device,
            "sent": self.sent,
            "received": self.received,
            "rtt_min_ms": self.rtt_min_ms,
            "rtt_max_ms": self.rtt_max_ms,
            "rtt_avg_ms": self.rtt_avg_ms,
            "error": self.error,
        }


@dataclass(frozen=True)
class Sweep:
    """One ping sweep of the collector's devices, as the collector's clock saw its start."""

    at: datetime
    results: tuple[PingOutcome, ...]


@dataclass(frozen=True)
class SnmpRound:
    """One SNMP round; each result as monitor.edge.snmp_wire encodes a collectors.snmp result."""

    at: datetime
    results: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Batch:
    batch_id: str
    sent_at: datetime  # the collector's clock when it sent this
    version: str = ""
    hostname: str = ""
    queue_length: int = 0  # results still waiting on the collector after this batch
    # Results the collector dropped (buffer full) since it last reported them, and their span.
    dropped: int = 0
    dropped_from: datetime | None = None
    dropped_until: datetime | None = None
    sweeps: tuple[Sweep, ...] = ()
    snmp_rounds: tuple[SnmpRound, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL_VERSION,
            "batch_id": self.batch_id,
            "sent_at": _iso(self.sent_at),
            "version": self.version,
            "hostname": self.hostname,
            "queue_length": self.queue_length,
            "dropped": self.dropped,
            "dropped_from": _iso(self.dropped_from) if self.dropped_from else None,
            "dropped_until": _iso(self.dropped_until) if self.dropped_until else None,
            "sweeps": [
                {"at": _iso(s.at), "results": [r.to_json() for r in s.results]} for s in self.sweeps
            ],
            "snmp_rounds": [
                {"at": _iso(r.at), "results": [dict(x) for x in r.results]}
                for r in self.snmp_rounds
            ],
        }

    @property
    def result_count(self) -> int:
        return sum(len(s.results) for s in self.sweeps) + sum(
            len(r.results) for r in self.snmp_rounds
        )


def parse_batch(data: Any) -> Batch:
    body = _object(data, "body")
    protocol = body.get("protocol")
    if protocol != PROTOCOL_VERSION:
        raise ProtocolError(
            f"protocol: this central speaks version {PROTOCOL_VERSION}, got {protocol!r}"
        )
    batch_id = _text(body, "batch_id", required=True)
    if not _BATCH_ID.match(batch_id):
        raise ProtocolError("batch_id: 1-64 letters, digits or . _ : -")
    sweeps = []
    for i, raw in enumerate(_list(body, "sweeps", limit=MAX_SWEEPS_PER_BATCH)):
        where = f"sweeps[{i}]"
        item = _object(raw, where)
        outcomes = []
        for j, r in enumerate(_list(item, "results", where, limit=MAX_RESULTS_PER_SWEEP)):
            w = f"{where}.results[{j}]"
            result = _object(r, w)
            sent = _int(result, "sent", w)
            received = _int(result, "received", w)
            if not 0 <= received <= sent <= 100:
                raise ProtocolError(f"{w}: expected 0 ≤ received ≤ sent ≤ 100")
            outcomes.append(
                PingOutcome(
                    device=_int(result, "device", w),
                    sent=sent,
                    received=received,
                    rtt_min_ms=_number(result, "rtt_min_ms", w, optional=True),
                    rtt_avg_ms=_number(result, "rtt_avg_ms", w, optional=True),
                    rtt_max_ms=_number(result, "rtt_max_ms", w, optional=True),
                    error=_text(result, "error", w, optional=True),
                )
            )
        devices = [o.device for o in outcomes]
        if len(set(devices)) != len(devices):
            raise ProtocolError(f"{where}.results: a device appears twice in one sweep")
        sweeps.append(Sweep(_time(item, "at", where), tuple(outcomes)))
    rounds = []
    for i, raw in enumerate(_list(body, "snmp_rounds", limit=MAX_SNMP_ROUNDS_PER_BATCH)):
        where = f"snmp_rounds[{i}]"
        item = _object(raw, where)
        results = tuple(
            _object(r, f"{where}.results[{j}]")
            for j, r in enumerate(_list(item, "results", where, limit=MAX_RESULTS_PER_SWEEP))
        )
        rounds.append(SnmpRound(_time(item, "at", where), results))
    times = [s.at for s in sweeps]
    if times != sorted(times) or len(set(times)) != len(times):
        raise ProtocolError("sweeps: expected in the order they were taken, each time once")
    return Batch(
        batch_id=batch_id,
        sent_at=_time(body, "sent_at"),
        version=_text(body, "version"),
        hostname=_text(body, "hostname", limit=255),
        queue_length=_int(body, "queue_length"),
        dropped=_int(body, "dropped"),
        dropped_from=_time(body, "dropped_from", optional=True),
        dropped_until=_time(body, "dropped_until", optional=True),
        sweeps=tuple(sweeps),
        snmp_rounds=tuple(rounds),
    )


# --------------------------------------------------------------------------------------------
# Reading untrusted JSON


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("naive datetime on the wire")
    return at.astimezone(UTC).isoformat()


def _where(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProtocolError(f"{where}: expected an object")
    return value


def _list(body: Mapping[str, Any], key: str, where: str = "", *, limit: int) -> Sequence[Any]:
    value = body.get(key, [])
    if not isinstance(value, list):
        raise ProtocolError(f"{_where(where, key)}: expected a list")
    if len(value) > limit:
        raise ProtocolError(f"{_where(where, key)}: at most {limit} entries, got {len(value)}")
    return value


def _int(body: Mapping[str, Any], key: str, where: str = "", *, optional: bool = False) -> Any:
    value = body.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"{_where(where, key)}: expected an integer")
    if value < 0:
        raise ProtocolError(f"{_where(where, key)}: must not be negative")
    return value


def _number(body: Mapping[str, Any], key: str, where: str = "", *, optional: bool = False) -> Any:
    value = body.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ProtocolError(f"{_where(where, key)}: expected a number")
    if value < 0 or value == float("inf"):
        raise ProtocolError(f"{_where(where, key)}: must be a finite number ≥ 0")
    return float(value)


def _text(
    body: Mapping[str, Any],
    key: str,
    where: str = "",
    *,
    required: bool = False,
    optional: bool = False,
    limit: int = MAX_TEXT,
) -> Any:
    value = body.get(key)
    if value is None:
        if required:
            raise ProtocolError(f"{_where(where, key)}: missing")
        return None if optional else ""
    if not isinstance(value, str):
        raise ProtocolError(f"{_where(where, key)}: expected a string")
    if len(value) > limit or "\x00" in value:
        raise ProtocolError(f"{_where(where, key)}: at most {limit} characters, no NUL")
    if required and not value.strip():
        raise ProtocolError(f"{_where(where, key)}: must not be empty")
    return value


def _texts(body: Mapping[str, Any], key: str) -> list[str]:
    return [
        _text({"v": v}, "v", f"{key}[{i}]", required=True)
        for i, v in enumerate(_list(body, key, limit=1_000))
    ]


def _time(body: Mapping[str, Any], key: str, where: str = "", *, optional: bool = False) -> Any:
    value = body.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ProtocolError(f"{_where(where, key)}: expected an ISO 8601 time")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ProtocolError(f"{_where(where, key)}: expected an ISO 8601 time") from None
    if at.tzinfo is None:
        raise ProtocolError(f"{_where(where, key)}: a time needs its UTC offset")
    return at.astimezone(UTC)
