"""Times for people: Bangkok time, Buddhist-era years, Thai month names and durations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from monitor.localtime import (
    as_utc,
    format_date,
    format_datetime,
    format_duration,
    iso_local,
    to_local,
)

UTC = UTC


def test_buddhist_era_is_543_years_ahead():
    assert format_date(date(2026, 3, 15)) == "15 มีนาคม 2569"


def test_english_dates_keep_the_common_era():
    assert format_date(date(2026, 3, 15), "en") == "15 Mar 2026"


def test_bangkok_is_seven_hours_ahead():
    assert format_datetime(datetime(2026, 11, 24, 7, 5, tzinfo=UTC)) == "24 พ.ย. 2569 14:05"


def test_utc_evening_rolls_over_to_the_next_month_in_bangkok():
    assert format_datetime(datetime(2026, 11, 30, 17, 30, tzinfo=UTC)) == "1 ธ.ค. 2569 00:30"


def test_utc_new_years_eve_is_the_next_buddhist_year_in_bangkok():
    assert format_datetime(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == "1 ม.ค. 2570 00:00"


def test_long_thai_month_names_on_request():
    moment = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
    assert format_datetime(moment, short=False) == "1 ธันวาคม 2569 00:30"


def test_english_datetime_in_bangkok_time():
    assert format_datetime(datetime(2026, 11, 30, 17, 30, tzinfo=UTC), "en") == "1 Dec 2026 00:30"


def test_naive_database_times_are_utc():
    # Naive on purpose: that is how the database hands times back.
    naive = datetime(2026, 11, 24, 7, 5, tzinfo=UTC).replace(tzinfo=None)
    assert as_utc(naive) == datetime(2026, 11, 24, 7, 5, tzinfo=UTC)
    naive = datetime(2026, 11, 30, 17, 30, tzinfo=UTC).replace(tzinfo=None)
    assert format_datetime(naive) == "1 ธ.ค. 2569 00:30"


def test_aware_times_in_another_zone_are_converted_not_relabelled():
    tokyo = timezone(timedelta(hours=9))
    assert to_local(datetime(2026, 11, 24, 9, 0, tzinfo=tokyo)).hour == 7


def test_iso_local_carries_the_plus_seven_offset():
    assert iso_local(datetime(2026, 11, 30, 17, 30, tzinfo=UTC)) == "2026-12-01T00:30:00+07:00"


def test_iso_local_of_nothing_is_none():
    assert iso_local(None) is None


def test_missing_times_show_a_dash():
    assert format_datetime(None) == format_date(None) == format_duration(None) == "—"


@pytest.mark.parametrize(
    "month, short, long",
    [
        (1, "ม.ค.", "มกราคม"),
        (2, "ก.พ.", "กุมภาพันธ์"),
        (4, "เม.ย.", "เมษายน"),
        (10, "ต.ค.", "ตุลาคม"),
        (12, "ธ.ค.", "ธันวาคม"),
    ],
)
def test_format_date_short_and_long_thai_month_names(month, short, long):
    assert format_date(date(2026, month, 1), short=True) == f"1 {short} 2569"
    assert format_date(date(2026, month, 1)) == f"1 {long} 2569"


@pytest.mark.parametrize(
    "delta, thai, english",
    [
        (timedelta(hours=2, minutes=5), "2 ชั่วโมง 5 นาที", "2 h 5 min"),
        (timedelta(days=3, hours=4, minutes=59), "3 วัน 4 ชั่วโมง", "3 d 4 h"),
        (timedelta(minutes=1, seconds=30), "1 นาที 30 วินาที", "1 min 30 s"),
        (timedelta(seconds=45), "45 วินาที", "45 s"),
        (timedelta(hours=1), "1 ชั่วโมง", "1 h"),
        (timedelta(days=1, seconds=12), "1 วัน", "1 d"),
    ],
)
def test_durations_show_the_two_largest_units(delta, thai, english):
    assert format_duration(delta) == thai
    assert format_duration(delta, "en") == english


def test_duration_accepts_seconds():
    assert format_duration(3725) == "1 ชั่วโมง 2 นาที"


@pytest.mark.parametrize("delta", [timedelta(0), 0, 0.4, -30])
def test_zero_or_negative_duration_is_zero_seconds(delta):
    assert format_duration(delta) == "0 วินาที"
    assert format_duration(delta, "en") == "0 s"
