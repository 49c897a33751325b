"""The annual asset check in the browser: rounds (admin), a round's page (progress per site,
checkers, search, bulk confirmation, close, report), and the mark an assigned checker makes
from the asset's page on a phone (the page its QR label opens).

Who may mark is decided by monitor.assets.check (PURE); these views only parse, call, render.
"""

from __future__ import annotations

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
from flask_login import current_user

from monitor.assets import check
from monitor.assets import check_queries as cq
from monitor.assets import queries as aq
from monitor.db.models import MAX_ROW_ID
from monitor.localtime import common_era_year, display_year, to_local
from monitor.reports.asset_check import CheckMemo, render_check_pdf, render_check_xlsx
from web import access
from web.database import db
from web.i18n import current_language, translate

bp = Blueprint("asset_check", __name__, url_prefix="/assets/checks")

RULES: dict[str, access.Rule] = {
    "asset_check.rounds": {"GET": access.VIEWER, "POST": access.ADMIN},
    "asset_check.round": access.VIEWER,
    "asset_check.assign": access.ADMIN,
    "asset_check.close": access.ADMIN,
    # Any signed-in role may mark or confirm: the rules refuse who is not assigned to the site.
    "asset_check.mark": access.VIEWER,
    "asset_check.confirm_answered": access.VIEWER,
    "asset_check.report_pdf": access.VIEWER,
    "asset_check.report_xlsx": access.VIEWER,
}


def init_app(app) -> None:
    app.register_blueprint(bp)
    access.add_rules(RULES)


def _me() -> tuple[int, bool]:
    return int(current_user.id), access.is_admin()


# Only "not your site" is a matter of permission (403); a closed round is a conflict with its
# state, an asset outside the round is not found there, a missing condition a bad request.
REFUSAL_STATUS = {
    check.Refusal.NOT_ASSIGNED: 403,
    check.Refusal.CLOSED: 409,
    check.Refusal.NOT_IN_ROUND: 404,
    check.Refusal.BAD_CONDITION: 400,
}


def _refused(refusal: check.Refusal):
    code = REFUSAL_STATUS[refusal]
    message = translate(f"check_refused_{refusal.value}")
    return render_template("errors/error.html", code=code, detail=message), code


def _round_or_404(round_id: int) -> cq.RoundInfo:
    if round_id > MAX_ROW_ID:  # past it the number fails in the driver instead of finding nothing
        abort(404)
    info = cq.load_round(db(), round_id)
    if info is None:
        abort(404)
    return info


def open_rounds_for(site_code: str, device_id: int) -> list[dict]:
    """For the asset page: the open rounds over its site, whether the reader may mark there,
    and the mark already made."""
    session = db()
    site_id = session.execute(
        aq.site_id_query(site_code)  # one small query: the page knows the code, not the id
    ).scalar()
    if site_id is None:
        return []
    user_id, admin = _me()
    found = []
    for info in cq.open_rounds_for_site(session, site_id):
        refusal = check.may_mark(info.view, site_id, user_id, admin)
        found.append(
            {
                "info": info,
                "refusal": refusal,
                "mark": cq.mark_of(session, info.id, device_id),
                "year": display_year(info.fiscal_year, current_language()),
            }
        )
    return found


@bp.route("", methods=["GET", "POST"])
def rounds():
    session = db()
    if request.method == "POST":
        try:
            year = common_era_year(int(request.form.get("fiscal_year", "").strip()))
        except ValueError:
            year = 0
        if not 2000 <= year <= 2200:
            flash(translate("check_bad_year"))
            return redirect(url_for("asset_check.rounds"))
        sites = aq.site_choices_with_ids(session)
        chosen = set(request.form.getlist("site"))
        site_ids = [i for i, code, _ in sites if code in chosen or "*" in chosen]
        if not site_ids:
            flash(translate("check_no_sites"))
            return redirect(url_for("asset_check.rounds"))
        title = (request.form.get("title") or "").strip()[:200]
        round_id = cq.open_round(session, year, site_ids, title, current_user.username, g.now)
        session.commit()
        flash(translate("check_opened"))
        return redirect(url_for("asset_check.round", round_id=round_id))
    today = to_local(g.now).date()
    return render_template(
        "assets/check_rounds.html",
        rounds=cq.rounds(session),
        sites=aq.site_choices(session),
        default_year=display_year(check.fiscal_year_of(today), "th"),
    )


@bp.get("/<int:round_id>", endpoint="round")
def round_page(round_id: int):
    session = db()
    info = _round_or_404(round_id)
    q = (request.args.get("q") or "").strip()[:100]
    site = (request.args.get("site") or "").strip()[:32] or None
    report = cq.round_report(session, round_id)
    found = cq.assets_in_round(session, round_id, site, q)[:200] if (q or site) else []
    user_id, admin = _me()
    return render_template(
        "assets/check_round.html",
        info=info,
        year=display_year(info.fiscal_year, current_language()),
        report=report,
        sites=cq.round_sites(session, round_id),
        checkers=cq.checkers(session, round_id),
        users=cq.users(session) if admin else [],
        found=found,
        q=q,
        site=site,
        mine=check.markable_sites(info.view, user_id, admin),
    )


