"""The reads discovery compares against: a site's stored devices, each with the fields discovery
itself wrote (`device_discovery.fields`), so people's values are told from discovery's own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.db.models import Device, DeviceDiscovery
from monitor.discovery.proposal import StoredDevice


def stored_devices(session: Session, site_id: int) -> list[StoredDevice]:
    """The site's devices (parents as addresses, a parent in another site too): three queries."""
    rows = session.execute(
        select(
            Device.id,
            Device.name,
            Device.address,
            Device.kind,
            Device.parent_id,
            Device.model,
            DeviceDiscovery.fields,
        )
        .outerjoin(DeviceDiscovery, DeviceDiscovery.device_id == Device.id)
        .where(Device.site_id == site_id)
        .order_by(Device.id)
    ).all()
    addresses = {r.id: r.address for r in rows}
    outside = {r.parent_id for r in rows if r.parent_id} - set(addresses)
    if outside:
        addresses.update(
            session.execute(select(Device.id, Device.address).where(Device.id.in_(outside))).all()
        )
    return [
        StoredDevice(
            id=r.id,
            name=r.name,
            address=r.address,
            kind=r.kind,
            parent=addresses.get(r.parent_id) if r.parent_id else None,
            model=r.model,
            discovered_fields=frozenset(r.fields or ()),
        )
        for r in rows
    ]
