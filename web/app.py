"""The web front: status page, site and device pages, and a read-only JSON API.

`create_app(settings)` builds the Flask application; `ictmon web` serves it with waitress.
Blueprints, one per area: `auth` (login/logout), `status` (pages), `api` (/api/v1, JSON).
Views are thin: parse the request, call one function of monitor.status.queries, render.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, g, request
from flask_wtf.csrf import CSRFProtect

from monitor.db import engine as dbmod
from monitor.localtime import utcnow
from monitor.secrets import web_secret_key
from monitor.settings import Settings
from web import access, errors, formatting, i18n
from web.database import close_session

csrf = CSRFProtect()


def create_app(settings: Settings, *, session_factory=None) -> Flask:
    app = Flask("web")  # the package: templates and static files live beside it
    from web.routing import RowIdConverter

    app.url_map.converters["int"] = RowIdConverter  # an id too big for the database is a 404
    if session_factory is None:
        session_factory = dbmod.session_factory(dbmod.make_engine(settings.database.url))
    app.config.update(
        SECRET_KEY=web_secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.web.base_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(days=14),
        WTF_CSRF_TIME_LIMIT=None,  # the login page may sit open all night on the officer's desk
        ICTMON_SETTINGS=settings,
        ICTMON_DEFAULT_LANGUAGE=settings.web.default_language,
        # Where "now" comes from; tests pin it to make durations exact.
        ICTMON_CLOCK=utcnow,
        # Seconds between the status page's background refreshes.
        ICTMON_REFRESH_SECONDS=15,
    )
    app.json.sort_keys = False  # keep the documented field order in API answers
    app.json.ensure_ascii = False  # Thai names readable in the JSON
    app.extensions["ictmon_sessions"] = session_factory

    _trust_proxies(app, settings.web.trusted_proxies)
    csrf.init_app(app)

    from web.accounts import auth
    from web.api import read as api
    from web.incidents import api as incidents_api  # noqa: F401  (issue 5: adds its routes to api.bp first)
    from web.risks import api as risks_api  # noqa: F401  (issue 7: /api/v1/risks on api.bp)
    from web.status import views as status

    auth.init_login(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(status.bp)
    app.register_blueprint(api.bp)
    from web.inventory import (
        views as inventory,  # issue 3: inventory page, device SNMP section, exports
    )

    inventory.init_app(app)
    from web.reports import views as reports  # issue 6: Reports page and /api/v1/availability

    app.register_blueprint(reports.bp)
    app.register_blueprint(reports.api_bp)
    csrf.exempt(reports.api_bp)
    from web.configs import (
        views as configs,  # issue 4: configuration backups (device section, diff, download)
    )

    configs.init_app(app)
    from web.incidents import (
        views as incidents,  # issue 5: incident log, maintenance windows, outbox admin
    )

    app.register_blueprint(incidents.bp)
    from web.risks import views as risks  # issue 7: risk register, heat-map, export

    app.register_blueprint(risks.bp)
    csrf.exempt(api.bp)  # read-only, and authenticated per request by token or session
    # Issue 8: running it for real. Each area registers its routes, access rules and words.
    from web.accounts import views as accounts
    from web.api import metrics
    from web.api import write as api_write
    from web.manage import views as manage

    accounts.init_app(app)
    manage.init_app(app)
    api_write.init_app(app)
    metrics.init_app(app)

    app.before_request(_start_request)
    access.init_app(app)  # after CSRF's own check, before any view
    app.before_request(i18n.select_language)
    app.after_request(_security_headers)
    app.teardown_appcontext(close_session)
    formatting.register(app)
    errors.init_app(app)
    return app


def _trust_proxies(app: Flask, hops: int) -> None:
    """Behind nginx (config/nginx-ictmon.conf) the client's address and scheme arrive in
    X-Forwarded-* headers. Only the `hops` proxies we run are believed: with 0 a client that sends
    the header itself is still recorded under its real address."""
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _start_request() -> None:
    # One "now" per request, so every duration on a page is measured from the same moment.
    g.now = current_app.config["ICTMON_CLOCK"]()


# No inline script or style anywhere (the browser tests check every page obeys it), nothing from
# another origin, and no framing: a device name that smuggles markup in still cannot run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint != "static":
        # Status changes minute by minute: never show a cached page as the current state.
        response.headers.setdefault("Cache-Control", "no-store")
    return response
