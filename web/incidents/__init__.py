"""The incident log, maintenance windows, the outbox page, and their API (routed by web.api)."""

from __future__ import annotations

from flask import Flask

from web.incidents import views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprints, access rules and template helpers."""
    app.register_blueprint(views.bp)
