"""PURE: the decisions behind applying what a collector measured, apart from the rows.

Which of an upload's sweeps are new, where a stretch without sweeps is long enough to be unknown
time, which transitions are still news when they arrive, whether the collector's clock can be
trusted, and how a device's state is kept while the central calls the collector offline (so the
results that arrive later can replace that stretch exactly).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor.domain import Status
from monitor.edge.protocol import Sweep
from monitor.status.state import DeviceState


def offline_after(push_interval: float, offline_after_seconds: float) -> timedelta:
    """How long without contact a collector is offline: the setting, or 3 × its push interval."""
    seconds = offline_after_seconds if offline_after_seconds > 0 else 3 * push_interval
    return timedelta(seconds=seconds)


def clock_offset(sent_at: datetime, received_at: datetime) -> float:
    """Seconds the collector's clock is ahead of the central's (negative: behind).

    The upload's own travel time counts as offset; a push takes well under a second."""
    return (sent_at - received_at).total_seconds()


def clock_refused(offset: float, refuse_seconds: float) -> bool:
    return abs(offset) > refuse_seconds


def alert_cutoff(received_at: datetime, push_interval: float, ping_interval: float) -> datetime:
    """Sweeps taken before this are a backlog: their transitions are already over as news.

    A collector pushes every `push_interval` what it swept since the last push, so a sweep that
    arrives on time is at most one push and one ping interval old; one missed push more still
    alerts. Anything older was held back by a lost link and is summed up instead."""
    return received_at - timedelta(seconds=2 * push_interval + ping_interval)


# Slack on top of one push and one sweep: the sweep's own time, the upload's travel and queueing.
FRESH_MARGIN_S = 5.0


def caught_up(
    queue_length: int,
    newest: datetime | None,
    *,
    sent_at: datetime,
    received_at: datetime,
    known_offset: float | None,
    push_interval: float,
    ping_interval: float,
) -> bool:
    """Whether an upload shows the collector has nothing more to send: its queue was empty when
    it was taken AND it comes straight from the collector. An upload taken before or during a
    cut that arrives late (held in transit) also says "queue empty", yet the cut's backlog
    still follows it.

    Late shows twice. Its travel time: the central reads it as clock offset, so an upload that
    travelled long seems further behind than the offset `known_offset` the last upload showed.
    And its newest measurement (`newest`, the collector's clock; None: it holds none, then its
    `sent_at`): on time it is at most one push and one sweep old, plus a margin. Waiting one
    upload too many (the clock was just set, say) only delays the summary by a push; a summary
    sent early misses the outage it should tell."""
    if queue_length:
        return False
    offset = clock_offset(sent_at, received_at)
    if known_offset is not None and known_offset - offset > FRESH_MARGIN_S:
        return False  # it travelled for longer than any upload should
    best = max(offset, known_offset) if known_offset is not None else offset
    taken = newest if newest is not None else sent_at
    age = received_at - (taken - timedelta(seconds=best))
    return age <= timedelta(seconds=push_interval + ping_interval + FRESH_MARGIN_S)


@dataclass(frozen=True)
class Step:
    """One sweep to apply: first, when `gap_from` is set, the devices are unknown from then;
    `alert`: its transitions may queue alerts."""

    sweep: Sweep
    gap_from: datetime | None
    alert: bool


def plan_sweeps(
    sweeps: Iterable[Sweep],
    last_applied: datetime | None,
    *,
    gap_threshold: timedelta,
    cutoff: datetime,
) -> list[Step]:
    """The sweeps newer than the last one applied, in time order, each with the gap before it.

    A sweep at or before `last_applied` is already in (a repeated upload, or one that arrived
    late): skipping it keeps applying idempotent even without a batch id."""
    steps = []
    previous = last_applied
    for sweep in sorted(sweeps, key=lambda s: s.at):
        if previous is not None and sweep.at <= previous:
            continue
        gap = previous if previous is not None and sweep.at - previous > gap_threshold else None
        steps.append(Step(sweep, gap, alert=sweep.at >= cutoff))
        previous = sweep.at
    return steps


# --- what an offline mark keeps --------------------------------------------------------------


def encode_state(state: DeviceState) -> dict[str, Any]:
    return {
        "status": str(state.status),
        "since": state.since.isoformat(),
        "fail_count": state.fail_count,
        "first_fail_at": state.first_fail_at.isoformat() if state.first_fail_at else None,
        "flapping": state.flapping,
        "recent_changes": [t.isoformat() for t in state.recent_changes],
    }


def decode_state(data: Mapping[str, Any]) -> DeviceState:
    first = data.get("first_fail_at")
    return DeviceState(
        Status(data["status"]),
        datetime.fromisoformat(data["since"]),
        int(data.get("fail_count") or 0),
        datetime.fromisoformat(first) if first else None,
        bool(data.get("flapping")),
        tuple(datetime.fromisoformat(t) for t in data.get("recent_changes") or ()),
    )


@dataclass(frozen=True)
class OfflineMark:
    """What the central wrote when it lost contact: from `unknown_from` each device in
    `before` was made unknown at its `marked_at` (the later of that time and its own since)."""

    unknown_from: datetime
    lost_contact_at: datetime | None
    before: dict[int, DeviceState]
    marked_at: dict[int, datetime]
    # Whether the "collector offline" incident is the collector's own (resolved when it is
    # back) or another's the collector was attached to (left alone); None: not decided yet.
    own_incident: bool | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "offline",
            "unknown_from": self.unknown_from.isoformat(),
            "lost_contact_at": _iso(self.lost_contact_at),
            "devices": {
                str(d): {**encode_state(s), "marked_at": self.marked_at[d].isoformat()}
                for d, s in self.before.items()
            },
            "own_incident": self.own_incident,
        }


@dataclass(frozen=True)
class CatchingUp:
    """Back in contact, the backlog still arriving: the summary waits for its end."""

    window_from: datetime  # the last sweep applied before contact was lost
    lost_contact_at: datetime | None
    back_at: datetime
    dropped: int = 0  # results the collector dropped meanwhile (its buffer was full)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "catching_up",
            "window_from": self.window_from.isoformat(),
            "lost_contact_at": _iso(self.lost_contact_at),
            "back_at": self.back_at.isoformat(),
            "dropped": self.dropped,
        }


def read_snapshot(data: Mapping[str, Any] | None) -> OfflineMark | CatchingUp | None:
    if not data:
        return None
    if data.get("kind") == "catching_up":
        return CatchingUp(
            datetime.fromisoformat(data["window_from"]),
            _time(data.get("lost_contact_at")),
            datetime.fromisoformat(data["back_at"]),
            int(data.get("dropped") or 0),
        )
    devices = data.get("devices") or {}
    return OfflineMark(
        unknown_from=datetime.fromisoformat(data["unknown_from"]),
        lost_contact_at=_time(data.get("lost_contact_at")),
        before={int(d): decode_state(s) for d, s in devices.items()},
        marked_at={int(d): datetime.fromisoformat(s["marked_at"]) for d, s in devices.items()},
        own_incident=data.get("own_incident"),
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
