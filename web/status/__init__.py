"""The status pages: district, site, device; and the district's health in every page's frame."""

from __future__ import annotations

from flask import Flask

from web.status import frame, views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprints, access rules and template helpers."""
    app.register_blueprint(views.bp)
    frame.register(app)
