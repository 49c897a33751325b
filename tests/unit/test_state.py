"""The state function: confirmations, parents, maintenance, transitions, gaps.

Sweeps are numbered by the minute after T0 (`at(3)` is the third minute); devices are named like the
district's: a school router, the switch behind it and an access point behind the switch.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.domain import Status
from monitor.status.state import (
    DeviceState,
    StateChange,
    gap_as_unknown,
    initial_state,
    next_states,
)

UP, DOWN, UNREACHABLE = Status.UP, Status.DOWN, Status.UNREACHABLE
UNKNOWN, MAINTENANCE = Status.UNKNOWN, Status.MAINTENANCE

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
SCHOOL = {"router": None, "switch": "router", "ap": "switch"}


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def up(*devices: str, since: int = 0) -> dict[str, DeviceState]:
    return {d: DeviceState(UP, at(since)) for d in devices}


def sweep(previous, answers, minute, *, parents=None, maintenance=(), confirmations=3):
    return next_states(
        previous,
        answers,
        at(minute),
        parents=parents or {},
        in_maintenance=frozenset(maintenance),
        confirmations=confirmations,
    )


def run(previous, sweeps, *, first=1, parents=None, maintenance=(), confirmations=3):
    """Apply `sweeps` (answers per sweep) at minutes first, first+1, ...

    Returns the final states, every change, and each sweep's statuses."""
    states, changes, statuses = dict(previous), [], []
    for minute, answers in enumerate(sweeps, start=first):
        update = sweep(
            states,
            answers,
            minute,
            parents=parents,
            maintenance=maintenance,
            confirmations=confirmations,
        )
        states, changes = update.states, changes + update.changes
        statuses.append({d: s.status for d, s in states.items()})
    return states, changes, statuses


def silent(*devices: str) -> dict[str, bool]:
    return dict.fromkeys(devices, False)


def answering(*devices: str) -> dict[str, bool]:
    return dict.fromkeys(devices, True)


# --- confirmations -----------------------------------------------------------------------------


@pytest.mark.parametrize("confirmations", [1, 3, 5])
def test_device_goes_down_at_the_nth_consecutive_failed_sweep(confirmations):
    _, _, statuses = run(
        up("router"), [silent("router")] * confirmations, confirmations=confirmations
    )
    assert [s["router"] for s in statuses] == [UP] * (confirmations - 1) + [DOWN]


@pytest.mark.parametrize("confirmations", [3, 5])
def test_device_stays_up_one_sweep_short_of_confirmations(confirmations):
    states, changes, _ = run(
        up("router"), [silent("router")] * (confirmations - 1), confirmations=confirmations
    )
    assert states["router"].status is UP
    assert states["router"].fail_count == confirmations - 1
    assert changes == []


def test_an_answer_between_failures_resets_the_count():
    sweeps = [
        silent("router"),
        silent("router"),
        answering("router"),
        silent("router"),
        silent("router"),
    ]
    states, changes, _ = run(up("router"), sweeps)
    assert states["router"].status is UP
    assert states["router"].fail_count == 2
    assert changes == []


def test_down_since_is_the_first_failed_sweep_of_the_run():
    sweeps = [answering("router"), silent("router"), silent("router"), silent("router")]
    states, changes, _ = run(up("router"), sweeps)
    assert states["router"] == DeviceState(DOWN, at(2), fail_count=3, first_fail_at=at(2))
    assert changes == [StateChange("router", UP, DOWN, at(2))]


def test_down_keeps_its_since_while_still_silent():
    states, changes, _ = run(up("router"), [silent("router")] * 6)
    assert states["router"].since == at(1)
    assert states["router"].fail_count == 6
    assert len(changes) == 1


def test_recovery_is_up_at_the_first_answer_since_that_sweep():
    down = {"router": DeviceState(DOWN, at(1), fail_count=4, first_fail_at=at(1))}
    update = sweep(down, answering("router"), 9)
    assert update.states["router"] == DeviceState(UP, at(9))
    assert update.changes == [StateChange("router", DOWN, UP, at(9))]


def test_never_polled_device_is_unknown_since_added():
    assert initial_state(at(0)) == DeviceState(UNKNOWN, at(0))


