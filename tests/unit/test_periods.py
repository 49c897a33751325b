"""Report periods: what the officer types becomes exact Bangkok-midnight boundaries in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from monitor.availability.periods import (
    PeriodError,
    fiscal_year_of,
    month_period,
    parse_day,
    parse_period,
    parse_range,
    previous_month,
)

UTC = UTC


@pytest.mark.parametrize("text", ["2569-10", "2026-10", " 2026-10 ", "2569-10\n"])
def test_month_in_either_era_is_october_2026_in_bangkok(text):
    period = parse_period(text)
    assert period.kind == "month" and period.key == "2026-10"
    assert period.start == datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # 1 Oct 00:00 +07:00
    assert period.end == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert period.label("th") == "ตุลาคม 2569"
    assert period.label("en") == "Oct 2026"
    assert period.seconds == 31 * 86400


@pytest.mark.parametrize("text", ["fiscal-2569", "fiscal-2026", "FY2569", "ปีงบประมาณ 2569"])
def test_fiscal_year_runs_from_october_to_september(text):
    period = parse_period(text)
    assert period.first_day == date(2025, 10, 1) and period.last_day == date(2026, 9, 30)
    assert period.start == datetime(2025, 9, 30, 17, 0, tzinfo=UTC)
    assert period.label("th") == "ปีงบประมาณ 2569"


def test_leap_february_2028_has_29_days():
    period = parse_period("2571-02")
    assert period.last_day == date(2028, 2, 29)
    assert period.seconds == 29 * 86400


def test_december_rolls_into_the_next_year():
    period = month_period(2026, 12)
    assert period.end == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert period.label() == "ธันวาคม 2569"


def test_previous_month_is_taken_in_bangkok_time():
    # 31 Oct 2026 18:00 UTC is already 1 Nov 01:00 in Bangkok: the previous month is October.
    assert previous_month(datetime(2026, 10, 31, 18, 0, tzinfo=UTC)).key == "2026-10"
    assert previous_month(datetime(2026, 10, 31, 16, 0, tzinfo=UTC)).key == "2026-09"
    assert previous_month(datetime(2027, 1, 1, 0, 0, tzinfo=UTC)).key == "2026-12"


def test_previous_months_for_a_trend_cross_the_year():
    keys = [p.key for p in month_period(2027, 2).previous_months(4)]
    assert keys == ["2026-10", "2026-11", "2026-12", "2027-01"]


def test_range_includes_both_days_and_takes_thai_dates():
    period = parse_range("01/10/2569", "2026-10-15")
    assert period.start == datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 10, 15, 17, 0, tzinfo=UTC)
    assert period.label("th") == "1 ตุลาคม 2569 – 15 ตุลาคม 2569"


def test_fiscal_year_of_a_day():
    assert fiscal_year_of(date(2026, 10, 1)) == 2027
    assert fiscal_year_of(date(2026, 9, 30)) == 2026


@pytest.mark.parametrize("text", ["", "october", "2026-13", "2026/10", "fiscal-", "10-2026"])
def test_bad_period_says_what_is_accepted(text):
    with pytest.raises(PeriodError, match="2569-10"):
        parse_period(text)


@pytest.mark.parametrize(
    "first,last",
    [("2026-10-15", "2026-10-01"), ("2026-02-30", "2026-03-01"), ("yesterday", "2026-10-01")],
)
def test_bad_range_is_refused(first, last):
    with pytest.raises(PeriodError):
        parse_range(first, last)


def test_parse_day_buddhist_iso():
    assert parse_day("2569-10-01") == date(2026, 10, 1)


def test_short_labels_for_chart_axes():
    assert month_period(2026, 10).short_label("th") == "ต.ค. 69"
    assert month_period(2026, 10).short_label("en") == "Oct 26"
