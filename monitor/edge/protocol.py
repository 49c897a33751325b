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
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from collectors.ssh import SshState

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
# SSH backups. The central refuses a body over [collector] max_batch_bytes (8 MB by default); the
# collector sends UTF-8 (at most 4 bytes a character), so one configuration at the limit is at
# most 6 MB and still fits with room for the rest of the batch (the collector's own batches stay
# under monitor.agent.runner.MAX_BATCH_BYTES; a row alone over that goes in a batch of its own).
# A larger configuration is a backup error on the collector, never a batch the central refuses.
MAX_BACKUPS_PER_BATCH = 500
MAX_CONFIG_TEXT = 1_500_000
MAX_HOST_KEY = 16_384
MAX_BACKUP_MESSAGE = 500
MAX_FACTS = 16
MAX_PRIVATE_KEY = 65_536


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
class SshLogin:
    """How the collector logs in to back a device up, as the central's own backup would
    (monitor.configs.backup_job.plan): a private key goes as its text, used in memory."""

    device_type: str
    port: int = 22
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)  # enable secret
    private_key: str | None = field(default=None, repr=False)
    config_path: str | None = None
    known_host_key: str | None = None  # "<type> <base64>", as the central recorded it
    # An officer's "back up now" (the central's clock): back up at once when not yet served.
    requested_at: datetime | None = None


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
    ssh: SshLogin | None = None


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
class SshTiming:
    """The central's [ssh] timing; the defaults are its own (a configuration from before SSH
    backups went through collectors has no "ssh": none of its devices has a login either)."""

    interval: float = 86400.0
    timeout: float = 60.0
    workers: int = 8
    strict_host_keys: bool = False


@dataclass(frozen=True)
class ConfigDocument:
    collector: str
    sites: tuple[str, ...]
    ping: PingTiming
    snmp: SnmpTiming
    push_interval: float
    buffer_hours: float
    devices: tuple[ConfigDevice, ...]
    ssh: SshTiming = SshTiming()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for device in data["devices"]:
            login = device.get("ssh")
            if login is not None and login["requested_at"] is not None:
                login["requested_at"] = _iso(login["requested_at"])
        return data

    @property
    def etag(self) -> str:
        """The same document always gives the same tag; any change gives another."""
        return config_etag(self.to_json())

    def keyed_etag(self, key: bytes) -> str:
        """The tag the central sends and stores: keyed, since the document holds credentials
        and a plain hash of it would let whoever reads a tag (a database dump) try passwords
        against it offline."""
        return config_etag(self.to_json(), key)


def config_etag(document: Mapping[str, Any], key: bytes = b"") -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()[:32]


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
                ssh=None if item.get("ssh") is None else _ssh_login(item["ssh"], f"{where}.ssh"),
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
        ssh=SshTiming() if body.get("ssh") is None else _ssh_timing(body["ssh"]),
    )


def _ssh_timing(raw: Any) -> SshTiming:
    item = _object(raw, "ssh")
    return SshTiming(
        interval=_number(item, "interval", "ssh"),
        timeout=_number(item, "timeout", "ssh"),
        workers=_int(item, "workers", "ssh"),
        strict_host_keys=_bool(item, "strict_host_keys", "ssh"),
    )


def _ssh_login(raw: Any, where: str) -> SshLogin:
    item = _object(raw, where)
    return SshLogin(
        device_type=_text(item, "device_type", where, required=True, limit=64),
        port=_int(item, "port", where),
        username=_text(item, "username", where, optional=True),
        password=_text(item, "password", where, optional=True, limit=1_000),
        secret=_text(item, "secret", where, optional=True, limit=1_000),
        private_key=_text(item, "private_key", where, optional=True, limit=MAX_PRIVATE_KEY),
        config_path=_text(item, "config_path", where, optional=True, limit=500),
        known_host_key=_text(item, "known_host_key", where, optional=True, limit=MAX_HOST_KEY),
        requested_at=_time(item, "requested_at", where, optional=True),
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
class BackupResult:
    """One SSH backup the collector made: a collectors.ssh.SshResult with its time, and the
    "back up now" request it answered (the central's requested_at it was sent), if any."""

    device: int
    at: datetime
    state: str  # a collectors.ssh.SshState value
    message: str = ""
    config: str | None = None
    facts: Mapping[str, str] = field(default_factory=dict)
    host_key: str | None = None
    host_key_fingerprint: str | None = None
    seconds: float = 0.0
    requested_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "at": _iso(self.at),
            "state": self.state,
            "message": self.message,
            "config": self.config,
            "facts": dict(self.facts),
            "host_key": self.host_key,
            "host_key_fingerprint": self.host_key_fingerprint,
            "seconds": self.seconds,
            "requested_at": _iso(self.requested_at) if self.requested_at else None,
        }