def test_new_device_becomes_up_on_its_first_answer():
    update = sweep({}, answering("router"), 1)
    assert update.states["router"] == DeviceState(UP, at(1))
    assert update.changes == [StateChange("router", UNKNOWN, UP, at(1))]


def test_new_device_that_fails_stays_unknown_until_confirmed_then_down():
    _, changes, statuses = run({}, [silent("router")] * 3)
    assert [s["router"] for s in statuses] == [UNKNOWN, UNKNOWN, DOWN]
    assert changes == [StateChange("router", UNKNOWN, DOWN, at(1))]


def test_confirmations_below_one_are_refused():
    with pytest.raises(ValueError, match="confirmations"):
        sweep(up("router"), silent("router"), 1, confirmations=0)


# --- parents and children ----------------------------------------------------------------------


def test_down_router_makes_switch_and_access_point_unreachable():
    states, _, _ = run(up(*SCHOOL), [silent(*SCHOOL)] * 3, parents=SCHOOL)
    assert {d: s.status for d, s in states.items()} == {
        "router": DOWN,
        "switch": UNREACHABLE,
        "ap": UNREACHABLE,
    }


def test_children_are_never_down_while_their_router_fails():
    _, _, statuses = run(up(*SCHOOL), [silent(*SCHOOL)] * 8, parents=SCHOOL)
    assert all(s[d] is not DOWN for s in statuses for d in ("switch", "ap"))


def test_only_the_router_changes_to_down_no_mail_for_its_children():
    _, changes, _ = run(up(*SCHOOL), [silent(*SCHOOL)] * 3, parents=SCHOOL)
    assert [(c.device, c.new) for c in changes if c.new is DOWN] == [("router", DOWN)]


def test_unreachable_since_is_the_childs_own_first_failure():
    sweeps = [{"router": False, "switch": True, "ap": True}, silent(*SCHOOL), silent(*SCHOOL)]
    states, _, _ = run(up(*SCHOOL), sweeps, parents=SCHOOL)
    assert states["router"].since == at(1)
    assert states["switch"] == DeviceState(UNREACHABLE, at(2), fail_count=2, first_fail_at=at(2))
    assert states["ap"].since == at(2)


def test_children_hold_their_state_while_the_router_is_not_yet_confirmed():
    # The switch had two misses of its own; its third comes with the router's first.
    sweeps = [
        {"router": True, "switch": False},
        {"router": True, "switch": False},
        silent("router", "switch"),
        silent("router", "switch"),
    ]
    _, _, statuses = run(up("router", "switch"), sweeps, parents=SCHOOL)
    assert [s["switch"] for s in statuses] == [UP, UP, UP, UP]


def test_children_turn_unreachable_in_the_same_sweep_as_the_router_turns_down():
    sweeps = [silent(*SCHOOL)] * 3
    _, _, statuses = run(up(*SCHOOL), sweeps, parents=SCHOOL)
    assert [(s["router"], s["switch"], s["ap"]) for s in statuses] == [
        (UP, UP, UP),
        (UP, UP, UP),
        (DOWN, UNREACHABLE, UNREACHABLE),
    ]


def test_silent_child_behind_answering_router_goes_down_after_confirmations():
    sweeps = [{"router": True, "switch": False}] * 3
    _, _, statuses = run(up("router", "switch"), sweeps, parents=SCHOOL)
    assert [s["switch"] for s in statuses] == [UP, UP, DOWN]


def test_child_that_answers_while_its_router_is_down_is_up():
    down = {
        "router": DeviceState(DOWN, at(1), 5, at(1)),
        "switch": DeviceState(UNREACHABLE, at(1), 5, at(1)),
    }
    update = sweep(down, {"router": False, "switch": True}, 6, parents=SCHOOL)
    assert update.states["switch"].status is UP
    assert update.states["router"].status is DOWN


def test_children_recover_to_up_with_the_router():
    states, _, _ = run(up(*SCHOOL), [silent(*SCHOOL)] * 3 + [answering(*SCHOOL)], parents=SCHOOL)
    assert states == {d: DeviceState(UP, at(4)) for d in SCHOOL}


