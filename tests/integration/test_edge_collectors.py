"""Edge collectors end to end: a central office and schools behind "NAT", all real processes.

tests/support/edge_district.py builds the district: the central (`ictmon run` + an aiosmtpd mail
catcher) in one network namespace, each school's collector (`ictmon collector run`) in its own,
the WAN between them a TCP forwarder that nft can cut. The central cannot reach a school's inside
(a counting nft drop), so whatever it knows about a school's switches came from the collector.
We read what an officer would: the intervals and samples the pages and reports are built from,
the mails that arrived, and the answers the central gave.
"""

from __future__ import annotations

import json
import signal
import sqlite3
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.availability.history import load_history
from monitor.db import engine as dbmod
from monitor.db.models import Collector, PingSample, StateInterval
from monitor.edge.protocol import RESULTS_PATH, Batch, PingOutcome, Sweep
from tests.conftest import POSTGRES_ADMIN_URL
from tests.support.edge_district import (
    CONFIRMATIONS,
    PING_INTERVAL,
    WAIT_S,
    EdgeDistrict,
    enrol_code,
    postgres_database,
    wait_quietly,
)
from tests.support.netns import netns_problem
from tests.support.requirements import require
from tests.support.smtp import body as mail_body
from tests.support.waiting import wait_until

# One district at a time: each is a handful of processes pinging every second on a 2-core machine.
pytestmark = [pytest.mark.netns, pytest.mark.xdist_group("edge_district")]

INSIDE = ("sw-1", "sw-2", "ap-1")


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@pytest.fixture
def district_factory(tmp_path):
    problem = netns_problem()
    require(problem is None, problem or "")
    made: list[EdgeDistrict] = []
    drops = []

    def make(*, db: str = "sqlite", **kw) -> EdgeDistrict:
        url = ""
        if db == "postgres":
            try:
                url, drop = postgres_database(POSTGRES_ADMIN_URL)
            except Exception as exc:  # reported through require()
                require(False, f"PostgreSQL at {POSTGRES_ADMIN_URL} not reachable: {exc}")
            drops.append(drop)
        district = EdgeDistrict(tmp_path / f"district-{len(made)}", database_url=url, **kw)
        made.append(district)
        return district

    yield make
    for district in made:
        district.close()
    for drop in drops:
        drop()


def _state(district: EdgeDistrict, code: str, name: str) -> str | None:
    return district.scalar(
        "SELECT st.status FROM device_states st WHERE st.device_id = :d",
        d=district.device_id(code, name),
    )


def _samples(district: EdgeDistrict, code: str, name: str) -> list[tuple[datetime, int]]:
    device = district.device_id(code, name)
    return [
        (_aware(r.at), r.received)
        for r in district.select(
            select(PingSample.at, PingSample.received)
            .where(PingSample.device_id == device)
            .order_by(PingSample.at)
        )
    ]


def _intervals(district: EdgeDistrict, code: str, name: str):
    device = district.device_id(code, name)
    return [
        (str(r.status), _aware(r.started_at), _aware(r.ended_at) if r.ended_at else None)
        for r in district.select(
            select(StateInterval.status, StateInterval.started_at, StateInterval.ended_at)
            .where(StateInterval.device_id == device)
            .order_by(StateInterval.started_at)
        )
    ]


def _collector(district: EdgeDistrict, name: str):
    rows = district.select(
        select(Collector.offline_since, Collector.last_sweep_at).where(Collector.name == name)
    )
    return rows[0] if rows else None


def _all_inside_up(district: EdgeDistrict) -> bool:
    return all(_state(district, code, name) == "up" for code in district.schools for name in INSIDE)


def _wait_measuring(district: EdgeDistrict) -> None:
    def ready() -> bool:
        for school in district.schools.values():
            assert school.process is not None
            if school.process.poll() is not None:
                raise AssertionError(f"{school.collector} stopped:\n{school.log()}")
        return _all_inside_up(district) and all(
            len(_samples(district, code, "sw-1")) >= 3 for code in district.schools
        )

    wait_until(ready, within=WAIT_S * 2, what="every school's inside measured up by its collector")


# --------------------------------------------------------------------------------------------


