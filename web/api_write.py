"""The write side of the JSON API (devices, maintenance windows, incident acknowledge) and its OpenAPI document."""
from __future__ import annotations


def init_app(app) -> None:
    """Registers this area's blueprint, access rules (web.access.add_rules) and words."""
