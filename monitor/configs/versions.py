"""Configuration versions: what counts as a change, how two versions differ, and the rows that
keep them.

Pure part: `normalise()` drops a device type's volatile lines (timestamps, counters; the patterns
live with the device type in collectors.ssh) so two fetches of an unchanged configuration compare
equal; `diff()` turns two texts into hunks a page can show.

Storage part: `record()` turns one backup result into rows — a new `ConfigVersion` only when the
normalised text changed, the device's `SshBackupState` (state, message, facts), its host key, and
a `ConfigChangeEvent` when an earlier version existed. Reads for the pages and the API follow.
Every function takes an open Session inside the caller's transaction.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from collectors.ssh import DEVICE_TYPES, SshResult, SshState
from monitor.db.models import (
    ConfigChangeEvent,
    ConfigVersion,
    Device,
    Site,
    SshBackupState,
    SshHostKey,
)
from monitor.status.store import devices_in_maintenance

# --------------------------------------------------------------------------------------------
# Pure: normalisation and diff


def normalise(text: str, device_type: str | None) -> str:
    """The text with the device type's volatile lines removed: what "changed" is decided on."""
    entry = DEVICE_TYPES.get(device_type or "")
    patterns = entry.volatile_patterns() if entry else []
    kept = [line for line in text.splitlines() if not any(p.search(line) for p in patterns)]
    return "\n".join(kept).strip("\n") + "\n"


def digest(normalised: str) -> str:
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed"
    old_number: int | None
    new_number: int | None
    text: str


@dataclass(frozen=True)
class DiffHunk:
    old_start: int
    new_start: int
    lines: list[DiffLine]


@dataclass(frozen=True)
class Diff:
    hunks: list[DiffHunk]
    added: int
    removed: int

    @property
    def identical(self) -> bool:
        return not self.hunks


def diff(old: str, new: str, context: int = 3, device_type: str | None = None) -> Diff:
    """Line diff of two configurations, grouped in hunks with `context` unchanged lines around
    each change. The device type's volatile lines are left out (they differ on every fetch and
    are not what changed); the numbers are those of the full texts, as the version page shows."""
    a, b = _numbered(old, device_type), _numbered(new, device_type)
    matcher = difflib.SequenceMatcher(None, [t for _, t in a], [t for _, t in b], autojunk=False)
    hunks, added, removed = [], 0, 0
    for group in matcher.get_grouped_opcodes(context):
        lines: list[DiffLine] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [
                    DiffLine("same", a[i][0], b[j][0], a[i][1])
                    for i, j in zip(range(i1, i2), range(j1, j2))
                ]
                continue
            if tag in ("replace", "delete"):
                lines += [DiffLine("removed", a[i][0], None, a[i][1]) for i in range(i1, i2)]
                removed += i2 - i1
            if tag in ("replace", "insert"):
                lines += [DiffLine("added", None, b[j][0], b[j][1]) for j in range(j1, j2)]
                added += j2 - j1
        hunks.append(
            DiffHunk(
                next((x.old_number for x in lines if x.old_number), 0),
                next((x.new_number for x in lines if x.new_number), 0),
                lines,
            )
        )
    return Diff(hunks, added, removed)


def _numbered(text: str, device_type: str | None) -> list[tuple[int, str]]:
    entry = DEVICE_TYPES.get(device_type or "")
    patterns = entry.volatile_patterns() if entry else []
    return [
        (n, line)
        for n, line in enumerate(text.splitlines(), start=1)
        if not any(p.search(line) for p in patterns)
    ]


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    """The same change as text, for a download or a terminal."""
    return "".join(
        difflib.unified_diff(old.splitlines(True), new.splitlines(True), old_name, new_name)
    )


# --------------------------------------------------------------------------------------------
# Storage


@dataclass(frozen=True)
class Recorded:
    """What one backup did to the rows, for `ictmon backup` to print."""

    device_id: int
    state: str
    message: str
    changed: bool  # a new version was stored
    first: bool  # ...and it is the device's first
    version_id: int | None
    host_key_changed: bool


