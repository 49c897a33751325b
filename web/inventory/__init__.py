"""The inventory page and the device page's SNMP section."""

from __future__ import annotations

from flask import Flask

from web.inventory import views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprints, access rules and template helpers."""
    views.init_app(app)
