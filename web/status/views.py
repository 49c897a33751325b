"""The pages an officer reads: the district status page, a site's devices, one device."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, g, render_template
from flask_login import login_required

from monitor.status import queries
from web.database import db

bp = Blueprint("status", __name__)


def _poller_stale(overview: queries.StatusOverview) -> bool:
    """True when the poller has not beaten for three intervals: the page may be showing the past."""
    interval = current_app.config["ICTMON_SETTINGS"].ping.interval
    limit = timedelta(seconds=max(3 * interval, 180))
    return overview.last_poll_at is None or overview.now - overview.last_poll_at > limit


@bp.get("/")
@login_required
def index():
    overview = queries.status_overview(db(), now=g.now)
    return render_template(
        "status/status.html", overview=overview, poller_stale=_poller_stale(overview)
    )


@bp.get("/status/overview")
@login_required
def overview_fragment():
    """The summary and tiles alone, fetched by static/js/status.js every few seconds."""
    overview = queries.status_overview(db(), now=g.now)
    return render_template(
        "status/_overview.html", overview=overview, poller_stale=_poller_stale(overview)
    )


@bp.get("/sites/<code>")
@login_required
def site(code: str):
    detail = queries.site_detail(db(), code)
    if detail is None:
        abort(404)
    return render_template("status/site.html", detail=detail)


@bp.get("/devices/<int:device_id>")
@login_required
def device(device_id: int):
    detail = queries.device_detail(db(), device_id, now=g.now)
    if detail is None:
        abort(404)
    return render_template("status/device.html", detail=detail, ranges=list(queries.LATENCY_RANGES))
