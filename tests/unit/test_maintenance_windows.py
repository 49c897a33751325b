"""When a maintenance window is in force: one-off and weekly (Bangkok weekdays and clock)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from monitor.localtime import BANGKOK
from monitor.status.maintenance import (
    MaintenanceError,
    Recurrence,
    in_force,
    parse_clock,
    parse_weekdays,
)

TERM = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 3, 31, tzinfo=UTC))
SATURDAY_MORNING = Recurrence(frozenset({5}), time(8, 0), time(12, 0))


def bkk(*args) -> datetime:
    return datetime(*args, tzinfo=BANGKOK)


def test_one_off_window_covers_start_but_not_end():
    start, end = bkk(2026, 11, 28, 8), bkk(2026, 11, 28, 12)
    assert in_force(start, end, None, start)
    assert not in_force(start, end, None, end)
    assert not in_force(start, end, None, start - timedelta(seconds=1))


@pytest.mark.parametrize(
    "moment, expected",
    [
        (bkk(2026, 11, 28, 8, 0), True),  # Saturday 08:00 Bangkok
        (bkk(2026, 11, 28, 11, 59), True),
        (bkk(2026, 11, 28, 12, 0), False),
        (bkk(2026, 11, 28, 7, 59), False),
        (bkk(2026, 11, 27, 9, 0), False),  # Friday
        (bkk(2026, 12, 5, 10, 0), True),  # the next Saturday
        (bkk(2027, 4, 3, 10, 0), False),  # a Saturday after the window's end date
    ],
)
def test_weekly_saturday_morning(moment, expected):
    assert in_force(*TERM, SATURDAY_MORNING, moment) is expected


def test_weekly_window_uses_bangkok_weekday_not_utc():
    # Saturday 01:00 in Bangkok is still Friday 18:00 UTC.
    early = Recurrence(frozenset({5}), time(0, 0), time(2, 0))
    moment = bkk(2026, 11, 28, 1, 0)
    assert moment.astimezone(UTC).weekday() == 4
    assert in_force(*TERM, early, moment)


def test_a_window_past_midnight_continues_into_the_next_day():
    night = Recurrence(frozenset({4}), time(22, 0), time(2, 0))  # Friday 22:00 – Saturday 02:00
    assert in_force(*TERM, night, bkk(2026, 11, 28, 1, 30))
    assert not in_force(*TERM, night, bkk(2026, 11, 29, 1, 30))


@pytest.mark.parametrize("text", ["", "7", "sat", "1,,x"])
def test_bad_weekdays_are_refused(text):
    with pytest.raises(MaintenanceError):
        parse_weekdays(text)


@pytest.mark.parametrize("text", ["", "8", "25:00", "08:61"])
def test_bad_clock_times_are_refused(text):
    with pytest.raises(MaintenanceError):
        parse_clock(text)


def test_occurrences_of_a_weekly_window_are_only_its_saturday_mornings():
    from monitor.status.maintenance import occurrences

    november = (bkk(2026, 11, 1), bkk(2026, 12, 1))
    spans = occurrences(*TERM, SATURDAY_MORNING, *november)
    assert [(a.astimezone(BANGKOK).day, (b - a).total_seconds() / 3600) for a, b in spans] == [
        (7, 4.0),
        (14, 4.0),
        (21, 4.0),
        (28, 4.0),
    ]
    assert all(in_force(*TERM, SATURDAY_MORNING, a) for a, _ in spans)


def test_occurrences_of_a_one_off_window_are_clipped_to_the_period():
    from monitor.status.maintenance import occurrences

    spans = occurrences(
        bkk(2026, 11, 30, 22), bkk(2026, 12, 1, 2), None, bkk(2026, 11, 1), bkk(2026, 12, 1)
    )
    assert spans == [(bkk(2026, 11, 30, 22).astimezone(UTC), bkk(2026, 12, 1).astimezone(UTC))]
