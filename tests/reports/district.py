"""A month of state history for a small district (October 2569 = 2026), written as the poller
would have written it, with every figure the report must show worked out by hand below."""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.db.models import MaintenanceWindow, StateInterval
from monitor.localtime import BANGKOK
from tests.conftest import NOW, add_device, add_site

H, M, S = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)
OCT_START = datetime(2026, 10, 1, tzinfo=BANGKOK)
NOV_START = datetime(2026, 11, 1, tzinfo=BANGKOK)
SEP_START = datetime(2026, 9, 1, tzinfo=BANGKOK)
MONTH = NOV_START - OCT_START  # 31 days


def bkk(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=BANGKOK)


# ictmon itself was stopped on 15 Oct 02:00-02:30: every device unknown then.
GAP = (bkk(15, 2), bkk(15, 2, 30))
# The office core router failed on 10 Oct 09:00-10:00: every school behind it unreachable.
CORE_OUTAGE = (bkk(10, 9), bkk(10, 10))
# S02's router: down 3:25:17 on 5 Oct, and from 31 Oct 23:00 to 1 Nov 02:00 (1 h in October).
S02_OUTAGE_1 = (bkk(5, 8), bkk(5, 11, 25, 17))
S02_OUTAGE_2 = (bkk(31, 23), bkk(1, 2, month=11))
# S02 also had planned work 20 Oct 13:00-15:00 and its router was silent 13:30-14:15 inside it.
S02_MAINTENANCE = (bkk(20, 13), bkk(20, 15))
S02_SILENT_IN_MAINTENANCE = (bkk(20, 13, 30), bkk(20, 14, 15))
# S01's access point was down 2 h on 12 Oct; its router was fine (the school stays up).
S01_AP_OUTAGE = (bkk(12, 14), bkk(12, 16))
# S03 was added on 3 Oct 00:00: before that it is unknown, never up.
S03_FIRST_POLL = bkk(3, 0)

SITE_NAMES = {
    "OFFICE": "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษาเขตทดสอบ",
    "S01": "โรงเรียนบ้านหนองบัว",
    "S02": "โรงเรียนดอยสูงวิทยา",
    "S03": "โรงเรียนริมน้ำ",
}

# Expected figures for October (seconds), worked out from the events above.
GAP_S = 30 * 60
EXPECTED = {
    "OFFICE": dict(down=3600, unknown=GAP_S, outages=1),
    "S01": dict(down=0, unreachable=3600, unknown=GAP_S, outages=0),
    "S02": dict(
        down=3 * 3600 + 25 * 60 + 17 + 3600,
        maintenance=2 * 3600,
        unreachable=3600,
        unknown=GAP_S,
        outages=2,
    ),
    "S03": dict(down=0, unreachable=3600, unknown=2 * 86400 + GAP_S, outages=0),
}
for e in EXPECTED.values():
    e["up"] = int(MONTH.total_seconds()) - sum(
        e.get(k, 0) for k in ("down", "unreachable", "maintenance", "unknown")
    )


def _pct(e) -> float:
    return 100.0 * e["up"] / (e["up"] + e["down"])


EXPECTED_PCT = {code: _pct(e) for code, e in EXPECTED.items()}
DISTRICT_DOWN = sum(e["down"] for e in EXPECTED.values())
DISTRICT_UP = sum(e["up"] for e in EXPECTED.values())
DISTRICT_PCT = 100.0 * DISTRICT_UP / (DISTRICT_UP + DISTRICT_DOWN)


def _write(session, device, events, *, first=OCT_START - timedelta(days=40), last=None):
    """events: (status, start, end) inside the history; up elsewhere; the poll gap unknown."""
    cuts = sorted([*events, ("unknown", *GAP)], key=lambda e: e[1])
    cursor = first
    rows = []
    for status, start, end in cuts:
        if start < cursor:
            start = cursor
        if cursor < start:
            rows.append(("up", cursor, start))
        rows.append((status, start, end))
        cursor = end
    rows.append(("up", cursor, last))
    for status, start, end in rows:
        session.add(
            StateInterval(device_id=device.id, status=status, started_at=start, ended_at=end)
        )


def seed_october(db) -> dict[str, int]:
    with db.begin() as s:
        office = add_site(s, "OFFICE", SITE_NAMES["OFFICE"])
        core = add_device(s, office, "office-core", "127.0.0.1", "router")
        _write(s, core, [("down", *CORE_OUTAGE)])
        ids = {"core": core.id}
        unreachable = ("unreachable", *CORE_OUTAGE)

        s01 = add_site(s, "S01", SITE_NAMES["S01"])
        r1 = add_device(s, s01, "s01-router", "127.0.1.1", "router", parent=core)
        ap1 = add_device(s, s01, "s01-ap", "127.0.1.2", "ap", parent=r1)
        _write(s, r1, [unreachable])
        _write(s, ap1, [unreachable, ("down", *S01_AP_OUTAGE)])

        s02 = add_site(s, "S02", SITE_NAMES["S02"])
        r2 = add_device(s, s02, "s02-router", "127.0.2.1", "router", parent=core)
        sw2 = add_device(s, s02, "s02-switch", "127.0.2.2", "switch", parent=r2)
        _write(
            s,
            r2,
            [
                ("down", *S02_OUTAGE_1),
                unreachable,
                ("maintenance", *S02_MAINTENANCE),
                ("down", *S02_OUTAGE_2),
            ],
        )
        _write(
            s,
            sw2,
            [
                ("unreachable", *S02_OUTAGE_1),
                unreachable,
                ("maintenance", *S02_MAINTENANCE),
                ("unreachable", *S02_OUTAGE_2),
            ],
        )
        # A window logged for the site (the poller's intervals already say maintenance).
        s.add(
            MaintenanceWindow(
                site_id=s02.id,
                starts_at=S02_MAINTENANCE[0],
                ends_at=S02_MAINTENANCE[1],
                reason="เปลี่ยนสายไฟเบอร์",
                created_by="officer",
                created_at=NOW,
            )
        )

        s03 = add_site(s, "S03", SITE_NAMES["S03"])
        r3 = add_device(s, s03, "s03-router", "127.0.3.1", "router", parent=core)
        _write(s, r3, [unreachable], first=S03_FIRST_POLL)
        ids.update(
            s01_router=r1.id, s01_ap=ap1.id, s02_router=r2.id, s02_switch=sw2.id, s03_router=r3.id
        )
    return ids
