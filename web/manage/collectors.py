"""/manage/collectors (admins): edge collectors with their state, a new one for some sites, a new
enrolment code, revocation. An enrolment code is shown once, in the answer to the POST that made
it, with the exact command to run on the school's machine; only its hash is kept
(monitor.edge.enrolment). The audit log records every change."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from monitor.db.models import Collector
from monitor.edge import enrolment, queries, standing
from monitor.settings import Settings
from web import access
from web.database import db
from web.i18n import translate

bp = Blueprint("collectors", __name__, url_prefix="/manage/collectors")

_CODES = re.compile(r"[\s,;]+")


def _settings() -> Settings:
    return current_app.config["ICTMON_SETTINGS"]


def central_url() -> str:
    """This central's address as a school's machine reaches it: [web] base_url, else the one
    this page was asked under."""
    return (_settings().web.base_url or request.host_url).rstrip("/")


def _page(*, issued: enrolment.Issued | None = None, values=None, errors=None, status=200):
    rows = queries.collector_rows(db(), g.now, _settings().collector)
    command = standing.enrol_command(central_url(), issued.code) if issued else None
    return render_template(
        "manage/collectors.html",
        rows=rows,
        issued=issued,
        command=command,
        values=values or {},
        errors=errors or {},
        clock=_settings().collector,
    ), status


def _error_text(refused: enrolment.CollectorError) -> str:
    return translate(f"collector_error_{refused.code}", value=refused.value)


@bp.get("")
def index():
    return _page()


@bp.post("")
def create():
    values = {"name": request.form.get("name", ""), "sites": request.form.get("sites", "")}
    codes = [c for c in _CODES.split(values["sites"]) if c]
    try:
        issued = enrolment.create_collector(
            db(),
            values["name"],
            codes,
            now=g.now,
            enrolment_hours=_settings().collector.enrolment_hours,
        )
    except enrolment.CollectorError as refused:
        db().rollback()
        return _page(values=values, errors={refused.field: _error_text(refused)}, status=400)
    db().commit()
    return _page(issued=issued, status=201)


def _or_404(collector_id: int) -> Collector:
    found = db().get(Collector, collector_id)
    if found is None:
        abort(404)
    return found


@bp.post("/<int:collector_id>/code")
def new_code(collector_id: int):
    try:
        issued = enrolment.issue_code(
            db(),
            _or_404(collector_id),
            now=g.now,
            enrolment_hours=_settings().collector.enrolment_hours,
        )
    except enrolment.CollectorError as refused:
        db().rollback()
        flash(_error_text(refused))
        return redirect(url_for("collectors.index"))
    db().commit()
    return _page(issued=issued)


@bp.post("/<int:collector_id>/revoke")
def revoke(collector_id: int):
    found = _or_404(collector_id)
    name = found.name
    try:
        enrolment.revoke(db(), found, now=g.now)
    except enrolment.CollectorError as refused:
        db().rollback()
        flash(_error_text(refused))
        return redirect(url_for("collectors.index"))
    db().commit()
    flash(translate("collector_revoked_flash", name=name))
    return redirect(url_for("collectors.index"))


def collector_of_device(device_id: int) -> str | None:
    """For the device page: the collector measuring the device, None when the office does."""
    return queries.collector_of_device(db(), device_id)


RULES: dict[str, access.Rule] = {
    "collectors.index": access.ADMIN,
    "collectors.create": access.ADMIN,
    "collectors.new_code": access.ADMIN,
    "collectors.revoke": access.ADMIN,
}


def init_app(app) -> None:
    app.register_blueprint(bp)
    access.add_rules(RULES)
    app.add_template_global(collector_of_device, "collector_of_device")
