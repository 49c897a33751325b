"""Managing sites, devices and credential profiles from the browser, and imports."""

from __future__ import annotations

from flask import Flask

from web.manage import collectors, contacts, discover, views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprints, access rules and template helpers."""
    views.init_app(app)
    contacts.init_app(app)
    discover.init_app(app)
    collectors.init_app(app)
