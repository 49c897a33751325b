"""The map pages and their data: the page is a frame (site picker, legend, the container the
script draws in); static/js/map.js reads /map/data.json at once and again every ping interval."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_login import login_required

from monitor.netmap import graph, queries
from web.database import db

bp = Blueprint("netmap", __name__)


def _site_arg() -> str | None:
    code = (request.args.get("site") or "").strip()
    return code[:32] or None


def _render(code: str | None):
    sites = queries.sites(db())
    if code is not None and all(s.code != code for s in sites):
        abort(404)
    settings = current_app.config["ICTMON_SETTINGS"]
    return render_template(
        "netmap/map.html",
        sites=sites,
        code=code,
        states=graph.STATES,
        refresh_seconds=max(1, round(settings.ping.interval)),
    )


@bp.get("/map")
@login_required
def page():
    return _render(_site_arg())


@bp.get("/map/<code>")
@login_required
def site(code: str):
    return _render(code)


@bp.get("/map/data.json")
@login_required
def data():
    found = queries.network_map(db(), _site_arg())
    if found is None:
        abort(404)
    return jsonify(found.as_json())
