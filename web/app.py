"""The web front's app factory: `create_app(settings)` builds the Flask application that
`ictmon run` serves with waitress (monitor.runtime.service).

Each area of the site is a package (web/status, web/accounts, web/api, ...) whose `init_app`
registers its blueprints, its access rules (web.access) and its template helpers; the factory
calls them in the order of `AREAS`. Views are thin: parse the request, call one core function,
render.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, current_app, g, request
from flask.json.provider import DefaultJSONProvider
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from monitor.db import engine as dbmod
from monitor.localtime import utcnow
from monitor.secrets import web_secret_key
from monitor.settings import Settings
from web import (
    access,
    accounts,
    ack_links,
    api,
    assets,
    configs,
    demo_mail,
    errors,
    formatting,
    i18n,
    incidents,
    inventory,
    manage,
    netmap,
    notifications,
    params,
    reports,
    risks,
    search,
    status,
    traps,
)
from web.database import close_session
from web.routing import RowIdConverter

csrf = CSRFProtect()

# The site's areas; each registers itself (web/<area>/__init__.py: init_app).
AREAS = (
    accounts,
    status,
    api,
    inventory,
    traps,
    assets,
    reports,
    configs,
    incidents,
    risks,
    manage,
    notifications,
    ack_links,
    demo_mail,
    search,
    netmap,
)


def create_app(settings: Settings, *, session_factory=None) -> Flask:
    app = Flask("web")  # the package: templates and static files live beside it
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
    app.json = _JSONProvider(app)
    app.extensions["ictmon_sessions"] = session_factory

    _trust_proxies(app, settings.web.trusted_proxies)
    csrf.init_app(app)

    for area in AREAS:
        area.init_app(app)

    app.before_request(_start_request)
    access.init_app(app)  # after CSRF's own check, before any view
    app.before_request(i18n.select_language)
    app.before_request(params.refuse_nul_characters)  # in the language just chosen
    app.after_request(_security_headers)
    app.teardown_appcontext(close_session)
    formatting.register(app)
    errors.init_app(app)
    return app


class _JSONProvider(DefaultJSONProvider):
    sort_keys = False  # keep the documented field order in API answers
    ensure_ascii = False  # Thai names readable in the JSON

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # A body nested deeper than the parser's stack is no object the API takes: answered
            # as malformed JSON (400), not as a crash.
            raise ValueError("JSON nested too deeply") from None


def _trust_proxies(app: Flask, hops: int) -> None:
    """Behind nginx (config/nginx-ictmon.conf) the client's address and scheme arrive in
    X-Forwarded-* headers. Only the `hops` proxies we run are believed: with 0 a client that sends
    the header itself is still recorded under its real address."""
    if hops:
        # Flask documents wrapping wsgi_app this way; its types declare it a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


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
