"""What the asset pages read: one asset, the register of a selection, its depreciation.

Each read is one query of plain columns (no ORM objects), so a register of 30,000 assets is read
in well under a second (bench/asset_register.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from monitor.assets.depreciation import (
    AssetCost,
    Depreciation,
    Summary,
    UsefulLife,
    depreciate,
    summarise,
)
from monitor.db.models import Device, Site


@dataclass(frozen=True)
class AssetRow:
    """One asset as the register lists it (polled or not)."""

    id: int
    site_code: str
    site_name: str
    name: str
    kind: str
    address: str | None
    asset_number: str | None
    budget_year: int | None
    price: Decimal | None
    purchase_date: date | None
    condition: str | None
    disposed_on: date | None
    room: str | None
    responsible_person: str | None
    model: str | None
    serial: str | None

    @property
    def cost(self) -> AssetCost:
        return AssetCost(
            self.id, self.kind, self.price, self.purchase_date, self.budget_year, self.disposed_on
        )


@dataclass(frozen=True)
class AssetDetail:
    """The asset page: the register's row and what only that page shows."""

    row: AssetRow
    acquisition_method: str | None
    fund_source: str | None
    supplier: str | None
    disposal_reference: str | None
    location: str | None
    warranty_end: date | None
    eol_date: date | None
    notes: str | None


@dataclass(frozen=True)
class Selection:
    """Which assets: a site's code, a kind, or everything (None)."""

    site: str | None = None
    kind: str | None = None


_ROW_COLUMNS = (
    Device.id,
    Site.code,
    Site.name,
    Device.name,
    Device.kind,
    Device.address,
    Device.asset_number,
    Device.budget_year,
    Device.price,
    Device.purchase_date,
    Device.condition,
    Device.disposed_on,
    Device.room,
    Device.responsible_person,
    Device.model,
    Device.serial,
)


def _rows(*extra) -> Select:
    return select(*_ROW_COLUMNS, *extra).join(Site, Site.id == Device.site_id)


def _where(query: Select, selection: Selection) -> Select:
    if selection.site:
        query = query.where(Site.code == selection.site)
    if selection.kind:
        query = query.where(Device.kind == selection.kind)
    return query


def asset_rows(session: Session, selection: Selection = Selection()) -> list[AssetRow]:
    """The register's rows of a selection, by site, asset number, name."""
    query = _where(_rows(), selection).order_by(Site.code, Device.asset_number, Device.name)
    return [AssetRow(*r) for r in session.execute(query)]


def asset_detail(session: Session, device_id: int) -> AssetDetail | None:
    extra = (
        Device.acquisition_method,
        Device.fund_source,
        Device.supplier,
        Device.disposal_reference,
        Device.location,
        Device.warranty_end,
        Device.eol_date,
        Device.notes,
    )
    found = session.execute(_rows(*extra).where(Device.id == device_id)).first()
    if found is None:
        return None
    values = tuple(found)
    split = len(_ROW_COLUMNS)
    return AssetDetail(AssetRow(*values[:split]), *values[split:])


def depreciation(
    session: Session, life: UsefulLife, at: date, selection: Selection = Selection()
) -> tuple[Summary, list[tuple[AssetRow, Depreciation]]]:
    """Each asset's figures on `at` and their sums per site and kind."""
    figures = [(row, depreciate(row.cost, life, at)) for row in asset_rows(session, selection)]
    summary = summarise(((row.site_code, row.kind, f) for row, f in figures), at)
    return summary, figures


def depreciate_one(row: AssetRow, life: UsefulLife, at: date) -> Depreciation:
    return depreciate(row.cost, life, at)


def site_choices(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every site, for the pages' filters."""
    return [(r[0], r[1]) for r in session.execute(select(Site.code, Site.name).order_by(Site.code))]


def site_choices_with_ids(session: Session) -> list[tuple[int, str, str]]:
    """(id, code, name) of every site, for forms that store the id."""
    rows = session.execute(select(Site.id, Site.code, Site.name).order_by(Site.code))
    return [(r[0], r[1], r[2]) for r in rows]


def site_id_query(code: str) -> Select:
    return select(Site.id).where(Site.code == code)
