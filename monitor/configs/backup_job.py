"""One backup run: which devices, with which credentials → collectors.ssh → config_backups.record.

Two short transactions around the SSH sessions (none is held while devices answer): read the
targets and decrypt their credentials, then write every result. Used by the scheduler, by
`ictmon backup` and by the device page's "back up now" button.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, sessionmaker

from collectors import ssh, ssh_backup
from monitor.configs.versions import record
from monitor.credentials import holds, keys
from monitor.db.engine import transaction
from monitor.db.models import (
    Device,
    Site,
    SshAccess,
    SshBackupState,
    SshCredentialProfile,
    SshHostKey,
)
from monitor.localtime import utcnow
from monitor.secrets import SecretsError, Vault
from monitor.settings import SshSettings
from monitor.status.store import collector_measured

log = logging.getLogger(__name__)

DEFAULT_SSH_PORT = 22


class DeviceNotFound(LookupError):
    """`--device NAME` names no device, or more than one; the message says which."""


@dataclass(frozen=True)
class Planned:
    target: ssh.SshTarget
    site_code: str
    name: str
    problem: str | None = None  # set when the credentials cannot be used at all


@dataclass(frozen=True)
class BackupOutcome:
    device_id: int
    site_code: str
    name: str
    state: str
    message: str
    changed: bool
    first: bool
    version_id: int | None
    host_key_changed: bool
    seconds: float


def find_device(session: Session, name: str) -> int:
    """A device by `name` or `SITE/name`; an ambiguous bare name is an error naming the sites."""
    site_code, _, device_name = name.rpartition("/")
    query = (
        select(Device.id, Site.code)
        .join(Site, Site.id == Device.site_id)
        .where(Device.name == device_name)
    )
    if site_code:
        query = query.where(Site.code == site_code)
    rows = session.execute(query).all()
    if not rows:
        raise DeviceNotFound(f"no device named {name!r}")
    if len(rows) > 1:
        sites = ", ".join(sorted(f"{r.code}/{device_name}" for r in rows))
        raise DeviceNotFound(f"{name!r} names {len(rows)} devices; say which: {sites}")
    return rows[0].id


def plan(
    session: Session,
    vault: Vault,
    device_ids: list[int] | None = None,
    key_dir: str = "",
    *,
    by_collectors: bool = False,
) -> list[Planned]:
    """The targets: the given devices, or every enabled device (of an enabled site) that has an
    SSH device type. A device's own credentials win over its profile's. A device whose
    credentials are held (monitor.credentials.holds) or whose key file is outside `key_dir`
    ([ssh] key_dir) is planned with its problem and not logged in to.

    Devices an edge collector measures are the office's only with `by_collectors` (what
    monitor.edge.config sends that collector): the office cannot reach them (NAT)."""
    profile = aliased(SshCredentialProfile)
    query = (
        select(
            Device.id,
            Device.address,
            Device.ssh_device_type,
            Device.ssh_username,
            Device.ssh_password,
            Device.ssh_port,
            Site.code,
            Device.name,
            SshAccess.enable_secret,
            SshAccess.key_path,
            SshAccess.config_path,
            profile.username,
            profile.password,
            profile.enable_secret,
            profile.key_path,
            SshHostKey.host_key,
            Device.credentials_held_at,
            Device.credentials_held_for,
        )
        .join(Site, Site.id == Device.site_id)
        .outerjoin(SshAccess, SshAccess.device_id == Device.id)
        .outerjoin(profile, profile.id == SshAccess.profile_id)
        .outerjoin(SshHostKey, SshHostKey.device_id == Device.id)
        .order_by(Site.code, Device.name)
        .where(Device.address.is_not(None))  # an asset nothing polls has nowhere to log in
    )
    if device_ids is None:
        query = query.where(
            Device.enabled.is_(True),
            Site.enabled.is_(True),
            Device.ssh_device_type.is_not(None),
            Device.ssh_device_type != "",
        )
    else:
        query = query.where(Device.id.in_(device_ids))
    rows = session.execute(query).all()
    if not by_collectors:
        elsewhere = collector_measured(session)
        rows = [r for r in rows if r[0] not in elsewhere]
    return [_planned(r, vault, key_dir) for r in rows]


def _planned(r, vault: Vault, key_dir: str) -> Planned:
    """One row of plan()'s query as a target, its credentials decrypted (or its problem)."""
    # Held credentials are not even decrypted: nothing goes to an address no admin approved.
    problem = holds.waiting_message(r[16], r[17])
    password = secret = key_file = None
    try:
        if problem is None:
            key_file = keys.key_file(r[9] or r[14], key_dir)
            password = vault.decrypt(r[4] or r[12])
            secret = vault.decrypt(r[8] or r[13])
    except (SecretsError, keys.KeyOutsideDirectory) as exc:
        password = secret = key_file = None
        problem = str(exc)
    target = ssh.SshTarget(
        key=r[0],
        host=r[1] or "",  # the query keeps assets without an address out
        port=r[5] or DEFAULT_SSH_PORT,
        device_type=r[2] or None,
        username=r[3] or r[11],
        password=password,
        secret=secret,
        key_file=key_file,
        config_path=r[10],
        known_host_key=r[15],
    )
    return Planned(target, r[6], r[7], problem)


