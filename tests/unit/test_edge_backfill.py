"""The pure decisions behind applying a collector's upload (monitor.edge.backfill)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.domain import Status
from monitor.edge import backfill
from monitor.edge.protocol import Sweep
from monitor.status.state import DeviceState

T0 = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
GAP = timedelta(seconds=126)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def sweeps(*minutes: float) -> list[Sweep]:
    return [Sweep(at(m), ()) for m in minutes]


def plan(minutes, last=None, cutoff=T0):
    return backfill.plan_sweeps(sweeps(*minutes), last, gap_threshold=GAP, cutoff=cutoff)


def test_offline_after_defaults_to_three_pushes():
    assert backfill.offline_after(30, 0) == timedelta(seconds=90)
    assert backfill.offline_after(30, 200) == timedelta(seconds=200)


def test_clock_offset_is_the_collectors_lead_and_refused_past_the_limit():
    offset = backfill.clock_offset(at(10), at(0))
    assert offset == 600
    assert backfill.clock_refused(offset, 60)
    assert backfill.clock_refused(-61, 60)
    assert not backfill.clock_refused(59.5, 60)


def test_sweeps_already_applied_are_skipped_and_the_rest_put_in_order():
    steps = plan([3, 1, 2, 4], last=at(2))
    assert [s.sweep.at for s in steps] == [at(3), at(4)]


def test_nothing_new_gives_no_steps():
    assert plan([1, 2], last=at(2)) == []


def test_a_stretch_longer_than_the_threshold_is_a_gap_from_the_last_sweep():
    steps = plan([1, 2, 10, 11], last=at(0))
    assert [s.gap_from for s in steps] == [None, None, at(2), None]


def test_the_first_sweep_ever_has_no_gap_before_it():
    assert plan([50])[0].gap_from is None


def test_a_gap_from_the_last_applied_sweep_of_an_earlier_upload():
    assert plan([9], last=at(1))[0].gap_from == at(1)


def test_only_sweeps_after_the_cutoff_may_alert():
    cutoff = backfill.alert_cutoff(at(10), push_interval=30, ping_interval=60)
    assert cutoff == at(8)
    steps = plan([7, 8, 9], cutoff=cutoff)
    assert [s.alert for s in steps] == [False, True, True]


def test_a_state_survives_the_snapshot_exactly():
    state = DeviceState(Status.DOWN, at(1), 4, at(0.5), True, (at(0.2), at(0.7)))
    assert backfill.decode_state(backfill.encode_state(state)) == state
    plain = DeviceState(Status.UP, at(1))
    assert backfill.decode_state(backfill.encode_state(plain)) == plain


def test_an_offline_mark_and_a_catch_up_read_back_as_written():
    mark = backfill.OfflineMark(
        unknown_from=at(1),
        lost_contact_at=at(1.1),
        before={7: DeviceState(Status.UP, at(0), 1, at(0.9))},
        marked_at={7: at(1)},
        own_incident=True,
    )
    assert backfill.read_snapshot(mark.to_json()) == mark
    back = backfill.CatchingUp(at(1), None, at(120), dropped=12)
    assert backfill.read_snapshot(back.to_json()) == back
    assert backfill.read_snapshot(None) is None


def secs(n: float) -> datetime:
    return T0 + timedelta(seconds=n)


NEWEST, SENT, RECEIVED = secs(55), secs(60), secs(60)


def caught_up(queue=0, newest=NEWEST, sent=SENT, received=RECEIVED, known=0.0):
    return backfill.caught_up(
        queue,
        newest,
        sent_at=sent,
        received_at=received,
        known_offset=known,
        push_interval=30,
        ping_interval=60,
    )


def test_an_upload_on_time_with_an_empty_queue_is_caught_up():
    assert caught_up()
    assert caught_up(newest=secs(60 - 90))  # one push and one sweep old
    assert caught_up(newest=None)  # nothing measured: its own send time counts
    assert caught_up(known=None)  # no offset known yet


def test_more_queued_is_not_caught_up():
    assert not caught_up(queue=1)


def test_an_upload_that_travelled_long_is_not_caught_up():
    # Taken at 60 s, received 40 s later: it reads as a clock 40 s behind the one known.
    assert not caught_up(received=secs(100))
    assert not caught_up(newest=None, received=secs(100))


def test_a_clock_off_by_a_steady_amount_is_still_caught_up():
    # 30 s behind, as it was before: its measurements are fresh on the central's clock.
    assert caught_up(newest=secs(25), sent=secs(30), received=secs(60), known=-30.0)
    assert caught_up(newest=secs(85), sent=secs(90), received=secs(60), known=30.0)


def test_an_old_measurement_sent_just_now_is_not_caught_up():
    assert not caught_up(newest=secs(60 - 120))
