"""Is each edge collector still talking to the central? The scheduler's job, and its read.

A collector silent for longer than `[collector] offline_after` is offline: every device it
measures becomes unknown from its last applied sweep (never down: the central does not know),
and what each device was is kept in `offline_snapshot`, so the results the collector buffered
meanwhile replace that stretch exactly when they arrive (monitor.edge.ingest).

One root cause, one mail: when the office sees the school's uplink down with an open incident,
the collector's loss is an event on that incident, not a second alert. While the office is still
confirming the uplink (a few sweeps), the decision waits for it; otherwise the collector gets an
incident "collector offline" of its own, with its alert, resolved when it is back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.db.engine import transaction
from monitor.db.models import Collector, Device, Incident, IncidentDevice, IncidentEvent
from monitor.domain import IncidentState, Status
from monitor.edge import backfill, ingest, summary
from monitor.incidents import recording as incidents
from monitor.localtime import utcnow
from monitor.settings import Settings
from monitor.status import store
from monitor.status.poller import gap_threshold
from monitor.status.state import gap_as_unknown

log = logging.getLogger(__name__)


def run(sessions: sessionmaker[Session], settings: Settings) -> list[str]:
    """The scheduled job: one transaction, the names of collectors newly offline."""
    with transaction(sessions) as session:
        return check(session, utcnow(), settings)


def check(session: Session, now: datetime, settings: Settings) -> list[str]:
    limit = backfill.offline_after(
        settings.collector.push_interval, settings.collector.offline_after
    )
    newly = []
    for collector in session.scalars(select(Collector).order_by(Collector.id)):
        if collector.offline_since is None:
            last = collector.last_contact_at
            # Never heard from yet (being installed): nothing was measured, nothing to mark.
            if last is None or now - last <= limit:
                continue
            mark_offline(session, collector, now)
            newly.append(collector.name)
            log.warning("collector %s offline: no contact since %s", collector.name, last)
        mark = backfill.read_snapshot(collector.offline_snapshot)
        if isinstance(mark, backfill.OfflineMark) and mark.own_incident is None:
            _decide_incident(session, collector, mark, now, settings)
    return newly


def mark_offline(session: Session, collector: Collector, now: datetime) -> backfill.OfflineMark:
    """Every device the collector measures unknown from its last applied sweep, remembered."""
    devices = set(store.collector_measured(session, collector.id))
    previous = ingest.device_states(session, devices)
    unknown_from = collector.last_sweep_at or collector.last_contact_at or now
    update = gap_as_unknown(previous, unknown_from)
    store.record_states(session, update, previous)
    mark = backfill.OfflineMark(
        unknown_from=unknown_from,
        lost_contact_at=collector.last_contact_at,
        before={c.device: previous[c.device] for c in update.changes},
        marked_at={c.device: c.at for c in update.changes},
    )
    collector.offline_since = now
    collector.offline_snapshot = mark.to_json()
    session.flush()
    return mark


def _uplinks(session: Session, collector: Collector) -> set[int]:
    """The devices of the collector's sites the office measures itself (their routers)."""
    sites = [s.id for s in ingest.collector_sites(session, collector.id)]
    inside = set(store.collector_measured(session, collector.id))
    rows = session.scalars(
        select(Device.id).where(Device.site_id.in_(sites), Device.enabled.is_(True))
    )
    return set(rows) - inside


def _uplink_incident(session: Session, uplinks: set[int]) -> Incident | None:
    """The open incident the office holds for the school's uplink: its own, or its ancestor's."""
    if not uplinks:
        return None
    own = session.scalars(
        select(Incident)
        .where(Incident.device_id.in_(uplinks), Incident.state.in_(incidents.OPEN_STATES))
        .order_by(Incident.id)
    ).first()
    if own is not None:
        return own
    return session.scalars(
        select(Incident)
        .join(IncidentDevice, IncidentDevice.incident_id == Incident.id)
        .where(IncidentDevice.device_id.in_(uplinks), Incident.state.in_(incidents.OPEN_STATES))
        .order_by(Incident.id)
    ).first()


