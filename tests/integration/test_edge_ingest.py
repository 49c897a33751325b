"""The central applying what an edge collector measured, on SQLite and PostgreSQL.

A district: the office's core switch; school S012 behind it with its router (the office pings
that over the WAN), sw-1 behind the router, sw-2 and an access point behind sw-1 (the school's
collector measures those three). Uploads are built as the collector builds them
(monitor.edge.protocol) and applied as the results route applies them, one transaction each;
the office's own sweep runs with a scripted network (as in test_poller) where it is needed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from collectors.ping import PingResult
from collectors.snmp import SnmpResult
from monitor.db.engine import transaction
from monitor.db.models import (
    Collector,
    CollectorBatch,
    CollectorSite,
    Device,
    DeviceState,
    Incident,
    IncidentEvent,
    OutboxMessage,
    PingRollup,
    PingSample,
    SnmpStatus,
    StateInterval,
)
from monitor.edge import liveness, snmp_wire
from monitor.edge.ingest import Refused, apply_batch
from monitor.edge.protocol import Batch, PingOutcome, SnmpRound, Sweep
from monitor.secrets import Vault
from monitor.settings import CollectorSettings, PingSettings
from monitor.snmp.store import load_plan as snmp_load_plan
from monitor.status.maintenance import create_window
from monitor.status.poller import Poller
from monitor.status.rollups import roll_up
from tests.conftest import NOW, add_device, add_site

T0 = NOW  # 10:00 in Bangkok
PUSH = 30.0


@pytest.fixture
def edge_settings(settings):
    return replace(
        settings,
        ping=PingSettings(interval=60, timeout=1, count=1, spacing=0, confirmations=2),
        alerts=replace(settings.alerts, recipients="noc@example.org", language="en"),
        collector=CollectorSettings(push_interval=PUSH),
    )


def district(sessions) -> dict[str, int]:
    with transaction(sessions) as s:
        office = add_site(s, "OFFICE", "District office")
        school = add_site(s, "S012", "Ban Nong Bua School")
        other = add_site(s, "S013", "Ban Khok School")
        core = add_device(s, office, "core", "127.40.0.1", "switch")
        router = add_device(s, school, "router", "127.40.1.1", "router", parent=core)
        sw1 = add_device(s, school, "sw-1", "127.41.1.2", "switch", parent=router)
        sw2 = add_device(s, school, "sw-2", "127.41.1.3", "switch", parent=sw1)
        ap = add_device(s, school, "ap", "127.41.1.4", "ap", parent=sw1)
        foreign = add_device(s, other, "sw-x", "127.41.2.2", "switch")
        collector = Collector(name="S012-pi", created_at=T0 - timedelta(days=1))
        s.add(collector)
        s.flush()
        s.add(CollectorSite(collector_id=collector.id, site_id=school.id))
        return {
            "core": core.id,
            "router": router.id,
            "sw-1": sw1.id,
            "sw-2": sw2.id,
            "ap": ap.id,
            "foreign": foreign.id,
            "collector": collector.id,
        }


def sweep(ids, at: datetime, silent: tuple[str, ...] = ()) -> Sweep:
    return Sweep(
        at,
        tuple(
            PingOutcome(ids[n], 1, 0, error="timeout")
            if n in silent
            else PingOutcome(ids[n], 1, 1, 0.5, 0.5, 0.5)
            for n in ("sw-1", "sw-2", "ap")
        ),
    )


def upload(sessions, ids, settings, sweeps, *, received_at, batch_id=None, queue_length=0, **kw):
    batch = Batch(
        batch_id=batch_id or f"b-{received_at:%H%M%S}",
        sent_at=kw.pop("sent_at", received_at),
        queue_length=queue_length,
        sweeps=tuple(sweeps),
        **kw,
    )
    with transaction(sessions) as s:
        collector = s.get(Collector, ids["collector"])
        return apply_batch(s, collector, batch, received_at=received_at, settings=settings)


def every_minute(ids, start: datetime, end: datetime, silent=lambda at: ()) -> list[Sweep]:
    out, at = [], start
    while at <= end:
        out.append(sweep(ids, at, silent(at)))
        at += timedelta(seconds=60)
    return out


def history(sessions, device_id) -> list[tuple[str, datetime, datetime | None]]:
    with transaction(sessions) as s:
        rows = s.scalars(
            select(StateInterval)
            .where(StateInterval.device_id == device_id)
            .order_by(StateInterval.started_at, StateInterval.id)
        )
        return [(r.status, r.started_at, r.ended_at) for r in rows]


def states(sessions) -> dict[int, str]:
    with transaction(sessions) as s:
        return {r.device_id: r.status for r in s.scalars(select(DeviceState))}


def outbox(sessions) -> list[tuple[str | None, str, str]]:
    with transaction(sessions) as s:
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(m.dedupe_key, m.subject, m.text) for m in rows]


def count(sessions, model) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def minute(n: float) -> datetime:
    return T0 + timedelta(seconds=60 * n)


# --- applying as the office's own sweep would ---------------------------------------------------


def test_sweeps_become_intervals_incidents_and_a_down_alert(any_db, edge_settings):
    ids = district(any_db)
    sweeps = [
        sweep(ids, minute(0)),
        sweep(ids, minute(1), ("sw-2",)),
        sweep(ids, minute(2), ("sw-2",)),
    ]
    applied = upload(
        any_db, ids, edge_settings, sweeps, received_at=minute(2) + timedelta(seconds=5)
    )
    assert (applied.applied, applied.duplicate) == (9, False)
    assert history(any_db, ids["sw-2"]) == [("up", minute(0), minute(1)), ("down", minute(1), None)]
    assert history(any_db, ids["sw-1"]) == [("up", minute(0), None)]
    assert states(any_db)[ids["sw-2"]] == "down"
    with transaction(any_db) as s:
        [incident] = s.scalars(select(Incident)).all()
        assert (incident.device_id, incident.opened_at) == (ids["sw-2"], minute(1))
        collector = s.get(Collector, ids["collector"])
        assert collector.last_sweep_at == minute(2)
        assert collector.last_contact_at == minute(2) + timedelta(seconds=5)
    [(key, subject, _)] = outbox(any_db)
    assert key == f"incident-{incident.id}-down"
    assert "sw-2" in subject
    assert count(any_db, PingSample) == 9


def test_an_upload_repeated_with_the_same_id_is_applied_once(any_db, edge_settings):
    ids = district(any_db)
    sweeps = [sweep(ids, minute(0)), sweep(ids, minute(1))]
    first = upload(any_db, ids, edge_settings, sweeps, received_at=minute(1), batch_id="q-1-2")
    again = upload(any_db, ids, edge_settings, sweeps, received_at=minute(1.5), batch_id="q-1-2")
    assert (first.applied, first.duplicate) == (6, False)
    assert (again.applied, again.duplicate) == (0, True)
    assert count(any_db, PingSample) == 6
    assert count(any_db, CollectorBatch) == 1
    with transaction(any_db) as s:  # the repeat still counts as contact
        assert s.get(Collector, ids["collector"]).last_contact_at == minute(1.5)


def test_sweeps_already_applied_are_skipped_even_under_another_id(any_db, edge_settings):
    ids = district(any_db)
    sweeps = [sweep(ids, minute(0)), sweep(ids, minute(1))]
    upload(any_db, ids, edge_settings, sweeps, received_at=minute(1), batch_id="a")
    later = upload(
        any_db,
        ids,
        edge_settings,
        [*sweeps, sweep(ids, minute(2))],
        received_at=minute(2),
        batch_id="b",
    )
    assert later.applied == 3
    assert count(any_db, PingSample) == 9


def test_a_device_of_another_school_refuses_the_whole_upload(any_db, edge_settings):
    ids = district(any_db)
    bad = Sweep(
        minute(1),
        (PingOutcome(ids["sw-1"], 1, 1, 0.5, 0.5, 0.5), PingOutcome(ids["foreign"], 1, 1)),
    )
    with pytest.raises(Refused) as refused:
        upload(any_db, ids, edge_settings, [sweep(ids, minute(0)), bad], received_at=minute(1))
    assert refused.value.status == 403
    assert str(ids["foreign"]) in refused.value.message
    assert count(any_db, PingSample) == count(any_db, StateInterval) == 0
    assert count(any_db, CollectorBatch) == 0


def test_a_clock_ten_minutes_off_is_refused_and_nothing_written(any_db, edge_settings):
    ids = district(any_db)
    with pytest.raises(Refused) as refused:
        upload(
            any_db,
            ids,
            edge_settings,
            [sweep(ids, minute(0))],
            received_at=minute(1),
            sent_at=minute(11),
        )
    assert refused.value.status == 409
    assert "+600 s" in refused.value.message
    assert refused.value.clock_offset_seconds == 600
    assert count(any_db, PingSample) == count(any_db, StateInterval) == 0
    with transaction(any_db) as s:
        assert s.get(Collector, ids["collector"]).last_contact_at is None


def test_a_stretch_the_buffer_does_not_cover_is_unknown(any_db, edge_settings):
    ids = district(any_db)
    upload(
        any_db,
        ids,
        edge_settings,
        [sweep(ids, minute(0)), sweep(ids, minute(1))],
        received_at=minute(1),
    )
    # Ten minutes of results dropped (buffer full): the next sweep is at minute 11.
    upload(any_db, ids, edge_settings, [sweep(ids, minute(11))], received_at=minute(11), dropped=30)
    assert history(any_db, ids["sw-1"]) == [
        ("up", minute(0), minute(1)),
        ("unknown", minute(1), minute(11)),
        ("up", minute(11), None),
    ]
    with transaction(any_db) as s:
        assert s.get(Collector, ids["collector"]).dropped_total == 30


# --- offline, then the backlog ------------------------------------------------------------------


def go_offline(sessions, ids, settings, at):
    with transaction(sessions) as s:
        return liveness.check(s, at, settings)


def test_backfill_after_an_offline_mark_is_exact_and_replays_no_alert(any_db, edge_settings):
    ids = district(any_db)
    upload(
        any_db,
        ids,
        edge_settings,
        [sweep(ids, minute(0)), sweep(ids, minute(1))],
        received_at=minute(1) + timedelta(seconds=5),
    )
    # The WAN is cut: no contact for 90 s → offline, every inside device unknown from minute 1.
    assert go_offline(any_db, ids, edge_settings, minute(3)) == ["S012-pi"]
    assert {states(any_db)[ids[n]] for n in ("sw-1", "sw-2", "ap")} == {"unknown"}
    assert history(any_db, ids["sw-1"])[-1] == ("unknown", minute(1), None)
    with transaction(any_db) as s:
        assert liveness.offline_devices(s) == {ids["sw-1"], ids["sw-2"], ids["ap"]}
        [incident] = s.scalars(select(Incident)).all()
        assert incident.device_id is None and "S012-pi" in incident.title
    [(key, subject, _)] = outbox(any_db)
    assert key.startswith(f"collector-{ids['collector']}-offline-")
    assert "S012-pi" in subject
    assert go_offline(any_db, ids, edge_settings, minute(4)) == []  # marked once

    # Two hours later the link is back; the buffer holds every minute; sw-2 was silent
    # from minute 10 to minute 40 (10:10–10:40 in Bangkok) and answered again at 41.
    back = minute(123)
    backlog = every_minute(
        ids, minute(2), minute(122), lambda at: ("sw-2",) if minute(10) <= at <= minute(40) else ()
    )
    upload(any_db, ids, edge_settings, backlog, received_at=back)

    assert history(any_db, ids["sw-2"]) == [
        ("up", minute(0), minute(10)),
        ("down", minute(10), minute(41)),
        ("up", minute(41), None),
    ]
    for name in ("sw-1", "ap"):
        assert history(any_db, ids[name]) == [("up", minute(0), None)]
    assert set(states(any_db).values()) == {"up"}
    with transaction(any_db) as s:
        assert liveness.offline_devices(s) == set()
        incidents = {i.device_id: i for i in s.scalars(select(Incident))}
        assert incidents[None].state == "resolved" and incidents[None].resolved_at == back
        down = incidents[ids["sw-2"]]
        assert (down.opened_at, down.resolved_at) == (minute(10), minute(41))
        collector = s.get(Collector, ids["collector"])
        assert collector.offline_since is None and collector.offline_snapshot is None
    mails = outbox(any_db)
    assert not [k for k, _, _ in mails if k and k.startswith("incident-")]  # nothing replayed
    [summary] = [m for m in mails if m[0] and "-back-" in m[0]]
    assert summary[1] == "[ictmon] Collector S012-pi back after 2 h 1 min"
    assert "sw-2 was down 10:10–10:41" in summary[2]
    assert "Everything else stayed up." in summary[2]


def test_a_device_still_down_when_the_backlog_ends_is_alerted_once(any_db, edge_settings):
    ids = district(any_db)
    upload(any_db, ids, edge_settings, [sweep(ids, minute(0))], received_at=minute(0))
    go_offline(any_db, ids, edge_settings, minute(2))
    backlog = every_minute(
        ids, minute(1), minute(60), lambda at: ("sw-2",) if at >= minute(30) else ()
    )
    upload(any_db, ids, edge_settings, backlog, received_at=minute(60) + timedelta(seconds=10))
    with transaction(any_db) as s:
        down = s.scalars(select(Incident).where(Incident.device_id == ids["sw-2"])).one()
    keys = [k for k, _, _ in outbox(any_db)]
    assert keys.count(f"incident-{down.id}-down") == 1
    assert down.opened_at == minute(30)
    [text] = [t for k, _, t in outbox(any_db) if k and "-back-" in k]
    assert "sw-2 down since 10:30, still" in text
    # The next pushes on time: still down, no second alert.
    upload(
        any_db,
        ids,
        edge_settings,
        [sweep(ids, minute(61), ("sw-2",))],
        received_at=minute(61) + timedelta(seconds=10),
    )
    assert [k for k, _, _ in outbox(any_db)].count(f"incident-{down.id}-down") == 1


def test_a_backlog_in_several_uploads_is_summed_up_once_at_its_end(any_db, edge_settings):
    ids = district(any_db)
    upload(any_db, ids, edge_settings, [sweep(ids, minute(0))], received_at=minute(0))
    go_offline(any_db, ids, edge_settings, minute(2))
    part1 = every_minute(ids, minute(1), minute(30))
    part2 = every_minute(ids, minute(31), minute(60))
    upload(any_db, ids, edge_settings, part1, received_at=minute(61), queue_length=90)
    assert not [k for k, _, _ in outbox(any_db) if k and "-back-" in k]
    upload(any_db, ids, edge_settings, part2, received_at=minute(61) + timedelta(seconds=2))
    [text] = [t for k, _, t in outbox(any_db) if k and "-back-" in k]
    assert "Inside the school, everything stayed up." in text
    assert history(any_db, ids["ap"]) == [("up", minute(0), None)]


def test_an_upload_delayed_in_transit_does_not_cut_the_summary_short(any_db, edge_settings):
    """An upload taken as the link went down arrives first after it is back, saying "nothing
    more queued" (true when it was taken): the summary waits for the backlog behind it."""
    settings = replace(
        edge_settings,
        ping=replace(edge_settings.ping, interval=10),
        collector=CollectorSettings(push_interval=5),  # offline after 15 s
    )
    ids = district(any_db)

    def second(n: float) -> datetime:
        return T0 + timedelta(seconds=n)

    def sweeps(start: int, end: int) -> list[Sweep]:
        silent = lambda at: ("sw-2",) if second(40) <= at <= second(50) else ()  # noqa: E731
        return [sweep(ids, second(n), silent(second(n))) for n in range(start, end + 1, 10)]

    upload(any_db, ids, settings, sweeps(0, 10), received_at=second(12))
    assert go_offline(any_db, ids, settings, second(35)) == ["S012-pi"]
    # Taken at 21 s with the queue empty, held on the way until the link is back at 75 s.
    upload(any_db, ids, settings, sweeps(20, 20), received_at=second(75), sent_at=second(21))
    assert not [k for k, _, _ in outbox(any_db) if k and "-back-" in k]
    with transaction(any_db) as s:
        snapshot = s.get(Collector, ids["collector"]).offline_snapshot
        assert snapshot is not None and snapshot["kind"] == "catching_up"
    upload(any_db, ids, settings, sweeps(30, 70), received_at=second(76))
    [text] = [t for k, _, t in outbox(any_db) if k and "-back-" in k]
    assert "sw-2 was down" in text, text
    with transaction(any_db) as s:
        assert s.get(Collector, ids["collector"]).offline_snapshot is None