def parse_backup(raw: Any, where: str) -> BackupResult:
    item = _object(raw, where)
    state = _text(item, "state", where, required=True)
    if state not in _SSH_STATES:
        raise ProtocolError(f"{where}.state: expected one of {', '.join(_SSH_STATES)}")
    facts = _object(item.get("facts", {}), f"{where}.facts")
    if len(facts) > MAX_FACTS:
        raise ProtocolError(f"{where}.facts: at most {MAX_FACTS} entries")
    return BackupResult(
        device=_int(item, "device", where),
        at=_time(item, "at", where),
        state=state,
        message=_text(item, "message", where, limit=MAX_BACKUP_MESSAGE),
        config=_text(item, "config", where, optional=True, limit=MAX_CONFIG_TEXT),
        facts={
            _text({"k": k}, "k", f"{where}.facts", required=True, limit=64): _text(
                facts, k, f"{where}.facts", required=True
            )
            for k in facts
        },
        host_key=_text(item, "host_key", where, optional=True, limit=MAX_HOST_KEY),
        host_key_fingerprint=_text(item, "host_key_fingerprint", where, optional=True),
        seconds=_number(item, "seconds", where, optional=True) or 0.0,
        requested_at=_time(item, "requested_at", where, optional=True),
    )


_SSH_STATES = tuple(str(s) for s in SshState)


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
    backups: tuple[BackupResult, ...] = ()

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
            "backups": [b.to_json() for b in self.backups],
        }

    @property
    def result_count(self) -> int:
        return (
            sum(len(s.results) for s in self.sweeps)
            + sum(len(r.results) for r in self.snmp_rounds)
            + len(self.backups)
        )


def encode_batch(
    header: Batch,
    *,
    sweeps: Sequence[tuple[datetime, str]] = (),
    snmp_rounds: Sequence[tuple[datetime, str]] = (),
    backups: Sequence[str] = (),
) -> bytes:
    """The batch as the wire carries it (UTF-8 JSON), with `header`'s fields and the sweeps',
    rounds' and backups' results given already encoded: each a JSON list as the collector's
    queue keeps it (a sweep's PingOutcome.to_json dicts, a round's snmp_wire results, a
    backup's BackupResult.to_json in a list of one). A 72-h backlog is then not parsed and
    written again on a school's small PC. The caller keeps the sweeps' times in order, each
    once, and each list within this module's limits; the central checks all of it anyway."""
    head = {
        k: v for k, v in header.to_json().items() if k not in ("sweeps", "snmp_rounds", "backups")
    }
    text = json.dumps(head, separators=(",", ":"), ensure_ascii=False)
    parts = [
        text[:-1],
        ',"sweeps":[',
        ",".join(f'{{"at":"{_iso(at)}","results":{results}}}' for at, results in sweeps),
        '],"snmp_rounds":[',
        ",".join(f'{{"at":"{_iso(at)}","results":{results}}}' for at, results in snmp_rounds),
        '],"backups":[',
        ",".join(items.strip()[1:-1] for items in backups if items.strip() != "[]"),
        "]}",
    ]
    return "".join(parts).encode()


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
    backups = tuple(
        parse_backup(raw, f"backups[{i}]")
        for i, raw in enumerate(_list(body, "backups", limit=MAX_BACKUPS_PER_BATCH))
    )
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
        backups=backups,
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
    if value.__class__ is dict:  # what json.loads gives; the ABC check below is slow
        return value
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


def _bool(body: Mapping[str, Any], key: str, where: str = "") -> bool:
    value = body.get(key)
    if not isinstance(value, bool):
        raise ProtocolError(f"{_where(where, key)}: expected true or false")
    return value


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
