"""/admin/notifications: alert channels (LINE, Telegram, Teams, ...), their routing, a Test button."""

from __future__ import annotations

from flask import Flask

from web import access
from web.notifications import banner, views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprint and access rules (all for admins: tokens are at stake)."""
    app.register_blueprint(views.bp)
    app.jinja_env.globals["alert_delivery_problems"] = banner.alert_delivery_problems
    access.add_rules(
        {
            "notifications.index": access.ADMIN,
            "notifications.add": access.ADMIN,
            "notifications.change": access.ADMIN,
            "notifications.test": access.ADMIN,
            "notifications.delete": access.ADMIN,
            "notifications.mail_save": access.ADMIN,
            "notifications.mail_reset": access.ADMIN,
            "notifications.mail_test": access.ADMIN,
        }
    )
