"""One database session per request, closed when the request ends."""
from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session


def db() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["ictmon_sessions"]()
    return g.db_session


def close_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
