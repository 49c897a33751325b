"""The report's major incidents, read from the incident log.

Two queries whatever the month holds: the incidents that overlap the window (with their device and
site), then the people's notes of the few that are shown. Choosing and wording the rows are pure
functions, so the ranking and the notes can be checked without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from monitor.db.models import Device, Incident, IncidentEvent, Site
from monitor.incidents.recording import SYSTEM

NOTE_ACTIONS = ("opened", "comment")
NOTES_KEPT = 2  # the latest comments: what was done, not the whole timeline
NOTES_MAX_CHARS = 280  # a table cell, not a page


@dataclass(frozen=True)
class LoggedIncident:
    id: int
    title: str
    manual: bool
    cause: str | None
    device: str | None
    site_code: str | None
    site_name: str | None
    opened_at: datetime
    resolved_at: datetime | None

    def downtime_within(self, start: datetime, end: datetime) -> timedelta:
        """The part of the incident inside [start, end): an incident still open runs until `end`."""
        finish = min(self.resolved_at or end, end)
        return max(finish - max(self.opened_at, start), timedelta(0))


def overlapping(session: Session, start: datetime, end: datetime) -> list[LoggedIncident]:
    """Incidents open at some moment of [start, end): opened before its end and not resolved by
    its start (still open, or resolved inside it)."""
    rows = session.execute(
        select(
            Incident.id,
            Incident.title,
            Incident.manual,
            Incident.cause,
            Incident.opened_at,
            Incident.resolved_at,
            Device.name,
            Site.code,
            Site.name,
        )
        .outerjoin(Device, Device.id == Incident.device_id)
        .outerjoin(Site, Site.id == Incident.site_id)
        .where(
            Incident.opened_at < end,
            or_(Incident.resolved_at.is_(None), Incident.resolved_at > start),
        )
    ).all()
    return [
        LoggedIncident(r[0], r[1], bool(r[2]), r[3], r[6], r[7], r[8], r[4], r[5]) for r in rows
    ]


def worst_first(
    incidents: list[LoggedIncident], start: datetime, end: datetime
) -> list[LoggedIncident]:
    """Most downtime inside the window first; then the earliest, then the id (a stable order)."""
    return sorted(
        incidents, key=lambda i: (-i.downtime_within(start, end).total_seconds(), i.opened_at, i.id)
    )


def people_notes(session: Session, incident_ids: list[int]) -> dict[int, str]:
    """What people wrote on each incident (its opening text, comments), latest kept, one line."""
    if not incident_ids:
        return {}
    texts: dict[int, list[str]] = {}
    for incident_id, text in session.execute(
        select(IncidentEvent.incident_id, IncidentEvent.text)
        .where(
            IncidentEvent.incident_id.in_(incident_ids),
            IncidentEvent.action.in_(NOTE_ACTIONS),
            IncidentEvent.actor != SYSTEM,
            IncidentEvent.text != "",
        )
        .order_by(IncidentEvent.at, IncidentEvent.id)
    ):
        texts.setdefault(incident_id, []).append(text)
    return {k: concise(v) for k, v in texts.items()}


def concise(texts: list[str]) -> str:
    """The latest NOTES_KEPT notes, oldest of them first, whitespace folded, cut at a word."""
    kept = [" ".join(t.split()) for t in texts if t and t.strip()][-NOTES_KEPT:]
    line = " · ".join(kept)
    if len(line) <= NOTES_MAX_CHARS:
        return line
    cut = line[: NOTES_MAX_CHARS - 1]
    # Thai has no spaces inside a phrase: cut at a space only when one is reasonably near.
    space = cut.rfind(" ")
    if space > NOTES_MAX_CHARS * 3 // 4:
        cut = cut[:space]
    return cut.rstrip() + "…"
