"""Incidents: opened and resolved by the sweep, annotated by people; and the alerts they cause.

`record_sweep` runs inside the sweep's second transaction (monitor.status.poller), so a transition, its
incident change and its outbox rows commit together. One incident per root cause: a device
confirmed DOWN opens one; a device that turns UNREACHABLE attaches to the open incident of its
nearest failed ancestor and opens none. Every step is an IncidentEvent: who, what, when.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.channels import store as channels
from monitor.channels import texts as chat
from monitor.db import audit
from monitor.db.models import (
    INCIDENT_CAUSES,
    Device,
    Incident,
    IncidentDevice,
    IncidentEvent,
    Site,
    SiteContact,
)
from monitor.domain import IncidentState, Status
from monitor.incidents import ack_tokens
from monitor.mail import messages as words
from monitor.mail import outbox
from monitor.settings import AlertSettings, parse_recipients, parse_site_recipients

if TYPE_CHECKING:
    # Only the type of what the sweep hands over: the sweep (monitor.status.poller) calls us.
    from monitor.status.state import StateUpdate

log = logging.getLogger(__name__)

SYSTEM = "ictmon"
OPEN_STATES = (IncidentState.OPEN, IncidentState.ACKNOWLEDGED)


class IncidentError(ValueError):
    """An action that does not fit the incident (resolving a resolved one, an unknown cause)."""


# --- recipients ------------------------------------------------------------------------------


def recipients_for(alerts: AlertSettings, site_codes: set[str]) -> list[str]:
    # Settings checked both lists when they were loaded: parsing them again cannot fail here.
    chosen = parse_recipients(alerts.recipients, "[alerts] recipients", separators=r"[,;\s]")
    per_site = parse_site_recipients(alerts.site_recipients)
    for code in sorted(site_codes):
        chosen += per_site.get(code, [])
    return list(dict.fromkeys(chosen))


# --- what the sweep does ---------------------------------------------------------------------


@dataclass
class SweepIncidents:
    opened: list[Incident] = field(default_factory=list)
    resolved: list[Incident] = field(default_factory=list)
    children: dict[int, list[int]] = field(default_factory=dict)  # incident id → device ids
    mails: int = 0


def _event(
    session: Session, incident: Incident, at: datetime, actor: str, action: str, text: str = ""
) -> None:
    session.add(
        IncidentEvent(incident_id=incident.id, at=at, actor=actor[:128], action=action, text=text)
    )


def _open_auto_incidents(session: Session) -> dict[int, Incident]:
    rows = session.scalars(
        select(Incident).where(
            Incident.state.in_(OPEN_STATES),
            Incident.manual.is_(False),
            Incident.device_id.is_not(None),
        )
    )
    return {i.device_id: i for i in rows if i.device_id is not None}


def record_sweep(
    session: Session,
    update: StateUpdate[int],
    *,
    parents: Mapping[int, int | None],
    at: datetime,
    alerts: AlertSettings,
    base_url: str = "",
    ack_key: bytes | None = None,
    alert: bool = True,
) -> SweepIncidents:
    """`ack_key` (monitor.incidents.ack_tokens): outage alerts carry a signed link that
    acknowledges the incident once; without it, the plain incident link.

    `alert=False`: the incidents are recorded with their real times but no message is queued,
    for transitions already over when they arrive (an edge collector's backlog,
    monitor.edge.ingest); `queue_down_alerts` then alerts once for those still open."""
    outcome = SweepIncidents()
    if not (update.changes or update.flapping_started or update.flapping_ended):
        return outcome
    open_by_device = _open_auto_incidents(session)
    involved = (
        {c.device for c in update.changes}
        | set(update.flapping_started)
        | set(update.flapping_ended)
    )
    facts = _device_facts(session, involved)
    site_of = {
        r.id: r.site_id
        for r in session.execute(select(Device.id, Device.site_id).where(Device.id.in_(involved)))
    }

    for change in update.changes:
        device = change.device
        if change.new is Status.DOWN and device not in open_by_device:
            f = facts[device]
            incident = Incident(
                device_id=device,
                site_id=site_of.get(device),
                manual=False,
                # Every school's router is called "router": the title names the school first.
                title=f"{f.site_name} — {f.device} ({f.address})"[:300],
                state=IncidentState.OPEN,
                opened_at=change.at,
                opened_by=SYSTEM,
            )
            session.add(incident)
            session.flush()
            _event(session, incident, change.at, SYSTEM, "opened")
            open_by_device[device] = incident
            outcome.opened.append(incident)
        elif change.new is Status.UNREACHABLE:
            root = _failed_ancestor(device, parents, open_by_device)
            if root is not None and session.get(IncidentDevice, (root.id, device)) is None:
                session.add(
                    IncidentDevice(incident_id=root.id, device_id=device, attached_at=change.at)
                )
                _event(session, root, change.at, SYSTEM, "child", facts[device].device)
                outcome.children.setdefault(root.id, []).append(device)
        elif change.new is Status.UP and device in open_by_device:
            incident = open_by_device.pop(device)
            incident.state = IncidentState.RESOLVED
            incident.resolved_at = change.at
            incident.resolved_by = SYSTEM
            _event(
                session,
                incident,
                change.at,
                SYSTEM,
                "recovered",
                str(int((change.at - incident.opened_at).total_seconds())),
            )
            outcome.resolved.append(incident)
    session.flush()
    if alert:
        links = ack_tokens.Links(base_url, ack_key, at)
        outcome.mails = _queue_alerts(session, update, outcome, facts, at, alerts, links)
    return outcome


def queue_down_alerts(
    session: Session,
    opened: list[Incident],
    *,
    at: datetime,
    alerts: AlertSettings,
    base_url: str = "",
    ack_key: bytes | None = None,
) -> int:
    """The usual DOWN alert, once, for incidents recorded with `alert=False` that are still
    open: a device still down when a late backlog ends is news; one that recovered is not."""
    still_open = [i for i in opened if i.state in OPEN_STATES and i.device_id is not None]
    if not still_open:
        return 0
    facts = _device_facts(session, {i.device_id for i in still_open})
    outcome = SweepIncidents(opened=still_open)
    links = ack_tokens.Links(base_url, ack_key, at)
    return _queue_alerts(session, None, outcome, facts, at, alerts, links)


def _failed_ancestor(
    device: int, parents: Mapping[int, int | None], open_by_device: Mapping[int, Incident]
) -> Incident | None:
    node = parents.get(device)
    for _ in range(len(parents) + 1):  # bounded: a parent loop cannot keep us here
        if node is None:
            return None
        if node in open_by_device:
            return open_by_device[node]
        node = parents.get(node)
    return None


def _device_facts(session: Session, ids) -> dict[int, words.DeviceFacts]:
    ids = list(ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            Device.id,
            Device.name,
            Device.address,
            Site.code,
            Site.name.label("site_name"),
            SiteContact,
        )
        .join(Site, Site.id == Device.site_id)
        .outerjoin(SiteContact, SiteContact.site_id == Site.id)
        .where(Device.id.in_(ids))
    ).all()
    return {
        r.id: words.DeviceFacts(
            r.id, r.name, r.address, r.code, r.site_name, _contact(r.SiteContact)
        )
        for r in rows
    }


def _contact(row: SiteContact | None) -> words.ContactFacts | None:
    if row is None:
        return None
    return words.ContactFacts(
        row.person, row.phone, row.line_id, row.isp, row.circuit_id, row.isp_hotline
    )


def incident_link(base_url: str, incident_id: int) -> str:
    return f"{base_url.rstrip('/')}/incidents/{incident_id}" if base_url else ""


def incidents_link(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/incidents" if base_url else ""


def _children_names(session: Session, incident: Incident) -> tuple[str, ...]:
    return tuple(
        session.scalars(
            select(Device.name)
            .join(IncidentDevice, IncidentDevice.device_id == Device.id)
            .where(IncidentDevice.incident_id == incident.id)
            .order_by(Device.name)
        )
    )


def _queue_alerts(
    session: Session,
    update: StateUpdate[int] | None,
    outcome: SweepIncidents,
    facts: Mapping[int, words.DeviceFacts],
    at: datetime,
    alerts: AlertSettings,
    links: ack_tokens.Links,
) -> int:
    lang = alerts.language
    base_url = links.base_url
    window = timedelta(seconds=alerts.flap_window)
    flapping = {d for d, s in update.states.items() if s.flapping} if update else set()
    queued = 0
    routes = channels.channels(session)

    def send(
        mail_for: MailFor,
        sites: set[str],
        key: str,
        event: str,
        text_for: channels.TextFor,
    ) -> None:
        """`mail_for(route)`: the mail with links for that route (its recipients)."""
        nonlocal queued
        # Chat channels first: each gets its own short text, in its own language.
        queued += channels.queue(
            session,
            event=event,
            sites=sites,
            text_for=text_for,
            dedupe_key=key,
            now=at,
            routes=routes,
        )
        to = recipients_for(alerts, sites)
        mail = mail_for(ack_tokens.mail_route(to))
        if not to:
            log.warning("alert %r not mailed: [alerts] recipients is empty", mail.subject)
            return
        if (
            outbox.enqueue(
                session,
                recipients=to,
                subject=mail.subject,
                text=mail.text,
                html=mail.html,
                kind="alert",
                dedupe_key=key,
                now=at,
            )
            is not None
        ):
            queued += 1

    for recovered, incidents in ((False, outcome.opened), (True, outcome.resolved)):
        # A flapping device sends its one notice instead (below), not a mail per change.
        items = [
            words.IncidentFacts(
                i.id,
                facts[i.device_id],
                i.opened_at,
                i.resolved_at,
                _children_names(session, i),
                incident_link(base_url, i.id),
            )
            for i in incidents
            if i.device_id is not None and i.device_id not in flapping
        ]
        suffix = "recovery" if recovered else "down"
        if len(items) >= alerts.group_threshold:
            send(
                _grouped_mail(items, recovered, lang, links),
                {i.device.site_code for i in items},
                f"incidents-{suffix}-" + ",".join(str(i.incident_id) for i in items)[:150],
                "grouped",
                _grouped_text(items, recovered, incidents_link(base_url)),
            )
        else:
            for item in items:
                send(
                    _incident_mail(item, recovered, lang, links),
                    {item.device.site_code},
                    f"incident-{item.incident_id}-{suffix}",
                    "down",
                    _incident_text(item, recovered, links),
                )

    if update is None:
        return queued
    for device in update.flapping_started:
        changes = len(update.states[device].recent_changes)
        flapping_mail = words.flapping_mail(facts[device], lang, changes=changes, window=window)
        send(
            _same(flapping_mail),
            {facts[device].site_code},
            f"flapping-{device}-{at.isoformat()}",
            "flapping",
            _flapping_text(facts[device], changes, window),
        )
    for device in update.flapping_ended:
        state = str(update.states[device].status)
        settled_mail = words.settled_mail(facts[device], lang, state=state, window=window)
        send(
            _same(settled_mail),
            {facts[device].site_code},
            f"settled-{device}-{at.isoformat()}",
            "flapping",
            _settled_text(facts[device], state, window),
        )
    return queued


def _flapping_text(d: words.DeviceFacts, changes: int, window: timedelta) -> channels.TextFor:
    def text(channel: channels.ChannelView, sites: set[str]) -> str:
        return chat.flapping_text(
            d, channel.language, changes=changes, window=window, limit=channel.limit
        )

    return text


def _settled_text(d: words.DeviceFacts, state: str, window: timedelta) -> channels.TextFor:
    def text(channel: channels.ChannelView, sites: set[str]) -> str:
        return chat.settled_text(
            d, channel.language, state=state, window=window, limit=channel.limit
        )

    return text


MailFor = Callable[[str], words.Mail]  # the mail for a route (its recipients)


def _same(mail: words.Mail) -> MailFor:
    """A mail without acknowledge links: the same for every route."""
    return lambda route: mail


def _incident_mail(
    item: words.IncidentFacts, recovered: bool, lang: str, links: ack_tokens.Links
) -> MailFor:
    def mail(route: str) -> words.Mail:
        [mine] = _with_ack_links([item], links, route, recovered)
        return words.incident_mail(mine, lang, recovered=recovered)

    return mail


def _grouped_mail(
    items: list[words.IncidentFacts], recovered: bool, lang: str, links: ack_tokens.Links
) -> MailFor:
    def mail(route: str) -> words.Mail:
        return words.grouped_mail(
            _with_ack_links(items, links, route, recovered), lang, recovered=recovered
        )

    return mail


def _with_ack_links(
    items: list[words.IncidentFacts], links: ack_tokens.Links, route: str, recovered: bool
) -> list[words.IncidentFacts]:
    """An outage's link acknowledges it, signed for this route; a recovery's opens the page."""
    if recovered:
        return items
    return [replace(i, ack_link=links.ack(i.incident_id, route)) for i in items]


def _incident_text(
    item: words.IncidentFacts, recovered: bool, links: ack_tokens.Links
) -> channels.TextFor:
    def text(channel: channels.ChannelView, sites: set[str]) -> str:
        [mine] = _with_ack_links([item], links, ack_tokens.channel_route(channel.id), recovered)
        return chat.incident_text(mine, channel.language, recovered=recovered, limit=channel.limit)

    return text


def _grouped_text(items: list[words.IncidentFacts], recovered: bool, link: str) -> channels.TextFor:
    def text(channel: channels.ChannelView, sites: set[str]) -> str | None:
        # A channel routed for some schools hears about those schools only.
        mine = [i for i in items if i.device.site_code in sites]
        if not mine:
            return None
        return chat.grouped_text(
            mine, channel.language, recovered=recovered, limit=channel.limit, link=link
        )

    return text


# --- what people do --------------------------------------------------------------------------


def open_manual(
    session: Session,
    *,
    title: str,
    actor: str,
    at: datetime,
    site_id: int | None,
    device_id: int | None = None,
    text: str = "",
    cause: str | None = None,
) -> Incident:
    """An incident nobody's ping could see (a stolen access point, a broken projector)."""
    title = " ".join((title or "").split())
    if not title:
        raise IncidentError("title")
    if cause and cause not in INCIDENT_CAUSES:
        raise IncidentError("cause")
    if device_id is not None:
        device = session.get(Device, device_id)
        if device is None:
            raise IncidentError("device")
        site_id = device.site_id
    if site_id is not None and session.get(Site, site_id) is None:
        raise IncidentError("site")
    incident = Incident(
        title=title[:300],
        manual=True,
        state=IncidentState.OPEN,
        cause=cause or None,
        device_id=device_id,
        site_id=site_id,
        opened_at=at,
        opened_by=actor,
    )
    session.add(incident)
    session.flush()
    _event(session, incident, at, actor, "opened", text.strip())
    return incident