# --- one root cause, one mail; the office's sweep leaves the inside alone ----------------------


class RecordingNetwork:
    """The office's view: it reaches its core and the school's router (unless cut), nothing else."""

    def __init__(self, ids):
        self.asked: list[int] = []
        self.cut = False
        self.router = ids["router"]

    def __call__(self, targets, **_options):
        results = []
        for t in targets:
            self.asked.append(t.key)
            ok = not (self.cut and t.key == self.router)
            results.append(PingResult(t.key, t.address, 1, int(ok), 0.4, 0.4, 0.4))
        return results


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def office_poller(sessions, settings, ids):
    network, clock = RecordingNetwork(ids), Clock(minute(0))
    poller = Poller(settings.ping, sessions, probe=network, clock=clock, alerts=settings.alerts)
    return poller, network, clock


def test_the_office_no_longer_pings_what_a_collector_measures(any_db, edge_settings):
    ids = district(any_db)
    poller, network, _ = office_poller(any_db, edge_settings, ids)
    poller.sweep()
    assert set(network.asked) == {ids["core"], ids["router"], ids["foreign"]}
    assert ids["sw-1"] not in states(any_db)


def test_collector_offline_joins_the_routers_incident_when_the_office_sees_it_down(
    any_db, edge_settings
):
    ids = district(any_db)
    poller, network, clock = office_poller(any_db, edge_settings, ids)
    poller.sweep()
    upload(any_db, ids, edge_settings, [sweep(ids, minute(0))], received_at=minute(0))
    # The WAN is cut: the office loses the router, the collector loses the central.
    network.cut = True
    clock.now = minute(1)
    poller.sweep()
    # Offline at minute 1.75, but the office is still confirming the router: no decision yet.
    go_offline(any_db, ids, edge_settings, minute(1.75))
    with transaction(any_db) as s:
        assert s.scalars(select(Incident)).all() == []
    clock.now = minute(2)
    poller.sweep()  # router confirmed down: its incident and its one mail
    go_offline(any_db, ids, edge_settings, minute(2.1))
    with transaction(any_db) as s:
        [incident] = s.scalars(select(Incident)).all()
        assert incident.device_id == ids["router"]
        actions = [e.action for e in s.scalars(select(IncidentEvent).order_by(IncidentEvent.id))]
        assert actions == ["opened", "collector_offline"]
        assert s.get(Collector, ids["collector"]).offline_incident_id == incident.id
    assert [k for k, _, _ in outbox(any_db)] == [f"incident-{incident.id}-down"]
    assert {states(any_db)[ids[n]] for n in ("sw-1", "sw-2", "ap")} == {"unknown"}
    # Back: the router's incident stays the router's; the collector's return is an event on it.
    upload(
        any_db, ids, edge_settings, every_minute(ids, minute(1), minute(5)), received_at=minute(5)
    )
    with transaction(any_db) as s:
        incident = s.get(Incident, incident.id)
        assert incident.state == "open"
        actions = [e.action for e in s.scalars(select(IncidentEvent).order_by(IncidentEvent.id))]
        assert actions[-1] == "collector_back"
    assert history(any_db, ids["sw-1"]) == [("up", minute(0), None)]


