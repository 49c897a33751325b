"""The ICT asset register: the register of a school, one asset (the page its QR label opens),
depreciation for a date, and the label PDF."""

from __future__ import annotations

from flask import Flask

from web.assets import views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprint, access rules and template helpers."""
    views.init_app(app)
