"""The acknowledge link's two steps: GET shows the incident and a confirm button (so a link
preview or a mail scanner that opens links acknowledges nothing); POST, with the form's CSRF
token, acknowledges it as the route the alert went to. Nobody is signed in by either; a refused
link says why and shows nothing of the incident.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request

from monitor.db import audit
from monitor.domain import IncidentState
from monitor.incidents import ack_links
from monitor.incidents.ack_tokens import AckLinkError, key_from_secret
from web.database import db

bp = Blueprint("ack_links", __name__)

# tampered → 400, expired/used → 410 (gone for good), not open → 409 (someone was quicker)
STATUS = {"tampered": 400, "expired": 410, "used": 410, "not_open": 409}


def _key() -> bytes:
    # The same derivation the scheduler signs with (monitor.incidents.ack_tokens.key_or_none).
    return key_from_secret(current_app.config["SECRET_KEY"])


def _private(response):
    # The token is in the address: never cached, never sent on as a Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _refused(exc: AckLinkError, incident=None):
    page = render_template("ack_links/refused.html", reason=exc.reason, incident=incident)
    return _private(current_app.make_response((page, STATUS[exc.reason])))


@bp.get("/ack/<token>")
def show(token: str):
    try:
        claim, incident = ack_links.check(db(), _key(), token, g.now)
    except AckLinkError as exc:
        return _refused(exc)
    if incident.state != IncidentState.OPEN:
        return _refused(AckLinkError("not_open"), incident)
    page = render_template(
        "ack_links/confirm.html",
        incident=incident,
        token=token,
        who=ack_links.who(db(), claim.route),
        expires=claim.expires,
    )
    return _private(current_app.make_response(page))


@bp.post("/ack/<token>")
def confirm(token: str):
    session = db()
    try:
        claim, incident = ack_links.check(session, _key(), token, g.now)
    except AckLinkError as exc:
        return _refused(exc)
    # The audit log names the recipient the link was made for, not "anonymous".
    audit.act_as(session, audit.Actor(ack_links.who(session, claim.route), request.remote_addr))
    try:
        ack_links.use(session, _key(), token, g.now)
        session.commit()
    except AckLinkError as exc:
        session.rollback()
        return _refused(exc, incident if exc.reason == "not_open" else None)
    page = render_template("ack_links/done.html", incident=incident)
    return _private(current_app.make_response(page))