# --- SNMP rounds ---------------------------------------------------------------------------------


def snmp_round(ids, at, names=("sw-1",), uptime_cs=100_000):
    results = tuple(
        snmp_wire.encode_result(SnmpResult(ids[n], "127.41.1.2", "ok", uptime_cs=uptime_cs))
        for n in names
    )
    return SnmpRound(at, results)


def test_snmp_rounds_are_recorded_once(any_db, edge_settings):
    ids = district(any_db)
    first = upload(
        any_db,
        ids,
        edge_settings,
        [],
        received_at=minute(5),
        snmp_rounds=(snmp_round(ids, minute(5)),),
    )
    assert first.applied == 1
    again = upload(
        any_db,
        ids,
        edge_settings,
        [],
        received_at=minute(6),
        batch_id="other-id",
        snmp_rounds=(snmp_round(ids, minute(5)),),
    )
    assert again.applied == 0
    with transaction(any_db) as s:
        status = s.get(SnmpStatus, ids["sw-1"])
        assert (status.state, status.polled_at, status.uptime_cs) == ("ok", minute(5), 100_000)


def test_an_snmp_result_for_another_schools_device_is_refused(any_db, edge_settings):
    ids = district(any_db)
    with pytest.raises(Refused) as refused:
        upload(
            any_db,
            ids,
            edge_settings,
            [sweep(ids, minute(5))],
            received_at=minute(5),
            snmp_rounds=(snmp_round(ids, minute(5), ("sw-1", "foreign")),),
        )
    assert refused.value.status == 403
    assert count(any_db, SnmpStatus) == count(any_db, PingSample) == 0


