"""The pages an officer reads: the district status page, a site's devices, one device."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template
from flask_login import login_required

from monitor.devices import contacts
from monitor.edge.liveness import offline_devices
from monitor.status import problems, queries, remote_causes
from web.database import db

bp = Blueprint("status", __name__)


def _overview_context() -> dict:
    session = db()
    overview = queries.status_overview(session, now=g.now)
    # The frame's dot and stale banner read the same moment as the tiles, without a second query.
    g.district_health = problems.DistrictHealth(
        worst=next((s for s in queries.STATES if overview.counts.get(s)), "unknown"),
        last_poll_at=overview.last_poll_at,
    )
    failed = problems.failed_devices(session)
    return {
        "overview": overview,
        "failed": failed,
        # Who to call at a school with a device down (asked only for those schools).
        "contacts": contacts.contacts_of(session, failed),
        "recovered": problems.recoveries(session, g.now),
        # Amber tiles whose cause is another site's failure name it; asked only when some device
        # is unreachable, so a quiet district costs no query.
        "causes": remote_causes.read_remote_causes(session)
        if overview.counts.get("unreachable")
        else {},
        "poller_never": overview.last_poll_at is None and overview.devices_total > 0,
    }


@bp.get("/")
@login_required
def index():
    return render_template("status/status.html", **_overview_context())


@bp.get("/status/overview")
@login_required
def overview_fragment():
    """The summary and tiles alone, fetched by static/js/status.js every few seconds."""
    return render_template("status/_overview.html", **_overview_context())


@bp.get("/sites/<code>")
@login_required
def site(code: str):
    detail = queries.site_detail(db(), code)
    if detail is None:
        abort(404)
    # Unknown because the school's collector is out of contact: the page says so.
    return render_template(
        "status/site.html", detail=detail, collector_offline=offline_devices(db())
    )


@bp.get("/devices/<int:device_id>")
@login_required
def device(device_id: int):
    detail = queries.device_detail(db(), device_id, now=g.now)
    if detail is None:
        abort(404)
    return render_template(
        "status/device.html",
        detail=detail,
        ranges=list(queries.LATENCY_RANGES),
        collector_offline=offline_devices(db()),
    )
