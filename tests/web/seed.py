"""Rows for web tests: a small district with one school offline. Shared with tests/browser."""

from __future__ import annotations

from datetime import timedelta

from monitor.db.models import DeviceState, PingRollup, PingSample, ServiceHeartbeat, StateInterval
from tests.conftest import NOW, add_device, add_site


def set_state(session, device, status, since, *, rtt=None, loss=None, error=None):
    session.add(
        DeviceState(
            device_id=device.id,
            status=status,
            since=since,
            fail_count=0,
            last_check_at=NOW - timedelta(seconds=30),
            last_rtt_ms=rtt,
            last_loss_pct=loss,
            last_error=error,
        )
    )
    session.add(StateInterval(device_id=device.id, status=status, started_at=since, ended_at=None))


def seed_district(db) -> dict[str, int]:
    """The office core; school S01 fine; school S02 whose router has been down 2 h 5 min
    (its switch and access point behind it unreachable); school S03 with an access point down."""
    ids = {}
    with db.begin() as s:
        office = add_site(s, "OFFICE", "สำนักงานเขตพื้นที่การศึกษา")
        core = add_device(s, office, "office-core", "127.0.0.1", "router")
        set_state(s, core, "up", NOW - timedelta(days=10), rtt=0.4, loss=0)

        ok = add_site(s, "S01", "โรงเรียนบ้านสบาย")
        r1 = add_device(s, ok, "s01-router", "127.0.1.1", "router", parent=core)
        set_state(s, r1, "up", NOW - timedelta(days=3), rtt=12.5, loss=0)

        bad = add_site(s, "S02", "โรงเรียนดอยสูง")
        r2 = add_device(s, bad, "s02-router", "127.0.2.1", "router", parent=core)
        sw2 = add_device(s, bad, "s02-switch", "127.0.2.2", "switch", parent=r2)
        ap2 = add_device(s, bad, "s02-ap", "127.0.2.3", "ap", parent=sw2)
        down_since = NOW - timedelta(hours=2, minutes=5, seconds=30)
        s.add(
            StateInterval(
                device_id=r2.id,
                status="up",
                started_at=NOW - timedelta(days=5),
                ended_at=down_since,
            )
        )
        set_state(s, r2, "down", down_since, loss=100, error="timeout")
        set_state(s, sw2, "unreachable", down_since)
        set_state(s, ap2, "unreachable", down_since)
        for minute in range(0, 24 * 60, 5):
            at = NOW - timedelta(minutes=minute)
            lost = at >= down_since
            s.add(
                PingSample(
                    device_id=r2.id,
                    at=at,
                    sent=3,
                    received=0 if lost else 3,
                    rtt_avg_ms=None if lost else 18.0 + (minute // 45) % 4 + (minute % 15) / 10,
                    rtt_max_ms=None if lost else 30.0,
                )
            )

        partial = add_site(s, "S03", "โรงเรียนริมน้ำ")
        r3 = add_device(s, partial, "s03-router", "127.0.3.1", "router", parent=core)
        ap3 = add_device(s, partial, "s03-ap", "127.0.3.2", "ap", parent=r3)
        set_state(s, r3, "up", NOW - timedelta(days=1), rtt=8.0, loss=0)
        set_state(s, ap3, "down", NOW - timedelta(minutes=40))
        ids.update(
            core=core.id,
            s01_router=r1.id,
            s02_router=r2.id,
            s02_switch=sw2.id,
            s02_ap=ap2.id,
            s03_ap=ap3.id,
        )
    return ids


SCHOOL_NAMES = (
    "โรงเรียนบ้านหนองบัว",
    "โรงเรียนวัดศรีสุข",
    "โรงเรียนเมืองใหม่วิทยา",
    "โรงเรียนห้วยทรายพิทยาคม",
    "โรงเรียนบ้านโป่งน้ำร้อน",
    "โรงเรียนสันติราษฎร์",
    "โรงเรียนนาดีวิทยา",
    "โรงเรียนท่าช้างพิทยาคม",
    "โรงเรียนบ้านดงเย็น",
    "โรงเรียนแม่ปิงวิทยา",
    "โรงเรียนหนองแสงศึกษา",
    "โรงเรียนบ้านเขาแก้ว",
    "โรงเรียนร่มเกล้า",
    "โรงเรียนชุมชนบ้านกลาง",
    "โรงเรียนพระแท่นวิทยา",
    "โรงเรียนบ่อทองพิทยาคม",
)


def seed_more_schools(db, core_id: int) -> None:
    """More schools behind the office core for a realistic page: most up, one under
    maintenance, one never polled."""
    with db.begin() as s:
        for n, name in enumerate(SCHOOL_NAMES, start=10):
            site = add_site(s, f"S{n:02d}", name)
            router = add_device(s, site, f"s{n}-router", f"127.0.{n}.1", "router")
            router.parent_id = core_id
            switch = add_device(s, site, f"s{n}-switch", f"127.0.{n}.2", "switch", parent=router)
            if n == 12:
                set_state(s, router, "maintenance", NOW - timedelta(minutes=25))
                set_state(s, switch, "maintenance", NOW - timedelta(minutes=25))
            elif n == 13:
                continue  # never polled: unknown
            else:
                set_state(s, router, "up", NOW - timedelta(days=2, hours=n), rtt=5.0 + n)
                set_state(s, switch, "up", NOW - timedelta(days=2, hours=n), rtt=1.0)


def seed_rollups(db, device_id: int, resolution: int, days: int) -> None:
    """Latency rollups with a daily rhythm, and an outage two days ago."""
    rows = []
    start = NOW - timedelta(days=days)
    step = timedelta(seconds=resolution)
    at = start.replace(minute=0, second=0)
    i = 0
    while at < NOW:
        sweeps = resolution // 60
        lost = (NOW - timedelta(days=2, hours=3)) <= at < (NOW - timedelta(days=2, hours=1))
        received = 0 if lost else sweeps * 3 - (i % 17 == 0)
        answered = 0 if lost else sweeps
        rtt = 18.0 + 8.0 * ((at.hour + 7) % 24 in range(8, 16)) + (i % 5)
        rows.append(
            PingRollup(
                device_id=device_id,
                resolution=resolution,
                bucket_start=at,
                sent=sweeps * 3,
                received=received,
                rtt_sum_ms=rtt * answered,
                rtt_samples=answered,
                rtt_max_ms=rtt * 1.5 if answered else None,
            )
        )
        at += step
        i += 1
    with db.begin() as s:
        s.add_all(rows)


def seed_heartbeat(db, at=NOW) -> None:
    """The poller reported at `at` (the status page warns when it has not for a while)."""
    with db.begin() as s:
        s.add(ServiceHeartbeat(name="poller", started_at=at - timedelta(days=1), beat_at=at))


def seed_incident(db, device_id: int, *, opened=None, resolved=None, acknowledged_by=None) -> int:
    """An automatic incident for `device_id`: open, acknowledged (by someone) or resolved."""
    from monitor.db.models import Device, Incident

    state = "resolved" if resolved else "acknowledged" if acknowledged_by else "open"
    with db.begin() as s:
        device = s.get(Device, device_id)
        incident = Incident(
            device_id=device_id,
            site_id=device.site_id,
            title=device.name,
            manual=False,
            state=state,
            opened_at=opened or NOW - timedelta(hours=2),
            opened_by="ictmon",
            acknowledged_by=acknowledged_by,
            acknowledged_at=NOW if acknowledged_by else None,
            resolved_at=resolved,
            resolved_by="ictmon" if resolved else None,
        )
        s.add(incident)
        s.flush()
        return incident.id
