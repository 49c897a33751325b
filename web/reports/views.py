"""The Reports page (any month or fiscal year, on screen and as PDF/XLSX/HTML downloads, plus the
reports the schedule generated) and GET /api/v1/availability.

Views are thin: parse the period, call monitor.reports, render.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_login import login_required

from monitor.availability.intervals import Figures
from monitor.availability.periods import (
    PeriodError,
    fiscal_year_of,
    fiscal_year_period,
    month_period,
    parse_period,
    previous_month,
)
from monitor.localtime import iso_local
from monitor.reports import stored
from monitor.reports.data import Row, availability_snapshot, build_report
from monitor.reports.html import render_fragment
from monitor.reports.produce import (
    FORMATS,
    MEDIA_TYPES,
    choose_period,
    file_name,
    opening_period,
    render,
)
from web.database import db
from web.i18n import current_language

bp = Blueprint("reports", __name__)
api_bp = Blueprint("availability_api", __name__, url_prefix="/api/v1")


def _kept_label(report: stored.StoredReport) -> str:
    """A kept report's period in the reader's language (its stored label is the report's own)."""
    try:
        return parse_period(report.period_key).label(current_language())
    except PeriodError:
        return report.period_label


@bp.context_processor
def _helpers():
    return {"kept_label": _kept_label}


def _settings():
    return current_app.config["ICTMON_SETTINGS"]


def _period_from_request():
    args = request.args
    if args.get("from") or args.get("to"):
        return choose_period(first=args.get("from"), last=args.get("to"))
    return choose_period(period=args.get("period") or opening_period(db(), g.now).key)


def _period_choices(lang: str) -> list[tuple[str, str]]:
    """The last 13 months and the last three fiscal years, newest first."""
    local_month = previous_month(g.now)
    months, year, month = [], local_month.first_day.year, local_month.first_day.month + 1
    if month == 13:
        year, month = year + 1, 1
    for _ in range(13):
        period = month_period(year, month)
        months.append((period.key, period.label(lang)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    fiscal = fiscal_year_of(local_month.last_day)
    years = []
    for y in (fiscal + 1, fiscal, fiscal - 1):
        p = fiscal_year_period(y)
        if p.start < g.now:
            years.append((p.key, p.label(lang)))
    return months + years


@bp.get("/reports")
@login_required
def index():
    lang = current_language()
    try:
        period = _period_from_request()
    except PeriodError as exc:
        return render_template(
            "reports/index.html",
            error=str(exc),
            fragment=None,
            choices=_period_choices(lang),
            selected="",
            generated=stored.list_reports(db()),
        ), 400
    report = build_report(db(), period, _settings(), g.now)
    query = (
        {"from": request.args["from"], "to": request.args["to"]}
        if request.args.get("from")
        else {"period": period.key}
    )
    links = {fmt.upper(): url_for("reports.download", fmt=fmt, **query) for fmt in ("pdf", "xlsx")}
    return render_template(
        "reports/index.html",
        error=None,
        period=period,
        fragment=render_fragment(report, lang, links=links),
        choices=_period_choices(lang),
        selected=period.key,
        generated=stored.list_reports(db()),
    )


@bp.get("/reports/download.<fmt>")
@login_required
def download(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    try:
        period = _period_from_request()
    except PeriodError as exc:
        return Response(str(exc), status=400, mimetype="text/plain")
    report = build_report(db(), period, _settings(), g.now)
    return _file(render(report, fmt, current_language()), fmt, file_name(period, fmt))


@bp.get("/reports/generated/<int:report_id>.<fmt>")
@login_required
def generated(report_id: int, fmt: str):
    if fmt not in ("pdf", "xlsx"):
        abort(404)
    found = stored.get_file(db(), report_id, fmt)
    if found is None:
        abort(404)
    period_key, content = found
    return _file(content, fmt, f"ictmon-report-{period_key}.{fmt}")


def _file(content: bytes, fmt: str, name: str) -> Response:
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(
        content,
        mimetype=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
    )


# --- GET /api/v1/availability --------------------------------------------------------------------


def _seconds(value) -> float | None:
    return None if value is None else round(value.total_seconds(), 3)


def figures_json(f: Figures, target: float | None = None) -> dict:
    pct = f.availability_pct
    body = {
        "up_s": _seconds(f.up),
        "down_s": _seconds(f.down),
        "unreachable_s": _seconds(f.unreachable),
        "maintenance_s": _seconds(f.maintenance),
        "unknown_s": _seconds(f.unknown),
        "availability_pct": None if pct is None else round(pct, 4),
        "outages": f.outages,
        "mttr_s": _seconds(f.mttr),
        "mtbf_s": _seconds(f.mtbf),
        "longest_outage_s": _seconds(f.longest_outage),
    }
    if target is not None:
        body["target_pct"] = target
        body["met"] = None if pct is None else pct >= target
    return body


def _row_json(row: Row, **extra) -> dict:
    return {**extra, **figures_json(row.figures, row.target)}


@api_bp.get("/availability")
def availability():
    try:
        period = _period_from_request()
    except PeriodError as exc:
        return jsonify(error=str(exc)), 400
    snap = availability_snapshot(db(), period, _settings(), g.now)
    return jsonify(
        {
            "period": period.key,
            "label": period.label(current_language()),
            "start": iso_local(period.start),
            "end": iso_local(period.end),
            "measured_until": iso_local(snap.window_end),
            "district": figures_json(snap.district, _settings().reports.target),
            "sites": [_row_json(r, code=r.key, name=r.name, devices=r.members) for r in snap.sites],
            "kinds": [_row_json(r, kind=r.key, devices=r.members) for r in snap.kinds],
            "devices": [
                _row_json(r, id=int(r.key), name=r.name, site=r.site_code, kind=r.kind)
                for r in snap.devices
            ],
        }
    )
