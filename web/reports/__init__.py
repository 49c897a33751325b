"""The Reports page and the availability API."""

from __future__ import annotations

from flask import Flask

from web.reports import views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprints, access rules and template helpers."""
    app.register_blueprint(views.bp)
    app.register_blueprint(views.api_bp)
    app.extensions["csrf"].exempt(views.api_bp)