def test_child_still_silent_when_the_router_recovers_is_down_from_that_sweep():
    # Its unreachable time stays unreachable: the router was the fault then.
    sweeps = [silent("router", "switch")] * 3 + [{"router": True, "switch": False}]
    states, changes, _ = run(up("router", "switch"), sweeps, parents=SCHOOL)
    assert states["switch"].status is DOWN
    assert states["switch"].since == at(4)
    assert [c for c in changes if c.device == "switch"] == [
        StateChange("switch", UP, UNREACHABLE, at(1)),
        StateChange("switch", UNREACHABLE, DOWN, at(4)),
    ]


def test_child_down_on_its_own_keeps_its_down_time_when_the_router_fails_later():
    sweeps = [{"router": True, "switch": False}] * 3 + [silent("router", "switch")] * 3
    states, changes, _ = run(up("router", "switch"), sweeps, parents=SCHOOL)
    assert states["switch"].status is UNREACHABLE
    assert [c for c in changes if c.device == "switch"] == [
        StateChange("switch", UP, DOWN, at(1)),
        StateChange("switch", DOWN, UNREACHABLE, at(6)),
    ]


def test_parent_in_another_site_counts_the_same():
    district = {"office/core": None, "school7/router": "office/core"}
    states, _, _ = run(up(*district), [silent(*district)] * 3, parents=district)
    assert states["office/core"].status is DOWN
    assert states["school7/router"].status is UNREACHABLE


def test_parents_map_alone_decides_even_for_a_parent_without_outcome():
    # A disabled router is not polled, but its last known DOWN still hides its children.
    previous = {"router": DeviceState(DOWN, at(0), 3, at(0)), **up("switch")}
    update = sweep(previous, silent("switch"), 1, parents=SCHOOL)
    assert update.states["switch"].status is UNREACHABLE


def test_silent_parent_under_maintenance_makes_children_unreachable_at_once():
    update = sweep(
        up("router", "switch"),
        silent("router", "switch"),
        1,
        parents=SCHOOL,
        maintenance={"router"},
    )
    assert update.states["router"].status is MAINTENANCE
    assert update.states["switch"] == DeviceState(UNREACHABLE, at(1), 1, at(1))


def test_answering_parent_under_maintenance_lets_silent_child_go_down():
    sweeps = [{"router": True, "switch": False}] * 3
    _, _, statuses = run(up("router", "switch"), sweeps, parents=SCHOOL, maintenance={"router"})
    assert [(s["router"], s["switch"]) for s in statuses] == [
        (MAINTENANCE, UP),
        (MAINTENANCE, UP),
        (MAINTENANCE, DOWN),
    ]


def test_parent_loop_does_not_hang_and_every_device_gets_a_state():
    loop = {"a": "b", "b": "a", "c": "a", "d": "d"}
    update = sweep(up(*loop), silent(*loop), 1, parents=loop, confirmations=1)
    assert set(update.states) == set(loop)


def test_a_silent_parent_loop_still_raises_an_alarm():
    loop = {"a": "b", "b": "a"}
    update = sweep(up(*loop), silent(*loop), 1, parents=loop, confirmations=1)
    assert DOWN in {s.status for s in update.states.values()}


def test_device_that_is_its_own_parent_goes_down():
    update = sweep(up("a"), silent("a"), 1, parents={"a": "a"}, confirmations=1)
    assert update.states["a"].status is DOWN


# --- maintenance -------------------------------------------------------------------------------


@pytest.mark.parametrize("answered", [True, False])
def test_device_under_maintenance_is_in_maintenance_whatever_it_answers(answered):
    update = sweep(up("router"), {"router": answered}, 1, maintenance={"router"})
    assert update.states["router"].status is MAINTENANCE
    assert update.changes == [StateChange("router", UP, MAINTENANCE, at(1))]


def test_failure_counter_moves_under_maintenance():
    states, _, _ = run(up("router"), [silent("router")] * 4, maintenance={"router"})
    assert states["router"] == DeviceState(MAINTENANCE, at(1), fail_count=4, first_fail_at=at(1))


def test_answer_under_maintenance_resets_the_counter():
    states, _, _ = run(
        up("router"), [silent("router"), answering("router")], maintenance={"router"}
    )
    assert states["router"].fail_count == 0


