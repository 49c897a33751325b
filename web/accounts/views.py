"""Users and roles in the browser (admin), one's own account (password, log out everywhere, API
tokens), and the audit log page. What each of them revokes is decided in monitor.accounts.users.

Who may call what is in web.access (added here by `init_app`), never checked in a view. Views parse
the form, call monitor.accounts.users / monitor.db.audit, and render; a refused change is shown on the same
page with what was typed (except passwords) and the field it concerns.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from sqlalchemy import select

from monitor import i18n
from monitor.accounts import users
from monitor.accounts.audit_export import (
    EXPORT_LIMIT,
    Wording,
    audit_csv,
    audit_xlsx,
    changes_text,
)
from monitor.availability.periods import PeriodError, bangkok_midnight, parse_day
from monitor.db import audit
from monitor.db.models import ROLES, AuditEvent, User
from monitor.localtime import display_year, to_local
from monitor.risks import register as risk_register
from web import access, audit_display
from web.accounts import auth
from web.database import db
from web.i18n import current_language, translate
from web.params import search_arg

bp = Blueprint("accounts", __name__)

# Rows shown on the audit page; the export takes up to EXPORT_LIMIT.
AUDIT_PAGE_ROWS = 500

_FIELD_WORDS = {
    "username": "acct_username",
    "display_name": "acct_display_name",
    "role": "acct_role",
    "password": "acct_new_password",
    "active": "acct_active",
    "current_password": "acct_current_password",
    "confirm": "acct_confirm_password",
    "label": "acct_token_label",
}


def _problem(field: str, code: str) -> str:
    return translate(
        "acct_bad_input",
        field=translate(_FIELD_WORDS.get(field, field)),
        reason=translate(f"acct_err_{code}", n=users.MIN_PASSWORD_LENGTH),
    )


def _me() -> User:
    return db().get_one(User, current_user.id)


def _user_or_404(user_id: int) -> User:
    user = db().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _new_password(form) -> str:
    """The new password typed twice; UserError naming the field when it will not do."""
    password = form.get("password", "")
    if password != form.get("confirm", ""):
        raise users.UserError("confirm", "mismatch", "the two new passwords differ")
    return password


# --- one's own account ----------------------------------------------------------------------


def _account_page(*, new_token: str | None = None, error: str | None = None, status: int = 200):
    me = _me()
    return render_template(
        "accounts/account.html",
        me=me,
        error=error,
        new_token=new_token,
        tokens=users.tokens_of(db(), me.id),
        min_length=users.MIN_PASSWORD_LENGTH,
    ), status


@bp.get("/account")
def account():
    return _account_page()


@bp.post("/account/password")
def change_password():
    session_ = db()
    me = _me()
    try:
        if not users.password_matches(me, request.form.get("current_password", "")):
            raise users.UserError("current_password", "wrong_current", "wrong current password")
        users.set_password(session_, me, _new_password(request.form), own_change=True)
    except users.UserError as exc:
        session_.rollback()
        return _account_page(error=_problem(exc.field, exc.code), status=400)
    session_.commit()
    auth.start_session(me)  # the others end; this one carries the new epoch and goes on
    flash(translate("acct_password_changed_done"))
    return redirect(url_for("accounts.account"))


@bp.post("/account/sessions/end")
def end_sessions():
    session_ = db()
    users.sign_out_everywhere(session_, _me())
    session_.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(translate("acct_logged_out_everywhere"))
    return redirect(url_for("auth.login"))


@bp.post("/account/tokens")
def create_token():
    session_ = db()
    label = request.form.get("label", "").strip()
    if len(label) > 100:
        return _account_page(error=_problem("label", "long_label"), status=400)
    token = users.create_token(session_, _me(), label)
    session_.commit()
    # Shown in this answer only: never stored in plain, never put in the session cookie.
    return _account_page(new_token=token)


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    session_ = db()
    token = users.revoke_token(session_, token_id, owner_id=current_user.id)
    if token is None:
        abort(404)
    session_.commit()
    flash(translate("acct_token_revoked", label=token.label or f"#{token.id}"))
    return redirect(url_for("accounts.account"))


# --- users (admin) --------------------------------------------------------------------------


@bp.get("/admin/users")
def user_list():
    return render_template("accounts/users.html", people=users.all_users(db()))


@bp.route("/admin/users/new", methods=["GET", "POST"])
def new_user():
    if request.method == "GET":
        return render_template(
            "accounts/new_user.html",
            form={},
            error=None,
            roles=ROLES,
            min_length=users.MIN_PASSWORD_LENGTH,
        )
    session_ = db()
    form = request.form
    try:
        user = users.create_user(
            session_,
            form.get("username", ""),
            _new_password(form),
            role=form.get("role", ""),
            display_name=form.get("display_name", ""),
        )
    except users.UserError as exc:
        session_.rollback()
        return render_template(
            "accounts/new_user.html",
            form=form,
            roles=ROLES,
            error=_problem(exc.field, exc.code),
            min_length=users.MIN_PASSWORD_LENGTH,
        ), 400
    session_.commit()
    flash(translate("acct_created_user", name=user.username))
    return redirect(url_for("accounts.user", user_id=user.id))


def _user_page(user: User, *, error: str | None = None, status: int = 200, form=None):
    return render_template(
        "accounts/user.html",
        person=user,
        roles=ROLES,
        error=error,
        form=form or {},
        tokens=users.tokens_of(db(), user.id),
        min_length=users.MIN_PASSWORD_LENGTH,
    ), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    person = _user_or_404(user_id)
    if request.method == "GET":
        return _user_page(person)
    session_ = db()
    try:
        users.update_user(
            session_,
            person,
            display_name=request.form.get("display_name", ""),
            role=request.form.get("role", ""),
            acting_id=current_user.id,
        )
    except users.UserError as exc:
        session_.rollback()
        return _user_page(
            _user_or_404(user_id),
            error=_problem(exc.field, exc.code),
            status=400,
            form=request.form,
        )
    session_.commit()
    flash(translate("acct_saved"))
    return redirect(url_for("accounts.user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/password")
def user_password(user_id: int):
    session_ = db()
    person = _user_or_404(user_id)
    try:
        users.set_password(session_, person, _new_password(request.form))
    except users.UserError as exc:
        session_.rollback()
        return _user_page(_user_or_404(user_id), error=_problem(exc.field, exc.code), status=400)
    session_.commit()
    if person.id == current_user.id:
        auth.start_session(person)
    flash(translate("acct_password_set"))
    return redirect(url_for("accounts.user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/active")
def user_active(user_id: int):
    session_ = db()
    person = _user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        users.set_active(session_, person, active, acting_id=current_user.id)
    except users.UserError as exc:
        session_.rollback()
        return _user_page(_user_or_404(user_id), error=_problem(exc.field, exc.code), status=400)
    session_.commit()
    name = person.username
    flash(
        translate("acct_enabled_done", name=name)
        if active
        else translate("acct_disabled_done", name=name)
    )
    return redirect(url_for("accounts.user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/tokens/<int:token_id>/revoke")
def user_revoke_token(user_id: int, token_id: int):
    session_ = db()
    token = users.revoke_token(session_, token_id, owner_id=user_id)
    if token is None:
        abort(404)
    session_.commit()
    flash(translate("acct_token_revoked", label=token.label or f"#{token.id}"))
    return redirect(url_for("accounts.user", user_id=user_id))


# --- the audit log (admin) ------------------------------------------------------------------


def audit_filter(args) -> tuple[audit.AuditFilter, list[str]]:
    """The filter from the query string, and the problems with it (a bad date is named and left
    out; the rest of the filter still applies)."""
    problems = []
    bounds: dict[str, datetime] = {}
    for field, shift in (("from", 0), ("to", 1)):
        text = (args.get(field) or "").strip()
        if not text:
            continue
        try:
            bounds[field] = bangkok_midnight(parse_day(text) + timedelta(days=shift))
        except PeriodError:
            problems.append(translate("audit_bad_date", field=translate(f"audit_date_{field}")))
    where = audit.AuditFilter(
        actor=args.get("actor") or None,
        object_type=args.get("object_type") or None,
        action=args.get("action") or None,
        since=bounds.get("from"),
        until=bounds.get("to"),
        q=search_arg(args),
    )
    return where, problems


def _risk_id(event: AuditEvent) -> int | None:
    if event.object_type == "risk" and event.object_id and event.object_id.isdigit():
        return int(event.object_id)
    return None


def _labels(events: list[AuditEvent]) -> dict[int, str]:
    """Events on rule-made risks: the risk named by the rule's words in the reader's language
    (the stored label is its title in Thai). A title a person typed is shown as stored."""
    ids = {i for i in map(_risk_id, events) if i is not None}
    if not ids:
        return {}
    lang = current_language()
    risks = {
        r.id: r
        for r in risk_register.risk_rows(db(), current_app.config["ICTMON_SETTINGS"].risks)
        if r.id in ids and r.rule_title is not None
    }
    labels = {}
    for e in events:
        risk = risks.get(_risk_id(e) or 0)
        if risk is not None and e.object_label == risk.title:
            labels[e.id] = risk.title_in(lang)
    return labels


def _choices(column) -> list[str]:
    return list(db().scalars(select(column).distinct().order_by(column)))


@bp.get("/admin/audit")
def audit_log():
    where, problems = audit_filter(request.args)
    rows = audit.events(db(), where, limit=AUDIT_PAGE_ROWS + 1)
    return render_template(
        "accounts/audit.html",
        rows=rows[:AUDIT_PAGE_ROWS],
        labels=_labels(rows[:AUDIT_PAGE_ROWS]),
        capped=len(rows) > AUDIT_PAGE_ROWS,
        page_rows=AUDIT_PAGE_ROWS,
        export_limit=EXPORT_LIMIT,
        problems=problems,
        args=request.args,
        actors=_choices(AuditEvent.actor),
        object_types=_choices(AuditEvent.object_type),
        actions=_choices(AuditEvent.action),
    )


def _export(body: bytes, extension: str, content_type: str):
    stamp = to_local(g.now)
    year = display_year(stamp.year, current_language())
    name = f"ictmon-audit-{year}{stamp:%m%d}.{extension}"
    return current_app.response_class(
        body,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


def _wording() -> Wording:
    """The page's words for the export: the same functions the audit page's template calls."""
    return Wording(
        lang=current_language(),
        action=audit_display.action_word,
        actor=audit_display.actor,
        object_type=lambda code: word_or_code("audit_type_", code),
        field=audit_display.field_label,
        value=audit_display.value_text,
    )


@bp.get("/admin/audit.csv")
def audit_export_csv():
    where, _ = audit_filter(request.args)
    events = audit.events(db(), where, limit=EXPORT_LIMIT)
    return _export(
        audit_csv(events, current_language(), _labels(events), _wording()),
        "csv",
        "text/csv; charset=utf-8",
    )


@bp.get("/admin/audit.xlsx")
def audit_export_xlsx():
    where, _ = audit_filter(request.args)
    events = audit.events(db(), where, limit=EXPORT_LIMIT)
    return _export(
        audit_xlsx(events, current_language(), _labels(events), _wording()),
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- template helpers -----------------------------------------------------------------------


def word_or_code(prefix: str, code: str | None) -> str:
    """A code's word when the catalogue has one, else the code itself (actions and object types
    recorded by other parts of ictmon need no entry here to be shown)."""
    key = f"{prefix}{code}"
    return translate(key) if i18n.known(key) else (code or "")


@bp.app_context_processor
def _helpers():
    return {"audit_word": word_or_code, "audit_changes": changes_text}


def init_app(app) -> None:
    """Registers this area's blueprint and access rules (web.access.add_rules)."""
    access.add_rules(
        {
            "accounts.account": access.VIEWER,
            "accounts.change_password": access.VIEWER,
            "accounts.end_sessions": access.VIEWER,
            "accounts.create_token": access.VIEWER,
            "accounts.revoke_token": access.VIEWER,
            "accounts.user_list": access.ADMIN,
            "accounts.new_user": access.ADMIN,
            "accounts.user": access.ADMIN,
            "accounts.user_password": access.ADMIN,
            "accounts.user_active": access.ADMIN,
            "accounts.user_revoke_token": access.ADMIN,
            "accounts.audit_log": access.ADMIN,
            "accounts.audit_export_csv": access.ADMIN,
            "accounts.audit_export_xlsx": access.ADMIN,
        }
    )
    app.register_blueprint(bp)