def test_each_school_is_measured_by_its_own_collector_and_the_central_never_pings_inside(
    district_factory,
):
    district = district_factory()
    district.start()
    _wait_measuring(district)

    for school in district.schools.values():
        assert f"enrolled as {school.collector}" in school.enrol_output
        assert school.code in school.enrol_output
        status = district.collector_status(school)
        assert status["name"] == school.collector
        assert status["sites"] == [school.code]
        assert status["central"].startswith("http://127.0.0.1:")
        # The office itself still watches the school's router over the WAN.
        assert _state(district, school.code, "router") == "up"
        # Inside, every sample answered: none came from a central pinging into the void.
        for name in INSIDE:
            assert all(received > 0 for _, received in _samples(district, school.code, name))
    assert _state(district, "OFFICE", "core") == "up"
    # The nft counter on the central's "NAT" saw no packet for a school's inside: the central
    # never tried, everything it knows about them came from the collectors.
    assert district.packets_to_inside() == 0


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_a_cut_wan_loses_nothing_measured_inside_the_school(district_factory, db):
    district = district_factory(db=db)
    district.start()
    _wait_measuring(district)
    s1 = district.schools["S001"]

    cut_at = _now()
    district.cut_wan("S001")
    district.silence("S001", "sw-2")
    silenced_at = _now()

    # The office sees the router go down and, past offline_after, loses the collector.
    wait_until(
        lambda: (
            _state(district, "S001", "router") == "down"
            and _collector(district, s1.collector).offline_since is not None
        ),
        within=WAIT_S,
        what="the office to see S001's router down and its collector offline",
    )
    # Meanwhile the central does not know how the inside is: unknown, never down.
    assert {_state(district, "S001", name) for name in INSIDE} == {"unknown"}
    # Inside, the collector goes on measuring: enough sweeps for sw-2 to be confirmed down.
    wait_quietly(PING_INTERVAL * (CONFIRMATIONS + 3))
    district.restore("S001", "sw-2")
    switch_back_at = _now()
    wait_quietly(PING_INTERVAL * 3)  # sw-2 answers again for a few sweeps, still cut off
    district.restore_wan("S001")
    wan_back_at = _now()

    def caught_up() -> bool:
        collector = _collector(district, s1.collector)
        last = collector.last_sweep_at
        return (
            collector.offline_since is None
            and last is not None
            and _aware(last) > wan_back_at
            and _state(district, "S001", "router") == "up"
        )

    wait_until(caught_up, within=WAIT_S, what="S001's buffer to reach the central")
    # sw-2: down from the first sweep that failed to the first that answered, to the second.
    samples = _samples(district, "S001", "sw-2")
    # (A sweep's time is when it started, its ping goes a moment later: the first silent sweep
    # may start just before the silence, the first answered one just before the restore.)
    answered_before = max(at for at, received in samples if at < silenced_at and received > 0)
    first_failed = next(at for at, received in samples if at > answered_before and received == 0)
    first_back = next(at for at, received in samples if at > first_failed and received > 0)
    last_failed = max(at for at, received in samples if at < first_back and received == 0)
    assert answered_before < first_failed <= last_failed < switch_back_at
    assert all(r == 0 for at, r in samples if first_failed <= at < first_back)
    sw2 = [iv for iv in _intervals(district, "S001", "sw-2") if iv[2] is None or iv[2] > cut_at]
    assert [s for s, _, _ in sw2] == ["up", "down", "up"], sw2
    assert sw2[1][1:] == (first_failed, first_back)
    # The rest of the school's inside was up all along: no unknown left by the offline mark.
    for name in ("sw-1", "ap-1"):
        window = [
            iv for iv in _intervals(district, "S001", name) if iv[2] is None or iv[2] > cut_at
        ]
        assert [s for s, _, _ in window] == ["up"], (name, window)
    for name in INSIDE:  # and S002, whose WAN stayed up, saw nothing at all
        window = [
            iv for iv in _intervals(district, "S002", name) if iv[2] is None or iv[2] > cut_at
        ]
        assert [s for s, _, _ in window] == ["up"], (name, window)
    # The collector measured through the cut: sweeps while the central could not hear it.
    during = [at for at, _ in _samples(district, "S001", "sw-1") if cut_at < at < wan_back_at]
    assert len(during) >= CONFIRMATIONS + 5

    # The router's own outage is the office's: down while the WAN was cut.
    router = [
        iv for iv in _intervals(district, "S001", "router") if iv[2] is None or iv[2] > cut_at
    ]
    assert [s for s, _, _ in router][:2] == ["up", "down"], router
    assert router[1][1] >= cut_at and router[1][2] is not None and router[1][2] >= wan_back_at

    # Mail: one summary after the reconnection naming sw-2; no DOWN/UP alert replayed for it.
    def summaries() -> list:
        return [m for m in district.mails() if s1.collector in m["Subject"]]

    wait_until(summaries, within=WAIT_S, what="the reconnection summary mail")
    district.wait_for_job_runs("outbox-sender", 3)
    mails = district.mails()
    summary = summaries()
    assert len(summary) == 1, [m["Subject"] for m in summary]
    assert "sw-2" in mail_body(summary[0]), mail_body(summary[0])
    about_sw2 = [m for m in mails if "sw-2" in m["Subject"]]
    assert about_sw2 == [], [m["Subject"] for m in about_sw2]
    assert any("router" in m["Subject"] for m in mails), [m["Subject"] for m in mails]

    # Availability, to the second, from the same reads the monthly report uses.
    end = _aware(_collector(district, s1.collector).last_sweep_at)
    factory = dbmod.session_factory(dbmod.make_engine(district.database_url))
    with factory() as session:
        history = load_history(session, cut_at, end)
    figures = history.availability(cut_at, end).devices
    sw2_figures = figures[district.device_id("S001", "sw-2")]
    assert sw2_figures.down == first_back - first_failed
    assert sw2_figures.unknown == timedelta(0)
    assert sw2_figures.up + sw2_figures.down == end - cut_at
    for name in ("sw-1", "ap-1"):
        f = figures[district.device_id("S001", name)]
        assert (f.up, f.down, f.unknown) == (end - cut_at, timedelta(0), timedelta(0)), name
    assert district.packets_to_inside() == 0


