"""How a site's tile is coloured and how long its problem is said to last (pure rules)."""

from __future__ import annotations

from datetime import timedelta

from monitor.status.queries import make_tile
from tests.conftest import NOW


def tile(*groups):
    return make_tile(1, "S01", "โรงเรียน", list(groups))


def test_all_up_is_green():
    t = tile(("up", True, 1, NOW), ("up", False, 5, NOW))
    assert (t.level, t.state, t.total, t.problems) == ("ok", "up", 6, 0)


def test_uplink_down_is_red():
    assert tile(("down", True, 1, NOW), ("unreachable", False, 4, NOW)).level == "offline"


def test_device_behind_a_working_uplink_down_is_amber():
    assert tile(("up", True, 1, NOW), ("down", False, 1, NOW)).level == "degraded"


def test_unreachable_school_is_amber():
    assert tile(("unreachable", True, 1, NOW)).level == "degraded"


def test_unknown_grey_and_maintenance_blue():
    assert tile(("unknown", True, 1, None), ("up", False, 1, NOW)).level == "unknown"
    assert tile(("maintenance", True, 1, NOW), ("up", False, 1, NOW)).level == "maintenance"


def test_site_without_devices_is_grey():
    t = tile()
    assert (t.level, t.state, t.total, t.since) == ("unknown", "unknown", 0, None)


def test_offline_duration_is_the_uplinks_not_an_older_access_point_outage():
    router_down = NOW - timedelta(minutes=10)
    ap_down = NOW - timedelta(days=7)
    t = tile(("down", True, 1, router_down), ("down", False, 1, ap_down))
    assert t.level == "offline" and t.since == router_down


def test_degraded_duration_is_the_longest_problem_in_the_worst_state():
    older = NOW - timedelta(hours=3)
    t = tile(
        ("up", True, 1, NOW),
        ("down", False, 1, older),
        ("down", False, 1, NOW - timedelta(hours=1)),
    )
    assert t.since == older and t.counts["down"] == 2
