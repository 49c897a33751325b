"""PURE: what confirming a discovery proposal writes, from the proposal as it was shown
(monitor.discovery.record) and what the person chose.

- **New devices** are created when chosen (all of them when nothing was chosen), parents first
  (by their depth in the tree), so a new AP can hang under a new switch of the same run.
- **Changed devices**: only the `apply` changes (an empty field, or one discovery wrote before) of
  the chosen entries; a person's value (`review`) is never written by a confirmation. With
  `new_only`, nothing of a stored device changes.
- **Silent devices** are never deleted or changed: they are listed, and recorded as gone silent.
- Every device the run reached is `seen`: what discovery read of it is recorded.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

NEW, CHANGED, UNCHANGED, SILENT = "new", "changed", "unchanged", "silent"
APPLY = "apply"
# The device columns a confirmation may write; `parent` is resolved to a device id.
WRITABLE = frozenset({"name", "kind", "model", "parent"})


@dataclass(frozen=True)
class NewDevice:
    address: str
    name: str
    kind: str
    model: str | None
    parent: str | None  # the parent's address
    entry: Mapping[str, Any]


@dataclass(frozen=True)
class Update:
    device_id: int
    address: str
    values: dict[str, str]  # name / kind / model → the new value
    parent: str | None  # the new parent's address, when `"parent" in fields`
    fields: frozenset[str]  # what this update writes (discovery's from now on)
    entry: Mapping[str, Any]


@dataclass(frozen=True)
class Confirmation:
    created: tuple[NewDevice, ...] = ()
    updated: tuple[Update, ...] = ()
    seen: tuple[Mapping[str, Any], ...] = ()  # stored devices the run reached
    silent: tuple[Mapping[str, Any], ...] = ()
    skipped: tuple[str, ...] = field(default=())  # addresses shown but not chosen

    @property
    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "parents_changed": sum(1 for u in self.updated if "parent" in u.fields),
            "silent": len(self.silent),
        }


def _depth(entry: Mapping[str, Any]) -> tuple[int, str]:
    depth = entry.get("depth")
    return (depth if isinstance(depth, int) else 1_000_000, str(entry.get("address")))


def plan_confirmation(
    snapshot: Mapping[str, Any],
    chosen: Collection[str] | None = None,
    *,
    new_only: bool = False,
) -> Confirmation:
    """`chosen`: the addresses the person ticked (None: every new device that answered SNMP and
    every change)."""
    created, updated, seen, silent, skipped = [], [], [], [], []
    for entry in snapshot.get("entries", ()):
        status, address = entry.get("status"), entry.get("address")
        # Nothing chosen: what answered SNMP. An address that only answers ping (a PC, a
        # phone) is created only when a person ticks it.
        picked = address in chosen if chosen is not None else entry.get("snmp_state") == "ok"
        if status == SILENT:
            if entry.get("device_id") is not None:
                silent.append(entry)
            continue
        if status == NEW:
            if picked:
                created.append(
                    NewDevice(
                        address,
                        entry["name"],
                        entry.get("kind") or "other",
                        entry.get("model"),
                        entry.get("parent"),
                        entry,
                    )
                )
            else:
                skipped.append(address)
            continue
        seen.append(entry)
        if status != CHANGED:
            continue
        changes = [
            c for c in entry.get("changes", ()) if c["action"] == APPLY and c["field"] in WRITABLE
        ]
        if not picked or new_only or not changes:
            skipped.append(address)
            continue
        values = {c["field"]: c["proposed"] for c in changes if c["field"] != "parent"}
        parent = next((c["proposed"] for c in changes if c["field"] == "parent"), None)
        fields = frozenset(c["field"] for c in changes)
        updated.append(Update(entry["device_id"], address, values, parent, fields, entry))
    created.sort(key=lambda n: _depth(n.entry))
    return Confirmation(tuple(created), tuple(updated), tuple(seen), tuple(silent), tuple(skipped))
