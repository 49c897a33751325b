"""Using an acknowledge link from an alert (monitor.incidents.ack_tokens makes and checks the
token): opening it shows the incident, confirming acknowledges it as the route the alert went to,
once — the token's digest is kept in `used_ack_tokens`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.channels.kinds import KINDS
from monitor.db.models import AlertChannel, Incident, UsedAckToken
from monitor.domain import IncidentState
from monitor.incidents import recording
from monitor.incidents.ack_tokens import AckLinkError, Claim, digest, verify


def who(session: Session, route: str) -> str:
    """The route in words, as the audit log and the incident record it."""
    kind, _, rest = route.partition(":")
    if kind == "ch" and rest.isdigit():
        channel = session.get(AlertChannel, int(rest))
        name = f"{KINDS[channel.kind].label}: {channel.name}" if channel else f"channel {rest}"
    else:
        name = rest or route
    return f"{name} via link"[:128]


def check(session: Session, key: bytes, token: str, now: datetime) -> tuple[Claim, Incident]:
    """What opening the link shows: the incident, if the link can still acknowledge it."""
    claim = verify(key, token, now)
    if session.get(UsedAckToken, digest(token)) is not None:
        raise AckLinkError("used")
    incident = session.get(Incident, claim.incident_id)
    if incident is None:
        raise AckLinkError("tampered")  # signed for an incident that no longer exists
    return claim, incident


def use(session: Session, key: bytes, token: str, now: datetime) -> Incident:
    """Acknowledge through the link, in the caller's transaction (audited as whoever the
    session acts as: the view makes that the route). An incident someone already acknowledged
    or that has ended is refused without spending the link."""
    claim, incident = check(session, key, token, now)
    if incident.state != IncidentState.OPEN:
        raise AckLinkError("not_open")
    actor = who(session, claim.route)
    session.add(
        UsedAckToken(digest=digest(token), incident_id=incident.id, used_at=now, used_by=actor)
    )
    try:
        session.flush()
    except IntegrityError:  # the same link confirmed twice at the same moment
        raise AckLinkError("used") from None
    recording.acknowledge(session, incident, actor, now)
    session.flush()
    return incident