def run_backups(
    sessions: sessionmaker[Session],
    settings: SshSettings,
    vault: Vault,
    *,
    device_ids: list[int] | None = None,
    trigger: str = "schedule",
    clock: Callable[[], datetime] = utcnow,
) -> list[BackupOutcome]:
    with transaction(sessions) as session:
        planned = plan(session, vault, device_ids, settings.key_dir)
    ready = [p for p in planned if p.problem is None]
    results = {
        r.key: r
        for r in ssh_backup.back_up(
            [p.target for p in ready],
            timeout=settings.timeout,
            workers=settings.workers,
            strict_host_keys=settings.strict_host_keys,
        )
    }
    for p in planned:
        if p.problem is not None:
            results[p.target.key] = ssh.SshResult(
                p.target.key, ssh.SshState.NOT_CONFIGURED, p.problem
            )
    at = clock()
    outcomes = []
    with transaction(sessions) as session:
        for p in planned:
            result = results[p.target.key]
            done = record(session, result, p.target.device_type, at, trigger)
            outcomes.append(
                BackupOutcome(
                    p.target.key,
                    p.site_code,
                    p.name,
                    done.state,
                    done.message,
                    done.changed,
                    done.first,
                    done.version_id,
                    done.host_key_changed,
                    result.seconds,
                )
            )
    failed = sum(o.state != ssh.SshState.OK for o in outcomes)
    log.info(
        "config backup (%s): %d devices, %d changed, %d not ok",
        trigger,
        len(outcomes),
        sum(o.changed for o in outcomes),
        failed,
    )
    return outcomes


# A scheduled run backs up the devices whose last attempt is older than this share of the
# interval: a restart of ictmon neither repeats today's backups nor postpones tomorrow's.
DUE_SHARE = 0.9


def due_devices(session: Session, interval_s: float, now: datetime) -> list[int]:
    """Devices due for the office's scheduled backup; those an edge collector measures are its
    own to back up (monitor.agent.runner), the office cannot reach them."""
    cutoff = now - timedelta(seconds=interval_s * DUE_SHARE)
    query = (
        select(Device.id)
        .join(Site, Site.id == Device.site_id)
        .outerjoin(SshBackupState, SshBackupState.device_id == Device.id)
        .where(
            Device.enabled.is_(True),
            Site.enabled.is_(True),
            Device.address.is_not(None),
            Device.ssh_device_type.is_not(None),
            Device.ssh_device_type != "",
        )
        .where(SshBackupState.attempted_at.is_(None) | (SshBackupState.attempted_at < cutoff))
    )
    elsewhere = collector_measured(session)
    return [d for d in session.execute(query).scalars() if d not in elsewhere]


def run_scheduled(sessions: sessionmaker[Session], settings) -> list[BackupOutcome]:
    """The scheduler's job: every device that is due."""
    with transaction(sessions) as session:
        device_ids = due_devices(session, settings.ssh.interval, utcnow())
    if not device_ids:
        return []
    return run_backups(
        sessions,
        settings.ssh,
        Vault.from_settings(settings),
        device_ids=device_ids,
        trigger="schedule",
    )