def test_an_upload_delayed_in_transit_does_not_cut_the_summary_short(district_factory, tmp_path):
    """An upload taken just before the WAN went down reaches the central only after it came
    back: it says "nothing more queued" (true when it was taken) but holds only the first
    moments of the cut. The summary must still tell what happened in the whole cut."""
    hold = tmp_path / "hold"
    district = district_factory(schools_count=1, hold_file=hold)
    district.start()
    _wait_measuring(district)
    s1 = district.schools["S001"]

    requests = hold.with_name(hold.name + "-requests")
    requests.touch()
    wait_until(
        requests.with_name(requests.name + "-holding").exists,
        within=WAIT_S,
        what="an upload held on its way to the central",
    )
    district.cut_wan("S001")
    district.silence("S001", "sw-2")
    wait_until(
        lambda: _collector(district, s1.collector).offline_since is not None,
        within=WAIT_S,
        what="the central to lose S001's collector",
    )
    wait_quietly(PING_INTERVAL * (CONFIRMATIONS + 3))
    district.restore("S001", "sw-2")
    wait_quietly(PING_INTERVAL * 2)
    district.restore_wan("S001")
    requests.unlink()  # the delayed upload arrives first, then the rest of the buffer

    def summaries() -> list:
        return [m for m in district.mails() if s1.collector in m["Subject"]]

    wait_until(summaries, within=WAIT_S, what="the reconnection summary mail")
    wait_until(
        lambda: [s for s, _, _ in _intervals(district, "S001", "sw-2")][-2:] == ["down", "up"],
        within=WAIT_S,
        what="sw-2's outage on the central",
    )
    district.wait_for_job_runs("outbox-sender", 3)
    summary = summaries()
    assert len(summary) == 1, [m["Subject"] for m in summary]
    assert "sw-2" in mail_body(summary[0]), mail_body(summary[0])


def _queued(state_dir: Path) -> tuple[set[datetime], str | None]:
    """What a stopped collector still holds in its queue (its SQLite file): the sweeps' times,
    and the id of the batch it had sent without hearing the answer (monitor.agent.queue)."""
    path = state_dir / "queue.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT at FROM results WHERE kind = 'sweep'").fetchall()
        pending = db.execute("SELECT first_id, last_id FROM pending").fetchone()
    times = {datetime.fromisoformat(at).astimezone(UTC) for (at,) in rows}
    return times, (f"q{pending[0]}-{pending[1]}" if pending else None)


