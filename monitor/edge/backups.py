"""Applying the SSH configuration backups an edge collector made, in the caller's transaction.

Each backup is recorded as the office records its own (monitor.configs.versions.record, the
device's ssh_device_type deciding what counts as a change), with trigger "collector <name>" and
the collector's time of the backup. A backup at or before the device's last recorded attempt
(SshBackupState.attempted_at) is skipped: a batch re-sent under a new id (its rows split after a
413) records nothing twice. A backup answering an officer's "back up now" (its requested_at)
forgets that request, so the configuration stops asking the collector for it.

Which devices the collector may report on is checked before (monitor.edge.ingest refuses the
whole batch for one it does not measure).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from collectors.ssh import SshResult, SshState
from monitor.configs.versions import record
from monitor.db.models import Collector, Device, SshBackupRequest, SshBackupState
from monitor.edge.protocol import BackupResult


def apply_backups(session: Session, collector: Collector, backups: Sequence[BackupResult]) -> int:
    """Record the backups not recorded yet; returns how many were."""
    if not backups:
        return 0
    devices = {b.device for b in backups}
    device_types = dict(
        session.execute(
            select(Device.id, Device.ssh_device_type).where(Device.id.in_(devices))
        ).all()
    )
    last = dict(
        session.execute(
            select(SshBackupState.device_id, SshBackupState.attempted_at).where(
                SshBackupState.device_id.in_(devices)
            )
        ).all()
    )
    requests = {
        r.device_id: r
        for r in session.scalars(
            select(SshBackupRequest).where(SshBackupRequest.device_id.in_(devices))
        )
    }
    trigger = f"collector {collector.name}"
    applied = 0
    for backup in sorted(backups, key=lambda b: b.at):
        if last.get(backup.device) is not None and backup.at <= last[backup.device]:
            continue
        record(session, _result(backup), device_types.get(backup.device), backup.at, trigger)
        last[backup.device] = backup.at
        applied += 1
        request = requests.get(backup.device)
        if (
            request is not None
            and backup.requested_at is not None
            and backup.requested_at >= request.requested_at
        ):
            session.delete(request)
            del requests[backup.device]
    return applied


def _result(backup: BackupResult) -> SshResult:
    """The wire's backup as collectors.ssh made it (host_key_changed is the central's to
    decide: it compares with the key it recorded)."""
    return SshResult(
        key=backup.device,
        state=SshState(backup.state),
        message=backup.message,
        config=backup.config,
        facts=dict(backup.facts),
        host_key=backup.host_key,
        host_key_fingerprint=backup.host_key_fingerprint,
        seconds=backup.seconds,
    )
