"""Thin views over monitor.assets: parse the request, call one query, render."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, current_app, g, render_template, request, url_for

from monitor.assets import labels as asset_labels
from monitor.assets import queries as aq
from monitor.assets.depreciation import UsefulLife
from monitor.db.models import ASSET_CONDITIONS, DEVICE_KINDS
from monitor.localtime import display_year, format_date, to_local
from monitor.reports.spreadsheet import xlsx_bytes
from web import access
from web.assets import check_views
from web.database import db
from web.formatting import kind_label
from web.i18n import current_language, translate
from web.params import day_arg

bp = Blueprint("assets", __name__, url_prefix="/assets")

RULES: dict[str, access.Rule] = {
    "assets.register": access.VIEWER,
    "assets.asset": access.VIEWER,
    "assets.depreciation": access.VIEWER,
    "assets.depreciation_xlsx": access.VIEWER,
    "assets.labels": access.VIEWER,
}


def init_app(app) -> None:
    app.register_blueprint(bp)
    access.add_rules(RULES)
    app.add_template_filter(baht, "baht")
    app.add_template_filter(budget_year, "budget_year")
    app.add_template_filter(day, "day")


def baht(value: Decimal | None) -> str:
    """25900.5 → '25,900.50'; nothing → '—'."""
    return "—" if value is None else f"{value:,.2f}"


def budget_year(value: int | None) -> str:
    return "—" if value is None else str(display_year(value, current_language()))


def day(value: date | None) -> str:
    return format_date(value, current_language(), short=True) if value else "—"


def _selection() -> aq.Selection:
    site = (request.args.get("site") or "").strip()[:32] or None
    kind = request.args.get("kind") or None
    return aq.Selection(site, kind if kind in DEVICE_KINDS else None)


def _today() -> date:
    return to_local(g.now).date()


def _life() -> UsefulLife:
    return UsefulLife.from_settings(current_app.config["ICTMON_SETTINGS"].assets)


@bp.get("")
def register():
    selection = _selection()
    at = day_arg(request.args, "at") or _today()
    summary, rows = aq.depreciation(db(), _life(), at, selection)
    return render_template(
        "assets/register.html",
        rows=rows,
        summary=summary,
        selection=selection,
        at=at,
        sites=aq.site_choices(db()),
        kinds=DEVICE_KINDS,
        conditions=ASSET_CONDITIONS,
    )


@bp.get("/<int:device_id>")
def asset(device_id: int):
    detail = aq.asset_detail(db(), device_id)
    if detail is None:
        abort(404)
    figures = aq.depreciate_one(detail.row, _life(), _today())
    return render_template(
        "assets/asset.html",
        detail=detail,
        a=detail.row,
        figures=figures,
        checks=check_views.open_rounds_for(detail.row.site_code, device_id),
        conditions=ASSET_CONDITIONS,
    )


@bp.get("/depreciation")
def depreciation():
    selection = _selection()
    at = day_arg(request.args, "at") or _today()
    summary, _ = aq.depreciation(db(), _life(), at, selection)
    return render_template(
        "assets/depreciation.html",
        summary=summary,
        selection=selection,
        at=at,
        sites=aq.site_choices(db()),
        kinds=DEVICE_KINDS,
    )


@bp.get("/depreciation.xlsx")
def depreciation_xlsx():
    """The summary per site and kind as a workbook, for the superiors' replacement plan."""
    selection = _selection()
    at = day_arg(request.args, "at") or _today()
    summary, _ = aq.depreciation(db(), _life(), at, selection)
    names = dict(aq.site_choices(db()))
    headers = [
        translate("col_site"),
        translate("site"),
        translate("col_kind"),
        translate("asset_count"),
        translate("asset_cost"),
        translate("asset_accumulated"),
        translate("asset_book_value"),
        translate("asset_past_life"),
        translate("asset_not_computable"),
    ]
    rows = [
        (
            site,
            names.get(site, ""),
            kind_label(kind),
            t.count,
            t.cost,
            t.accumulated,
            t.book_value,
            t.past_life,
            t.not_computable,
        )
        for (site, kind), t in summary.by_site_kind.items()
    ]
    total = summary.total
    rows.append(
        (
            translate("asset_total"),
            "",
            "",
            total.count,
            total.cost,
            total.accumulated,
            total.book_value,
            total.past_life,
            total.not_computable,
        )
    )
    title = translate("asset_depreciation_on", at=day(at))
    body = xlsx_bytes(title, headers, rows, [10, 34, 18, 10, 16, 18, 16, 14, 14])
    stamp = f"{display_year(at.year, current_language())}{at:%m%d}"
    return current_app.response_class(
        body,
        headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Content-Disposition": f'attachment; filename="ictmon-depreciation-{stamp}.xlsx"',
        },
    )


@bp.get("/labels.pdf")
def labels():
    """A4 labels of the selection (e.g. one school); each QR opens the asset's page."""
    selection = _selection()
    rows = [r for r in aq.asset_rows(db(), selection) if r.condition != "disposed"]
    settings = current_app.config["ICTMON_SETTINGS"]
    base = settings.web.base_url.rstrip("/") or request.url_root.rstrip("/")
    items = [
        asset_labels.Label(
            r.asset_number or "",
            r.name,
            r.site_name,
            base + url_for("assets.asset", device_id=r.id),
            " · ".join(x for x in (kind_label(r.kind), r.room or "") if x),
        )
        for r in rows
    ]
    try:
        body = asset_labels.render_labels(items, settings.office.name, translate("asset_labels"))
    except asset_labels.TooManyLabels:
        abort(413)
    name = f"ictmon-labels-{selection.site or 'all'}.pdf"
    return current_app.response_class(
        body,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="{name}"',
        },
    )
