"""Managing sites, devices and credential profiles from the browser: forms, CSV/XLSX import with a per-row error list before anything is written, bulk actions."""
from __future__ import annotations


def init_app(app) -> None:
    """Registers this area's blueprint, access rules (web.access.add_rules) and words."""
