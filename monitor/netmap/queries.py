"""The reads behind the network map (assembled by monitor.netmap.graph, PURE).

Four statements whatever the district's size: the enabled sites; every polled device with its
state and the sysName its agent reported (the name neighbour tables use); the neighbour tables of
the devices the map's links can start from; those devices' interfaces (for the utilisation of a
link's port). The district's 5,000 devices are read as plain Core rows, a few columns each.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from monitor.db.models import Device, DeviceState, Site, SnmpInterface, SnmpStatus
from monitor.devices import collected as cv
from monitor.netmap import graph

# What an IN list may hold: SQLite takes 32,766 parameters a statement, PostgreSQL 65,535.
MAX_IDS = 30_000


def sites(session: Session) -> list[graph.MapSite]:
    rows = session.execute(
        select(Site.id, Site.code, Site.name).where(Site.enabled.is_(True)).order_by(Site.code)
    )
    return [graph.MapSite(*row) for row in rows]


def devices(session: Session) -> list[graph.MapDevice]:
    """Every enabled, polled device of an enabled site, with its state (unknown if never polled)."""
    stmt = (
        select(
            Device.id,
            Device.name,
            Device.kind,
            Device.site_id,
            Device.parent_id,
            Device.address,
            func.coalesce(DeviceState.status, literal_column("'unknown'")),
            SnmpStatus.sys_name,
        )
        .join(Site, Site.id == Device.site_id)
        .outerjoin(DeviceState, DeviceState.device_id == Device.id)
        .outerjoin(SnmpStatus, SnmpStatus.device_id == Device.id)
        .where(Device.enabled.is_(True), Site.enabled.is_(True), Device.address.is_not(None))
        .order_by(Device.site_id, Device.name, Device.id)
    )
    return [graph.MapDevice(*row) for row in session.connection().execute(stmt)]


def neighbour_tables(session: Session, device_ids: set[int]) -> dict[int, list[dict]]:
    """device id → its stored LLDP/CDP rows, made safe (monitor.devices.collected)."""
    stmt = select(SnmpStatus.device_id, SnmpStatus.neighbours).where(
        SnmpStatus.device_id.in_(bindparam("ids", expanding=True)),
        SnmpStatus.neighbours.is_not(None),
    )
    ids = sorted(device_ids)[:MAX_IDS]
    tables = {}
    for device_id, rows in session.connection().execute(stmt, {"ids": ids}):
        table = cv.neighbour_rows(rows)
        if table:
            tables[device_id] = table
    return tables


def ports(session: Session, device_ids: set[int]) -> dict[int, list[graph.MapPort]]:
    """device id → its interfaces with their current utilisation."""
    stmt = select(
        SnmpInterface.device_id,
        SnmpInterface.if_index,
        SnmpInterface.name,
        SnmpInterface.alias,
        SnmpInterface.descr,
        SnmpInterface.utilisation_pct,
    ).where(SnmpInterface.device_id.in_(bindparam("ids", expanding=True)))
    found: dict[int, list[graph.MapPort]] = defaultdict(list)
    for row in session.connection().execute(stmt, {"ids": sorted(device_ids)[:MAX_IDS]}):
        found[row[0]].append(graph.MapPort(row[0], row[1], row[2] or "", row[3], row[4], row[5]))
    return found


def network_map(session: Session, site_code: str | None = None) -> graph.NetworkMap | None:
    """The district's map, or one site's (None when there is no such enabled site)."""
    all_sites = sites(session)
    site = None
    if site_code is not None:
        site = next((s for s in all_sites if s.code == site_code), None)
        if site is None:
            return None
    rows = devices(session)
    wanted = graph.rows_wanted(rows, None if site is None else site.id)
    tables = neighbour_tables(session, wanted)
    interfaces = ports(session, set(tables))
    if site is None:
        return graph.district_map(all_sites, rows, tables, interfaces)
    return graph.site_map(site, all_sites, rows, tables, interfaces)
