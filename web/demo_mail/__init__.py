"""The demo's mailbox: what the local mail catcher of `ictmon demo` received, readable in the
browser. Registered always (the authorization matrix sees it) but answers 404 unless [demo]
mail_dir is set, which only the demo does."""

from __future__ import annotations

from flask import Flask

from web import access
from web.demo_mail import views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprint and access rules."""
    app.register_blueprint(views.bp)
    access.add_rules(
        {
            "demo_mail.index": access.VIEWER,
            "demo_mail.show": access.VIEWER,
            "demo_mail.attachment_file": access.VIEWER,
        }
    )
