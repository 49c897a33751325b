"""PURE: what the collector measures next, from the central's configuration, and what it keeps
between SNMP rounds. The same decisions the office makes from its database (monitor.status.poller
for pings, monitor.snmp.store.load_plan for SNMP), made here from the configuration document and
the hints the collector remembers, with times passed in. SSH backups the same way as
monitor.configs.backup_job.due_devices decides them, from what the collector remembers of its
last attempt per device (`BackupMark`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from collectors.ping import PingResult, PingTarget
from collectors.snmp import HealthPlan, SnmpCredentials, SnmpResult, SnmpTarget
from collectors.ssh import SshResult, SshState, SshTarget
from monitor.edge.protocol import (
    MAX_BACKUP_MESSAGE,
    MAX_CONFIG_TEXT,
    MAX_FACTS,
    MAX_TEXT,
    BackupResult,
    ConfigDevice,
    ConfigDocument,
    PingOutcome,
)


def ping_targets(
    config: ConfigDocument, addresses: Mapping[str, str | None]
) -> tuple[list[PingTarget[int]], list[PingOutcome]]:
    """Targets keyed by device id; `addresses` maps host names to what they resolved to (a
    name that did not resolve is a failed ping, as at the office)."""
    targets, unresolved = [], []
    for device in config.devices:
        address = addresses.get(device.address, device.address)
        if address is None:
            unresolved.append(
                PingOutcome(device.id, 0, 0, error=f"cannot resolve host name {device.address}")
            )
        else:
            targets.append(PingTarget(device.id, address))
    return targets, unresolved


def outcome(result: PingResult[int]) -> PingOutcome:
    return PingOutcome(
        device=result.key,
        sent=result.sent,
        received=result.received,
        rtt_min_ms=_rounded(result.rtt_min_ms),
        rtt_avg_ms=_rounded(result.rtt_avg_ms),
        rtt_max_ms=_rounded(result.rtt_max_ms),
        error=result.error[:200] if result.error else None,
    )


def _rounded(ms: float | None) -> float | None:
    return None if ms is None else round(ms, 3)


# --------------------------------------------------------------------------------------------
# SNMP


@dataclass(frozen=True)
class SnmpHints:
    """What the last visits to one device found, handed back in its next target."""

    host_resources: bool = False
    ups: bool = False
    if_count: int | None = None
    plan: HealthPlan | None = None
    inventory_at: datetime | None = None  # the last inventory that answered

    def to_json(self) -> dict[str, Any]:
        return {
            "host_resources": self.host_resources,
            "ups": self.ups,
            "if_count": self.if_count,
            "plan": self.plan.as_json() if self.plan else None,
            "inventory_at": self.inventory_at.isoformat() if self.inventory_at else None,
        }

    @classmethod
    def from_json(cls, data: Any) -> SnmpHints:
        """Back from the state dir; anything malformed is no hint (the next visit inventories)."""
        if not isinstance(data, dict):
            return cls()
        try:
            at = data.get("inventory_at")
            count = data.get("if_count")
            return cls(
                host_resources=data.get("host_resources") is True,
                ups=data.get("ups") is True,
                if_count=count if isinstance(count, int) and count >= 0 else None,
                plan=HealthPlan.from_json(data.get("plan")),
                inventory_at=datetime.fromisoformat(at) if isinstance(at, str) else None,
            )
        except ValueError:
            return cls()


def credentials(device: ConfigDevice) -> SnmpCredentials | None:
    access = device.snmp
    if access is None:
        return None
    return SnmpCredentials(
        version=access.version,
        community=access.community,
        user=access.user,
        auth_protocol=access.auth_protocol,
        auth_key=access.auth_key,
        priv_protocol=access.priv_protocol,
        priv_key=access.priv_key,
    )


@dataclass(frozen=True)
class SnmpPlan:
    poll: list[SnmpTarget]
    inventory: list[SnmpTarget]


def snmp_plan(
    config: ConfigDocument,
    hints: Mapping[int, SnmpHints],
    now: datetime,
    addresses: Mapping[str, str | None],
) -> SnmpPlan:
    """Every device with SNMP access: the lean poll, or the full walk when its inventory is due
    (never answered one, or older than the configuration's inventory interval)."""
    every = timedelta(seconds=config.snmp.inventory_interval)
    plan = SnmpPlan([], [])
    for device in config.devices:
        secret = credentials(device)
        address = addresses.get(device.address, device.address)
        if secret is None or device.snmp is None or address is None:
            continue
        known = hints.get(device.id, SnmpHints())
        target = SnmpTarget(
            device.id,
            address,
            secret,
            port=device.snmp.port or 161,
            host_resources=known.host_resources,
            ups=known.ups,
            if_count=known.if_count,
            plan=known.plan,
        )
        due = known.inventory_at is None or now - known.inventory_at >= every
        (plan.inventory if due else plan.poll).append(target)
    return plan


def next_hints(
    hints: Mapping[int, SnmpHints], results: Iterable[SnmpResult], at: datetime, keep: set[int]
) -> dict[int, SnmpHints]:
    """The hints after a round (as monitor.snmp.store records them at the office); devices no
    longer in the configuration (`keep`) are forgotten."""
    updated = {device: hint for device, hint in hints.items() if device in keep}
    for result in results:
        if not result.ok:
            continue
        known = updated.get(result.key, SnmpHints())
        if result.interfaces:
            known = replace(known, if_count=len(result.interfaces))
        if result.inventory:
            known = replace(
                known,
                host_resources=result.health is not None,
                ups=result.ups is not None,
                plan=result.plan,
                inventory_at=at,
            )
        updated[result.key] = known
    return updated


# --------------------------------------------------------------------------------------------
# SSH backups

# As the office's scheduler (monitor.configs.backup_job.DUE_SHARE): a device is due when its last
# attempt is older than this share of the interval, so a restart neither repeats today's
# backups nor postpones tomorrow's.
DUE_SHARE = 0.9


@dataclass(frozen=True)
class BackupMark:
    """What the collector remembers of one device's backups between runs."""

    at: datetime | None = None  # its last attempt, by this machine's clock
    request: datetime | None = None  # the last "back up now" (the central's requested_at) served

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat() if self.at else None,
            "request": self.request.isoformat() if self.request else None,
        }

    @classmethod
    def from_json(cls, data: Any) -> BackupMark:
        if not isinstance(data, dict):
            return cls()
        return cls(at=_time_or_none(data.get("at")), request=_time_or_none(data.get("request")))


