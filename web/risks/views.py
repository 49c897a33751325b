"""The risk register page: heat-map, filtered list, one risk with its history, add and
edit by hand (admins and operators: web.access), Excel export. Views parse, call monitor.risks.register, render."""

from __future__ import annotations

from typing import Any

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

from monitor.availability.periods import parse_day
from monitor.db.models import RISK_CATEGORIES, RISK_STATUSES, Risk
from monitor.incidents import queries as iq
from monitor.localtime import display_year, format_date, to_local
from monitor.reports import spreadsheet
from monitor.risks import register as core
from monitor.risks import texts
from web.database import db
from web.i18n import current_language, translate

bp = Blueprint("risks", __name__)


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
def _helpers() -> dict[str, Any]:
    return {
        "risk_categories": RISK_CATEGORIES,
        "risk_statuses": RISK_STATUSES,
        "risk_levels": core.LEVELS,
        "open_high_risks": lambda: core.open_high_risks(db(), _settings()),
        "risk_date": lambda day: format_date(day, current_language()),
        "risk_field": _field_word,
        "risk_text": lambda value: texts.render(value, current_language()),
    }


def _field_word(name: str) -> str:
    return translate(_FIELD_WORDS.get(name, name))


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
    row = _row(risk_id)
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
        values["review_date"] = parse_day(review.strip()) if review.strip() else None
    except ValueError:
        raise core.RiskError("review_date") from None
    if with_subject:
        kind, _, ident = form.get("subject", "").partition(":")
        values["site_id"] = int(ident) if kind == "site" and ident.isdigit() else None
        values["device_id"] = int(ident) if kind == "device" and ident.isdigit() else None
    return values


def _row(risk_id: int) -> core.RiskRow | None:
    return next((r for r in core.risk_rows(db(), _settings()) if r.id == risk_id), None)


def _form(risk: Risk | None):
    session = db()
    # The title as the form shows it: a rule's in the reader's language, a typed one as typed.
    row = _row(risk.id) if risk is not None else None
    shown_title = row.title_in(current_language()) if row is not None else None
    if request.method == "POST":
        try:
            if risk is None:
                risk = core.create_risk(
                    session, _form_values(request.form, with_subject=True), _actor(), g.now
                )
            else:
                values = _form_values(request.form, with_subject=risk.rule_key is None)
                if (
                    row is not None
                    and row.rule_title is not None
                    and values["title"] == shown_title
                ):
                    del values["title"]  # the rule's words, untouched: not a title typed
                core.update_risk(session, risk, values, _actor(), g.now)
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
        shown_title=shown_title if shown_title is not None else (risk.title if risk else ""),
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
    year = display_year(stamp.year, current_language())
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
            row.title_in(lang),
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
            row.summary_in(lang),
        ]

    headers = [c if c == "#" else translate(c, lang) for c in _COLUMNS]
    return spreadsheet.xlsx_bytes(translate("risk_register", lang), headers, map(values, rows))
