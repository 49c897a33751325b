"""The demo's 60 days of history: plausible, complete and the same for the same seed."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from monitor.demo.history import DemoDevice, plan_history

END = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)
# The office (core router 1 → switch 2) and three schools (router → switch → access point).
DEVICES = [
    DemoDevice(1, "core-router", "router", "OFFICE"),
    DemoDevice(2, "core-switch", "switch", "OFFICE", 1),
]
for n in range(3):
    base = 10 * (n + 1)
    DEVICES += [
        DemoDevice(base, "router", "router", f"S00{n + 1}", 2),
        DemoDevice(base + 1, "sw-core", "switch", f"S00{n + 1}", base),
        DemoDevice(base + 2, "ap-library", "ap", f"S00{n + 1}", base + 1),
    ]


def test_the_same_seed_gives_the_same_history():
    assert plan_history(DEVICES, END) == plan_history(DEVICES, END)
    assert plan_history(DEVICES, END, seed=1) != plan_history(DEVICES, END, seed=2)


def test_every_device_is_covered_for_sixty_days_without_gaps_or_overlaps():
    plan = plan_history(DEVICES, END)
    by_device = defaultdict(list)
    for iv in plan.intervals:
        by_device[iv.device_id].append(iv)
    assert set(by_device) == {d.id for d in DEVICES}
    for intervals in by_device.values():
        intervals.sort(key=lambda iv: iv.start)
        assert intervals[0].start == END - timedelta(days=60)
        assert intervals[-1].end == END
        for a, b in itertools.pairwise(intervals):
            assert a.end == b.start and a.status != b.status


def test_a_failed_school_router_makes_its_devices_unreachable_not_down():
    plan = plan_history(DEVICES, END)
    router_outages = [i for i in plan.incidents if i.device_id == 30]
    assert router_outages
    outage = router_outages[0]
    assert outage.affected == (31, 32)
    during = {
        iv.device_id: iv.status
        for iv in plan.intervals
        if iv.start <= outage.start < iv.end and iv.device_id in (30, 31, 32)
    }
    assert during == {30: "down", 31: "unreachable", 32: "unreachable"}


def test_the_story_has_a_flaky_school_a_power_cut_a_core_outage_and_a_window():
    plan = plan_history(DEVICES, END)
    last_month = END - timedelta(days=30)
    flaky = [i for i in plan.incidents if i.device_id == 30 and i.start >= last_month]
    assert len(flaky) >= 3 and {i.cause for i in flaky} == {"isp"}
    assert any(i.cause == "power" and i.device_id == 10 for i in plan.incidents)
    core = [i for i in plan.incidents if i.device_id == 1]
    assert core and set(core[0].affected) == {d.id for d in DEVICES} - {1}
    assert all(i.notes and all(note.strip() for note in i.notes) for i in plan.incidents)
    [window] = plan.windows
    assert window.start.weekday() == 5 and window.site_code == "S003"
    assert all(plan.start < i.start < i.end < END for i in plan.incidents)
