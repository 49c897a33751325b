"""Signing in and out (Flask-Login sessions), and Bearer tokens for the API.

A browser session carries four stamps besides the user id: a random id of its own, the user's
session epoch when it signed in, when it signed in, and when it was last used. The user loader
refuses it when it was signed out (its id is recorded in the database, so a copy of the cookie
dies with it), when the epoch has moved on ("log out everywhere", a password change, the user
disabled), when it has been idle longer than [security] session_idle_minutes, or when it is older
than session_max_hours. Failed sign-ins are counted in the database and lock a username or an
address (monitor.accounts.login_limits).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from monitor.accounts import login_limits, users
from monitor.db import audit
from monitor.db.engine import bookkeeping
from monitor.db.models import User
from web import errors
from web.database import db
from web.i18n import translate
from web.routing import for_machines

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class WebUser(UserMixin):
    """The signed-in person as the pages see them (never the password hash)."""

    def __init__(self, user: User):
        self.id = user.id
        self.username = user.username
        self.display_name = user.display_name or user.username
        self.role = user.role


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=1024)])


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"


EPOCH, SIGNED_IN, SEEN = "ictmon_epoch", "ictmon_signed_in", "ictmon_seen"
SESSION_ID = "ictmon_sid"
NOTICE = "ictmon_session_notice"
# The last-used stamp is rewritten at most this often, so not every request re-sends the cookie.
SEEN_GRANULARITY = 60


def _now() -> datetime:
    return g.get("now") or current_app.config["ICTMON_CLOCK"]()


def _security():
    return current_app.config["ICTMON_SETTINGS"].security


def start_session(user: User) -> None:
    """Stamp the signed-in session (after login_user, or to keep one's own session alive after
    one's own password change raised the epoch)."""
    now = _now().timestamp()
    session.setdefault(SESSION_ID, secrets.token_urlsafe(12))
    session[EPOCH] = user.session_epoch or 0
    session.setdefault(SIGNED_IN, now)
    session[SEEN] = now


def session_problem(
    stamps: Mapping[str, Any], epoch: int, now: datetime, *, idle: timedelta, longest: timedelta
) -> str | None:
    """Why a session with these stamps may not continue: 'ended', 'expired' or None."""
    if stamps.get(EPOCH) != epoch:
        return "ended"
    signed_in, seen = stamps.get(SIGNED_IN), stamps.get(SEEN)
    if not isinstance(signed_in, (int, float)) or not isinstance(seen, (int, float)):
        return "ended"
    at = now.timestamp()
    if at - seen > idle.total_seconds() or at - signed_in > longest.total_seconds():
        return "expired"
    return None


def _forget_session(reason: str) -> None:
    for key in ("_user_id", "_fresh", "_id", "_remember", SESSION_ID, EPOCH, SIGNED_IN, SEEN):
        session.pop(key, None)
    # Said on the login page, in the language chosen by then (not known yet at this point).
    session[NOTICE] = reason


def _is_background_refresh() -> bool:
    # The status page's timer polls by itself: that is not someone using the session.
    return request.headers.get("X-Requested-With") == "fetch"


@login_manager.user_loader
def _load_user(user_id: str):
    session_id = session.get(SESSION_ID)
    try:
        user, signed_out = users.session_user(db(), int(user_id), str(session_id or ""))
    except (TypeError, ValueError):
        return None
    # A session without an id of its own (signed in before sessions had one) cannot be signed out
    # by itself: it is ended like one that was.
    if user is None or not user.active or signed_out or not isinstance(session_id, str):
        _forget_session("ended")
        return None
    security = _security()
    now = _now()
    problem = session_problem(
        session,
        user.session_epoch or 0,
        now,
        idle=timedelta(minutes=security.session_idle_minutes),
        longest=timedelta(hours=security.session_max_hours),
    )
    if problem:
        current_app.logger.info("session of %s refused: %s", user.username, problem)
        _forget_session(problem)
        return None
    if not _is_background_refresh() and now.timestamp() - session[SEEN] >= SEEN_GRANULARITY:
        session[SEEN] = now.timestamp()
    return WebUser(user)


@login_manager.request_loader
def _load_user_from_token(req):
    """`Authorization: Bearer <token>`, accepted for the API and /metrics only."""
    # Every blueprint under /api/ (the availability API has its own module) takes tokens, and
    # /metrics, which a Prometheus scrape job reads with a token.
    if not for_machines(req.path):
        return None
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    session_ = db()
    user = users.user_for_token(session_, token.strip())
    web_user = WebUser(user) if user is not None else None
    with bookkeeping(session_, "last use of an API token"):
        pass  # last_used_at, noted by user_for_token
    if web_user is None:
        return None
    g.auth_by_token = True  # the audit log says "api:<user>"
    return web_user


@login_manager.unauthorized_handler
def _unauthorized():
    if for_machines(request.path):
        response = jsonify(error="authentication required")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="ictmon"'
        return response
    if request.headers.get("X-Requested-With") == "fetch":
        # The status page's background refresh: let its script say the session expired.
        return jsonify(error="authentication required"), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never send a freshly signed-in officer somewhere else."""
    if not target:
        return url_for("status.index")
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        # A control character (CR/LF above all) cannot go into the Location header.
        or any(ord(c) < 32 or ord(c) == 127 for c in target)
    ):
        return url_for("status.index")
    return target


def _lock_message(lock: login_limits.Lock, now: datetime) -> str:
    return translate(f"acct_locked_{lock.by}", minutes=lock.minutes_left(now))


def _attempt_sign_in(username: str, password: str):
    """(signed-in user, None) or (None, (error text, HTTP status))."""
    session_ = db()
    now = _now()
    address = request.remote_addr or ""
    limits = login_limits.Limits.from_settings(_security())
    shown_name = login_limits.normalise(username)
    # Checked and counted in one step: this attempt is a failure on record until the password is
    # found right, so parallel guesses cannot all pass the check before one is counted.
    lock = login_limits.reserve_attempt(session_, username, address, now, limits)
    if lock is not None:
        # Not checked, not counted, not audited: the lock-out itself was (see login_limits).
        current_app.logger.warning(
            "sign-in for %r from %s refused: locked by %s until %s",
            shown_name,
            address,
            lock.by,
            lock.until.isoformat(),
        )
        return None, (_lock_message(lock, now), 429)
    user = users.authenticate(session_, username, password)
    if user is not None:
        # Records only: a database that cannot be written just now must not keep anyone out.
        with bookkeeping(session_, f"sign-in of {user.username!r}", statements=True):
            login_limits.clear_failures(session_, username)
            user.last_login_at = now
            audit.record(
                session_,
                "login",
                "user",
                object_id=user.id,
                label=user.username,
                actor=audit.Actor(user.username, address),
            )
        return user, None
    current_app.logger.warning("failed sign-in for %r from %s", shown_name, address)
    lock = login_limits.lock_for(session_, username, address, now, limits)
    with bookkeeping(session_, f"failed sign-in for {shown_name!r}", statements=True):
        audit.record(session_, "login_failed", "user", label=shown_name)
        if lock is not None:
            current_app.logger.warning(
                "sign-in locked for %r from %s by %s until %s",
                shown_name,
                address,
                lock.by,
                lock.until.isoformat(),
            )
            audit.record(
                session_,
                "lockout",
                "user",
                label=shown_name,
                changes={"locked_by": lock.by, "until": lock.until},
            )
    if lock is not None:
        return None, (_lock_message(lock, now), 429)
    return None, (translate("login_failed"), 401)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            user, refused = _attempt_sign_in(form.username.data, form.password.data)
            if user is not None:
                lang = session.get("lang")
                session.clear()
                if lang:
                    session["lang"] = lang
                login_user(WebUser(user))
                start_session(user)
                current_app.logger.info("user %s signed in", user.username)
                return redirect(_safe_next(request.args.get("next")))
            error, status = refused
        elif "csrf_token" in form.errors:  # (no such field at all when CSRF is off in tests)
            error, status = translate("login_expired"), 400
        else:
            error, status = translate("login_failed"), 401
    notice = session.pop(NOTICE, None)
    return render_template(
        "accounts/login.html",
        form=form,
        error=error,
        notice=translate(f"acct_session_{notice}") if notice else None,
    ), status


@bp.post("/logout")
def logout():
    session_id = session.get(SESSION_ID)
    if current_user.is_authenticated and isinstance(session_id, str):
        # Recorded before the cookie is cleared: a copy of it must not outlive the sign-out.
        session_ = db()
        users.end_browser_session(session_, session_id, current_user.username)
        session_.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(translate("logged_out"))
    return redirect(url_for("auth.login"))


@bp.app_errorhandler(CSRFError)
def _csrf_failed(_error):
    """A form without a valid CSRF token (expired page, or a forged post): ask again."""
    if request.endpoint == "auth.login":
        return render_template(
            "accounts/login.html", form=LoginForm(), error=translate("login_expired")
        ), 400
    current_app.logger.warning(
        "refused %s %s: missing or invalid CSRF token", request.method, request.path
    )
    return errors.answer(400, "missing or invalid CSRF token")
