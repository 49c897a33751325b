"""/ack/<token>: acknowledge an incident from the link in an alert, without signing in."""

from __future__ import annotations

from flask import Flask

from web import access
from web.ack_links import views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprint and access rules (public: the token is the permission,
    and it permits one thing — acknowledging that one incident, once)."""
    app.register_blueprint(views.bp)
    access.add_rules({"ack_links.show": access.PUBLIC, "ack_links.confirm": access.PUBLIC})
