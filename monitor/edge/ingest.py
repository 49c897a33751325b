"""Applying what an edge collector measured, with its own timestamps, in the caller's transaction.

Each sweep of an upload goes through the same steps as the office's own sweep
(monitor.status.poller): `next_states` at the sweep's time with the collector's parents and the
maintenance then in force, then `record_states`, `incidents.record_sweep` and `record_results`.
So intervals, incidents and the outbox hold a school's inside exactly as if the office could
reach it, even for a backlog that arrives hours late.

A backlog is recorded, not replayed: transitions older than `backfill.alert_cutoff` queue no
alert; a device still down when the backlog ends gets its DOWN alert once; after a lost link one
summary message says what happened meanwhile. If the central had called the collector offline
(monitor.edge.liveness), the unknown stretch it wrote is undone first, so the buffered results
replace it to the second.

Nothing here commits: the route (web) runs it in one transaction and rolls back on `Refused`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from collectors.ping import PingResult
from collectors.snmp import SnmpResult
from monitor.channels import store as channels
from monitor.db.models import (
    Collector,
    CollectorBatch,
    CollectorSite,
    Device,
    Incident,
    IncidentEvent,
    Site,
    SnmpStatus,
    StateInterval,
)
from monitor.db.models import DeviceState as DeviceStateRow
from monitor.domain import IncidentState, Status
from monitor.edge import assignment, backfill, snmp_wire, summary
from monitor.edge.backups import apply_backups
from monitor.edge.protocol import Batch, ProtocolError
from monitor.incidents import recording as incidents
from monitor.mail import outbox
from monitor.mail.messages import Mail
from monitor.settings import Settings
from monitor.snmp import store as snmp_store
from monitor.status import maintenance, rollups, store
from monitor.status.poller import gap_threshold
from monitor.status.state import DeviceState, StateUpdate, gap_as_unknown, next_states

log = logging.getLogger(__name__)

SYSTEM = incidents.SYSTEM


class Refused(Exception):
    """An upload the central will not apply; nothing of it is written. `status` is the HTTP
    answer (403: a device this collector does not measure; 409: its clock is too far off)."""

    def __init__(self, status: int, message: str, *, clock_offset_seconds: float | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        # Set on a clock refusal, so the route can still show the offset (`note_clock`).
        self.clock_offset_seconds = clock_offset_seconds


@dataclass(frozen=True)
class Applied:
    applied: int  # results applied (ping outcomes and SNMP results)
    duplicate: bool
    clock_offset_seconds: float


def apply_batch(
    session: Session,
    collector: Collector,
    batch: Batch,
    *,
    received_at: datetime,
    settings: Settings,
    base_url: str = "",
    ack_key: bytes | None = None,
) -> Applied:
    _lock(session, collector)  # two uploads of one collector at once: one after the other
    offset = backfill.clock_offset(batch.sent_at, received_at)
    known_offset = collector.clock_offset_seconds
    if session.get(CollectorBatch, (collector.id, batch.batch_id)) is not None:
        _note_contact(collector, batch, received_at, offset)
        return Applied(0, True, offset)
    limits = settings.collector
    if backfill.clock_refused(offset, limits.clock_refuse_seconds):
        raise Refused(
            409,
            f"the collector's clock is {offset:+.0f} s off the central's (more than "
            f"{limits.clock_refuse_seconds:.0f} s): its results are refused until its clock is "
            "set right (enable NTP, e.g. `timedatectl set-ntp true`); they stay queued on the "
            "collector and are applied once it is",
            clock_offset_seconds=offset,
        )
    rounds = _decode_rounds(batch)
    measured = set(assignment.measured_by(session, collector.id))
    foreign = sorted(_devices_in(batch, rounds) - measured)
    if foreign:
        shown = ", ".join(str(d) for d in foreign[:20]) + (" …" if len(foreign) > 20 else "")
        raise Refused(
            403,
            f"collector {collector.name} does not measure device(s) {shown}: "
            "nothing of this batch was applied",
        )

    back = _reconnect(session, collector, received_at, settings)
    applied = _apply_sweeps(
        session, collector, batch, measured, received_at, settings, base_url, ack_key
    )
    applied += _apply_rounds(session, rounds)
    applied += apply_backups(session, collector, batch.backups)
    _note_contact(collector, batch, received_at, offset)
    collector.dropped_total = (collector.dropped_total or 0) + batch.dropped
    session.add(
        CollectorBatch(
            collector_id=collector.id,
            batch_id=batch.batch_id,
            received_at=received_at,
            results=applied,
        )
    )
    if back is not None:
        back = backfill.CatchingUp(
            back.window_from, back.lost_contact_at, back.back_at, back.dropped + batch.dropped
        )
        if backfill.caught_up(
            batch.queue_length,
            _newest(batch),
            sent_at=batch.sent_at,
            received_at=received_at,
            known_offset=known_offset,
            push_interval=settings.collector.push_interval,
            ping_interval=settings.ping.interval,
        ):
            _queue_summary(session, collector, back, measured, settings, base_url)
            collector.offline_snapshot = None
        else:
            collector.offline_snapshot = back.to_json()
    session.flush()
    return Applied(applied, False, offset)


def _lock(session: Session, collector: Collector) -> None:
    """Take the collector's row for this transaction and read it afresh: a second upload of
    the same collector (a re-send after a timeout) waits here until the first is committed,
    then finds its batch id recorded (a duplicate) and its sweeps applied.

    PostgreSQL: SELECT … FOR UPDATE. SQLite has one writer at a time, but a transaction starts
    only at its first write, so a no-op UPDATE takes the write lock before anything is read."""
    session.flush()  # the refresh below reads the row as stored
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(Collector).where(Collector.id == collector.id).values(id=Collector.id)
        )
        session.refresh(collector)
    else:
        session.refresh(collector, with_for_update=True)


def _newest(batch: Batch) -> datetime | None:
    times = [s.at for s in batch.sweeps] + [r.at for r in batch.snmp_rounds]
    return max(times, default=None)


def note_clock(session: Session, collector: Collector, offset: float) -> None:
    """After a clock refusal (the route rolled back): keep the offset for the collector's page.

    Last contact is deliberately not recorded: a collector whose results are refused measures
    nothing the central can use, so liveness may call it offline and its devices unknown."""
    collector.clock_offset_seconds = offset
    session.flush()


Rounds = list[tuple[datetime, list[SnmpResult]]]


def _decode_rounds(batch: Batch) -> Rounds:
    """The SNMP rounds read whole before anything is written; a malformed one refuses all."""
    rounds = []
    for i, snmp_round in enumerate(batch.snmp_rounds):
        try:
            results = [
                snmp_wire.decode_result(r, f"snmp_rounds[{i}].results[{j}]")
                for j, r in enumerate(snmp_round.results)
            ]
        except ProtocolError as exc:
            raise Refused(400, str(exc)) from exc
        rounds.append((snmp_round.at, results))
    return sorted(rounds, key=lambda r: r[0])


def _devices_in(batch: Batch, rounds: Rounds) -> set[int]:
    devices = {r.device for s in batch.sweeps for r in s.results}
    devices |= {b.device for b in batch.backups}
    return devices | {r.key for _, results in rounds for r in results}


def _apply_rounds(session: Session, rounds: Rounds) -> int:
    """Each round recorded as the office records its own (monitor.snmp.store), skipping a
    device's result at or before the one it last recorded: a repeated round is applied once."""
    if not rounds:
        return 0
    devices = {r.key for _, results in rounds for r in results}
    last = dict(
        session.execute(
            select(SnmpStatus.device_id, SnmpStatus.polled_at).where(
                SnmpStatus.device_id.in_(devices)
            )
        ).all()
    )
    fresh: list[tuple[datetime, list[SnmpResult]]] = []
    for at, results in rounds:
        new = [r for r in results if last.get(r.key) is None or at > last[r.key]]
        if new:
            fresh.append((at, new))
            last.update({r.key: at for r in new})
    snmp_store.record_rounds(session, fresh)  # all rounds of the upload: rows read and written once
    return sum(len(new) for _, new in fresh)


