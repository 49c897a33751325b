"""The register's values as an office types them: prices, budget years, conditions, numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monitor.assets.fields import (
    AssetRules,
    disposal_problems,
    parse_asset_number,
    parse_budget_year,
    parse_choice,
    parse_condition,
    parse_price,
)
from monitor.settings import AssetSettings, ConfigError

RULES = AssetRules.from_settings(AssetSettings())


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("25900", Decimal("25900.00")),
        ("25,900.50", Decimal("25900.50")),
        ("1,234,567.5", Decimal("1234567.50")),
        ("฿ 1,200", Decimal("1200.00")),
        ("18,500 บาท", Decimal("18500.00")),
        ("0.1", Decimal("0.10")),
    ],
)
def test_prices_with_thousands_separators_are_exact_baht(typed, stored):
    price = parse_price(typed)
    assert price == stored and price.as_tuple().exponent == -2


@pytest.mark.parametrize("typed", ["12,50", "1.234", "25,900.505", "abc", "-5", "1,2345"])
def test_prices_that_are_not_baht_are_refused(typed):
    with pytest.raises(ValueError, match="not a price"):
        parse_price(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2567", 2024),
        ("2024", 2024),
        ("พ.ศ. 2566", 2023),
        ("ปีงบประมาณ 2568", 2025),
        ("2567.0", 2024),
    ],
)
def test_budget_years_in_either_era_are_stored_in_the_christian_era(typed, stored):
    assert parse_budget_year(typed) == stored


@pytest.mark.parametrize("typed", ["67", "25670", "2800", "1800", "สองห้าหกเจ็ด"])
def test_impossible_budget_years_are_refused(typed):
    with pytest.raises(ValueError, match="budget year"):
        parse_budget_year(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ใช้งานได้", "usable"),
        ("ชำรุด", "damaged"),
        ("รอ จำหน่าย", "awaiting_disposal"),
        ("จำหน่ายแล้ว", "disposed"),
        ("Damaged", "damaged"),
    ],
)
def test_conditions_in_thai_or_as_keys(typed, stored):
    assert parse_condition(typed) == stored


def test_an_unknown_condition_names_the_words_to_use():
    with pytest.raises(ValueError, match="ใช้งานได้, ชำรุด, รอจำหน่าย"):
        parse_condition("หาย")


def test_the_asset_number_must_have_the_offices_form():
    assert parse_asset_number("7440-001-0001/67", RULES) == "7440-001-0001/67"
    with pytest.raises(ValueError, match="office's form"):
        parse_asset_number("7440-1-1/67", RULES)
    assert parse_asset_number("anything", AssetRules(number_pattern="")) == "anything"


def test_lists_of_the_office_accept_their_entries_only():
    assert parse_choice("E-Bidding", RULES.acquisition_methods, "m") == "e-bidding"
    with pytest.raises(ValueError, match="not one of the office's fund sources"):
        parse_choice("เงินกู้", RULES.fund_sources, "fund sources")
    assert parse_choice("อะไรก็ได้", (), "fund sources") == "อะไรก็ได้"


def test_disposal_needs_its_date_and_a_date_needs_disposal():
    assert disposal_problems("disposed", None, None) == [
        "a disposed asset needs the date of disposal (disposed_on)"
    ]
    assert disposal_problems("usable", None, "ศธ 04001/123")
    assert disposal_problems("disposed", object(), "ศธ 04001/123") == []


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("number_pattern", "(", "number_pattern: not a regular expression"),
        ("useful_life", "computer=0", "useful_life"),
        ("useful_life", "toaster=5", "useful_life"),
        ("default_useful_life", 0, "default_useful_life"),
    ],
)
def test_bad_asset_settings_name_the_key(key, value, message):
    with pytest.raises(ConfigError, match=message):
        AssetSettings(**{key: value})