def test_a_collector_killed_during_an_upload_loses_nothing_and_applies_nothing_twice(
    district_factory, tmp_path
):
    hold = tmp_path / "hold-answers"
    district = district_factory(schools_count=1, hold_file=hold)
    district.start()
    _wait_measuring(district)
    s1 = district.schools["S001"]
    batches = lambda: int(district.scalar("SELECT count(*) FROM collector_batches"))  # noqa: E731
    before = batches()

    # The central's answers stop reaching the school: the next upload is applied on the central
    # but the collector never hears so. It is killed right then.
    hold.touch()
    wait_until(lambda: batches() > before, within=WAIT_S, what="an upload the central applied")
    applied_before_kill = int(district.scalar("SELECT count(*) FROM collector_batches"))
    district.stop_collector(s1, signal.SIGKILL)
    hold.unlink()
    queued, in_flight = _queued(s1.directory / "state")
    # The batch it was sending when it died is applied on the central and still in its queue.
    applied_ids = {r.batch_id for r in district.rows("SELECT batch_id FROM collector_batches")}
    assert in_flight is not None and in_flight in applied_ids, (in_flight, applied_ids)
    assert queued

    district.start_collector(s1)
    restarted_at = _now()
    wait_until(
        lambda: (
            (c := _collector(district, s1.collector)).last_sweep_at is not None
            and _aware(c.last_sweep_at) > restarted_at
            and c.offline_since is None
        ),
        within=WAIT_S,
        what="the restarted collector's uploads",
    )
    district.stop_collector(s1)

    applied = {name: [at for at, _ in _samples(district, "S001", name)] for name in INSIDE}
    for name, times in applied.items():
        # None lost: every sweep the dead collector held is on the central.
        assert queued <= set(times), (name, sorted(queued - set(times)))
        # None twice: one sample per sweep (the table's key would refuse a second one, so the
        # re-sent batch must have been answered as a duplicate, not failed).
        assert len(times) == len(set(times))
    # Every sweep reached all three devices: the same sweep times everywhere.
    assert applied["sw-1"] == applied["sw-2"] == applied["ap-1"]
    # Before the kill the sweeps are back to back (nothing missing between the applied batches
    # and the queue); the only longer gap is the restart.
    kill_gaps = [b - a for a, b in pairwise(applied["sw-1"]) if b - a > timedelta(seconds=2.5)]
    assert len(kill_gaps) <= 1, kill_gaps
    results = int(district.scalar("SELECT coalesce(sum(results), 0) FROM collector_batches"))
    samples = int(
        district.scalar(
            "SELECT count(*) FROM ping_samples WHERE device_id IN (:a, :b, :c)",
            a=district.device_id("S001", "sw-1"),
            b=district.device_id("S001", "sw-2"),
            c=district.device_id("S001", "ap-1"),
        )
    )
    assert results == samples
    assert applied_before_kill >= 1
    # Intervals: up all along, never two open at once.
    for name in INSIDE:
        ivs = _intervals(district, "S001", name)
        assert {s for s, _, _ in ivs} <= {"up", "unknown"}, ivs
        assert sum(1 for _, _, end in ivs if end is None) == 1
        for (_, _, end), (_, start, _) in pairwise(ivs):
            assert end is not None and end <= start


# --------------------------------------------------------------------------------------------
# What the central refuses. The central runs for real; the requests are crafted here, with a
# collector's real token from the real enrolment route.


def _enrol(district: EdgeDistrict, code: str) -> tuple[int, dict]:
    status, raw = district.http(
        "POST",
        "/api/v1/collector/enrol",
        body=json.dumps({"code": code, "hostname": "pi", "version": "test"}).encode(),
    )
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, {"raw": raw.decode(errors="replace")}


def _batch(batch_id: str, at: datetime, devices: list[int], *, sent_at: datetime | None = None):
    sweep = Sweep(at, tuple(PingOutcome(d, 1, 1, 0.1, 0.1, 0.1) for d in devices))
    return Batch(batch_id=batch_id, sent_at=sent_at or _now(), sweeps=(sweep,)).to_json()


def _post(district: EdgeDistrict, token: str, document) -> tuple[int, str]:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    status, answer = district.http("POST", RESULTS_PATH, token=token, body=raw)
    return status, answer.decode(errors="replace")