def _note_contact(collector: Collector, batch: Batch, received_at: datetime, offset: float) -> None:
    collector.last_contact_at = received_at
    collector.clock_offset_seconds = offset
    collector.queue_length = batch.queue_length
    collector.version = batch.version[:64] or collector.version
    collector.hostname = batch.hostname[:255] or collector.hostname


# --- applying sweeps -------------------------------------------------------------------------


def device_states(session: Session, devices: set[int]) -> dict[int, DeviceState]:
    """The stored current states of `devices` (those that have one)."""
    if not devices:
        return {}
    row = DeviceStateRow  # columns, not ORM objects: read on every upload
    rows = session.execute(
        select(
            row.device_id,
            row.status,
            row.since,
            row.fail_count,
            row.first_fail_at,
            row.flapping,
            row.recent_changes,
        ).where(row.device_id.in_(devices))
    )
    return {
        r.device_id: DeviceState(
            Status(r.status),
            r.since,
            r.fail_count,
            r.first_fail_at,
            bool(r.flapping),
            tuple(datetime.fromisoformat(t) for t in r.recent_changes or ()),
        )
        for r in rows
    }


def _apply_sweeps(
    session: Session,
    collector: Collector,
    batch: Batch,
    measured: set[int],
    received_at: datetime,
    settings: Settings,
    base_url: str,
    ack_key: bytes | None,
) -> int:
    steps = backfill.plan_sweeps(
        batch.sweeps,
        collector.last_sweep_at,
        gap_threshold=gap_threshold(settings.ping),
        cutoff=backfill.alert_cutoff(
            received_at, settings.collector.push_interval, settings.ping.interval
        ),
    )
    if not steps:
        return 0
    alerts = settings.alerts
    parents = assignment.parents_within(session, measured)
    stored = states = device_states(session, measured)
    addresses = dict(
        session.execute(select(Device.id, Device.address).where(Device.id.in_(measured))).all()
    )
    covered = maintenance.covered_between(session, steps[0].sweep.at, steps[-1].sweep.at)
    quiet: list[Incident] = []  # opened by the backlog without an alert
    earlier: list[tuple[datetime, PingResult]] = []  # samples of all but the last sweep
    parts: list[rollups.Part] = []
    applied = 0

    def alert_still_open() -> None:
        incidents.queue_down_alerts(
            session, quiet, at=received_at, alerts=alerts, base_url=base_url, ack_key=ack_key
        )
        quiet.clear()

    for step in steps:
        if step.alert and quiet:
            alert_still_open()  # the backlog ends here: what is still down is news
        if step.gap_from is not None:
            gap = gap_as_unknown(states, step.gap_from)
            store.record_intervals(session, gap)
            states = {**states, **gap.states}
        at = step.sweep.at
        outcomes = step.sweep.results
        update = next_states(
            states,
            {r.device: r.ok for r in outcomes},
            at,
            parents=parents,
            in_maintenance=covered(at) & measured,
            confirmations=settings.ping.confirmations,
            flap_window=timedelta(seconds=alerts.flap_window),
            flap_threshold=alerts.flap_threshold,
        )
        store.record_intervals(session, update)
        recorded = incidents.record_sweep(
            session,
            update,
            parents=parents,
            at=at,
            alerts=alerts,
            base_url=base_url,
            ack_key=ack_key,
            alert=step.alert,
        )
        if not step.alert:
            quiet += recorded.opened
        results = [
            PingResult(
                r.device,
                addresses.get(r.device) or "",
                r.sent,
                r.received,
                r.rtt_min_ms,
                r.rtt_avg_ms,
                r.rtt_max_ms,
                r.error,
            )
            for r in outcomes
        ]
        if step is steps[-1]:
            # The samples and the devices' latest figures, as the office's sweep records them.
            store.record_results(session, at, results)
        else:
            earlier += [(at, r) for r in results]
        parts += [
            rollups.Part(
                r.key,
                at,
                r.sent,
                r.received,
                r.rtt_avg_ms or 0.0,
                int(r.rtt_avg_ms is not None),
                r.rtt_max_ms,
            )
            for r in results
        ]
        states = {**states, **update.states}
        collector.last_sweep_at = at
        applied += len(outcomes)
    # The devices' states as the last sweep left them, once: a backlog of hours writes a row
    # per device that moved, not one per sweep. (Same rows in the end as writing each sweep's.)
    moved = {d: s for d, s in states.items() if stored.get(d) != s}
    store.record_states(session, StateUpdate(moved, []), stored)
    # The backlog's samples in one statement: one per sweep costs a round trip each.
    store.record_samples(session, earlier)
    # Late samples behind what housekeeping already summarised: into their buckets now, or the
    # latency charts would show the backlog's hours empty.
    rollups.roll_in_late(session, parts)
    if quiet:
        alert_still_open()
    return applied


