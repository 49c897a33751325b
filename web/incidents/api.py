"""/api/v1/incidents and /api/v1/outbox: the views, routed on the api blueprint (web.api.read)
so tokens work here too.

GET /api/v1/incidents[?site=CODE&state=open|acknowledged|resolved&cause=…]
    id, title, device, site, state, cause, manual, opened_at, acknowledged_at/by,
    resolved_at/by, children (names of the devices unreachable because of it); device is null
    for an incident with no device (a school's collector out of contact): its title names it
GET /api/v1/outbox   (admin)   messages not yet sent: pending, sending, failed, with the reason
"""

from __future__ import annotations

from flask import jsonify, request

from monitor.incidents import queries as iq
from monitor.localtime import iso_local
from monitor.mail import outbox
from web.database import db


def incident_json(row: iq.IncidentRow) -> dict:
    return {
        "id": row.id,
        "title": row.title,
        "device": row.device,
        "site": row.site_code,
        "state": row.state,
        "cause": row.cause,
        "manual": row.manual,
        "opened_at": iso_local(row.opened_at),
        "opened_by": row.opened_by,
        "acknowledged_at": iso_local(row.acknowledged_at),
        "acknowledged_by": row.acknowledged_by,
        "resolved_at": iso_local(row.resolved_at),
        "resolved_by": row.resolved_by,
        "children": list(row.children),
    }


def incidents():
    where = iq.IncidentFilter(
        site=request.args.get("site") or None,
        state=request.args.get("state") or None,
        cause=request.args.get("cause") or None,
    )
    return jsonify([incident_json(r) for r in iq.incidents(db(), where)])


def outbox_messages():
    return jsonify(
        [
            {
                "id": m.id,
                "kind": m.kind,
                "status": m.status,
                "subject": m.subject,
                "recipients": m.recipients,
                "attempts": m.attempts,
                "created_at": iso_local(m.created_at),
                "next_attempt_at": iso_local(m.next_attempt_at),
                "last_error": m.last_error,
            }
            for m in outbox.unsent(db())
        ]
    )
