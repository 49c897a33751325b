"""The risk register page (issue 7): heat-map, filtered list, one risk with its history, add and
edit by hand (admins and operators: web.access), Excel export. Views parse, call monitor.risks.register, render."""

from __future__ import annotations

from datetime import date

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

from monitor.db.models import RISK_CATEGORIES, RISK_STATUSES, Risk
from monitor.incidents import queries as iq
from monitor.localtime import format_date, to_local
from monitor.reports import spreadsheet
from monitor.risks import register as core
from web.database import db
from web.i18n import current_language, translate
from web.risks import words as risks_i18n

bp = Blueprint("risks", __name__)
risks_i18n.install()


def _settings():
    return current_app.config["ICTMON_SETTINGS"].risks


def _actor() -> str:
    return current_user.display_name or current_user.username


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _filter() -> core.RiskFilter:
    a = request.args
    status = a.get("status", "active")
    return core.RiskFilter(
        status=status if status in (*RISK_STATUSES, "active") else None,
        level=a.get("level") if a.get("level") in core.LEVELS else None,
        likelihood=_int(a.get("likelihood")),
        impact=_int(a.get("impact")),
        category=a.get("category") if a.get("category") in RISK_CATEGORIES else None,
        site=a.get("site") or None,
    )


@bp.app_context_processor
def _helpers():
    return {
        "risk_categories": RISK_CATEGORIES,
        "risk_statuses": RISK_STATUSES,
        "risk_levels": core.LEVELS,
        "open_high_risks": lambda: core.open_high_risks(db(), _settings()),
        "risk_date": lambda day: format_date(day, current_language()),
        "risk_field": lambda name: translate(_FIELD_WORDS.get(name, name)),
    }


_FIELD_WORDS = {
    "title": "risk_title",
    "category": "risk_category",
    "site_id": "risk_subject",
    "device_id": "risk_subject",
    "likelihood": "risk_likelihood",
    "impact": "risk_impact",
    "mitigation": "risk_mitigation",
    "owner": "risk_owner",
    "review_date": "risk_review",
    "status": "risk_status",
    "evidence": "risk_evidence",
    "proposed_close": "risk_proposed_close",
}


@bp.get("/risks")
@login_required
def index():
    where = _filter()
    active = core.risk_rows(db(), _settings(), core.RiskFilter(status="active"))
    return render_template(
        "risks/index.html",
        rows=core.risk_rows(db(), _settings(), where),
        cells=core.heatmap(active),
        where=where,
        args=request.args,
        sites=iq.site_choices(db()),
        matrix=_settings(),
    )


@bp.get("/risks/<int:risk_id>")
@login_required
def show(risk_id: int):
    row = next((r for r in core.risk_rows(db(), _settings()) if r.id == risk_id), None)
    if row is None:
        abort(404)
    return render_template("risks/show.html", row=row, events=core.history(db(), risk_id))


def _form_values(form, *, with_subject: bool) -> dict:
    values = {
        name: form.get(name, "")
        for name in ("title", "category", "likelihood", "impact", "mitigation", "owner", "status")
    }
    review = form.get("review_date", "")
    try:
        values["review_date"] = date.fromisoformat(review) if review else None
    except ValueError:
        raise core.RiskError("review_date") from None
    if with_subject:
        kind, _, ident = form.get("subject", "").partition(":")
        values["site_id"] = int(ident) if kind == "site" and ident.isdigit() else None
        values["device_id"] = int(ident) if kind == "device" and ident.isdigit() else None
    return values


def _form(risk: Risk | None):
    session = db()
    if request.method == "POST":
        try:
            if risk is None:
                risk = core.create_risk(
                    session, _form_values(request.form, with_subject=True), _actor(), g.now
                )
            else:
                core.update_risk(
                    session,
                    risk,
                    _form_values(request.form, with_subject=risk.rule_key is None),
                    _actor(),
                    g.now,
                )
            session.commit()
            flash(translate("risk_saved"))
            return redirect(url_for("risks.show", risk_id=risk.id))
        except core.RiskError as exc:
            session.rollback()
            flash(translate("risk_bad_input", field=str(exc)))
            risk = session.get(Risk, risk.id) if risk is not None and risk.id else None
    return render_template(
        "risks/form.html",
        risk=risk,
        sites=iq.site_choices(session),
        devices=iq.device_choices(session),
    )


@bp.route("/risks/new", methods=["GET", "POST"])
@login_required
def new():
    return _form(None)


@bp.route("/risks/<int:risk_id>/edit", methods=["GET", "POST"])
@login_required
def edit(risk_id: int):
    risk = db().get(Risk, risk_id)
    if risk is None:
        abort(404)
    return _form(risk)


@bp.get("/risks/export.xlsx")
@login_required
def export_xlsx():
    body = risks_xlsx(core.risk_rows(db(), _settings(), _filter()), current_language())
    stamp = to_local(g.now)
    year = stamp.year + (543 if current_language() == "th" else 0)
    return current_app.response_class(
        body,
        headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Content-Disposition": f'attachment; filename="ictmon-risks-{year}{stamp:%m%d}.xlsx"',
        },
    )


_COLUMNS = (
    "#",
    "risk_title",
    "risk_category",
    "risk_subject",
    "risk_likelihood",
    "risk_impact",
    "risk_score",
    "risk_level",
    "risk_status",
    "risk_mitigation",
    "risk_owner",
    "risk_review",
    "risk_rule",
    "risk_evidence",
)


def risks_xlsx(rows: list[core.RiskRow], lang: str) -> bytes:
    def values(row: core.RiskRow) -> list:
        subject = " / ".join(x for x in (row.site_name, row.device_name) if x)
        return [
            row.id,
            row.title,
            translate(f"rcat_{row.category}", lang),
            subject,
            row.likelihood,
            row.impact,
            row.score,
            translate(f"level_{row.level}", lang),
            translate(f"rstatus_{row.status}", lang),
            row.mitigation,
            row.owner,
            row.review_date,
            row.rule or translate("risk_manual", lang),
            (row.evidence or {}).get("summary", ""),
        ]

    headers = [c if c == "#" else translate(c, lang) for c in _COLUMNS]
    return spreadsheet.xlsx_bytes(translate("risk_register", lang), headers, map(values, rows))
