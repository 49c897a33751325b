"""What every signed-in page's frame shows about the district: the logo's dot in the worst
device state, and a banner when the poller's heartbeat is older than two intervals (the states
on the page may be the past). Read once per request, lazily: only a page that renders the frame
pays for it."""

from __future__ import annotations

from flask import current_app, g
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from monitor.localtime import utcnow
from monitor.status import problems
from web.database import db
from web.i18n import translate


def district_health() -> problems.DistrictHealth | None:
    """The district's worst state and last heartbeat for this request; None for a visitor who has
    not signed in (the frame tells them nothing) or when the database cannot answer."""
    if not current_user.is_authenticated:
        return None
    if "district_health" not in g:
        try:
            g.district_health = problems.district_health(db())
        except SQLAlchemyError:
            # The frame is decoration: an error page must still render when the database is gone.
            current_app.logger.warning("district health could not be read", exc_info=True)
            g.district_health = None
    return g.district_health


def stale_since():
    """The last heartbeat when it is older than two ping intervals, else None."""
    health = district_health()
    interval = current_app.config["ICTMON_SETTINGS"].ping.interval
    # g.now is missing only when the request failed before it started (an error page).
    if health is None or not health.stale(g.get("now") or utcnow(), interval):
        return None
    return health.last_poll_at


def status_title(overview) -> str:
    """The status page's title with the number of devices down first, so a browser tab says it."""
    title = translate("network_status")
    down = overview.counts.get("down", 0)
    return f"({down}) {title}" if down else title


def register(app) -> None:
    app.add_template_global(status_title, "status_title")
    app.add_template_global(district_health, "district_health")
    app.add_template_global(stale_since, "stale_since")
