"""Straight-line depreciation, table-driven: bought mid-year, fully depreciated, disposed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from monitor.assets.depreciation import (
    AssetCost,
    Depreciation,
    UsefulLife,
    add_years,
    depreciate,
    summarise,
)

LIFE = UsefulLife({"notebook": 5, "projector": 5, "server": 4}, default=8)
D = Decimal


@pytest.mark.parametrize(
    ("case", "asset", "at", "accumulated", "book_value"),
    [
        (
            "bought mid-year, one full year later",
            AssetCost(1, "notebook", D("25001.00"), purchase_date=date(2024, 3, 15)),
            date(2025, 3, 14),
            # 1,826 days of life (2024 is a leap year), 365 used: 25,000 × 365 / 1,826
            D("4997.26"),
            D("20003.74"),
        ),
        (
            "bought mid-year, the first day counts",
            AssetCost(2, "notebook", D("18251.00"), purchase_date=date(2024, 3, 15)),
            date(2024, 3, 15),
            D("9.99"),
            D("18241.01"),
        ),
        (
            "not yet bought on the date asked",
            AssetCost(3, "notebook", D("10000.00"), purchase_date=date(2025, 1, 1)),
            date(2024, 12, 31),
            D("0.00"),
            D("10000.00"),
        ),
        (
            "fully depreciated: 1 baht stays on the books",
            AssetCost(4, "server", D("120000.00"), purchase_date=date(2018, 10, 1)),
            date(2024, 10, 1),
            D("119999.00"),
            D("1.00"),
        ),
        (
            "exactly at the end of its life",
            AssetCost(5, "server", D("40001.00"), purchase_date=date(2020, 1, 1)),
            date(2023, 12, 31),
            D("40000.00"),
            D("1.00"),
        ),
        (
            "no purchase date: from 1 October of the budget year",
            AssetCost(6, "projector", D("36501.00"), budget_year=2025),
            date(2025, 9, 30),  # the whole fiscal year 2568: 365 of 1,826 days
            D("7296.00"),
            D("29205.00"),
        ),
        (
            "a kind the office did not list takes the default life",
            AssetCost(7, "printer", D("8001.00"), purchase_date=date(2020, 1, 1)),
            date(2024, 1, 1),
            # 8 years = 2,922 days, 1,462 used
            D("4002.74"),
            D("3998.26"),
        ),
    ],
)
def test_straight_line(case, asset, at, accumulated, book_value):
    figures = depreciate(asset, LIFE, at)
    assert (figures.accumulated, figures.book_value) == (accumulated, book_value), case
    assert figures.cost == figures.accumulated + figures.book_value


def test_annual_depreciation_is_the_cost_less_salvage_over_the_life():
    figures = depreciate(
        AssetCost(1, "notebook", D("25001.00"), date(2024, 3, 15)), LIFE, date(2024, 6, 1)
    )
    assert figures.annual == D("5000.00")
    assert figures.life_end == date(2029, 3, 15)


def test_fully_depreciated_is_flagged_only_once_at_salvage():
    asset = AssetCost(4, "server", D("120000.00"), purchase_date=date(2018, 10, 1))
    assert not depreciate(asset, LIFE, date(2022, 9, 29)).fully_depreciated
    assert depreciate(asset, LIFE, date(2022, 10, 1)).fully_depreciated


def test_a_disposed_asset_is_off_the_books_from_its_disposal():
    asset = AssetCost(
        8, "projector", D("30000.00"), purchase_date=date(2015, 5, 1), disposed_on=date(2024, 2, 1)
    )
    before = depreciate(asset, LIFE, date(2024, 1, 31))
    after = depreciate(asset, LIFE, date(2024, 2, 1))
    assert before.book_value == D("1.00") and not before.disposed
    assert after.disposed and (after.accumulated, after.book_value) == (D("0.00"), D("0.00"))
    assert not after.fully_depreciated


@pytest.mark.parametrize(
    "asset",
    [
        AssetCost(9, "notebook", None, purchase_date=date(2024, 1, 1)),
        AssetCost(10, "notebook", D("1000.00")),
    ],
)
def test_without_a_price_or_a_date_nothing_can_be_computed(asset):
    figures = depreciate(asset, LIFE, date(2025, 1, 1))
    assert not figures.computable and figures.book_value == D("0.00")


def test_29_february_plus_years_is_28_february():
    assert add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)


def test_sums_per_site_and_kind_leave_disposed_out_and_count_the_uncomputable_apart():
    at = date(2025, 1, 1)
    rows = [
        (
            "S01",
            "notebook",
            depreciate(AssetCost(1, "notebook", D("25001.00"), date(2024, 3, 15)), LIFE, at),
        ),
        (
            "S01",
            "server",
            depreciate(AssetCost(2, "server", D("120000.00"), date(2018, 10, 1)), LIFE, at),
        ),
        (
            "S02",
            "notebook",
            depreciate(AssetCost(3, "notebook", D("10001.00"), date(2024, 1, 1)), LIFE, at),
        ),
        ("S02", "notebook", depreciate(AssetCost(4, "notebook", None), LIFE, at)),
        (
            "S02",
            "projector",
            depreciate(
                AssetCost(
                    5, "projector", D("9000.00"), date(2019, 1, 1), disposed_on=date(2024, 6, 1)
                ),
                LIFE,
                at,
            ),
        ),
    ]
    summary = summarise(rows, at)
    by = {
        k: (t.count, t.cost, t.book_value, t.past_life, t.not_computable)
        for k, t in summary.by_site.items()
    }
    s01_notebook = rows[0][2].book_value
    assert by["S01"] == (2, D("145001.00"), s01_notebook + D("1.00"), 1, 0)
    assert by["S02"][0] == 2 and by["S02"][4] == 1  # the disposed projector is not counted
    assert list(summary.by_kind) == ["notebook", "server"]
    assert summary.by_site_kind[("S02", "notebook")].count == 2
    assert summary.total.cost == D("155002.00")
    assert summary.total.cost == summary.total.accumulated + summary.total.book_value


def test_figures_are_plain_values():
    figures = Depreciation(1, D("1"), D("0"), D("0"), D("1"), None, None)
    assert not figures.computable and not figures.fully_depreciated