def test_leaving_maintenance_still_down_is_down_at_once_from_the_end_of_the_window():
    # Failing since before the window; the window's time stays maintenance.
    before, _, _ = run(up("router"), [silent("router")] * 2)
    during, _, _ = run(before, [silent("router")] * 3, first=3, maintenance={"router"})
    update = sweep(during, silent("router"), 6)
    assert update.states["router"].status is DOWN
    assert update.states["router"].since == at(6)
    assert update.changes == [StateChange("router", MAINTENANCE, DOWN, at(6))]


def test_leaving_maintenance_silent_but_unconfirmed_is_unknown_from_the_end_of_the_window():
    during, _, _ = run(up("router"), [answering("router")], maintenance={"router"})
    update = sweep(during, silent("router"), 2)
    assert update.states["router"] == DeviceState(UNKNOWN, at(2), 1, at(2))
    assert update.changes == [StateChange("router", MAINTENANCE, UNKNOWN, at(2))]


def test_leaving_maintenance_without_an_outcome_is_unknown():
    during, _, _ = run(up("router"), [silent("router")], maintenance={"router"})
    update = sweep(during, {}, 2)
    assert update.states["router"].status is UNKNOWN
    assert update.changes == [StateChange("router", MAINTENANCE, UNKNOWN, at(2))]


def test_leaving_maintenance_answering_is_up():
    during, _, _ = run(up("router"), [silent("router")], maintenance={"router"})
    update = sweep(during, answering("router"), 2)
    assert update.states["router"] == DeviceState(UP, at(2))


def test_entering_maintenance_without_an_outcome_is_maintenance():
    update = sweep(up("router"), {}, 1, maintenance={"router"})
    assert update.states["router"].status is MAINTENANCE


# --- transitions -------------------------------------------------------------------------------


def test_changes_list_exactly_the_devices_whose_status_changed():
    previous = {**up("a", "b"), "c": DeviceState(DOWN, at(0), 3, at(0))}
    update = sweep(previous, {"a": True, "b": False, "c": True}, 1, confirmations=1)
    assert update.changes == [StateChange("b", UP, DOWN, at(1)), StateChange("c", DOWN, UP, at(1))]


def test_no_change_gives_no_changes():
    assert sweep(up("a", "b"), answering("a", "b"), 1).changes == []


def test_devices_without_an_outcome_keep_their_state():
    previous = {**up("a"), "b": DeviceState(DOWN, at(0), 4, at(0))}
    update = sweep(previous, {}, 1)
    assert update.states == previous
    assert update.changes == []


def test_next_states_does_not_touch_the_previous_mapping():
    previous = up("a")
    sweep(previous, silent("a"), 1)
    assert previous == up("a")


# --- gaps (ictmon was not running) -------------------------------------------------------------


def test_gap_makes_every_device_unknown_since_last_alive():
    previous = {**up("a"), "b": DeviceState(DOWN, at(1), 3, at(1))}
    update = gap_as_unknown(previous, at(10))
    assert update.states == {"a": DeviceState(UNKNOWN, at(10)), "b": DeviceState(UNKNOWN, at(10))}


def test_gap_never_starts_before_the_devices_own_since():
    update = gap_as_unknown(up("a", since=20), at(10))
    assert update.states["a"].since == at(20)


def test_gap_resets_failure_counters():
    update = gap_as_unknown({"a": DeviceState(UP, at(0), 2, at(5))}, at(10))
    assert update.states["a"] == DeviceState(UNKNOWN, at(10))


def test_gap_changes_only_devices_that_were_not_already_unknown():
    previous = {**up("a"), "b": DeviceState(UNKNOWN, at(2), 1, at(3))}
    update = gap_as_unknown(previous, at(10))
    assert update.changes == [StateChange("a", UP, UNKNOWN, at(10))]
    assert update.states["b"] == DeviceState(UNKNOWN, at(2))


# --- properties over random sweeps of a random school ------------------------------------------