# --- back from offline -----------------------------------------------------------------------


def _reconnect(
    session: Session, collector: Collector, received_at: datetime, settings: Settings
) -> backfill.CatchingUp | None:
    """Undo the offline mark, if any; the catching-up record the summary waits on."""
    mark = backfill.read_snapshot(collector.offline_snapshot)
    if isinstance(mark, backfill.CatchingUp):
        return mark
    if mark is None:
        return None
    undo_offline_mark(session, mark)
    _close_offline_incident(session, collector, mark, received_at, settings)
    collector.offline_since = None
    collector.offline_incident_id = None
    return backfill.CatchingUp(
        window_from=collector.last_sweep_at or mark.unknown_from,
        lost_contact_at=mark.lost_contact_at,
        back_at=received_at,
    )


def undo_offline_mark(session: Session, mark: backfill.OfflineMark) -> None:
    """Give each device back the state and the open interval the offline mark took from it.

    A device whose state moved since (nothing but this collector should move it) is left as it
    is: only the mark's own unknown stretch is ever removed."""
    current = device_states(session, set(mark.before))
    restored: dict[int, DeviceState] = {}
    for device, before in mark.before.items():
        at = mark.marked_at[device]
        now = current.get(device)
        if now is None or now.status is not Status.UNKNOWN or now.since != at:
            continue
        session.execute(
            delete(StateInterval).where(
                StateInterval.device_id == device,
                StateInterval.status == str(Status.UNKNOWN),
                StateInterval.started_at == at,
                StateInterval.ended_at.is_(None),
            )
        )
        closed = session.scalars(
            select(StateInterval)
            .where(StateInterval.device_id == device, StateInterval.ended_at == at)
            .order_by(StateInterval.started_at.desc(), StateInterval.id.desc())
            .limit(1)
        ).first()
        if closed is not None:
            closed.ended_at = None
        restored[device] = before
    if restored:
        store.record_states(session, StateUpdate(restored, []), restored)