def record(
    session: Session, result: SshResult, device_type: str | None, at: datetime, trigger: str
) -> Recorded:
    device_id = result.key
    state, message = str(result.state), result.message
    host_key_changed = _record_host_key(session, device_id, result, at)
    if host_key_changed:
        state = str(SshState.HOST_KEY_CHANGED)
        if result.ok:
            message = (
                "host key changed — backup taken anyway (strict host keys off); "
                "check the device and accept the new key"
            )
    version_id, changed, first = None, False, False
    if result.ok and result.config is not None:
        version_id, changed, first = _record_version(
            session, device_id, result.config, device_type, at, trigger
        )
    _record_state(session, device_id, state, message, at, trigger, result)
    return Recorded(device_id, state, message, changed, first, version_id, host_key_changed)


def _record_host_key(session: Session, device_id: int, result: SshResult, at: datetime) -> bool:
    """Keep the first key seen; remember a different one as offered. True when it differs."""
    if not result.host_key:
        return False
    row = session.get(SshHostKey, device_id)
    if row is None:
        session.add(
            SshHostKey(
                device_id=device_id,
                host_key=result.host_key,
                fingerprint=result.host_key_fingerprint or "",
                first_seen_at=at,
                last_seen_at=at,
            )
        )
        return False
    if row.host_key == result.host_key:
        row.last_seen_at = at
        row.offered_key = row.offered_fingerprint = row.changed_at = None
        return False
    if row.offered_key != result.host_key:
        row.offered_key = result.host_key
        row.offered_fingerprint = result.host_key_fingerprint
        row.changed_at = at
    return True


def accept_offered_host_key(session: Session, device_id: int, at: datetime) -> bool:
    """The officer checked the device: its new key becomes the recorded one."""
    row = session.get(SshHostKey, device_id)
    if row is None or not row.offered_key:
        return False
    row.host_key, row.fingerprint = row.offered_key, row.offered_fingerprint or ""
    row.first_seen_at = row.last_seen_at = at
    row.offered_key = row.offered_fingerprint = row.changed_at = None
    return True


