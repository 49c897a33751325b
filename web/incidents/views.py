"""The incident log, one incident with its timeline and actions, maintenance windows, and the
outbox admin page. Views parse the form, call one core function, redirect or render;
who may call which is web.access's table, and templates ask it with `can(...)`."""

from __future__ import annotations

from datetime import datetime, time, timedelta

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
from flask_login import current_user, login_required
from sqlalchemy import select

from monitor.availability.periods import PeriodError
from monitor.db.models import INCIDENT_CAUSES, INCIDENT_STATES, Incident, MaintenanceWindow
from monitor.domain import IncidentState
from monitor.incidents import queries as iq
from monitor.incidents import recording as core
from monitor.localtime import BANGKOK
from monitor.mail import outbox
from monitor.mail import server as mail_server
from monitor.mail.smtp import send_test
from monitor.secrets import SecretsError
from monitor.status import maintenance
from web.database import db
from web.i18n import translate
from web.params import day_arg, local_moment

bp = Blueprint("incidents", __name__)


# A refused field by the label the person saw on the form, never its name in the code.
_FIELD_LABELS = {
    "title": "inc_title",
    "cause": "col_cause",
    "started_at": "inc_started_at",
    "ended_at": "inc_ended_at",
    "site": "site",
    "device": "device",
}


def _bad_input(exc: Exception) -> str:
    field = str(exc)
    label = _FIELD_LABELS.get(field)
    return translate("inc_bad_input", field=translate(label) if label else field)


def _actor() -> str:
    return current_user.display_name or current_user.username


def _local_day(name: str) -> datetime | None:
    day = day_arg(request.args, name)
    return datetime.combine(day, time(0), BANGKOK) if day else None


def _local_moment(text: str | None) -> datetime | None:
    # The picker's 2026-12-31T14:30 or a typed 31/12/2569 14:30; unreadable is "missing".
    try:
        return local_moment(text)
    except PeriodError:
        return None


def _past_span(form, now: datetime) -> tuple[datetime, datetime | None]:
    """When a manual incident began (now when not given) and ended (None: still going on).
    Neither in the future; the end after the start. IncidentError names the field."""
    started = ended = None
    if (form.get("started_at") or "").strip():
        started = _local_moment(form.get("started_at"))
        if started is None or started > now:
            raise core.IncidentError("started_at")
    if (form.get("ended_at") or "").strip():
        ended = _local_moment(form.get("ended_at"))
        if ended is None or ended > now or ended < (started or now):
            raise core.IncidentError("ended_at")
    return started or now, ended


def _device_open_incidents(device_id: int) -> list[iq.IncidentRow]:
    return iq.incidents(
        db(), iq.IncidentFilter(state=IncidentState.OPEN, device_id=device_id), limit=20
    )


@bp.app_context_processor
def _words():
    return {
        "incident_causes": INCIDENT_CAUSES,
        "incident_states": INCIDENT_STATES,
        "device_open_incidents": _device_open_incidents,
    }


@bp.get("/incidents")
@login_required
def index():
    args = request.args
    until = _local_day("to")
    where = iq.IncidentFilter(
        site=args.get("site") or None,
        state=args.get("state") if args.get("state") in INCIDENT_STATES else None,
        cause=args.get("cause") if args.get("cause") in INCIDENT_CAUSES else None,
        since=_local_day("from"),
        until=until + timedelta(days=1) if until else None,
    )
    return render_template(
        "incidents/index.html",
        rows=iq.incidents(db(), where),
        where=where,
        args=args,
        sites=iq.site_choices(db()),
    )


@bp.get("/incidents/<int:incident_id>")
@login_required
def show(incident_id: int):
    row = iq.incident(db(), incident_id)
    if row is None:
        abort(404)
    return render_template("incidents/show.html", row=row, events=iq.timeline(db(), incident_id))


_ACTIONS = {
    "acknowledge": lambda s, i, who, at, form: core.acknowledge(s, i, who, at),
    "comment": lambda s, i, who, at, form: core.comment(s, i, who, at, form.get("text", "")),
    "cause": lambda s, i, who, at, form: core.set_cause(s, i, who, at, form.get("cause", "")),
    "resolve": lambda s, i, who, at, form: core.resolve(s, i, who, at),
    "reopen": lambda s, i, who, at, form: core.reopen(s, i, who, at),
}


@bp.post("/incidents/<int:incident_id>/<action>")
@login_required
def act(incident_id: int, action: str):
    if action not in _ACTIONS:
        abort(404)
    session = db()
    incident = session.get(Incident, incident_id)
    if incident is None:
        abort(404)
    try:
        _ACTIONS[action](session, incident, _actor(), g.now, request.form)
        session.commit()
    except core.IncidentError as exc:
        session.rollback()
        flash(translate("inc_not_allowed") if str(exc) == "state" else _bad_input(exc))
    # Acknowledged from a status tile: back to the tiles. A fixed word, never a URL (no open redirect).
    if request.form.get("next") == "status":
        return redirect(url_for("status.index"))
    return redirect(url_for("incidents.show", incident_id=incident_id))


