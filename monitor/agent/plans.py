"""PURE: what the collector measures next, from the central's configuration, and what it keeps
between SNMP rounds. The same decisions the office makes from its database (monitor.status.poller
for pings, monitor.snmp.store.load_plan for SNMP), made here from the configuration document and
the hints the collector remembers, with times passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from collectors.ping import PingResult, PingTarget
from collectors.snmp import HealthPlan, SnmpCredentials, SnmpResult, SnmpTarget
from monitor.edge.protocol import ConfigDevice, ConfigDocument, PingOutcome


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
