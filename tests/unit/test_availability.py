"""Availability arithmetic: exact to the microsecond, in Bangkok periods, with the trade's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from monitor.availability.intervals import (
    DeviceInfo,
    Figures,
    MaintenanceSpan,
    Span,
    availability,
    combine,
    figures,
    site_uplinks,
    timeline,
)
from monitor.availability.periods import month_period
from monitor.domain import Status

UTC = UTC
UP, DOWN, UNR, MNT, UNK = (
    Status.UP,
    Status.DOWN,
    Status.UNREACHABLE,
    Status.MAINTENANCE,
    Status.UNKNOWN,
)
T0 = datetime(2026, 10, 1, 0, 0, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


T10 = at(10)


def figs(spans, start=T0, end=T10) -> Figures:
    return figures(timeline(spans, start, end))


# --- table-driven cases -------------------------------------------------------------------------

CASES = {
    "all up": ([Span(UP, at(0), None)], dict(up=10 * H)),
    "nothing recorded is unknown": ([], dict(unknown=10 * H)),
    "before the first interval is unknown": (
        [Span(UP, at(3), None)],
        dict(up=7 * H, unknown=3 * H),
    ),
    "a gap between intervals is unknown": (
        [Span(UP, at(0), at(2)), Span(UP, at(5), None)],
        dict(up=7 * H, unknown=3 * H),
    ),
    "explicit unknown interval": (
        [Span(UP, at(0), at(4)), Span(UNK, at(4), at(6)), Span(UP, at(6), None)],
        dict(up=8 * H, unknown=2 * H),
    ),
    "one outage": (
        [Span(UP, at(0), at(2)), Span(DOWN, at(2), at(3)), Span(UP, at(3), None)],
        dict(up=9 * H, down=H, outages=1, longest_outage=H),
    ),
    "maintenance covering an outage removes it": (
        [
            Span(UP, at(0), at(2)),
            Span(DOWN, at(2), at(3)),
            Span(UP, at(3), None),
            Span(MNT, at(1), at(4)),
        ],
        dict(up=7 * H, maintenance=3 * H),
    ),
    "maintenance covering half an outage": (
        [
            Span(UP, at(0), at(2)),
            Span(DOWN, at(2), at(4)),
            Span(UP, at(4), None),
            Span(MNT, at(3), at(5)),
        ],
        dict(up=7 * H, down=H, maintenance=2 * H, outages=1, longest_outage=H),
    ),
    "overlapping records: down wins over up": (
        [Span(UP, at(0), None), Span(DOWN, at(4), at(5))],
        dict(up=9 * H, down=H, outages=1, longest_outage=H),
    ),
    "unreachable is not the child's downtime": (
        [Span(UP, at(0), at(1)), Span(UNR, at(1), at(3)), Span(UP, at(3), None)],
        dict(up=8 * H, unreachable=2 * H),
    ),
    "an outage still open at the end is cut at the end": (
        [Span(UP, at(0), at(8)), Span(DOWN, at(8), None)],
        dict(up=8 * H, down=2 * H, outages=1, longest_outage=2 * H),
    ),
    "interval from before the window is cut at the start": (
        [Span(DOWN, at(-5), at(1)), Span(UP, at(1), None)],
        dict(up=9 * H, down=H, outages=1, longest_outage=H),
    ),
    "two outages, longest and MTTR": (
        [
            Span(UP, at(0), at(1)),
            Span(DOWN, at(1), at(1.5)),
            Span(UP, at(1.5), at(6)),
            Span(DOWN, at(6), at(8)),
            Span(UP, at(8), None),
        ],
        dict(up=7.5 * H, down=2.5 * H, outages=2, longest_outage=2 * H),
    ),
    "a garbage status counts as unknown": ([Span("exploded", at(0), None)], dict(unknown=10 * H)),
    "intervals after the window do not count": (
        [Span(UP, at(0), at(10)), Span(DOWN, at(10), at(12))],
        dict(up=10 * H),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_device_figures(name):
    spans, expected = CASES[name]
    result = figs(spans)
    want = Figures(**expected)
    assert result == want
    assert result.total == 10 * H


def test_availability_mttr_and_mtbf():
    f = figs(CASES["two outages, longest and MTTR"][0])
    assert f.availability_pct == pytest.approx(75.0)
    assert f.mttr == timedelta(hours=1.25)
    assert f.mtbf == timedelta(hours=3.75)


def test_availability_is_none_when_nothing_was_measured():
    assert figs([Span(MNT, at(0), None)]).availability_pct is None
    assert figs([]).mttr is None and figs([]).mtbf is None


def test_month_boundaries_are_bangkok_midnights():
    october = month_period(2026, 10)
    # Down from 23:30 on 31 Oct to 00:30 on 1 Nov, Bangkok time (16:30-17:30 UTC).
    outage_start = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
    spans = [
        Span(UP, october.start, outage_start),
        Span(DOWN, outage_start, outage_start + H),
        Span(UP, outage_start + H, None),
    ]
    november = month_period(2026, 11)
    oct_f = figures(timeline(spans, october.start, october.end))
    nov_f = figures(timeline(spans, november.start, november.end))
    assert oct_f.down == 30 * M and oct_f.outages == 1
    assert nov_f.down == 30 * M and nov_f.outages == 1
    assert oct_f.total == timedelta(days=31) and nov_f.total == timedelta(days=30)


def test_leap_day_2028_is_part_of_february():
    feb = month_period(2571, 2)  # February 2028 (พ.ศ. 2571)
    leap_day = datetime(2028, 2, 28, 17, 0, tzinfo=UTC)  # 29 Feb 00:00 Bangkok
    spans = [
        Span(UP, feb.start, leap_day),
        Span(DOWN, leap_day, leap_day + 2 * H),
        Span(UP, leap_day + 2 * H, None),
    ]
    f = figures(timeline(spans, feb.start, feb.end))
    assert f.total == timedelta(days=29)
    assert f.down == 2 * H and f.up == timedelta(days=29) - 2 * H


def test_outage_across_two_months_is_split_to_the_second():
    oct_, nov = month_period(2569, 10), month_period(2569, 11)
    start = oct_.end - timedelta(hours=3, seconds=17)
    end = oct_.end + timedelta(hours=5, seconds=43)
    spans = [Span(UP, oct_.start, start), Span(DOWN, start, end), Span(UP, end, None)]
    a = figures(timeline(spans, oct_.start, oct_.end))
    b = figures(timeline(spans, nov.start, nov.end))
    assert a.down == timedelta(hours=3, seconds=17)
    assert b.down == timedelta(hours=5, seconds=43)
    assert a.down + b.down == end - start


def test_combine_takes_the_worst_member():
    a = timeline(
        [Span(UP, at(0), at(4)), Span(DOWN, at(4), at(5)), Span(UP, at(5), None)], at(0), at(10)
    )
    b = timeline(
        [Span(UP, at(0), at(2)), Span(MNT, at(2), at(6)), Span(UP, at(6), None)], at(0), at(10)
    )
    site = combine([a, b], at(0), at(10))
    assert [(s.status, s.start, s.end) for s in site] == [
        (UP, at(0), at(2)),
        (MNT, at(2), at(4)),
        (DOWN, at(4), at(5)),
        (MNT, at(5), at(6)),
        (UP, at(6), at(10)),
    ]


def test_site_uplink_is_the_root_within_the_site():
    devices = [
        DeviceInfo("core", "OFFICE", "router"),
        DeviceInfo("r1", "S1", "router", parent="core"),
        DeviceInfo("sw1", "S1", "switch", parent="r1"),
        DeviceInfo("ap1", "S1", "ap", parent="sw1"),
        DeviceInfo("lonely", "S2", "ap", parent="ghost"),
    ]
    assert site_uplinks(devices) == {"OFFICE": ["core"], "S1": ["r1"], "S2": ["lonely"]}


def test_site_uplink_falls_back_to_all_in_a_parent_loop():
    devices = [DeviceInfo("a", "S", parent="b"), DeviceInfo("b", "S", parent="a")]
    assert site_uplinks(devices) == {"S": ["a", "b"]}


def school():
    return [
        DeviceInfo("core", "OFFICE", "router"),
        DeviceInfo("r1", "S1", "router", parent="core"),
        DeviceInfo("ap1", "S1", "ap", parent="r1"),
    ]


def test_site_follows_its_uplink_not_an_access_point():
    spans = {
        "core": [Span(UP, at(0), None)],
        "r1": [Span(UP, at(0), None)],
        "ap1": [Span(UP, at(0), at(3)), Span(DOWN, at(3), at(5)), Span(UP, at(5), None)],
    }
    result = availability(school(), spans, at(0), at(10))
    assert result.sites["S1"].down == timedelta(0)
    assert result.devices["ap1"].down == 2 * H
    assert result.kinds["ap"].down == 2 * H
    # With every device required, the access point's outage is the school's.
    strict = availability(school(), spans, at(0), at(10), site_rule="all")
    assert strict.sites["S1"].down == 2 * H


def test_office_core_down_is_charged_to_the_office_not_the_school():
    spans = {
        "core": [Span(UP, at(0), at(2)), Span(DOWN, at(2), at(3)), Span(UP, at(3), None)],
        "r1": [Span(UP, at(0), at(2)), Span(UNR, at(2), at(3)), Span(UP, at(3), None)],
        "ap1": [Span(UP, at(0), at(2)), Span(UNR, at(2), at(3)), Span(UP, at(3), None)],
    }
    result = availability(school(), spans, at(0), at(10))
    assert result.sites["OFFICE"].down == H and result.sites["OFFICE"].outages == 1
    assert result.sites["S1"].down == timedelta(0) and result.sites["S1"].unreachable == H
    assert result.sites["S1"].availability_pct == 100.0
    assert result.district.down == H and result.district.total == 20 * H


def test_site_maintenance_window_covers_every_device_of_the_site():
    spans = {
        "core": [Span(UP, at(0), None)],
        "r1": [Span(UP, at(0), at(1)), Span(DOWN, at(1), at(2)), Span(UP, at(2), None)],
        "ap1": [Span(UP, at(0), at(1)), Span(UNR, at(1), at(2)), Span(UP, at(2), None)],
    }
    window = MaintenanceSpan(at(0.5), at(2.5), site="S1")
    result = availability(school(), spans, at(0), at(10), maintenance=[window])
    assert result.sites["S1"].down == timedelta(0)
    assert result.sites["S1"].maintenance == 2 * H
    assert result.devices["ap1"].maintenance == 2 * H
    assert result.devices["core"].maintenance == timedelta(0)


def test_unknown_site_rule_is_refused():
    with pytest.raises(ValueError, match="site_rule"):
        availability(school(), {}, at(0), at(1), site_rule="any")


# --- properties ---------------------------------------------------------------------------------

STATUSES = st.sampled_from([UP, DOWN, UNR, MNT, UNK])
WINDOW_START, WINDOW_END = at(0), at(48)


@st.composite
def histories(draw):
    """A device's recorded history: consecutive intervals with gaps, from before to after the
    window, possibly still open, plus overlapping extra records (maintenance windows etc.)."""
    cursor = WINDOW_START - timedelta(seconds=draw(st.integers(-7200, 7200)))
    spans = []
    for _ in range(draw(st.integers(0, 12))):
        cursor += timedelta(seconds=draw(st.integers(0, 3600)))  # a gap (maybe none)
        length = timedelta(
            seconds=draw(st.integers(1, 20 * 3600)), microseconds=draw(st.integers(0, 999_999))
        )
        spans.append(Span(draw(STATUSES), cursor, cursor + length))
        cursor += length
    if spans and draw(st.booleans()):
        last = spans[-1]
        spans[-1] = Span(last.status, last.start, None)
    for _ in range(draw(st.integers(0, 3))):
        start = WINDOW_START + timedelta(seconds=draw(st.integers(-3600, 50 * 3600)))
        spans.append(
            Span(draw(STATUSES), start, start + timedelta(seconds=draw(st.integers(1, 10 * 3600))))
        )
    return spans


def chunked(spans, cuts):
    """The same history with every interval cut into pieces at the given fractions."""
    out = []
    for span in spans:
        end = span.end or WINDOW_END + timedelta(days=1)
        points = sorted({span.start + (end - span.start) * f for f in cuts} - {span.start, end})
        edges = [span.start, *points, end]
        for a, b in pairwise(edges):
            if a < b:
                out.append(Span(span.status, a, b))
        if span.end is None:
            out[-1] = Span(span.status, out[-1].start, None)
    return out


@hsettings(max_examples=300, deadline=None)
@given(histories())
def test_the_statuses_add_up_to_the_window(spans):
    f = figs(spans, WINDOW_START, WINDOW_END)
    assert f.up + f.down + f.unreachable + f.maintenance + f.unknown == WINDOW_END - WINDOW_START
    assert f.outages == 0 or f.longest_outage > timedelta(0)
    assert f.longest_outage <= f.down


@hsettings(max_examples=300, deadline=None)
@given(histories(), st.lists(st.floats(0.01, 0.99), max_size=4), st.randoms())
def test_results_do_not_depend_on_chunking_or_order(spans, cuts, rnd):
    pieces = chunked(spans, cuts)
    rnd.shuffle(pieces)
    assert figs(pieces, WINDOW_START, WINDOW_END) == figs(spans, WINDOW_START, WINDOW_END)


@hsettings(max_examples=200, deadline=None)
@given(histories(), st.integers(1, 47))
def test_splitting_the_window_splits_the_time(spans, split_hour):
    middle = at(split_hour)
    whole = figs(spans, WINDOW_START, WINDOW_END)
    first, second = figs(spans, WINDOW_START, middle), figs(spans, middle, WINDOW_END)
    assert first.up + second.up == whole.up
    assert first.down + second.down == whole.down
    assert first.maintenance + second.maintenance == whole.maintenance
    # An outage crossing the split is counted in both halves, never lost.
    assert whole.outages <= first.outages + second.outages <= whole.outages + 1


@hsettings(max_examples=200, deadline=None)
@given(st.lists(histories(), min_size=1, max_size=4))
def test_a_site_adds_up_and_is_never_better_than_its_worst_uplink(histories_):
    devices = [DeviceInfo(n, "S", "router") for n in range(len(histories_))]
    result = availability(devices, dict(enumerate(histories_)), WINDOW_START, WINDOW_END)
    site = result.sites["S"]
    assert site.total == WINDOW_END - WINDOW_START
    assert site.down >= max(f.down for f in result.devices.values())
    assert result.district == site
