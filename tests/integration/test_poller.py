"""A sweep from plan to rows, on SQLite and PostgreSQL.

The probe here is hand-made results (a scripted stand-in for the network, as the architecture
intends for the core); the real ICMP path is covered by test_ping_collector and test_service.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from collectors.ping import PingResult
from monitor.db.engine import transaction
from monitor.db.models import DeviceState, MaintenanceWindow, PingRollup, PingSample, StateInterval
from monitor.settings import PingSettings, RetentionSettings
from monitor.status.poller import Poller
from monitor.status.rollups import prune, roll_up
from tests.conftest import NOW, add_device, add_site


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class ScriptedNetwork:
    """Answers like a network where the addresses in `silent` have gone quiet."""

    def __init__(self):
        self.silent: set[str] = set()

    def __call__(self, targets, **_options):
        results = []
        for t in targets:
            if t.address in self.silent:
                results.append(PingResult(t.key, t.address, 1, 0, None, None, None, "timeout"))
            else:
                results.append(PingResult(t.key, t.address, 1, 1, 0.4, 0.4, 0.4))
        return results


def district(sessions):
    with transaction(sessions) as s:
        office = add_site(s, "OFFICE", "สำนักงานเขต")
        school = add_site(s, "S001", "โรงเรียนบ้านหนองบัว")
        core = add_device(s, office, "core-switch", "127.40.0.1", "switch")
        router = add_device(s, school, "router", "127.40.1.1", "router", parent=core)
        switch = add_device(s, school, "sw-core", "127.40.1.2", "switch", parent=router)
        ap = add_device(s, school, "ap-1", "127.40.1.3", "ap", parent=switch)
        return {
            "core": core.id,
            "router": router.id,
            "switch": switch.id,
            "ap": ap.id,
            "school": school.id,
        }


def make_poller(sessions, confirmations=2):
    clock, network = Clock(NOW), ScriptedNetwork()
    settings = PingSettings(interval=60, timeout=1, count=1, confirmations=confirmations)
    return Poller(settings, sessions, probe=network, clock=clock), clock, network


def states(sessions) -> dict[int, str]:
    with transaction(sessions) as s:
        return {r.device_id: r.status for r in s.execute(select(DeviceState)).scalars()}


def history(sessions, device_id) -> list[tuple[str, datetime, datetime | None]]:
    with transaction(sessions) as s:
        rows = s.execute(
            select(StateInterval)
            .where(StateInterval.device_id == device_id)
            .order_by(StateInterval.started_at, StateInterval.id)
        ).scalars()
        return [(r.status, r.started_at, r.ended_at) for r in rows]


def test_first_sweep_brings_every_answering_device_up(any_db):
    ids = district(any_db)
    poller, _, _ = make_poller(any_db)
    summary = poller.sweep()
    assert len(summary.results) == 4
    assert set(states(any_db).values()) == {"up"}
    assert history(any_db, ids["router"]) == [("up", NOW, None)]


def test_router_down_after_confirmations_children_unreachable_since_first_loss(any_db):
    ids = district(any_db)
    poller, clock, network = make_poller(any_db, confirmations=2)
    poller.sweep()
    network.silent = {"127.40.1.1", "127.40.1.2", "127.40.1.3"}
    clock.advance(60)
    first_loss = clock.now
    poller.sweep()
    assert states(any_db)[ids["router"]] == "up"  # one lost sweep is not an outage
    clock.advance(60)
    poller.sweep()
    now = states(any_db)
    assert now[ids["router"]] == "down"
    assert now[ids["switch"]] == "unreachable"
    assert now[ids["ap"]] == "unreachable"
    assert now[ids["core"]] == "up"
    assert history(any_db, ids["router"]) == [("up", NOW, first_loss), ("down", first_loss, None)]


def test_recovery_closes_the_outage_interval(any_db):
    ids = district(any_db)
    poller, clock, network = make_poller(any_db, confirmations=1)
    poller.sweep()
    network.silent = {"127.40.1.1"}
    clock.advance(60)
    down_at = clock.now
    poller.sweep()
    network.silent = set()
    clock.advance(60)
    up_at = clock.now
    poller.sweep()
    assert history(any_db, ids["router"]) == [
        ("up", NOW, down_at),
        ("down", down_at, up_at),
        ("up", up_at, None),
    ]


def test_site_maintenance_window_puts_its_devices_in_maintenance(any_db):
    ids = district(any_db)
    poller, _, network = make_poller(any_db)
    with transaction(any_db) as s:
        s.add(
            MaintenanceWindow(
                site_id=ids["school"],
                starts_at=NOW - timedelta(minutes=5),
                ends_at=NOW + timedelta(hours=1),
                reason="เปลี่ยนสวิตช์",
                created_at=NOW,
            )
        )
    network.silent = {"127.40.1.1", "127.40.1.2", "127.40.1.3"}
    poller.sweep()
    now = states(any_db)
    assert now[ids["router"]] == now[ids["switch"]] == "maintenance"
    assert now[ids["core"]] == "up"


def test_gap_longer_than_threshold_is_recorded_as_unknown(any_db):
    ids = district(any_db)
    poller, clock, _ = make_poller(any_db)
    poller.sweep()
    last_beat = clock.now
    clock.advance(3600)  # ictmon was stopped for an hour
    summary = poller.sweep()
    assert summary.gap_from == last_beat
    assert [status for status, _, _ in history(any_db, ids["core"])] == ["up", "unknown", "up"]
    unknown = history(any_db, ids["core"])[1]
    assert unknown[1] == last_beat and unknown[2] == clock.now


def test_short_pause_is_not_a_gap(any_db):
    ids = district(any_db)
    poller, clock, _ = make_poller(any_db)
    poller.sweep()
    clock.advance(100)  # under two intervals
    assert poller.sweep().gap_from is None
    assert [s for s, _, _ in history(any_db, ids["core"])] == ["up"]


def test_samples_roll_up_into_five_minute_and_hourly_buckets(any_db):
    ids = district(any_db)
    poller, clock, network = make_poller(any_db)
    start = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    clock.now = start
    for minute in range(70):
        network.silent = {"127.40.0.1"} if minute % 5 == 0 else set()
        poller.sweep()
        clock.advance(60)
    with transaction(any_db) as s:
        written = roll_up(s, start + timedelta(hours=1, minutes=8))
        fives = (
            s.execute(
                select(PingRollup)
                .where(PingRollup.device_id == ids["core"], PingRollup.resolution == 300)
                .order_by(PingRollup.bucket_start)
            )
            .scalars()
            .all()
        )
        hourly = (
            s.execute(
                select(PingRollup).where(
                    PingRollup.device_id == ids["core"], PingRollup.resolution == 3600
                )
            )
            .scalars()
            .all()
        )
    assert written[300] == 13 * 4  # 13 closed, settled 5-minute buckets for 4 devices
    assert (fives[0].bucket_start, fives[0].sent, fives[0].received) == (start, 5, 4)
    assert fives[0].rtt_samples == 4 and abs(fives[0].rtt_sum_ms - 1.6) < 1e-9
    assert [(h.bucket_start, h.sent, h.received) for h in hourly] == [(start, 60, 48)]
    with transaction(any_db) as s:  # running again adds nothing twice
        assert roll_up(s, start + timedelta(hours=1, minutes=8)) == {300: 0, 3600: 0}


def test_prune_keeps_only_what_retention_asks_for(any_db):
    district(any_db)
    poller, clock, _ = make_poller(any_db)
    clock.now = NOW - timedelta(hours=30)
    poller.sweep()
    clock.now = NOW
    poller.sweep()
    with transaction(any_db) as s:
        deleted = prune(s, NOW, RetentionSettings(raw_hours=26))
        left = s.execute(select(PingSample.at)).scalars().all()
    assert deleted["samples"] == 4
    assert set(left) == {NOW}


def test_host_names_are_resolved_before_the_probe(db):
    with transaction(db) as s:
        site = add_site(s)
        add_device(s, site, "nas", "localhost", "server")  # /etc/hosts: no DNS query leaves
    poller, _, _ = make_poller(db)
    summary = poller.sweep()
    assert [(r.address, r.ok) for r in summary.results] == [("127.0.0.1", True)]


def test_a_name_that_does_not_resolve_is_a_failed_poll_with_the_reason(db):
    with transaction(db) as s:
        site = add_site(s)
        add_device(s, site, "old-server", "old-server.school.local", "server")
        add_device(s, site, "router", "127.40.9.1", "router")
    # A scripted resolver: a real failing lookup would send a DNS query off this machine.
    poller = Poller(
        PingSettings(confirmations=1),
        db,
        probe=ScriptedNetwork(),
        clock=Clock(NOW),
        resolve=lambda names, timeout: dict.fromkeys(names),
    )
    summary = poller.sweep()
    assert [(r.address, r.ok, r.error) for r in summary.results] == [
        ("old-server.school.local", False, "cannot resolve host name old-server.school.local"),
        ("127.40.9.1", True, None),
    ]
    assert sorted(states(db).values()) == ["down", "up"]
