"""The network map: /map (the district, schools collapsed), /map/<code> (one site), and the
data both draw and refresh from, /map/data.json."""

from __future__ import annotations

from flask import Flask

from web import access
from web.netmap import views


def init_app(app: Flask) -> None:
    """Registers this area: its blueprint and access rules (every signed-in role)."""
    app.register_blueprint(views.bp)
    access.add_rules(
        {"netmap.page": access.VIEWER, "netmap.site": access.VIEWER, "netmap.data": access.VIEWER}
    )