def _uplink_in_doubt(session: Session, uplinks: set[int]) -> bool:
    """The office's sweep has seen an uplink silent but not yet confirmed it down."""
    states = ingest.device_states(session, uplinks)
    return any(
        s.fail_count > 0 and s.status in (Status.UP, Status.UNKNOWN) for s in states.values()
    )


def _decide_incident(
    session: Session,
    collector: Collector,
    mark: backfill.OfflineMark,
    now: datetime,
    settings: Settings,
) -> None:
    lang = settings.alerts.language
    if collector.revoked_at is not None:
        # Revoked on purpose: its devices are unknown, but nobody needs an alert about it.
        _decided(collector, mark, None, own=False)
        return
    uplinks = _uplinks(session, collector)
    root = _uplink_incident(session, uplinks)
    if root is None and _uplink_in_doubt(session, uplinks):
        # The office is confirming the router: wait a few of its sweeps for the one root cause.
        ping = settings.ping
        wait = gap_threshold(ping) + timedelta(seconds=ping.confirmations * ping.interval)
        if collector.offline_since is not None and now - collector.offline_since < wait:
            return
    if root is not None:
        session.add(
            IncidentEvent(
                incident_id=root.id,
                at=now,
                actor=incidents.SYSTEM,
                action="collector_offline",
                text=summary.attached_event(collector.name, lang),
            )
        )
        own = False
    else:
        root = _open_incident(session, collector, mark, now, settings)
        own = True
    _decided(collector, mark, root, own=own)
    session.flush()


def _decided(
    collector: Collector, mark: backfill.OfflineMark, incident: Incident | None, *, own: bool
) -> None:
    collector.offline_incident_id = incident.id if incident is not None else None
    collector.offline_snapshot = backfill.OfflineMark(
        mark.unknown_from, mark.lost_contact_at, mark.before, mark.marked_at, own_incident=own
    ).to_json()


def _open_incident(
    session: Session,
    collector: Collector,
    mark: backfill.OfflineMark,
    now: datetime,
    settings: Settings,
) -> Incident:
    lang = settings.alerts.language
    sites = ingest.collector_sites(session, collector.id)
    label = ingest.site_label(sites)
    opened_at = mark.lost_contact_at or now
    incident = Incident(
        device_id=None,
        site_id=sites[0].id if sites else None,
        manual=False,
        title=summary.offline_title(collector.name, label, lang),
        state=IncidentState.OPEN,
        opened_at=opened_at,
        opened_by=incidents.SYSTEM,
    )
    session.add(incident)
    session.flush()
    session.add(
        IncidentEvent(
            incident_id=incident.id, at=opened_at, actor=incidents.SYSTEM, action="opened", text=""
        )
    )
    base_url = settings.web.base_url
    facts = summary.Offline(
        collector=collector.name,
        site=label,
        last_contact_at=mark.lost_contact_at,
        devices=len(store.collector_measured(session, collector.id)),
        link=incidents.incident_link(base_url, incident.id),
    )
    ingest.queue_collector_message(
        session,
        settings,
        codes={s.code for s in sites},
        mail=summary.offline_mail(facts, lang),
        chat=lambda channel, wanted: summary.offline_chat(
            facts, channel.language, limit=channel.limit
        ),
        dedupe_key=f"collector-{collector.id}-offline-{incident.id}",
        now=now,
    )
    return incident


def offline_devices(session: Session) -> set[int]:
    """Devices shown as "unknown (collector offline)": measured by a collector now offline."""
    offline = set(session.scalars(select(Collector.id).where(Collector.offline_since.is_not(None))))
    if not offline:
        return set()
    return {d for d, c in store.collector_measured(session).items() if c in offline}
