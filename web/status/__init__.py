"""The status pages: district, site, device."""

from __future__ import annotations

from flask import Flask

from web.status import views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprints, access rules and template helpers."""
    app.register_blueprint(views.bp)
