"""The ICT asset register: the register of a school, one asset (the page its QR label opens),
depreciation for a date, the label PDF, and the annual check (rounds, marks from phones, the
report)."""

from __future__ import annotations

from flask import Flask

from web.assets import check_views, views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprint, access rules and template helpers."""
    views.init_app(app)
    check_views.init_app(app)
