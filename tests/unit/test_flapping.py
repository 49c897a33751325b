"""Flapping in the pure state function: marked once, cleared once, the state itself untouched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.domain import Status
from monitor.status.state import DeviceState, next_states

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)


def run(outcomes, *, threshold=4, step=timedelta(minutes=1), start=None):
    """Feed one device's answers sweep by sweep; return (states, started, ended) per sweep."""
    state = {"r": start or DeviceState(Status.UP, T0 - timedelta(days=1))}
    seen = []
    for n, answered in enumerate(outcomes):
        update = next_states(
            state,
            {"r": answered},
            T0 + n * step,
            parents={"r": None},
            confirmations=1,
            flap_window=WINDOW,
            flap_threshold=threshold,
        )
        state = update.states
        seen.append((state["r"], bool(update.flapping_started), bool(update.flapping_ended)))
    return seen


def test_a_device_is_flapping_from_the_threshold_change_and_reported_once():
    seen = run([False, True, False, True, False, True])
    assert [s.flapping for s, _, _ in seen] == [False, False, False, True, True, True]
    assert [started for _, started, _ in seen] == [False, False, False, True, False, False]
    assert [s.status for s, _, _ in seen] == [Status.DOWN, Status.UP] * 3


def test_flapping_clears_once_after_a_whole_quiet_window():
    seen = run([False, True, False, True] + [True] * 11)
    flags = [s.flapping for s, _, _ in seen]
    assert flags[3:13] == [True] * 10  # the last change was at sweep 3; the window is 10 sweeps
    assert flags[13] is False
    assert [ended for _, _, ended in seen].count(True) == 1


def test_changes_spread_wider_than_the_window_never_flap():
    seen = run([False, True] * 6, step=timedelta(minutes=4))
    assert not any(s.flapping for s, _, _ in seen)


def test_a_steady_outage_is_not_flapping():
    seen = run([False] * 20)
    assert not any(s.flapping for s, _, _ in seen)


def test_maintenance_and_unknown_changes_do_not_count():
    start = DeviceState(Status.UNKNOWN, T0 - timedelta(days=1))
    state = {"r": start}
    for n in range(8):
        update = next_states(
            state,
            {"r": True},
            T0 + timedelta(minutes=n),
            parents={"r": None},
            in_maintenance={"r"} if n % 2 else set(),
            confirmations=1,
            flap_window=WINDOW,
            flap_threshold=2,
        )
        state = update.states
        assert not state["r"].flapping


def test_without_a_threshold_nothing_is_tracked():
    state = {"r": DeviceState(Status.UP, T0)}
    for n in range(6):
        state = next_states(
            state,
            {"r": n % 2 == 1},
            T0 + timedelta(minutes=n),
            parents={"r": None},
            confirmations=1,
        ).states
    assert state["r"].recent_changes == () and not state["r"].flapping
