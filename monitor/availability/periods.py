"""Report periods in the office's time: a calendar month, a Thai fiscal year, or any range.

A period is a half-open span [start, end) of aware UTC datetimes whose boundaries are midnights in
Asia/Bangkok, plus the words people use for it ("ตุลาคม 2569", "ปีงบประมาณ 2569").

What people type (`parse_period`):

    2569-10  or  2026-10          a month; a year above 2400 is Buddhist era (พ.ศ. − 543)
    fiscal-2569 or fiscal-2026    a Thai fiscal year, named after the year it ends in:
                                  ปีงบประมาณ 2569 = 1 Oct 2025 – 30 Sep 2026
    from/to (`range_period`)      dates, both days included: 2026-10-01 .. 2026-10-15,
                                  also 01/10/2569 (day/month/Buddhist year)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from monitor.localtime import (
    BANGKOK,
    ENGLISH_MONTHS_SHORT,
    THAI_MONTHS,
    THAI_MONTHS_SHORT,
    common_era_year,
    display_year,
    format_date,
)


class PeriodError(ValueError):
    """A period the user typed cannot be understood; the message says what is accepted."""


@dataclass(frozen=True)
class Period:
    kind: str  # "month", "fiscal_year" or "range"
    key: str  # stable name: "2026-10", "fiscal-2026", "2026-10-01..2026-10-15"
    start: datetime  # aware UTC, a Bangkok midnight
    end: datetime  # aware UTC, exclusive
    first_day: date  # Bangkok calendar days covered, both included
    last_day: date

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def label(self, lang: str = "th") -> str:
        """ "ตุลาคม 2569", "ปีงบประมาณ 2569", "1 ตุลาคม 2569 – 15 ตุลาคม 2569"; English alike."""
        if self.kind == "month":
            if lang == "th":
                return (
                    f"{THAI_MONTHS[self.first_day.month - 1]} {display_year(self.first_day.year)}"
                )
            return f"{ENGLISH_MONTHS_SHORT[self.first_day.month - 1]} {self.first_day.year}"
        if self.kind == "fiscal_year":
            year = self.last_day.year
            if lang == "th":
                return f"ปีงบประมาณ {display_year(year)}"
            return f"Fiscal year {year} (Oct {year - 1} – Sep {year})"
        return f"{format_date(self.first_day, lang)} – {format_date(self.last_day, lang)}"

    def short_label(self, lang: str = "th") -> str:
        """For chart axes: "ต.ค. 69" / "Oct 26" for a month, else the full label."""
        if self.kind != "month":
            return self.label(lang)
        if lang == "th":
            return (
                f"{THAI_MONTHS_SHORT[self.first_day.month - 1]} "
                f"{display_year(self.first_day.year) % 100:02d}"
            )
        return f"{ENGLISH_MONTHS_SHORT[self.first_day.month - 1]} {self.first_day.year % 100:02d}"

    def previous_months(self, count: int) -> list[Period]:
        """The `count` months before this period's first month, oldest first (for trends)."""
        months = []
        year, month = self.first_day.year, self.first_day.month
        for _ in range(count):
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
            months.append(month_period(year, month))
        return list(reversed(months))


def bangkok_midnight(day: date) -> datetime:
    """The moment (UTC) a Bangkok day begins: where months, fiscal years and day filters cut."""
    return datetime.combine(day, time(0), BANGKOK).astimezone(UTC)


def month_period(year: int, month: int) -> Period:
    """A calendar month in Bangkok; `year` may be Buddhist era."""
    year = common_era_year(year)
    if not 1 <= month <= 12:
        raise PeriodError(
            f"month must be 1-12, got {month} (a month is written 2569-10 or 2026-10)"
        )
    first = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Period(
        "month",
        f"{year:04d}-{month:02d}",
        bangkok_midnight(first),
        bangkok_midnight(following),
        first,
        following - timedelta(days=1),
    )


def fiscal_year_period(year: int) -> Period:
    """The Thai fiscal year that ends on 30 September of `year` (Buddhist or common era)."""
    year = common_era_year(year)
    first, following = date(year - 1, 10, 1), date(year, 10, 1)
    return Period(
        "fiscal_year",
        f"fiscal-{year:04d}",
        bangkok_midnight(first),
        bangkok_midnight(following),
        first,
        following - timedelta(days=1),
    )


def fiscal_year_of(day: date) -> int:
    """The (common-era) fiscal year a day belongs to: October starts the next one."""
    return day.year + 1 if day.month >= 10 else day.year


def range_period(first_day: date, last_day: date) -> Period:
    if last_day < first_day:
        raise PeriodError(f"the period ends ({last_day}) before it starts ({first_day})")
    following = last_day + timedelta(days=1)
    return Period(
        "range",
        f"{first_day.isoformat()}..{last_day.isoformat()}",
        bangkok_midnight(first_day),
        bangkok_midnight(following),
        first_day,
        last_day,
    )


def previous_month(now: datetime) -> Period:
    """The last complete month before `now`, in Bangkok time."""
    local = now.astimezone(BANGKOK)
    year, month = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
    return month_period(year, month)


_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_FISCAL = re.compile(r"^\s*(?:fiscal|fy|ปีงบประมาณ|ปีงบ)[-\s]?(\d{4})\s*$", re.IGNORECASE)
_ISO_DAY = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_THAI_DAY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def parse_period(text: str) -> Period:
    """'2569-10', '2026-10' (a month) or 'fiscal-2569' (a fiscal year)."""
    text = text or ""
    if m := _MONTH.match(text):
        return month_period(int(m.group(1)), int(m.group(2)))
    if m := _FISCAL.match(text):
        return fiscal_year_period(int(m.group(1)))
    raise PeriodError(
        f"period {text!r} not understood: use a month such as 2569-10 or 2026-10, "
        f"or a fiscal year such as fiscal-2569"
    )


# The years a typed day may fall in (common era): far wider than any record ictmon holds.
FIRST_YEAR, LAST_YEAR = 1900, 2399


def parse_day(text: str) -> date:
    """'2026-10-01', '2569-10-01' or '01/10/2569' (day/month/year); Buddhist years converted."""
    text = text or ""
    if m := _ISO_DAY.match(text):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _THAI_DAY.match(text):
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        raise PeriodError(f"date {text!r} not understood: use 2026-10-01 or 01/10/2569")
    year = common_era_year(year)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        # A day such as 0001-01-01 or 9999-12-31 is a valid date, but turning it into a moment
        # in Bangkok (or the day after) leaves what datetime can hold.
        raise PeriodError(
            f"date {text!r} is out of range: use a year from {FIRST_YEAR} to {LAST_YEAR}"
        )
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise PeriodError(f"date {text!r}: {exc}") from None


def parse_range(first: str, last: str) -> Period:
    return range_period(parse_day(first), parse_day(last))
