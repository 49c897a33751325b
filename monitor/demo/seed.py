"""Write the demo's planned history (monitor.demo.history) into its database, once.

Rows as the running service would have left them: state intervals, incidents with the officer's
acknowledgement, notes and the recovery, the children behind a failed router attached, a
maintenance window; then the risk rules run over it (real risks, from the real rules) and last
month's report is kept and its mail queued, as the schedule does on the 1st.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.db.engine import transaction
from monitor.db.models import (
    Device,
    Incident,
    IncidentDevice,
    IncidentEvent,
    MaintenanceWindow,
    Site,
    StateInterval,
)
from monitor.demo.history import DemoDevice, DemoHistory, plan_history
from monitor.reports.delivery import deliver_due_report
from monitor.risks.facts import evaluate_once
from monitor.settings import Settings

OFFICER = "admin"
SYSTEM = "ictmon"


@dataclass(frozen=True)
class SeededHistory:
    intervals: int
    incidents: int
    windows: int
    risks: int
    report: str | None  # the kept report's period key


def seed_history(
    sessions: sessionmaker[Session], settings: Settings, now: datetime
) -> SeededHistory | None:
    """History up to `now`, unless the database already has some (a second start of the demo)."""
    with transaction(sessions) as session:
        if session.execute(select(StateInterval.id).limit(1)).first() is not None:
            return None
        rows = session.execute(
            select(Device, Site).join(Site, Site.id == Device.site_id).order_by(Device.id)
        ).all()
        devices = [DemoDevice(d.id, d.name, d.kind, s.code, d.parent_id) for d, s in rows]
        plan = plan_history(devices, now)
        _write(session, plan, {d.id: (d, s) for d, s in rows})
    changes = evaluate_once(sessions, settings, now)
    # The schedule keeps last month's report after [reports] send_time on the 1st: the demo
    # keeps it at once, whatever the time of day.
    due_now = dataclasses.replace(
        settings, reports=dataclasses.replace(settings.reports, send_day=1, send_time="00:00")
    )
    delivered = deliver_due_report(sessions, due_now, now)
    return SeededHistory(
        len(plan.intervals),
        len(plan.incidents),
        len(plan.windows),
        len(changes),
        delivered.period.key if delivered else None,
    )


def _write(session: Session, plan: DemoHistory, rows: dict[int, tuple[Device, Site]]) -> None:
    for iv in plan.intervals:
        session.add(
            StateInterval(
                device_id=iv.device_id, status=iv.status, started_at=iv.start, ended_at=iv.end
            )
        )
    sites = {s.code: s for _, s in rows.values()}
    for w in plan.windows:
        session.add(
            MaintenanceWindow(
                site_id=sites[w.site_code].id,
                starts_at=w.start,
                ends_at=w.end,
                reason=w.reason,
                created_by=OFFICER,
                created_at=w.start - timedelta(days=3),
            )
        )
    for planned in plan.incidents:
        device, site = rows[planned.device_id]
        acknowledged = planned.start + timedelta(minutes=12)
        incident = Incident(
            device_id=device.id,
            site_id=site.id,
            title=f"{site.name} — {device.name} ({device.address})"[:300],
            manual=False,
            state="resolved",
            cause=planned.cause,
            opened_at=planned.start,
            opened_by=SYSTEM,
            acknowledged_at=acknowledged,
            acknowledged_by=OFFICER,
            resolved_at=planned.end,
            resolved_by=SYSTEM,
        )
        session.add(incident)
        session.flush()
        events = [(planned.start, SYSTEM, "opened", "")]
        events.append((acknowledged, OFFICER, "acknowledged", ""))
        step = (planned.end - acknowledged) / (len(planned.notes) + 1)
        events += [
            (acknowledged + step * (n + 1), OFFICER, "comment", note)
            for n, note in enumerate(planned.notes)
        ]
        events.append((planned.end, SYSTEM, "resolved", ""))
        for at, actor, action, text in events:
            session.add(
                IncidentEvent(incident_id=incident.id, at=at, actor=actor, action=action, text=text)
            )
        for child in planned.affected:
            session.add(
                IncidentDevice(incident_id=incident.id, device_id=child, attached_at=planned.start)
            )