@st.composite
def histories(draw, every_device_answers=False, with_maintenance=True):
    """A random tree of up to 6 devices and up to 15 sweeps at increasing times."""
    size = draw(st.integers(1, 6))
    parents = {d: draw(st.sampled_from([None, *range(d)])) for d in range(size)}
    outcome = st.booleans() if every_device_answers else st.sampled_from([True, False, None])
    maintenance = (
        st.frozensets(st.sampled_from(range(size))) if with_maintenance else st.just(frozenset())
    )
    sweeps = draw(
        st.lists(
            st.tuples(
                st.lists(outcome, min_size=size, max_size=size), maintenance, st.integers(1, 600)
            ),
            min_size=1,
            max_size=15,
        )
    )
    return parents, draw(st.integers(1, 4)), sweeps


def play(history):
    """Yield (time, states before, update) for every sweep, starting from never-polled devices."""
    parents, confirmations, sweeps = history
    states = {d: initial_state(T0) for d in parents}
    moment = T0
    for outcomes, maintenance, seconds in sweeps:
        moment += timedelta(seconds=seconds)
        answers = {d: ok for d, ok in enumerate(outcomes) if ok is not None}
        update = next_states(
            states,
            answers,
            moment,
            parents=parents,
            in_maintenance=maintenance,
            confirmations=confirmations,
        )
        yield moment, states, update
        states = update.states


@settings(max_examples=200)
@given(histories())
def test_property_since_never_decreases_and_never_passes_the_sweep(history):
    for moment, before, update in play(history):
        for device, state in update.states.items():
            assert before[device].since <= state.since <= moment


@settings(max_examples=200)
@given(histories())
def test_property_down_always_has_confirmed_failures(history):
    for _, _, update in play(history):
        for state in update.states.values():
            if state.status is DOWN:
                assert state.fail_count >= history[1]


@settings(max_examples=200)
@given(histories(every_device_answers=True))
def test_property_never_down_behind_a_down_or_unreachable_parent(history):
    parents = history[0]
    for _, _, update in play(history):
        for device, state in update.states.items():
            parent = parents[device]
            if parent is not None and update.states[parent].status in (DOWN, UNREACHABLE):
                assert state.status is not DOWN


@settings(max_examples=200)
@given(histories())
def test_property_changes_form_a_chain_in_time_order(history):
    chain = {d: [StateChange(d, UNKNOWN, UNKNOWN, T0)] for d in history[0]}
    states = {}
    for _, _, update in play(history):
        for change in update.changes:
            last = chain[change.device][-1]
            assert change.old == last.new
            assert change.at >= last.at
            chain[change.device].append(change)
        states = update.states
    assert all(states[d].status == chain[d][-1].new for d in states)


@settings(max_examples=200)
@given(histories())
def test_property_a_change_leaves_only_a_state_the_device_was_in(history):
    for _, before, update in play(history):
        for change in update.changes:
            assert before[change.device].status == change.old
            assert update.states[change.device].status == change.new
            assert update.states[change.device].since == change.at


@settings(max_examples=200)
@given(histories())
def test_property_no_recorded_interval_is_erased(history):
    # Backdating an outage may shorten an UP (or placeholder UNKNOWN) interval, but never wipe
    # out time already recorded as maintenance, down or unreachable, nor a whole UP interval.
    for _, before, update in play(history):
        for change in update.changes:
            if change.old is not UNKNOWN:
                assert change.at > before[change.device].since


@settings(max_examples=200)
@given(st.data())
def test_property_any_parent_map_even_with_loops_gives_every_device_a_state(data):
    size = data.draw(st.integers(1, 6))
    parents = {d: data.draw(st.sampled_from([None, *range(size)])) for d in range(size)}
    answers = {d: data.draw(st.booleans()) for d in range(size)}
    update = next_states({}, answers, T0, parents=parents, confirmations=1)
    assert set(update.states) == set(parents)
    for device, state in update.states.items():
        assert state.status in ({UP} if answers[device] else {DOWN, UNREACHABLE})


@settings(max_examples=200)
@given(histories())
def test_property_everything_answering_without_maintenance_is_all_up(history):
    parents, confirmations, _ = history
    *_, (moment, _, update) = play(history)
    final = next_states(
        update.states,
        dict.fromkeys(parents, True),
        moment + timedelta(minutes=1),
        parents=parents,
        confirmations=confirmations,
    )
    assert {s.status for s in final.states.values()} == {UP}