def _time_or_none(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def backups_due(
    config: ConfigDocument, marks: Mapping[int, BackupMark], now: datetime
) -> list[ConfigDevice]:
    """The devices with a login whose backup is due now: never tried, tried longer ago than
    the interval allows, or asked for by an officer since the last request served."""
    cutoff = now - timedelta(seconds=config.ssh.interval * DUE_SHARE)
    due = []
    for device in config.devices:
        if device.ssh is None:
            continue
        mark = marks.get(device.id, BackupMark())
        requested = device.ssh.requested_at
        if (
            mark.at is None
            or mark.at < cutoff
            or (requested is not None and requested != mark.request)
        ):
            due.append(device)
    return due


def ssh_target(device: ConfigDevice) -> SshTarget:
    login = device.ssh
    if login is None:
        raise ValueError(f"device {device.id} has no SSH login")
    return SshTarget(
        key=device.id,
        host=device.address,
        port=login.port,
        device_type=login.device_type,
        username=login.username,
        password=login.password,
        secret=login.secret,
        private_key=login.private_key,
        config_path=login.config_path,
        known_host_key=login.known_host_key,
    )


def backup_result(
    result: SshResult, at: datetime, requested_at: datetime | None = None
) -> BackupResult:
    """A backup as the wire carries it, within the protocol's bounds: a configuration larger
    than the wire takes is an error result here (the office's own limit is larger; the
    message says so), never a row the central would refuse."""
    state, message, config = result.state, result.message, result.config
    if config is not None and len(config) > MAX_CONFIG_TEXT:
        state = SshState.ERROR
        message = (
            f"configuration of {len(config)} characters is larger than a collector sends "
            f"({MAX_CONFIG_TEXT}); not stored"
        )
        config = None
    facts = {k[:64]: v[:MAX_TEXT] for k, v in list(result.facts.items())[:MAX_FACTS] if k and v}
    return BackupResult(
        device=result.key,
        at=at,
        state=str(state),
        message=message[:MAX_BACKUP_MESSAGE],
        config=config,
        facts=facts,
        host_key=result.host_key,
        host_key_fingerprint=result.host_key_fingerprint,
        seconds=result.seconds,
        requested_at=requested_at,
    )


def next_marks(
    marks: Mapping[int, BackupMark],
    tried: Iterable[ConfigDevice],
    at: datetime,
    config: ConfigDocument,
) -> dict[int, BackupMark]:
    """The marks after backing up `tried` at `at`; devices no longer configured forgotten."""
    configured = {d.id for d in config.devices if d.ssh is not None}
    updated = {k: v for k, v in marks.items() if k in configured}
    for device in tried:
        requested = device.ssh.requested_at if device.ssh else None
        previous = updated.get(device.id, BackupMark())
        updated[device.id] = BackupMark(at=at, request=requested or previous.request)
    return updated
