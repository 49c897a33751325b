"""Confirming a discovery run: the proposal as it was shown (`discovery_runs.proposal`), all of it
or the entries a person ticked, written in the caller's transaction.

- Refused (`ConfirmRefused`) when the run has no proposal, was confirmed already, or the site's
  stored devices changed since the run (the digest of what the run compared against differs):
  the person runs discovery again and sees what it would do now.
- New devices are created with the run's SNMP profile when it answered; `hold` is called for each
  of those, so the caller can hold a non-admin's credentials (monitor.credentials.holds).
- A stored device gets only the proposal's `apply` changes (monitor.discovery.plan); what it
  wrote is remembered in `device_discovery.fields`, so a later run may update it and never a
  person's value. Silent devices are never deleted: marked silent, once, as a network change.
- Audit: the ORM listener logs each device created or changed as made by the session's actor;
  one more row (`discovery_confirm`) says what the confirmation did as a whole.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.db import audit
from monitor.db.models import (
    Device,
    DeviceDiscovery,
    DiscoveryRun,
    NetworkChange,
    Site,
    SnmpProfile,
)
from monitor.discovery import plan, record
from monitor.discovery.proposal import FIELDS
from monitor.discovery.stored import stored_devices

PROPOSED, CONFIRMED = "proposed", "confirmed"
NEW, PARENT_CHANGED, GONE_SILENT = "new", "parent_changed", "gone_silent"


class ConfirmRefused(ValueError):
    """A confirmation refused, in words a person can act on."""


@dataclass(frozen=True)
class Written:
    run_id: int
    created: tuple[str, ...]  # names
    parents_changed: tuple[tuple[str, str | None, str | None], ...]  # name, old, new parent
    updated: tuple[str, ...]  # names of stored devices that changed
    silent: tuple[str, ...]  # names of stored devices that did not answer

    @property
    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "parents_changed": len(self.parents_changed),
            "silent": len(self.silent),
        }


def _norm(address: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        return None


def _cut(text: Any, limit: int) -> str | None:
    return None if text is None else str(text)[:limit]


def _remember(
    row: DeviceDiscovery, entry: Mapping[str, Any], run: DiscoveryRun, now, profile_id
) -> None:
    row.run_id = run.id
    row.discovered_at = now
    row.object_id = _cut(entry.get("object_id"), 200)
    row.sys_descr = _cut(entry.get("sys_descr"), 500)
    row.sys_name = _cut(entry.get("sys_name"), 255)
    row.vendor = _cut(entry.get("vendor"), 100)
    row.model = _cut(entry.get("model"), 200)
    row.kind = _cut(entry.get("kind"), 16)
    row.confidence = _cut(entry.get("confidence"), 8)
    row.parent_evidence = _cut(entry.get("evidence"), 500)
    row.profile_id = profile_id
    row.silent_since = None


def _answered(entry: Mapping[str, Any], run: DiscoveryRun, ids: dict[str, int]) -> int | None:
    """The SNMP profile that answered this device (None: none did)."""
    if entry.get("snmp_state") != "ok":
        return None
    name = entry.get("profile")
    return ids.get(name) if name else run.profile_id


def confirm(
    session: Session,
    run_id: int,
    chosen: Collection[str] | None = None,
    *,
    new_only: bool = False,
    now: datetime,
    actor: str = "",
    hold: Callable[[Device], object] | None = None,
) -> Written:
    """Write run `run_id`'s proposal (the `chosen` addresses; None: all). Nothing is committed."""
    run = session.get(DiscoveryRun, run_id)
    if run is None:
        raise ConfirmRefused(f"no discovery run {run_id}")
    if run.state == CONFIRMED:
        raise ConfirmRefused(f"discovery run {run_id} was confirmed already")
    if run.state != PROPOSED or not run.proposal:
        raise ConfirmRefused(f"discovery run {run_id} has no proposal to confirm ({run.state})")
    if record.stored_digest(stored_devices(session, run.site_id)) != run.stored_digest:
        raise ConfirmRefused(
            "the site's devices changed since this run: run discovery again to see what it "
            "would do now"
        )
    todo = plan.plan_confirmation(run.proposal, chosen, new_only=new_only)

    devices = list(session.scalars(select(Device).where(Device.site_id == run.site_id)))
    by_address = {a: d for d in devices if (a := _norm(d.address)) is not None}
    by_id = {d.id: d for d in devices}
    known = {
        r.device_id: r
        for r in session.scalars(
            select(DeviceDiscovery).where(DeviceDiscovery.device_id.in_(list(by_id)))
        )
    }
    profile_ids: dict[str, int] = dict(
        session.execute(select(SnmpProfile.name, SnmpProfile.id)).all()
    )

    made: list[tuple[Device, plan.NewDevice]] = []
    for new in todo.created:
        parent = by_address.get(new.parent) if new.parent else None
        device = Device(
            site_id=run.site_id,
            name=new.name[:200],
            address=new.address,
            kind=new.kind,
            model=_cut(new.model, 200),
            parent=parent,
            enabled=True,
            snmp_profile_id=_answered(new.entry, run, profile_ids),
            created_at=now,
            updated_at=now,
        )
        session.add(device)
        by_address[new.address] = device
        made.append((device, new))

    changed_parents: list[tuple[str, str | None, str | None]] = []
    updated: list[str] = []
    written_fields: dict[int, frozenset[str]] = {}
    moved: list[tuple[Device, plan.Update, str | None]] = []
    for update in todo.updated:
        device = by_id[update.device_id]
        fields = set(update.fields)
        for column, value in update.values.items():
            setattr(device, column, value[:200] if column in ("name", "model") else value)
        if "parent" in fields:
            parent = by_address.get(update.parent or "")
            if parent is None or parent is device:
                fields.discard("parent")
            else:
                old = device.parent.name if device.parent is not None else None
                device.parent = parent
                moved.append((device, update, old))
        if fields:
            device.updated_at = now
            updated.append(device.name)
            written_fields[device.id] = frozenset(fields)
    session.flush()  # ids for the new devices; the audit listener logs each row

    changes: list[dict[str, Any]] = []
    for device, new in made:
        if hold is not None and device.snmp_profile_id is not None:
            hold(device)
        row = DeviceDiscovery(device_id=device.id, fields=sorted(FIELDS))
        _remember(row, new.entry, run, now, device.snmp_profile_id)
        session.add(row)
        changes.append(
            dict(
                device_id=device.id,
                device_name=device.name,
                change=NEW,
                old_parent=None,
                new_parent=device.parent.name if device.parent is not None else None,
                evidence=_cut(new.entry.get("evidence"), 500),
            )
        )
    for device, update, old in moved:
        new_parent = device.parent.name if device.parent is not None else None
        changed_parents.append((device.name, old, new_parent))
        changes.append(
            dict(
                device_id=device.id,
                device_name=device.name,
                change=PARENT_CHANGED,
                old_parent=old,
                new_parent=new_parent,
                evidence=_cut(update.entry.get("evidence"), 500),
            )
        )
    for entry in todo.seen:
        device_id = entry["device_id"]
        seen = known.get(device_id)
        if seen is None:
            seen = DeviceDiscovery(device_id=device_id, fields=[])
            session.add(seen)
        mine = set(seen.fields or ()) | written_fields.get(device_id, frozenset())
        seen.fields = sorted(mine)
        _remember(seen, entry, run, now, _answered(entry, run, profile_ids))
    silent: list[str] = []
    for entry in todo.silent:
        quiet = by_id.get(entry["device_id"])
        if quiet is None:
            continue
        silent.append(quiet.name)
        mark = known.get(quiet.id)
        if mark is None:
            mark = DeviceDiscovery(device_id=quiet.id, fields=[], discovered_at=now)
            session.add(mark)
        if mark.silent_since is None:
            mark.silent_since = now
            changes.append(
                dict(
                    device_id=quiet.id,
                    device_name=quiet.name,
                    change=GONE_SILENT,
                    old_parent=quiet.parent.name if quiet.parent is not None else None,
                    new_parent=None,
                    evidence=None,
                )
            )
    for values in changes:
        session.add(NetworkChange(run_id=run.id, site_id=run.site_id, at=now, **values))

    written = Written(
        run.id,
        tuple(d.name for d, _ in made),
        tuple(changed_parents),
        tuple(updated),
        tuple(silent),
    )
    run.state = CONFIRMED
    run.confirmed_at = now
    run.confirmed_by = actor[:128] or None
    session.flush()
    who = audit.actor_of(session)
    site = session.get(Site, run.site_id)
    if who is not None:
        audit.write(
            session,
            [
                audit.entry(
                    who,
                    "discovery_confirm",
                    "discovery_run",
                    str(run.id),
                    f"{site.code if site else ''} {run.ranges}"[:300],
                    {k: [None, v] for k, v in written.counts.items()},
                )
            ],
        )
    return written
