"""PURE: straight-line depreciation of the register's assets, per asset and summed.

The government's straight-line method: the cost less a salvage value of 1 baht (an asset stays on
the books at 1 baht until it is disposed of) is spread evenly, day by day, over the useful life
the office sets for its kind, from the day it was acquired. An asset without a purchase date
starts on the first day of its budget year (1 October of the year before); one with neither, or
without a price, cannot be depreciated and is counted apart. A disposed asset is off the books
from the day of its disposal: nothing left to depreciate, no book value.

Amounts are Decimal baht rounded half-up to the satang, so the sums match what an officer adds
up by hand from the per-asset figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from monitor.settings import AssetSettings, parse_useful_life

SALVAGE = Decimal("1.00")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class AssetCost:
    """What depreciation needs to know of one asset."""

    id: int
    kind: str
    price: Decimal | None
    purchase_date: date | None = None
    budget_year: int | None = None  # Christian-era fiscal year
    disposed_on: date | None = None


@dataclass(frozen=True)
class Depreciation:
    """One asset on `at`. `start`/`life_end` None: it cannot be depreciated (no price or date)."""

    id: int
    cost: Decimal
    annual: Decimal
    accumulated: Decimal
    book_value: Decimal
    start: date | None
    life_end: date | None
    disposed: bool = False

    @property
    def computable(self) -> bool:
        return self.start is not None

    @property
    def fully_depreciated(self) -> bool:
        return self.computable and not self.disposed and self.book_value <= SALVAGE


@dataclass(frozen=True)
class UsefulLife:
    """Years of useful life per kind, as the office sets them ([assets] useful_life)."""

    by_kind: Mapping[str, int]
    default: int = 5

    def years(self, kind: str) -> int:
        return self.by_kind.get(kind, self.default)

    @classmethod
    def from_settings(cls, settings: AssetSettings) -> UsefulLife:
        return cls(parse_useful_life(settings.useful_life), settings.default_useful_life)


def start_of(asset: AssetCost) -> date | None:
    """The day depreciation starts: the purchase date, else the first day of the budget year."""
    if asset.purchase_date is not None:
        return asset.purchase_date
    if asset.budget_year is not None:
        return date(asset.budget_year - 1, 10, 1)
    return None


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def life_end(asset: AssetCost, life: UsefulLife) -> date | None:
    """The day its useful life ends; None without a date to count from, or once disposed."""
    start = start_of(asset)
    if start is None or asset.disposed_on is not None:
        return None
    return add_years(start, life.years(asset.kind))


def depreciate(asset: AssetCost, life: UsefulLife, at: date) -> Depreciation:
    """The asset's figures at the end of day `at`."""
    cost = (asset.price or ZERO).quantize(CENT, ROUND_HALF_UP)
    start = start_of(asset)
    if asset.price is None or start is None:
        return Depreciation(asset.id, cost, ZERO, ZERO, ZERO, None, None)
    years = life.years(asset.kind)
    end = add_years(start, years)
    base = max(cost - SALVAGE, ZERO)
    annual = (base / years).quantize(CENT, ROUND_HALF_UP)
    disposed = asset.disposed_on is not None and asset.disposed_on <= at
    if disposed:
        return Depreciation(asset.id, cost, annual, ZERO, ZERO, start, end, disposed=True)
    days_used = min(max((at - start).days + 1, 0), (end - start).days)
    accumulated = (base * days_used / (end - start).days).quantize(CENT, ROUND_HALF_UP)
    return Depreciation(asset.id, cost, annual, accumulated, cost - accumulated, start, end)


@dataclass
class Total:
    """Sums over a group of assets (a site, a kind, a site's kind)."""

    count: int = 0
    cost: Decimal = ZERO
    accumulated: Decimal = ZERO
    book_value: Decimal = ZERO
    past_life: int = 0  # fully depreciated, still in use: due for replacement
    not_computable: int = 0  # no price or no date: not in the sums

    def add(self, figures: Depreciation) -> None:
        if figures.disposed:
            return
        self.count += 1
        if not figures.computable:
            self.not_computable += 1
            return
        self.cost += figures.cost
        self.accumulated += figures.accumulated
        self.book_value += figures.book_value
        if figures.fully_depreciated:
            self.past_life += 1


@dataclass(frozen=True)
class Summary:
    """Depreciation summed per site, per kind and per (site, kind), and for the whole office."""

    at: date
    by_site: dict[str, Total]
    by_kind: dict[str, Total]
    by_site_kind: dict[tuple[str, str], Total]
    total: Total


def summarise(rows: Iterable[tuple[str, str, Depreciation]], at: date) -> Summary:
    """Sums of (site code, kind, figures) rows; disposed assets are left out."""
    by_site: dict[str, Total] = {}
    by_kind: dict[str, Total] = {}
    by_site_kind: dict[tuple[str, str], Total] = {}
    total = Total()
    for site, kind, figures in rows:
        if figures.disposed:
            continue
        by_site.setdefault(site, Total()).add(figures)
        by_kind.setdefault(kind, Total()).add(figures)
        by_site_kind.setdefault((site, kind), Total()).add(figures)
        total.add(figures)
    return Summary(
        at,
        dict(sorted(by_site.items())),
        dict(sorted(by_kind.items())),
        dict(sorted(by_site_kind.items())),
        total,
    )
