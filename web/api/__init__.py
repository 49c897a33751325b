"""Machine endpoints: the JSON API (read and write), its OpenAPI document, /metrics."""

from __future__ import annotations

from flask import Flask

from web.api import collector, metrics, openapi, read, write


def init_app(app: Flask) -> None:
    """Registers this area: its blueprints, access rules and template helpers."""
    app.register_blueprint(read.bp)
    # Read-only, and authenticated per request by token or session.
    app.extensions["csrf"].exempt(read.bp)
    write.init_app(app)
    collector.init_app(app)
    openapi.init_app(app)
    metrics.init_app(app)
