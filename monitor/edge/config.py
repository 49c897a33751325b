"""The configuration a collector pulls: its sites, the devices it measures, their SNMP credentials,
and the timing it works to.

Devices are monitor.edge.assignment's: the enabled, addressed devices of the collector's sites
but their uplinks (the office keeps measuring those over the WAN), each with its parent only when
the same collector measures it. SNMP credentials are decrypted the way the central's own SNMP
round does (monitor.snmp.store.credentials_of: a profile wins over the device's own), and a
device whose credentials are held (monitor.credentials.holds) or will not decrypt goes without
them: the collector then only pings it. Ping and SNMP timing are the central's [ping] and [snmp];
push_interval and buffer_hours are [collector]'s.

The document's ETag (`protocol.ConfigDocument.etag`) changes with any of it, so an unchanged
configuration costs the collector one small request.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.credentials import holds
from monitor.db.models import Collector, Device, Site, SnmpProfile
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
    )


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
