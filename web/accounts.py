"""Users and roles in the browser (admin), one's own account (password, log out everywhere, API tokens), and the audit log page."""
from __future__ import annotations


def init_app(app) -> None:
    """Registers this area's blueprint, access rules (web.access.add_rules) and words."""
