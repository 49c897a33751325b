"""The configuration a collector pulls: its sites, the devices it measures, their SNMP credentials,
and the timing it works to.

Devices are monitor.edge.assignment's: the enabled, addressed devices of the collector's sites
but their uplinks (the office keeps measuring those over the WAN), each with its parent only when
the same collector measures it. SNMP credentials are decrypted the way the central's own SNMP
round does (monitor.snmp.store.credentials_of: a profile wins over the device's own), and a
device whose credentials are held (monitor.credentials.holds) or will not decrypt goes without
them: the collector then only pings it. Ping and SNMP timing are the central's [ping] and [snmp];
push_interval and buffer_hours are [collector]'s.

A device with an SSH device type gets the login the office's own backup would use
(monitor.configs.backup_job.plan: held or undecryptable credentials, or a key file outside
[ssh] key_dir, mean no login); a key file goes as its text, which the collector uses in memory.
An officer's "back up now" waiting for the collector goes as the login's requested_at. SSH
timing is the central's [ssh].

The document's ETag (`protocol.ConfigDocument.keyed_etag`, keyed by the route) changes with any
of it, so an unchanged configuration costs the collector one small request.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.configs import backup_job
from monitor.credentials import holds, keys
from monitor.db.models import Collector, Device, Site, SnmpProfile, SshBackupRequest
from monitor.edge import assignment, protocol
from monitor.edge.enrolment import site_codes
from monitor.secrets import SecretsError, Vault
from monitor.settings import Settings
from monitor.snmp.store import credentials_of

log = logging.getLogger(__name__)


def config_document(
    session: Session, collector: Collector, settings: Settings, vault: Vault
) -> protocol.ConfigDocument:
    measured = set(assignment.measured_by(session, collector.id))
    parents = assignment.parents_within(session, measured) if measured else {}
    rows = session.execute(
        select(Device, Site.code)
        .join(Site, Site.id == Device.site_id)
        .where(Device.id.in_(measured))
        .order_by(Device.id)
    ).all()
    profile_ids = {d.snmp_profile_id for d, _ in rows if d.snmp_profile_id}
    profiles = (
        {
            p.id: p
            for p in session.scalars(select(SnmpProfile).where(SnmpProfile.id.in_(profile_ids)))
        }
        if profile_ids
        else {}
    )
    logins = _ssh_logins(
        session, [d.id for d, _ in rows if d.ssh_device_type], vault, settings.ssh.key_dir
    )
    devices = []
    for device, site_code in rows:
        if device.address is None:  # assignment keeps these out; this tells the type checker
            continue
        profile = profiles.get(device.snmp_profile_id) if device.snmp_profile_id else None
        devices.append(
            protocol.ConfigDevice(
                id=device.id,
                name=device.name,
                site=site_code,
                address=device.address,
                kind=str(device.kind),
                parent=parents.get(device.id),
                snmp=_snmp_access(device, profile, vault),
                ssh=logins.get(device.id),
            )
        )
    ping, snmp, edge = settings.ping, settings.snmp, settings.collector
    return protocol.ConfigDocument(
        collector=collector.name,
        sites=tuple(site_codes(session, collector.id)),
        ping=protocol.PingTiming(
            interval=ping.interval,
            timeout=ping.timeout,
            count=ping.count,
            spacing=ping.spacing,
            max_in_flight=ping.max_in_flight,
        ),
        snmp=protocol.SnmpTiming(
            interval=snmp.interval,
            inventory_interval=snmp.inventory_interval,
            timeout=snmp.timeout,
            retries=snmp.retries,
            max_concurrency=snmp.max_concurrency,
            max_repetitions=snmp.max_repetitions,
        ),
        push_interval=edge.push_interval,
        buffer_hours=edge.buffer_hours,
        devices=tuple(devices),
        ssh=protocol.SshTiming(
            interval=settings.ssh.interval,
            timeout=settings.ssh.timeout,
            workers=settings.ssh.workers,
            strict_host_keys=settings.ssh.strict_host_keys,
        ),
    )


def _ssh_logins(
    session: Session, device_ids: list[int], vault: Vault, key_dir: str
) -> dict[int, protocol.SshLogin]:
    if not device_ids:
        return {}
    requested = dict(
        session.execute(
            select(SshBackupRequest.device_id, SshBackupRequest.requested_at).where(
                SshBackupRequest.device_id.in_(device_ids)
            )
        ).all()
    )
    logins = {}
    for planned in backup_job.plan(session, vault, device_ids, key_dir, by_collectors=True):
        target = planned.target
        if planned.problem is not None or not target.device_type:
            # Debug only: the document is built on every pull, and a hold is an ordinary state.
            log.debug(
                "device %s: no SSH login sent to its collector: %s", target.key, planned.problem
            )
            continue
        private_key = None
        if target.key_file:
            try:
                private_key = keys.key_text(target.key_file)
            except (OSError, ValueError) as exc:
                log.debug("device %s: SSH key not sent to its collector: %s", target.key, exc)
                continue
        logins[target.key] = protocol.SshLogin(
            device_type=target.device_type,
            port=target.port,
            username=target.username,
            password=target.password,
            secret=target.secret,
            private_key=private_key,
            config_path=target.config_path,
            known_host_key=target.known_host_key,
            requested_at=requested.get(target.key),
        )
    return logins


def _snmp_access(
    device: Device, profile: SnmpProfile | None, vault: Vault
) -> protocol.SnmpAccess | None:
    if holds.waiting_message(device.credentials_held_at, device.credentials_held_for):
        return None  # no community or key to an address no admin approved
    try:
        credentials = credentials_of(device, profile, vault)
    except SecretsError as exc:
        log.warning("device %s: SNMP credentials not sent to its collector: %s", device.id, exc)
        return None
    if credentials is None:
        return None
    port = (profile.port if profile and profile.port else None) or device.snmp_port or 161
    return protocol.SnmpAccess(
        version=credentials.version,
        port=port,
        community=credentials.community,
        user=credentials.user,
        auth_protocol=credentials.auth_protocol,
        auth_key=credentials.auth_key,
        priv_protocol=credentials.priv_protocol,
        priv_key=credentials.priv_key,
    )
