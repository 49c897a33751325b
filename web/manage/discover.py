"""/manage/discover: start a discovery run of a site, watch it, preview its proposal, confirm the
entries ticked (monitor.snmp.discovery_runs, monitor.discovery.apply). Operators and admins.

The run goes on in a background thread of the web process, bounded by [discovery] deadline and
by `MAX_RUNNING` runs at a time; the run page asks for a small JSON status (web/static/js/
discover.js, no inline script) and reloads when the proposal is there. A run still "running"
long after its deadline (the web process restarted meanwhile) becomes "interrupted" in the
database when a page lists or shows runs (discovery_runs.mark_interrupted).
"""

from __future__ import annotations

import threading

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from monitor.credentials import holds
from monitor.db.models import DiscoveryRun, Site, SnmpProfile
from monitor.discovery import apply, ranges
from monitor.localtime import utcnow
from monitor.secrets import Vault
from monitor.snmp import discover, discovery_runs
from web import access
from web.database import db
from web.i18n import translate
from web.manage.views import _or_404, bp

MAX_RUNNING = 2  # runs at a time in one web process
RECENT_RUNS = 10
STATUS_ORDER = ("new", "changed", "silent", "unchanged")
_slots = threading.BoundedSemaphore(MAX_RUNNING)


def _settle() -> None:
    """Runs left "running" by a process that ended become "interrupted", before any is read."""
    session = db()
    deadline = current_app.config["ICTMON_SETTINGS"].discovery.deadline
    if discovery_runs.mark_interrupted(session, utcnow(), deadline):
        session.commit()


def _form_page(values: dict, error: str | None = None, code: int = 200):
    _settle()
    session = db()
    sites = session.execute(
        select(Site.code, Site.name, Site.address_ranges).order_by(Site.code)
    ).all()
    profiles = session.scalars(select(SnmpProfile.name).order_by(SnmpProfile.name)).all()
    runs = session.execute(
        select(DiscoveryRun, Site.code)
        .join(Site, Site.id == DiscoveryRun.site_id)
        .order_by(DiscoveryRun.id.desc())
        .limit(RECENT_RUNS)
    ).all()
    if not values.get("site") and sites:
        values["site"] = request.args.get("site") or sites[0].code
    if "ranges" not in values:
        chosen = next((s for s in sites if s.code == values.get("site")), None)
        values["ranges"] = (chosen.address_ranges or "") if chosen else ""
    return render_template(
        "manage/discover.html",
        sites=sites,
        profiles=profiles,
        runs=runs,
        values=values,
        error=error,
        interrupted=_interrupted,
    ), code


def _interrupted(run: DiscoveryRun) -> bool:
    return run.state == discovery_runs.INTERRUPTED


@bp.get("/discover")
def discover_page():
    return _form_page({})


def _carry_out(app, run_id: int, request_: discover.Request) -> None:
    """The background thread: the crawl, then the proposal kept with the run."""
    try:
        settings = app.config["ICTMON_SETTINGS"]
        secrets = Vault.from_settings(settings)
        collector = discover.collector_for(settings.snmp)
        try:
            discovery_runs.execute(
                app.extensions["ictmon_sessions"], secrets, run_id, request_, collector
            )
        finally:
            collector.close()
    finally:
        _slots.release()


@bp.post("/discover")
def discover_start():
    values = {k: request.form.get(k, "").strip() for k in ("site", "ranges", "profile", "seed")}
    settings = current_app.config["ICTMON_SETTINGS"]
    run_request = discovery_runs.request_from(
        settings,
        values["site"],
        ranges.split(values["ranges"]),
        ranges.split(values["seed"]),
        values["profile"],
    )
    if not _slots.acquire(blocking=False):
        return _form_page(values, translate("discover_busy"), 409)
    try:
        run = discovery_runs.begin(db(), run_request, current_user.username, utcnow())
        db().commit()
    except discover.DiscoveryError as exc:
        _slots.release()
        db().rollback()
        return _form_page(values, str(exc), 400)
    except BaseException:
        _slots.release()
        raise
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    threading.Thread(
        target=_carry_out, args=(app, run.id, run_request), name=f"discovery-{run.id}", daemon=True
    ).start()
    return redirect(url_for("manage.discover_run", run_id=run.id))


def _run_or_404(run_id: int) -> tuple[DiscoveryRun, Site]:
    run = _or_404(DiscoveryRun, run_id)
    site = db().get(Site, run.site_id)
    if site is None:
        abort(404)
    return run, site


def _run_page(run_id: int, error: str | None = None, code: int = 200):
    _settle()
    run, site = _run_or_404(run_id)
    entries = (run.proposal or {}).get("entries", [])
    groups = {status: [e for e in entries if e.get("status") == status] for status in STATUS_ORDER}
    return render_template(
        "manage/discover_run.html",
        run=run,
        site=site,
        groups=groups,
        error=error,
        interrupted=_interrupted(run),
        poll_seconds=2,
        poll_limit=int(current_app.config["ICTMON_SETTINGS"].discovery.deadline / 2) + 60,
    ), code


@bp.get("/discover/<int:run_id>")
def discover_run(run_id: int):
    return _run_page(run_id)


@bp.get("/discover/<int:run_id>/status")
def discover_status(run_id: int):
    _settle()
    run, _ = _run_or_404(run_id)
    state = run.state
    return jsonify(state=state, counts=run.counts or {}, running=state == "running")


@bp.post("/discover/<int:run_id>/confirm")
def discover_confirm(run_id: int):
    _run_or_404(run_id)
    session = db()
    now = utcnow()
    chosen = set(request.form.getlist("pick"))

    def hold(device):
        holds.hold_if_redirected(session, device, ("address", "snmp_profile_id"), (), now)

    try:
        written = apply.confirm(
            session,
            run_id,
            chosen,
            now=now,
            actor=current_user.username,
            hold=None if access.is_admin() else hold,
        )
    except apply.ConfirmRefused as exc:
        session.rollback()
        return _run_page(run_id, str(exc), 409)
    session.commit()
    counts = written.counts
    flash(
        translate(
            "discover_written",
            created=counts["created"],
            parents=counts["parents_changed"],
            updated=counts["updated"],
        )
    )
    return redirect(url_for("manage.discover_run", run_id=run_id))


RULES: dict[str, access.Rule] = {
    f"manage.{endpoint}": access.OPERATOR
    for endpoint in (
        "discover_page",
        "discover_start",
        "discover_run",
        "discover_status",
        "discover_confirm",
    )
}


def init_app(app) -> None:
    access.add_rules(RULES)
