"""A weekly maintenance window excludes its occurrences from availability, not its whole validity
range: "every Saturday 08:00-12:00 until the end of March" takes out Saturday mornings only."""

from __future__ import annotations

from datetime import datetime

from monitor.availability.history import load_history
from monitor.db.models import StateInterval
from monitor.localtime import BANGKOK, as_utc
from monitor.status.maintenance import create_window
from tests.conftest import NOW, add_device, add_site

H = 3600
OCT_START = datetime(2026, 10, 1, tzinfo=BANGKOK)
NOV_START = datetime(2026, 11, 1, tzinfo=BANGKOK)
DEC_START = datetime(2026, 12, 1, tzinfo=BANGKOK)


def bkk(day, hour, minute=0, second=0, month=11):
    return datetime(2026, month, day, hour, minute, second, tzinfo=BANGKOK)


# November 2026's Saturdays are the 7th, 14th, 21st and 28th. The window is created on Saturday
# 7 Nov at 10:00, so that morning only its last two hours are maintenance.
WINDOW_FROM, WINDOW_UNTIL = bkk(7, 10), datetime(2027, 4, 1, tzinfo=BANGKOK)
IN_WINDOW_OUTAGE = (bkk(14, 9), bkk(14, 10))  # planned work: not held against the school
AFTER_WINDOW_OUTAGE = (bkk(21, 13), bkk(21, 14, 30, 15))  # Saturday afternoon: a real outage
BEFORE_VALIDITY_OUTAGE = (bkk(7, 8, 30), bkk(7, 9))  # the window did not exist yet

MAINTENANCE_S = 2 * H + 3 * 4 * H
DOWN_S = H + 30 * 60 + 15 + 30 * 60
NOVEMBER_S = 30 * 86400


def seed(db) -> tuple[int, int]:
    with db.begin() as s:
        site = add_site(s, "S01", "โรงเรียนบ้านหนองบัว")
        router = add_device(s, site, "s01-router", "127.0.1.1", "router")
        cursor = OCT_START
        for start, end in sorted([IN_WINDOW_OUTAGE, AFTER_WINDOW_OUTAGE, BEFORE_VALIDITY_OUTAGE]):
            s.add(
                StateInterval(device_id=router.id, status="up", started_at=cursor, ended_at=start)
            )
            s.add(StateInterval(device_id=router.id, status="down", started_at=start, ended_at=end))
            cursor = end
        s.add(StateInterval(device_id=router.id, status="up", started_at=cursor, ended_at=None))
        create_window(
            s,
            site_id=site.id,
            starts_at=as_utc(WINDOW_FROM),
            ends_at=as_utc(WINDOW_UNTIL),
            reason="งานปรับปรุงระบบเครือข่ายวันเสาร์",
            created_by="officer",
            now=NOW,
            weekdays="5",
            local_start="08:00",
            local_end="12:00",
        )
        return site.id, router.id


def figures(f):
    return {
        "up": f.up.total_seconds(),
        "down": f.down.total_seconds(),
        "maintenance": f.maintenance.total_seconds(),
        "unknown": f.unknown.total_seconds(),
        "outages": f.outages,
    }


def test_a_weekly_window_excludes_only_its_saturday_mornings(any_db):
    site_id, router_id = seed(any_db)
    with any_db() as session:
        history = load_history(session, OCT_START, DEC_START)
    november = history.availability(NOV_START, DEC_START)
    want = {
        "up": NOVEMBER_S - MAINTENANCE_S - DOWN_S,
        "down": DOWN_S,
        "maintenance": MAINTENANCE_S,
        "unknown": 0,
        "outages": 2,
    }
    assert figures(november.devices[router_id]) == want
    assert figures(november.sites[site_id]) == want
    # Before the window's validity starts nothing is maintenance.
    october = history.availability(OCT_START, NOV_START)
    assert october.sites[site_id].maintenance.total_seconds() == 0
    assert october.sites[site_id].up.total_seconds() == 31 * 86400


def test_its_occurrences_are_what_the_history_holds(any_db):
    seed(any_db)
    with any_db() as session:
        history = load_history(session, NOV_START, DEC_START)
    assert [
        (m.start.astimezone(BANGKOK), m.end.astimezone(BANGKOK))
        for m in sorted(history.maintenance, key=lambda m: m.start)
    ] == [
        (bkk(7, 10), bkk(7, 12)),
        (bkk(14, 8), bkk(14, 12)),
        (bkk(21, 8), bkk(21, 12)),
        (bkk(28, 8), bkk(28, 12)),
    ]
