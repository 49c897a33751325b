"""The global search box in every page's top bar and its results page."""

from __future__ import annotations

from flask import Flask

from web import access
from web.search import views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprint and access rule."""
    app.register_blueprint(views.bp)
    access.add_rules({"search.results": access.VIEWER})