def acknowledge(session: Session, incident: Incident, actor: str, at: datetime) -> None:
    if incident.state != IncidentState.OPEN:
        raise IncidentError("state")
    audit.name_change(session, incident, "acknowledge")
    incident.state = IncidentState.ACKNOWLEDGED
    incident.acknowledged_at = at
    incident.acknowledged_by = actor
    _event(session, incident, at, actor, "acknowledged")


def comment(session: Session, incident: Incident, actor: str, at: datetime, text: str) -> None:
    text = (text or "").strip()
    if not text:
        raise IncidentError("text")
    _event(session, incident, at, actor, "comment", text[:5000])


def set_cause(session: Session, incident: Incident, actor: str, at: datetime, cause: str) -> None:
    if cause not in INCIDENT_CAUSES:
        raise IncidentError("cause")
    incident.cause = cause
    _event(session, incident, at, actor, "cause", cause)


def resolve(session: Session, incident: Incident, actor: str, at: datetime) -> None:
    if incident.state not in OPEN_STATES:
        raise IncidentError("state")
    audit.name_change(session, incident, "resolve")
    incident.state = IncidentState.RESOLVED
    incident.resolved_at = at
    incident.resolved_by = actor
    _event(session, incident, at, actor, "resolved")


def reopen(session: Session, incident: Incident, actor: str, at: datetime) -> None:
    if incident.state != IncidentState.RESOLVED:
        raise IncidentError("state")
    audit.name_change(session, incident, "reopen")
    incident.state = IncidentState.OPEN
    incident.resolved_at = None
    incident.resolved_by = None
    _event(session, incident, at, actor, "reopened")
