"""The red "alerts cannot go out" banner every page shows operators and admins.

Read once per request, lazily (only a page that renders the frame pays for it: one statement
while all is well), and never fatal: an error page must render when the database is gone.
"""

from __future__ import annotations

from flask import current_app, g
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from monitor.channels import health
from monitor.localtime import utcnow
from web.database import db
from web.i18n import current_language

WHO = ("operator", "admin")


def alert_delivery_problems() -> list[str]:
    if not current_user.is_authenticated or getattr(current_user, "role", None) not in WHO:
        return []
    if "alert_delivery_problems" not in g:
        try:
            facts = health.delivery_facts(
                db(), current_app.config["ICTMON_SETTINGS"], g.get("now") or utcnow()
            )
        except SQLAlchemyError:
            current_app.logger.warning("alert delivery could not be checked", exc_info=True)
            facts = None
        lang = current_language()
        g.alert_delivery_problems = [
            health.describe(p, lang) for p in (health.assess(facts) if facts else [])
        ]
    return g.alert_delivery_problems