@bp.post("/<int:round_id>/sites/<int:site_id>/checkers")
def assign(round_id: int, site_id: int):
    session = db()
    info = _round_or_404(round_id)
    known = {u[0] for u in cq.users(session)}
    chosen = request.form.getlist("user")
    user_ids = [int(u) for u in chosen if u.isascii() and u.isdigit() and int(u) in known]
    if len(user_ids) != len(chosen):
        abort(400)  # only the active users the form offered
    try:
        cq.assign(session, info, site_id, user_ids)
    except cq.CheckError as exc:
        return _refused(exc.refusal)
    session.commit()
    codes = {i: c for i, c, _ in cq.round_sites(session, round_id)}
    flash(translate("check_assigned", site=codes.get(site_id, site_id)))
    return redirect(url_for("asset_check.round", round_id=round_id))


@bp.post("/<int:round_id>/assets/<int:device_id>")
def mark(round_id: int, device_id: int):
    session = db()
    info = _round_or_404(round_id)
    if device_id > MAX_ROW_ID:
        abort(404)
    condition = request.form.get("condition", "")
    note = (request.form.get("note") or "").strip()[:500]
    user_id, admin = _me()
    try:
        cq.mark(
            session,
            info,
            device_id,
            condition,
            note,
            user_id=user_id,
            is_admin=admin,
            by=current_user.username,
            now=g.now,
        )
    except cq.CheckError as exc:
        session.rollback()
        return _refused(exc.refusal)
    session.commit()
    detail = aq.asset_detail(session, device_id)
    number = (detail.row.asset_number or detail.row.name) if detail else str(device_id)
    flash(translate("check_marked", number=number, condition=translate(f"condition_{condition}")))
    back = request.form.get("back")
    if back == "round":
        return redirect(url_for("asset_check.round", round_id=round_id))
    return redirect(url_for("assets.asset", device_id=device_id))


@bp.post("/<int:round_id>/confirm-answered")
def confirm_answered(round_id: int):
    session = db()
    info = _round_or_404(round_id)
    user_id, admin = _me()
    try:
        n = cq.confirm_answered(
            session, info, user_id=user_id, is_admin=admin, by=current_user.username, now=g.now
        )
    except cq.CheckError as exc:
        return _refused(exc.refusal)
    session.commit()
    flash(translate("check_confirmed", n=n))
    return redirect(url_for("asset_check.round", round_id=round_id))


@bp.post("/<int:round_id>/close")
def close(round_id: int):
    session = db()
    info = _round_or_404(round_id)
    try:
        cq.close_round(session, info, current_user.username, g.now)
    except cq.CheckError as exc:
        return _refused(exc.refusal)
    session.commit()
    flash(translate("check_closed_done"))
    return redirect(url_for("asset_check.round", round_id=round_id))


def _memo(info: cq.RoundInfo) -> CheckMemo:
    settings = current_app.config["ICTMON_SETTINGS"]
    return CheckMemo(
        office_name=settings.office.name,
        emblem=settings.office.emblem,
        fiscal_year=info.fiscal_year,
        title=info.title,
        generated_at=g.now,
        closed=info.closed,
        prepared_by=settings.reports.prepared_by,
        prepared_by_position=settings.reports.prepared_by_position,
        approver_position=settings.reports.approver_position,
    )


def _file_name(info: cq.RoundInfo, ext: str) -> str:
    year = display_year(info.fiscal_year, current_language())
    site = "".join(c for c in (request.args.get("site") or "")[:32] if c.isalnum() or c in "-_")
    return f"ictmon-asset-check-{year}{'-' + site if site else ''}.{ext}"


@bp.get("/<int:round_id>/report.pdf")
def report_pdf(round_id: int):
    """The round's memo (with every form when they are few), or one site's (`?site=S01`)."""
    info = _round_or_404(round_id)
    site = (request.args.get("site") or "").strip()[:32] or None
    report = cq.round_report(db(), round_id, site)
    body = render_check_pdf(report, _memo(info), current_language())
    return current_app.response_class(
        body,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="{_file_name(info, "pdf")}"',
        },
    )


@bp.get("/<int:round_id>/report.xlsx")
def report_xlsx(round_id: int):
    info = _round_or_404(round_id)
    body = render_check_xlsx(cq.round_report(db(), round_id), _memo(info), current_language())
    return current_app.response_class(
        body,
        headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Content-Disposition": f'attachment; filename="{_file_name(info, "xlsx")}"',
        },
    )