def _record_version(
    session: Session, device_id: int, text: str, device_type: str | None, at: datetime, trigger: str
) -> tuple[int, bool, bool]:
    latest = session.execute(
        select(ConfigVersion)
        .where(ConfigVersion.device_id == device_id)
        .order_by(ConfigVersion.taken_at.desc(), ConfigVersion.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    normalised = normalise(text, device_type)
    new_digest = digest(normalised)
    if latest is not None and latest.digest == new_digest:
        return latest.id, False, False
    version = ConfigVersion(
        device_id=device_id,
        taken_at=at,
        size=len(text.encode("utf-8")),
        digest=new_digest,
        trigger=trigger[:160],
        text=text,
    )
    session.add(version)
    session.flush()
    if latest is not None:
        change = diff(latest.text, text, context=0, device_type=device_type)
        session.add(
            ConfigChangeEvent(
                device_id=device_id,
                version_id=version.id,
                previous_version_id=latest.id,
                at=at,
                in_maintenance=device_id in devices_in_maintenance(session, at),
                lines_added=change.added,
                lines_removed=change.removed,
            )
        )
    return version.id, True, latest is None


def _record_state(
    session: Session,
    device_id: int,
    state: str,
    message: str,
    at: datetime,
    trigger: str,
    result: SshResult,
) -> None:
    row = session.get(SshBackupState, device_id)
    if row is None:
        row = SshBackupState(device_id=device_id)
        session.add(row)
    row.state, row.message = state, (message or None) and message[:500]
    row.attempted_at, row.trigger = at, trigger[:160]
    if result.ok:
        row.last_success_at = at
    if result.facts:
        # Untrusted text from the device: bounded, stored as text, escaped where shown.
        row.facts_model = result.facts.get("model", row.facts_model)
        row.facts_serial = result.facts.get("serial", row.facts_serial)
        row.facts_firmware = result.facts.get("firmware", row.facts_firmware)
        row.facts_uptime = result.facts.get("uptime", row.facts_uptime)
        row.facts_at = at


# --------------------------------------------------------------------------------------------
# Reads for the pages, the API and the CLI


@dataclass(frozen=True)
class VersionRow:
    id: int
    taken_at: datetime
    size: int
    trigger: str
    lines_added: int | None  # None for the first version (nothing to compare with)
    lines_removed: int | None
    in_maintenance: bool | None


@dataclass(frozen=True)
class HostKeyView:
    fingerprint: str
    first_seen_at: datetime
    offered_fingerprint: str | None
    changed_at: datetime | None


@dataclass(frozen=True)
class BackupSummary:
    device_id: int
    configured: bool  # the device has an SSH device type
    device_type: str | None
    state: str  # SshState value; "not_configured" / "never" without attempts
    message: str | None
    attempted_at: datetime | None
    trigger: str | None
    last_success_at: datetime | None
    facts: dict[str, str]
    facts_at: datetime | None
    host_key: HostKeyView | None
    versions: list[VersionRow]


NEVER = "never"


def backup_summary(
    session: Session, device_id: int, *, version_limit: int = 100
) -> BackupSummary | None:
    """Everything the device page's backup section shows. Four queries."""
    found = session.execute(select(Device.ssh_device_type).where(Device.id == device_id)).first()
    if found is None:
        return None
    device_type = found[0]
    state = session.get(SshBackupState, device_id)
    key = session.get(SshHostKey, device_id)
    rows = session.execute(
        select(
            ConfigVersion.id,
            ConfigVersion.taken_at,
            ConfigVersion.size,
            ConfigVersion.trigger,
            ConfigChangeEvent.lines_added,
            ConfigChangeEvent.lines_removed,
            ConfigChangeEvent.in_maintenance,
        )
        .outerjoin(ConfigChangeEvent, ConfigChangeEvent.version_id == ConfigVersion.id)
        .where(ConfigVersion.device_id == device_id)
        .order_by(ConfigVersion.taken_at.desc(), ConfigVersion.id.desc())
        .limit(version_limit)
    ).all()
    versions = [VersionRow(*r) for r in rows]
    facts = {}
    if state is not None:
        facts = {
            name: value
            for name, value in (
                ("model", state.facts_model),
                ("serial", state.facts_serial),
                ("firmware", state.facts_firmware),
                ("uptime", state.facts_uptime),
            )
            if value
        }
    if state is not None:
        current = state.state
    else:
        current = NEVER if device_type else str(SshState.NOT_CONFIGURED)
    return BackupSummary(
        device_id=device_id,
        configured=bool(device_type),
        device_type=device_type,
        state=current,
        message=state.message if state else None,
        attempted_at=state.attempted_at if state else None,
        trigger=state.trigger if state else None,
        last_success_at=state.last_success_at if state else None,
        facts=facts,
        facts_at=state.facts_at if state else None,
        host_key=HostKeyView(
            key.fingerprint, key.first_seen_at, key.offered_fingerprint, key.changed_at
        )
        if key
        else None,
        versions=versions,
    )


def version(session: Session, device_id: int, version_id: int) -> ConfigVersion | None:
    row = session.get(ConfigVersion, version_id)
    return row if row is not None and row.device_id == device_id else None


def latest_version(session: Session, device_id: int) -> ConfigVersion | None:
    return session.execute(
        select(ConfigVersion)
        .where(ConfigVersion.device_id == device_id)
        .order_by(ConfigVersion.taken_at.desc(), ConfigVersion.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def device_type_of(session: Session, device_id: int) -> str | None:
    return session.execute(select(Device.ssh_device_type).where(Device.id == device_id)).scalar()


def device_label(session: Session, device_id: int) -> tuple[str, str] | None:
    """(site code, device name), for file names."""
    row = session.execute(
        select(Site.code, Device.name)
        .join(Site, Site.id == Device.site_id)
        .where(Device.id == device_id)
    ).first()
    return (row[0], row[1]) if row else None