def _close_offline_incident(
    session: Session,
    collector: Collector,
    mark: backfill.OfflineMark,
    at: datetime,
    settings: Settings,
) -> None:
    incident = (
        session.get(Incident, collector.offline_incident_id)
        if collector.offline_incident_id
        else None
    )
    if incident is None:
        return
    lang = settings.alerts.language
    if mark.own_incident and incident.state in incidents.OPEN_STATES:
        incident.state = IncidentState.RESOLVED
        incident.resolved_at = at
        incident.resolved_by = SYSTEM
        seconds = int((at - incident.opened_at).total_seconds())
        session.add(
            IncidentEvent(
                incident_id=incident.id, at=at, actor=SYSTEM, action="recovered", text=str(seconds)
            )
        )
    else:
        text = summary.back_event(collector.name, lang)
        session.add(
            IncidentEvent(
                incident_id=incident.id, at=at, actor=SYSTEM, action="collector_back", text=text
            )
        )


def collector_sites(session: Session, collector_id: int) -> list[Site]:
    return list(
        session.scalars(
            select(Site)
            .join(CollectorSite, CollectorSite.site_id == Site.id)
            .where(CollectorSite.collector_id == collector_id)
            .order_by(Site.code)
        )
    )


def site_label(sites: list[Site]) -> str:
    if not sites:
        return "—"
    first = f"{sites[0].name} ({sites[0].code})"
    return first if len(sites) == 1 else f"{first} +{len(sites) - 1}"


def queue_collector_message(
    session: Session,
    settings: Settings,
    *,
    codes: set[str],
    mail: Mail,
    chat: channels.TextFor,
    dedupe_key: str,
    now: datetime,
) -> int:
    """One mail to the [alerts] recipients (and the sites' own) and one row per channel
    routed for "collector_offline"; returns rows written."""
    queued = channels.queue(
        session,
        event="collector_offline",
        sites=codes,
        text_for=chat,
        dedupe_key=dedupe_key,
        now=now,
    )
    to = incidents.recipients_for(settings.alerts, codes)
    if not to:
        log.warning("collector message %r not mailed: [alerts] recipients is empty", mail.subject)
        return queued
    row = outbox.enqueue(
        session,
        recipients=to,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        kind="alert",
        dedupe_key=dedupe_key,
        now=now,
    )
    return queued + (row is not None)


def _queue_summary(
    session: Session,
    collector: Collector,
    back: backfill.CatchingUp,
    measured: set[int],
    settings: Settings,
    base_url: str,
) -> int:
    window_to = max(collector.last_sweep_at or back.back_at, back.window_from)
    rows = session.execute(
        select(Device.name, StateInterval.status, StateInterval.started_at, StateInterval.ended_at)
        .join(Device, Device.id == StateInterval.device_id)
        .where(
            StateInterval.device_id.in_(measured),
            StateInterval.started_at < window_to,
            (StateInterval.ended_at.is_(None)) | (StateInterval.ended_at > back.window_from),
        )
    ).all()
    sites = collector_sites(session, collector.id)
    facts = summary.Reconnection(
        collector=collector.name,
        site=site_label(sites),
        lost_contact_at=back.lost_contact_at or back.window_from,
        back_at=back.back_at,
        window_from=back.window_from,
        window_to=window_to,
        spells=tuple(
            summary.spells(((r[0], r[1], r[2], r[3]) for r in rows), back.window_from, window_to)
        ),
        dropped=back.dropped,
        link=f"{base_url.rstrip('/')}/manage/collectors" if base_url else "",
    )
    return queue_collector_message(
        session,
        settings,
        codes={s.code for s in sites},
        mail=summary.reconnection_mail(facts, settings.alerts.language),
        chat=lambda channel, wanted: summary.reconnection_chat(
            facts, channel.language, limit=channel.limit
        ),
        dedupe_key=f"collector-{collector.id}-back-{back.back_at:%Y%m%dT%H%M%S}",
        now=back.back_at,
    )