def test_a_malformed_snmp_result_is_refused_naming_the_field(any_db, edge_settings):
    ids = district(any_db)
    bad = SnmpRound(
        minute(5), ({"key": ids["sw-1"], "address": "x", "state": "ok", "uptime_cs": "many"},)
    )
    with pytest.raises(Refused) as refused:
        upload(
            any_db,
            ids,
            edge_settings,
            [sweep(ids, minute(5))],
            received_at=minute(5),
            snmp_rounds=(bad,),
        )
    assert refused.value.status == 400
    assert "snmp_rounds[0].results[0].uptime_cs" in refused.value.message
    assert count(any_db, PingSample) == 0


# --- latency charts ------------------------------------------------------------------------------


def test_the_backlog_fills_the_latency_buckets_housekeeping_had_passed(any_db, edge_settings):
    ids = district(any_db)
    upload(
        any_db,
        ids,
        edge_settings,
        [sweep(ids, minute(0)), sweep(ids, minute(1))],
        received_at=minute(1),
    )
    go_offline(any_db, ids, edge_settings, minute(3))
    with transaction(any_db) as s:  # housekeeping ran on while the school was cut off
        roll_up(s, minute(100))
    upload(
        any_db,
        ids,
        edge_settings,
        every_minute(ids, minute(2), minute(122)),
        received_at=minute(123),
    )
    with transaction(any_db) as s:
        roll_up(s, minute(130))
        rows = s.scalars(select(PingRollup).where(PingRollup.device_id == ids["sw-1"])).all()
    fives = {r.bucket_start: r.sent for r in rows if r.resolution == 300}
    hours = {r.bucket_start: r.sent for r in rows if r.resolution == 3600}
    # Every minute counted once: the last bucket holds minutes 120-122.
    assert fives == {**{minute(m): 5 for m in range(0, 120, 5)}, minute(120): 3}
    assert hours == {minute(0): 60, minute(60): 60}


