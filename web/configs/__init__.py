"""Configuration backups on the web."""

from __future__ import annotations

from flask import Flask

from web.configs import views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprints, access rules and template helpers."""
    views.init_app(app)
