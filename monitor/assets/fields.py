"""PURE: the register's values as people type them, checked and converted.

An asset number, a budget year, a price with thousands separators, a condition in Thai or as
its key, an acquisition method or fund source from the office's lists. Each parser takes one
non-empty text and returns the stored value or raises ValueError saying what is wrong, in the
words the importer puts next to the line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from monitor.domain import AssetCondition
from monitor.localtime import common_era_year
from monitor.settings import AssetSettings, parse_list

# The highest price the column holds (Numeric(14, 2)).
MAX_PRICE = Decimal("999999999999.99")
# Budget years a register can hold, in the Christian era (พ.ศ. 2500-2643).
FIRST_YEAR, LAST_YEAR = 1957, 2100

# How offices write a condition, besides its key: the form's words and their usual variants.
CONDITION_WORDS: dict[str, AssetCondition] = {
    "ใช้งานได้": AssetCondition.USABLE,
    "ใช้การได้": AssetCondition.USABLE,
    "ปกติ": AssetCondition.USABLE,
    "ดี": AssetCondition.USABLE,
    "ชำรุด": AssetCondition.DAMAGED,
    "เสีย": AssetCondition.DAMAGED,
    "รอจำหน่าย": AssetCondition.AWAITING_DISPOSAL,
    "เสนอจำหน่าย": AssetCondition.AWAITING_DISPOSAL,
    "จำหน่ายแล้ว": AssetCondition.DISPOSED,
    "จำหน่าย": AssetCondition.DISPOSED,
}

_PRICE = re.compile(r"^\d{1,3}(,\d{3})+(\.\d{1,2})?$|^\d+(\.\d{1,2})?$")


@dataclass(frozen=True)
class AssetRules:
    """The office's rules for the register ([assets] in the settings)."""

    number_pattern: str = ""
    acquisition_methods: tuple[str, ...] = ()
    fund_sources: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: AssetSettings) -> AssetRules:
        return cls(
            settings.number_pattern,
            parse_list(settings.acquisition_methods),
            parse_list(settings.fund_sources),
        )


def parse_asset_number(value: str, rules: AssetRules) -> str:
    """The number as typed, if it matches the office's pattern in full."""
    if rules.number_pattern and not re.fullmatch(rules.number_pattern, value):
        raise ValueError(
            f"asset number '{value}' does not have the office's form "
            f"(the pattern is {rules.number_pattern}, e.g. 7440-001-0001/67)"
        )
    return value


def parse_budget_year(value: str) -> int:
    """A fiscal year, พ.ศ. (2567) or ค.ศ. (2024), stored in the Christian era."""
    text = value.strip()
    for prefix in ("พ.ศ.", "ปีงบประมาณ", "ปีงบ"):
        text = text.removeprefix(prefix).strip()
    if text.endswith(".0"):  # a year cell Excel stored as a number
        text = text[:-2]
    if not text.isdigit() or len(text) != 4:
        raise ValueError(f"'{value}' is not a budget year: write it as 2567 (พ.ศ.) or 2024")
    year = common_era_year(int(text))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"'{value}' is not a budget year between {FIRST_YEAR + 543} and {LAST_YEAR + 543} "
            f"(พ.ศ.)"
        )
    return year


def parse_price(value: str) -> Decimal:
    """Baht with at most two decimals: '25,900.50', '25900', '฿ 1,200', '1,200 บาท'."""
    text = value.strip().removeprefix("฿").removesuffix("บาท").strip().replace(" ", "")
    if not _PRICE.match(text):
        raise ValueError(
            f"'{value}' is not a price in baht: write it as 25900.50 or 25,900.50 "
            "(at most two decimals)"
        )
    try:
        price = Decimal(text.replace(",", ""))
    except InvalidOperation:  # the pattern above lets only numbers through; kept for safety
        raise ValueError(f"'{value}' is not a price in baht") from None
    if price > MAX_PRICE:
        raise ValueError(f"'{value}' is more than the register holds ({MAX_PRICE:,} baht)")
    return price.quantize(Decimal("0.01"))


def parse_condition(value: str) -> str:
    """A condition's key (usable, damaged...) or the Thai word the form uses."""
    text = value.strip()
    if text.lower() in {c.value for c in AssetCondition}:
        return text.lower()
    condition = CONDITION_WORDS.get(text.replace(" ", ""))
    if condition is None:
        raise ValueError(
            f"unknown condition '{value}': use ใช้งานได้, ชำรุด, รอจำหน่าย or จำหน่ายแล้ว "
            "(or usable, damaged, awaiting_disposal, disposed)"
        )
    return condition.value


def parse_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    """One of the office's list (compared without case and surrounding spaces), as listed;
    any text when the office keeps no list."""
    if not choices:
        return value
    for choice in choices:
        if choice.casefold() == value.strip().casefold():
            return choice
    raise ValueError(f"'{value}' is not one of the office's {what}: {', '.join(choices)}")


def disposal_problems(condition: str | None, disposed_on: object, reference: object) -> list[str]:
    """What a row says about disposal that does not hold together (the record stays either way)."""
    problems = []
    if condition == AssetCondition.DISPOSED and disposed_on is None:
        problems.append("a disposed asset needs the date of disposal (disposed_on)")
    if condition != AssetCondition.DISPOSED and (disposed_on is not None or reference):
        problems.append(
            "a disposal date or reference is given but the condition is not จำหน่ายแล้ว (disposed)"
        )
    return problems
