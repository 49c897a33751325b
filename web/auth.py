"""Signing in and out (Flask-Login sessions), and Bearer tokens for the API."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, g, jsonify, redirect, render_template,
                   request, session, url_for)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from monitor import users
from monitor.models import User
from web import errors
from web.database import db
from web.i18n import translate

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


@login_manager.user_loader
def _load_user(user_id: str):
    try:
        user = db().get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return WebUser(user) if user is not None and user.active else None


@login_manager.request_loader
def _load_user_from_token(req):
    """`Authorization: Bearer <token>`, accepted for the API only."""
    # Every blueprint under /api/ (the availability API has its own module) takes tokens.
    if req.blueprint != "api" and not req.path.startswith("/api/"):
        return None
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    session_ = db()
    user = users.user_for_token(session_, token.strip())
    session_.commit()  # keeps last_used_at
    if user is None:
        return None
    g.auth_by_token = True  # the audit log says "api:<user>"
    return WebUser(user)


@login_manager.unauthorized_handler
def _unauthorized():
    if request.blueprint == "api" or request.path.startswith("/api/"):
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
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return url_for("status.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            user = users.authenticate(db(), form.username.data, form.password.data)
            if user is not None:
                lang = session.get("lang")
                session.clear()
                if lang:
                    session["lang"] = lang
                login_user(WebUser(user))
                current_app.logger.info("user %s signed in", user.username)
                return redirect(_safe_next(request.args.get("next")))
            current_app.logger.warning("failed sign-in for %r from %s",
                                       (form.username.data or "")[:64], request.remote_addr)
            error = translate("login_failed")
        elif form.csrf_token.errors:
            error = translate("login_expired")
        else:
            error = translate("login_failed")
        status = 401 if error == translate("login_failed") else 400
    return render_template("login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
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
        return render_template("login.html", form=LoginForm(),
                               error=translate("login_expired")), 400
    current_app.logger.warning("refused %s %s: missing or invalid CSRF token", request.method,
                               request.path)
    return errors.answer(400, "missing or invalid CSRF token")
