"""One database session per request, closed when the request ends; its changes are audited as
made by the signed-in user (monitor.db.audit). The vault its credential columns are read with."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from monitor.db import audit
from monitor.secrets import Vault


def web_actor() -> audit.Actor | None:
    # Called at flush time: read the user Flask-Login has already loaded rather than loading one
    # (a query inside a flush is not allowed).
    if not has_request_context():
        return None
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return audit.Actor("anonymous", request.remote_addr)
    name = f"api:{user.username}" if g.get("auth_by_token") else user.username
    return audit.Actor(name, request.remote_addr)


def db() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["ictmon_sessions"]()
        audit.act_as(g.db_session, web_actor)
    return g.db_session


def vault() -> Vault:
    """The key the credential columns (SNMP, SSH) are encrypted with, for this installation."""
    return Vault.from_settings(current_app.config["ICTMON_SETTINGS"])


def close_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