def _written(district: EdgeDistrict) -> tuple[int, int, int]:
    """What uploads wrote for the schools' inside devices: their samples, the batches, their
    measured intervals. The office's own sweeps of its core and the routers' WAN addresses go on
    meanwhile, and a silent collector's devices may be marked unknown: neither is counted."""
    inside = ", ".join(
        str(district.device_id(site, name)) for site in ("S001", "S002") for name in INSIDE
    )
    return (
        int(district.scalar(f"SELECT count(*) FROM ping_samples WHERE device_id IN ({inside})")),
        int(district.scalar("SELECT count(*) FROM collector_batches")),
        int(
            district.scalar(
                "SELECT count(*) FROM state_intervals "
                f"WHERE device_id IN ({inside}) AND status <> 'unknown'"
            )
        ),
    )


def test_the_central_refuses_what_a_collector_must_not_send(district_factory):
    district = district_factory()
    district.start(collectors=False)
    # Enrolment: a code works once.
    code = district.create_collector("S001-pi", "S001")
    status, enrolled = _enrol(district, code)
    assert status == 201, enrolled
    token = enrolled["token"]
    assert enrolled["name"] == "S001-pi" and enrolled["sites"] == ["S001"]
    status, again = _enrol(district, code)
    assert status in (400, 403) and again.get("error"), again
    status, unknown = _enrol(district, "not-a-code-anyone-was-given")
    assert status in (400, 403) and unknown.get("error"), unknown
    # An expired code ([collector] enrolment_hours of a few seconds for this one).
    short = district.ictmon_env(
        {"ICTMON_COLLECTOR_ENROLMENT_HOURS": "0.0003"},
        "collector",
        "create",
        "S002-pi",
        "--site",
        "S002",
        "--url",
        "http://127.0.0.1:8080",
    )
    wait_quietly(2.0)
    status, expired = _enrol(district, enrol_code(short))
    assert status in (400, 403) and "expire" in json.dumps(expired).lower(), expired

    own = [district.device_id("S001", n) for n in INSIDE]
    other = district.device_id("S002", "sw-1")
    now = _now()
    written = _written(district)

    # A result for another school's device: 403, nothing of the batch written, an audit row.
    audits = int(district.scalar("SELECT count(*) FROM audit_events"))
    status, answer = _post(
        district, token, _batch("b-other", now - timedelta(seconds=5), [*own, other])
    )
    assert status == 403, answer
    assert str(other) in answer
    assert _written(district) == written
    assert int(district.scalar("SELECT count(*) FROM audit_events")) > audits

    # A clock ten minutes off: refused until it is fixed, the offset named.
    off = _batch("b-clock", now - timedelta(seconds=4), own, sent_at=now + timedelta(minutes=10))
    status, answer = _post(district, token, off)
    assert status == 409 and "clock" in answer.lower(), answer
    assert _written(district) == written

    # Malformed: not JSON, then a field of the wrong type, named in the answer.
    status, answer = _post(district, token, b"{not json")
    assert status == 400, answer
    bad = _batch("b-bad", now - timedelta(seconds=3), own)
    bad["sweeps"][0]["results"][0]["device"] = "sw-1"
    status, answer = _post(district, token, bad)
    assert status == 400 and "sweeps[0].results[0].device" in answer, answer
    # Oversized ([collector] max_batch_bytes = 3 MB here).
    status, answer = _post(district, token, b" " * 3_100_000 + b"{}")
    assert status == 413, answer
    assert _written(district) == written

    # The same collector's honest batch goes in, once.
    good = _batch("b-good", now - timedelta(seconds=2), own)
    status, answer = _post(district, token, good)
    assert status == 200 and json.loads(answer)["applied"] == len(own), answer
    status, answer = _post(district, token, good)
    assert status == 200 and json.loads(answer)["duplicate"] is True, answer
    assert _written(district)[0] == written[0] + len(own)

    # A user's API token is not a collector's, and a collector's opens nothing else.
    status, _ = district.http("GET", "/api/v1/collector/config", token=district.token)
    assert status in (401, 403)
    status, _ = district.http("GET", "/api/v1/devices", token=token)
    assert status in (401, 403)

    # Revoked: config and results refused, nothing written.
    district.ictmon("collector", "revoke", "S001-pi")
    written = _written(district)
    status, _ = district.http("GET", "/api/v1/collector/config", token=token)
    assert status in (401, 403)
    status, answer = _post(district, token, _batch("b-late", _now(), own))
    assert status in (401, 403), answer
    assert _written(district) == written
