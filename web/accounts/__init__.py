"""Signing in, users and roles, one's own account, the audit log page."""

from __future__ import annotations

from flask import Flask

from web.accounts import auth, views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprints, access rules and template helpers."""
    auth.init_login(app)
    app.register_blueprint(auth.bp)
    views.init_app(app)
