"""The global search: sites by code or name, devices by name, address, serial or model (typed
or collected over SNMP). Two SELECTs whatever the district's size; results grouped by kind and
bounded, with a flag when there were more."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select

from monitor.db.models import Device, DeviceState, Site, SnmpStatus

SITES_SHOWN = 20
DEVICES_SHOWN = 50


@dataclass(frozen=True)
class SiteHit:
    id: int
    code: str
    name: str
    enabled: bool


@dataclass(frozen=True)
class DeviceHit:
    id: int
    name: str
    address: str | None
    kind: str
    site_code: str
    site_name: str
    model: str | None
    serial: str | None
    state: str
    matched: str  # which field matched: name, address, serial, model


@dataclass(frozen=True)
class SearchResults:
    text: str
    sites: list[SiteHit]
    devices: list[DeviceHit]
    more_sites: bool
    more_devices: bool

    @property
    def empty(self) -> bool:
        return not self.sites and not self.devices


def _has(column, text: str) -> ColumnElement[bool]:
    # Case-insensitive for Latin letters (Thai has no case); % and _ typed are literal.
    return func.lower(column).contains(text.lower(), autoescape=True)


def _matched(text: str, fields: dict[str, str | None]) -> str:
    needle = text.lower()
    return next((f for f, v in fields.items() if v and needle in v.lower()), "name")


def search(session, text: str) -> SearchResults:
    """Sites and devices whose words contain `text` (already stripped and bounded by the caller)."""
    sites = session.execute(
        select(Site.id, Site.code, Site.name, Site.enabled)
        .where(or_(_has(Site.code, text), _has(Site.name, text)))
        .order_by(Site.code)
        .limit(SITES_SHOWN + 1)
    ).all()
    model = func.coalesce(Device.model, SnmpStatus.model)
    serial = func.coalesce(Device.serial, SnmpStatus.serial)
    rows = session.execute(
        select(
            Device.id,
            Device.name,
            Device.address,
            Device.kind,
            Site.code,
            Site.name,
            model,
            serial,
            func.coalesce(DeviceState.status, "unknown"),
            SnmpStatus.model,
            SnmpStatus.serial,
            Device.model,
            Device.serial,
        )
        .join(Site, Site.id == Device.site_id)
        .outerjoin(SnmpStatus, SnmpStatus.device_id == Device.id)
        .outerjoin(DeviceState, DeviceState.device_id == Device.id)
        .where(
            or_(
                _has(Device.name, text),
                _has(Device.address, text),
                _has(Device.serial, text),
                _has(SnmpStatus.serial, text),
                _has(Device.model, text),
                _has(SnmpStatus.model, text),
            )
        )
        .order_by(Site.code, Device.name, Device.id)
        .limit(DEVICES_SHOWN + 1)
    ).all()
    devices = [
        DeviceHit(
            id=r[0],
            name=r[1],
            address=r[2],
            kind=r[3],
            site_code=r[4],
            site_name=r[5],
            model=r[6],
            serial=r[7],
            state=r[8],
            matched=_matched(
                text,
                {
                    "name": r[1],
                    "address": r[2],
                    "serial": r[12] or r[10],
                    "model": r[11] or r[9],
                },
            ),
        )
        for r in rows[:DEVICES_SHOWN]
    ]
    return SearchResults(
        text=text,
        sites=[SiteHit(*s) for s in sites[:SITES_SHOWN]],
        devices=devices,
        more_sites=len(sites) > SITES_SHOWN,
        more_devices=len(rows) > DEVICES_SHOWN,
    )
