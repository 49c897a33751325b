"""Trap rows: who may send (decrypted credentials per address), the events a trap becomes, the
receiver's counters, and the reads behind the device page and /metrics.

Every function takes an open Session inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from collectors.resolve import is_ip_literal
from collectors.trap_listener import DropReason, TrapSender, normalise_address
from collectors.traps import DecodedTrap, TrapKind
from monitor.db.engine import rowcount
from monitor.db.models import Device, DeviceEvent, TrapCount
from monitor.secrets import Vault
from monitor.snmp import store as snmp_store

RECEIVED = "received"
DROPPED = "dropped."
SHOWN = 20  # events on the device page
DROP_REASONS = tuple(str(r) for r in DropReason)


def senders(
    session: Session,
    vault: Vault,
    now: datetime,
    resolve: Callable[[list[str]], Mapping[str, str | None]] | None = None,
) -> dict[str, list[TrapSender]]:
    """Address → the SNMP devices there and the credentials their traps must carry: the same
    devices and credentials the SNMP round polls (a profile wins; held or undecryptable
    credentials accept nothing). Host names are resolved with `resolve` when given."""
    plan = snmp_store.load_plan(session, vault, now, timedelta(days=1))
    targets = plan.poll + plan.inventory
    names = [t.address for t in targets if not is_ip_literal(t.address)]
    resolved = resolve(names) if (names and resolve is not None) else {}
    table: dict[str, list[TrapSender]] = {}
    for target in sorted(targets, key=lambda t: t.key):
        address = target.address if is_ip_literal(target.address) else resolved.get(target.address)
        if address:
            table.setdefault(normalise_address(address), []).append(
                TrapSender(target.key, target.credentials)
            )
    return table


def existing_devices(session: Session, ids: Iterable[int]) -> set[int]:
    """Of `ids`, those still in the database (a device deleted since the senders were read)."""
    wanted = set(ids)
    if not wanted:
        return set()
    return set(session.execute(select(Device.id).where(Device.id.in_(wanted))).scalars())


def record_event(
    session: Session, device_id: int, at: datetime, version: str, trap: DecodedTrap
) -> DeviceEvent:
    event = DeviceEvent(
        device_id=device_id,
        at=at,
        kind=str(trap.kind),
        source=f"v{version}",
        details=dict(trap.details) or None,
    )
    session.add(event)
    return event


def add_counts(session: Session, counts: Mapping[str, int]) -> None:
    """Add to the running totals (a row per counter, made on first use)."""
    for counter, amount in sorted(counts.items()):
        if amount <= 0:
            continue
        changed = session.execute(
            update(TrapCount)
            .where(TrapCount.counter == counter)
            .values(value=TrapCount.value + amount)
        )
        if rowcount(changed) == 0:
            session.add(TrapCount(counter=counter, value=amount))
            session.flush()


def counts(session: Session) -> dict[str, int]:
    return {c: int(v) for c, v in session.execute(select(TrapCount.counter, TrapCount.value))}


def prune(session: Session, before: datetime) -> int:
    return rowcount(session.execute(delete(DeviceEvent).where(DeviceEvent.at < before)))


@dataclass(frozen=True)
class EventRow:
    at: datetime
    kind: str  # a TrapKind value; unknown stored values show as OTHER
    source: str
    if_index: int | None
    if_name: str | None
    minutes_remaining: int | None
    trap_oid: str | None


def device_events(session: Session, device_id: int, limit: int = SHOWN) -> list[EventRow]:
    """A device's latest events, newest first, read defensively (the details are JSON)."""
    rows = session.execute(
        select(DeviceEvent)
        .where(DeviceEvent.device_id == device_id)
        .order_by(DeviceEvent.at.desc(), DeviceEvent.id.desc())
        .limit(limit)
    ).scalars()
    return [_row(r) for r in rows]


def _row(event: DeviceEvent) -> EventRow:
    details: dict[str, Any] = event.details if isinstance(event.details, dict) else {}
    kind = event.kind if event.kind in TrapKind._value2member_map_ else str(TrapKind.OTHER)
    return EventRow(
        at=event.at,
        kind=kind,
        source=str(event.source or ""),
        if_index=_int(details.get("if_index")),
        if_name=_str(details.get("if_name")),
        minutes_remaining=_int(details.get("minutes_remaining")),
        trap_oid=_str(details.get("trap_oid")),
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value[:128] if isinstance(value, str) and value else None


def dropped(counters: Iterable[tuple[str, int]]) -> dict[str, int]:
    """The "dropped.<reason>" counters by reason."""
    return {c[len(DROPPED) :]: v for c, v in counters if c.startswith(DROPPED)}
