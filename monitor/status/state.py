"""Deciding device state: one pure function, no I/O.

Given what every device was, what this sweep saw, who hangs behind whom and what is under planned
maintenance, `next_states` returns what every device is now and the transitions that happened.
Confirmations (soft failures before a hard DOWN), parent/child dependencies and maintenance live
here and nowhere else.

Rules, in the order they apply to one device:

1. Under maintenance: MAINTENANCE. The failure counter still moves, so the true state shows the
   moment the window ends.
2. Answered: UP (recovery needs one answer; a device that answers is reachable by definition).
3. Silent, and its parent is DOWN or UNREACHABLE (or under maintenance and silent itself): the
   child is UNREACHABLE at once; the fault is upstream and the child raises no alarm of its own.
4. Silent while its parent is failing too but not yet confirmed: hold the previous state; the
   parent's confirmation decides, so a school's switches never cry DOWN a sweep before their router.
5. Silent for `confirmations` consecutive sweeps: DOWN.
6. Otherwise (a soft failure): hold the previous state.

A DOWN or UNREACHABLE interval starts at the first failed sweep of the run, not at the sweep that
confirmed it, so availability counts the whole outage. It reaches back only over time the device
was merely held UP or UNKNOWN while unconfirmed: time already recorded as MAINTENANCE, DOWN or
UNREACHABLE stays what it was (maintenance is excluded from availability, a child's unreachable time
is its parent's fault), so leaving one of those starts the new interval at the sweep that saw it.
No interval may start before the current one began; that keeps the stored intervals ordered
whatever the inputs.

Flapping (off unless `flap_threshold` is given): every change between UP and DOWN is remembered for
`flap_window`. A device with `flap_threshold` such changes in the window becomes flapping (reported
once in `flapping_started`); it stays flapping until a whole window passes without such a change
(reported once in `flapping_ended`). Flapping does not alter the state itself: the alerts use it
to send one notice instead of a mail per change.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Set
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from monitor.domain import Status

K = TypeVar("K", bound=Hashable)

_PARENT_BLOCKING = {Status.DOWN, Status.UNREACHABLE}


@dataclass(frozen=True)
class DeviceState:
    status: Status
    since: datetime
    fail_count: int = 0
    first_fail_at: datetime | None = None
    flapping: bool = False
    # When the recent UP<->DOWN changes happened (only those inside the flap window are kept).
    recent_changes: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class StateChange(Generic[K]):
    device: K
    old: Status
    new: Status
    at: datetime


@dataclass(frozen=True)
class StateUpdate(Generic[K]):
    states: dict[K, DeviceState]
    changes: list[StateChange[K]]
    flapping_started: list[K] = field(default_factory=list)
    flapping_ended: list[K] = field(default_factory=list)


def initial_state(at: datetime) -> DeviceState:
    """A device nobody has polled yet: unknown since it was added."""
    return DeviceState(Status.UNKNOWN, at)


def next_states(
    previous: Mapping[K, DeviceState],
    answered: Mapping[K, bool],
    at: datetime,
    *,
    parents: Mapping[K, K | None],
    in_maintenance: Set[K] = frozenset(),
    confirmations: int = 3,
    flap_window: timedelta | None = None,
    flap_threshold: int = 0,
) -> StateUpdate[K]:
    """Apply one sweep's outcomes (`answered`: device → did it reply) taken at `at`.

    Devices in `previous` without an outcome keep their state, except for entering or leaving
    maintenance. Devices with an outcome but no previous state start from UNKNOWN.
    """
    if confirmations < 1:
        raise ValueError("confirmations must be at least 1")
    devices = set(previous) | set(answered)
    states: dict[K, DeviceState] = {}
    changes: list[StateChange[K]] = []
    flapping_started: list[K] = []
    flapping_ended: list[K] = []
    for device in _parents_first(devices, parents):
        before = previous.get(device) or initial_state(at)
        parent = parents.get(device)
        if parent in devices and parent not in states:
            parent = None  # a parent loop closes here: cut it, or the loop would hold forever
        after = _decide(
            before,
            answered.get(device),
            at,
            under_maintenance=device in in_maintenance,
            parent_state=states.get(parent, previous.get(parent)) if parent is not None else None,
            parent_silent=parent is not None and answered.get(parent) is False,
            confirmations=confirmations,
        )
        if flap_threshold and flap_window is not None and device in answered:
            after = _track_flapping(before, after, at, flap_window, flap_threshold)
            if after.flapping and not before.flapping:
                flapping_started.append(device)
            elif before.flapping and not after.flapping:
                flapping_ended.append(device)
        states[device] = after
        if after.status != before.status:
            changes.append(StateChange(device, before.status, after.status, after.since))
    return StateUpdate(states, changes, flapping_started, flapping_ended)


_FLAP_STATES = {Status.UP, Status.DOWN}


def _track_flapping(
    before: DeviceState, after: DeviceState, at: datetime, window: timedelta, threshold: int
) -> DeviceState:
    recent = tuple(t for t in before.recent_changes if at - t < window)
    if after.status != before.status and {before.status, after.status} <= _FLAP_STATES:
        recent += (at,)
    # Once flapping, it settles only after a whole window without a change.
    flapping = bool(recent) if before.flapping else len(recent) >= threshold
    if after.flapping == flapping and after.recent_changes == recent:
        return after
    return replace(after, flapping=flapping, recent_changes=recent)


def _decide(
    before: DeviceState,
    answered: bool | None,
    at: datetime,
    *,
    under_maintenance: bool,
    parent_state: DeviceState | None,
    parent_silent: bool,
    confirmations: int,
) -> DeviceState:
    if answered is None:
        counters = before
    elif answered:
        # Most devices answer most sweeps: no new object when nothing changes.
        fresh = before.fail_count == 0 and before.first_fail_at is None
        counters = before if fresh else replace(before, fail_count=0, first_fail_at=None)
    else:
        counters = replace(
            before, fail_count=before.fail_count + 1, first_fail_at=before.first_fail_at or at
        )

    if under_maintenance:
        return _move(before, counters, Status.MAINTENANCE, at)
    if answered is None:
        if before.status is Status.MAINTENANCE:
            # The window closed between sweeps; the next outcome tells the truth, until then unknown.
            return _move(before, counters, Status.UNKNOWN, at)
        return counters
    if answered:
        return _move(before, counters, Status.UP, at)

    parent_status = parent_state.status if parent_state else None
    parent_blocks = parent_status in _PARENT_BLOCKING or (
        parent_status is Status.MAINTENANCE and parent_silent
    )
    if parent_blocks:
        return _move(before, counters, Status.UNREACHABLE, _outage_start(before, counters, at))
    if parent_silent:
        return _hold(before, counters, at)
    if counters.fail_count >= confirmations:
        return _move(before, counters, Status.DOWN, _outage_start(before, counters, at))
    return _hold(before, counters, at)


def _outage_start(before: DeviceState, counters: DeviceState, at: datetime) -> datetime:
    # Back to the first failure only across a state that was merely held while unconfirmed.
    if before.status in (Status.UP, Status.UNKNOWN):
        return counters.first_fail_at or at
    return at


def _hold(before: DeviceState, counters: DeviceState, at: datetime) -> DeviceState:
    # Leaving maintenance while silent and unconfirmed: the state is honestly unknown from now.
    if before.status is Status.MAINTENANCE:
        return _move(before, counters, Status.UNKNOWN, at)
    return counters


def _move(before: DeviceState, counters: DeviceState, status: Status, at: datetime) -> DeviceState:
    if before.status is status:
        return counters
    return replace(counters, status=status, since=max(at, before.since))


def gap_as_unknown(previous: Mapping[K, DeviceState], last_alive: datetime) -> StateUpdate[K]:
    """ictmon was not running after `last_alive`: every device is unknown from then on.

    Failure counters restart too: a count from before the gap says nothing about now.
    """
    states: dict[K, DeviceState] = {}
    changes: list[StateChange[K]] = []
    for device, before in previous.items():
        if before.status is Status.UNKNOWN:
            states[device] = DeviceState(Status.UNKNOWN, before.since)
            continue
        since = max(last_alive, before.since)
        states[device] = DeviceState(
            Status.UNKNOWN, since, flapping=before.flapping, recent_changes=before.recent_changes
        )
        changes.append(StateChange(device, before.status, Status.UNKNOWN, since))
    return StateUpdate(states, changes)


def _parents_first(devices: Iterable[K], parents: Mapping[K, K | None]) -> list[K]:
    """Order devices so every parent comes before its children (depth, then id for stability).

    A parent loop (rejected on import, but never trusted) is cut where it closes, so the loop is
    bounded and every device still appears exactly once.
    """
    devices = sorted(devices, key=str)  # which edge of a loop is cut must not depend on hashing
    depth: dict[K, int] = {}

    def depth_of(device: K) -> int:
        seen: list[K] = []
        node: K | None = device
        while node is not None and node not in depth and node not in seen:
            seen.append(node)
            node = parents.get(node)
        base = depth.get(node, -1) if node is not None and node not in seen else -1
        for offset, item in enumerate(reversed(seen), start=1):
            depth[item] = base + offset
        return depth[device]

    return sorted(devices, key=lambda d: (depth_of(d), str(d)))