def test_a_backlog_honours_the_maintenance_window_of_its_time(any_db, edge_settings):
    ids = district(any_db)
    with transaction(any_db) as s:
        create_window(
            s,
            starts_at=minute(10),
            ends_at=minute(20),
            reason="UPS swap",
            created_by="officer",
            now=T0,
            device_id=ids["sw-2"],
        )
    backlog = every_minute(
        ids, minute(0), minute(30), lambda at: ("sw-2",) if minute(10) <= at < minute(20) else ()
    )
    upload(any_db, ids, edge_settings, backlog, received_at=minute(90))
    assert history(any_db, ids["sw-2"]) == [
        ("up", minute(0), minute(10)),
        ("maintenance", minute(10), minute(20)),
        ("up", minute(20), None),
    ]
    assert count(any_db, Incident) == 0


def test_a_collector_never_heard_from_is_not_called_offline(any_db, edge_settings):
    ids = district(any_db)
    assert go_offline(any_db, ids, edge_settings, minute(600)) == []
    assert count(any_db, Incident) == 0


def test_a_revoked_collector_leaves_its_devices_unknown_without_an_alert(any_db, edge_settings):
    ids = district(any_db)
    upload(any_db, ids, edge_settings, [sweep(ids, minute(0))], received_at=minute(0))
    with transaction(any_db) as s:
        s.get(Collector, ids["collector"]).revoked_at = minute(1)
    assert go_offline(any_db, ids, edge_settings, minute(5)) == ["S012-pi"]
    assert {states(any_db)[ids[n]] for n in ("sw-1", "sw-2", "ap")} == {"unknown"}
    assert count(any_db, Incident) == 0
    assert outbox(any_db) == []


def test_the_offices_snmp_round_leaves_a_collectors_devices_alone(any_db, edge_settings):
    ids = district(any_db)
    vault = Vault.from_settings(edge_settings)
    with transaction(any_db) as s:
        for name in ("router", "sw-1", "foreign"):
            device = s.get(Device, ids[name])
            device.snmp_version, device.snmp_community = "2c", vault.encrypt("public")
    with transaction(any_db) as s:
        plan = snmp_load_plan(s, vault, minute(0), timedelta(days=1))
    assert {t.key for t in plan.poll + plan.inventory} == {ids["router"], ids["foreign"]}