@bp.route("/incidents/new", methods=["GET", "POST"])
@login_required
def new():
    session = db()
    if request.method == "POST":
        form = request.form
        try:
            device_id = int(form["device_id"]) if form.get("device_id") else None
            site_id = int(form["site_id"]) if form.get("site_id") else None
            if not form.get("cause"):
                raise core.IncidentError("cause")  # the form asks; no cause is assumed
            started, ended = _past_span(form, g.now)
            incident = core.open_manual(
                session,
                title=form.get("title", ""),
                actor=_actor(),
                at=started,
                site_id=site_id,
                device_id=device_id,
                text=form.get("text", ""),
                cause=form.get("cause"),
            )
            if ended is not None:
                core.resolve(session, incident, _actor(), ended)
            session.commit()
            return redirect(url_for("incidents.show", incident_id=incident.id))
        except (core.IncidentError, ValueError) as exc:
            session.rollback()
            flash(_bad_input(exc))
    return render_template(
        "incidents/new.html",
        sites=iq.site_choices(session),
        devices=iq.device_choices(session),
        form=request.form,
    )


@bp.route("/maintenance", methods=["GET", "POST"])
@login_required
def maintenance_windows():
    session = db()
    if request.method == "POST":
        form = request.form
        target = form.get("target", "")
        kind, _, ident = target.partition(":")
        try:
            starts, ends = _local_moment(form.get("starts_at")), _local_moment(form.get("ends_at"))
            if starts is None or ends is None:
                raise maintenance.MaintenanceError("starts_at/ends_at")
            maintenance.create_window(
                session,
                starts_at=starts,
                ends_at=ends,
                reason=form.get("reason", ""),
                created_by=_actor(),
                now=g.now,
                site_id=int(ident) if kind == "site" else None,
                device_id=int(ident) if kind == "device" else None,
                weekdays=",".join(form.getlist("weekday")),
                local_start=form.get("local_start", ""),
                local_end=form.get("local_end", ""),
            )
            session.commit()
            flash(translate("maint_saved"))
            return redirect(url_for("incidents.maintenance_windows"))
        except (maintenance.MaintenanceError, ValueError) as exc:
            session.rollback()
            flash(translate("inc_bad_input", field=str(exc)))
    windows = session.scalars(
        select(MaintenanceWindow)
        .where(MaintenanceWindow.ends_at > g.now)
        .order_by(MaintenanceWindow.starts_at)
    ).all()
    return render_template(
        "incidents/maintenance.html",
        windows=windows,
        sites={s[0]: s for s in iq.site_choices(session)},
        devices={d[0]: d for d in iq.device_choices(session)},
    )


@bp.post("/maintenance/<int:window_id>/delete")
@login_required
def delete_window(window_id: int):
    session = db()
    window = session.get(MaintenanceWindow, window_id)
    if window is not None:
        session.delete(window)
        session.commit()
        flash(translate("maint_deleted"))
    return redirect(url_for("incidents.maintenance_windows"))


@bp.get("/admin/outbox")
@login_required
def outbox_page():
    return render_template(
        "incidents/outbox.html",
        messages=outbox.unsent(db()),
        # What the browser set (/admin/notifications) in place of [smtp]; no password needed.
        smtp=mail_server.effective_smtp(db(), None, current_app.config["ICTMON_SETTINGS"].smtp),
    )


@bp.post("/admin/outbox/<int:message_id>/retry")
@login_required
def retry(message_id: int):
    if outbox.retry(db(), message_id, g.now):
        db().commit()
        flash(translate("retry_queued"))
    return redirect(url_for("incidents.outbox_page"))


@bp.post("/admin/test-email")
@login_required
def test_email():
    settings = current_app.config["ICTMON_SETTINGS"]
    address = request.form.get("address", "").strip()[:254]
    try:
        # The server the browser set (/admin/notifications), else [smtp].
        smtp = mail_server.smtp_for_sending(db(), settings)
        ok, dialogue = send_test(
            smtp,
            address,
            subject="ictmon: ทดสอบการส่งอีเมล / test email",
            text=f"{settings.office.name}\n\nictmon test email.\n",
        )
    except SecretsError as exc:
        smtp, ok, dialogue = settings.smtp, False, [str(exc)]
    return render_template(
        "incidents/outbox.html",
        messages=outbox.unsent(db()),
        smtp=smtp,
        test_result=(ok, dialogue, address),
    )
