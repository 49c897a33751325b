"""PURE: a discovery run's proposal as the plain JSON kept with the run (`discovery_runs.proposal`)
and shown as the preview, and the digest of the stored devices the run compared against.

The preview and the confirmation read the same JSON, so a person confirms exactly what was shown;
the digest (like the import's, monitor.devices.import_preview) lets a confirmation refuse when
the site's stored devices changed since the run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from collectors.discovery import Found
from monitor.discovery.proposal import Entry, Proposal, StoredDevice, evidence

VERSION = 1
MAX_TEXT = 500


def stored_digest(stored: Iterable[StoredDevice]) -> str:
    """What the proposal compared against, as a digest: any change of a compared value (or of
    which fields discovery wrote) changes it."""
    rows = sorted(
        (
            s.id,
            s.name,
            s.address or "",
            s.kind,
            s.parent or "",
            s.model or "",
            sorted(s.discovered_fields),
        )
        for s in stored
    )
    body = json.dumps(rows, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _cut(text: str | None, limit: int = MAX_TEXT) -> str | None:
    return None if text is None else text[:limit]


def snapshot(
    plan: Proposal,
    found: Sequence[Found],
    stored: Sequence[StoredDevice],
    *,
    root: str,
    ranges: Sequence[str],
    stopped: str | None = None,
    seconds: float = 0.0,
    skipped: Sequence[str] = (),
) -> dict[str, Any]:
    """The proposal as JSON-ready data: one entry per address, with what the page shows (kind and
    how sure, the parent and its evidence, the SNMP answer) and what a confirmation writes."""
    by_address = {f.address: f for f in found}
    stored_by_id = {s.id: s for s in stored}
    names = {e.address: e.proposed.name for e in plan.entries if e.proposed}
    for s in stored:
        if s.address:
            names.setdefault(s.address, s.name)
    entries = [_entry(e, by_address.get(e.address), stored_by_id, names) for e in plan.entries]
    return {
        "version": VERSION,
        "root": root,
        "ranges": list(ranges),
        "stopped": stopped,
        "seconds": round(seconds, 1),
        "skipped": list(skipped)[:100],
        "counts": dict(plan.counts),
        "entries": entries,
    }


def _entry(
    entry: Entry,
    device: Found | None,
    stored_by_id: dict[int, StoredDevice],
    names: dict[str, str],
) -> dict[str, Any]:
    stored = stored_by_id.get(entry.device_id) if entry.device_id is not None else None
    out: dict[str, Any] = {
        "status": entry.status.value,
        "address": entry.address,
        "device_id": entry.device_id,
        "stored_name": stored.name if stored else None,
        "stored_parent": stored.parent if stored else None,
        "changes": [
            {
                "field": c.field,
                "stored": c.stored,
                "proposed": c.proposed,
                "action": c.action.value,
                "evidence": c.evidence,
            }
            for c in entry.changes
        ],
    }
    p = entry.proposed
    if p is None:
        out["name"] = stored.name if stored else entry.address
        return out
    placement = p.placement
    out.update(
        name=p.name,
        kind=p.kind.kind.value,
        confidence=p.kind.confidence.value,
        kind_source=p.kind.source,
        kind_detail=p.kind.detail,
        snmp_state=p.snmp_state,
        error=_cut(device.error) if device else None,
        profile=device.profile if device else None,  # the SNMP profile that answered
        answers_ping=device.pinged if device else None,  # None: no sweep
        vendor=p.vendor,
        model=p.model,
        object_id=_cut(device.object_id, 200) if device else None,
        sys_descr=_cut(device.descr) if device else None,
        sys_name=_cut(device.sys_name, 255) if device else None,
        parent=placement.parent,
        parent_name=names.get(placement.parent) if placement.parent else None,
        depth=placement.depth,
        reason=placement.reason,
        local_port=placement.local_port,
        parent_port=placement.parent_port,
        protocols=list(placement.protocols),
        evidence=evidence(placement, names),
    )
    return out
