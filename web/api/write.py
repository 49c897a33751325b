"""The write side of the JSON API under /api/v1, for an admin's scripts.

    POST   /api/v1/devices                     a device (import columns) → 201, device, Location
    PATCH  /api/v1/devices/<id>                the keys given change; {"enabled": false} disables
    GET    /api/v1/maintenance                 windows not yet over
    POST   /api/v1/maintenance                 a one-off or weekly window for a site or a device
    DELETE /api/v1/maintenance/<id>            → 204
    POST   /api/v1/incidents/<id>/acknowledge  {"note": "..."} optional → the incident

Who is asking: `Authorization: Bearer <token>`, or the browser's session — then only with the
page's CSRF token in `X-CSRFToken`, because a session cookie is sent by the browser on any site's
behalf while a bearer token is not. Values are checked by the core (monitor.devices.admin,
monitor.status.maintenance, monitor.incidents.recording), never here; a refusal is 422 with {"error", "fields"}.
No answer ever holds a credential: devices come back as device_admin.public_fields.
The OpenAPI document describing all this is web.api.openapi.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased

from monitor.assets.fields import AssetRules
from monitor.credentials import holds
from monitor.db.models import Device, Incident, MaintenanceWindow, Site
from monitor.devices import admin as device_admin
from monitor.incidents import queries as iq
from monitor.incidents import recording as incident_core
from monitor.localtime import BANGKOK, iso_local
from monitor.status import maintenance
from web import access
from web.database import db, vault
from web.incidents.api import incident_json

bp = Blueprint("api_write", __name__, url_prefix="/api/v1")

MAINTENANCE_KEYS = (
    "site",
    "device_id",
    "starts_at",
    "ends_at",
    "reason",
    "weekdays",
    "local_start",
    "local_end",
)
ACKNOWLEDGE_KEYS = ("note",)

# create_window's refusals, by the field they are about.
_MAINTENANCE_FIELDS = {
    "no such site": "site",
    "no such device": "device_id",
    "the end must be after the start": "ends_at",
    "a weekly window needs different start and end times": "local_end",
}


class BadRequest(Exception):
    """The body cannot be read as asked (400), before any value is looked at."""


def _refused(message: str, fields: dict[str, str]):
    return jsonify(error=message, fields=fields), 422


def _error(status: int, message: str):
    return jsonify(error=message), status


def _body(optional: bool = False) -> dict[str, Any]:
    """The request's JSON object; BadRequest for anything else."""
    if optional and not request.get_data():
        return {}
    if not request.is_json:
        raise BadRequest("send a JSON object with Content-Type: application/json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def _actor() -> str:
    return current_user.display_name or current_user.username


@bp.before_request
def _csrf_for_sessions():
    """A session (cookie) write needs the CSRF token; a bearer-token write does not."""
    # Asking loads the user, which is when a bearer token marks the request (g.auth_by_token).
    by_token = current_user.is_authenticated and g.get("auth_by_token")
    if by_token or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return None
    current_app.extensions["csrf"].protect()  # raises CSRFError → 400 JSON (web.accounts.auth)
    return None


@bp.errorhandler(BadRequest)
def _bad_request(exc: BadRequest):
    return _error(400, str(exc))


# --- devices -----------------------------------------------------------------------------------


def device_json(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in fields.items()
    }


def _asset_rules() -> AssetRules:
    """The office's register rules (asset-number pattern, its lists), as the forms apply them."""
    return AssetRules.from_settings(current_app.config["ICTMON_SETTINGS"].assets)


@bp.post("/devices")
def create_device():
    data = _body()
    session = db()
    try:
        device = device_admin.create_device(
            session, data, vault(), _asset_rules(), by_admin=access.is_admin()
        )
    except device_admin.Invalid as exc:
        session.rollback()
        return _refused(f"device not created: {exc}", exc.errors)
    session.commit()
    response = jsonify(device_json(device_admin.public_fields(session, device)))
    response.status_code = 201
    response.headers["Location"] = url_for("api.device", device_id=device.id)
    return response


@bp.patch("/devices/<int:device_id>")
def update_device(device_id: int):
    data = _body()
    session = db()
    try:
        device = device_admin.update_device(
            session, device_id, data, vault(), _asset_rules(), by_admin=access.is_admin()
        )
    except LookupError:
        session.rollback()
        return _error(404, f"no device with id {device_id}")
    except device_admin.Invalid as exc:
        session.rollback()
        return _refused(f"device not changed: {exc}", exc.errors)
    session.commit()
    return jsonify(device_json(device_admin.public_fields(session, device)))


@bp.post("/devices/<int:device_id>/confirm-credentials")
def confirm_credentials(device_id: int):
    """An admin's yes to where a device now points (monitor.credentials.holds)."""
    session = db()
    device = session.get(Device, device_id)
    if device is None:
        return _error(404, f"no device with id {device_id}")
    holds.confirm(session, [device_id])
    session.commit()
    return jsonify(device_json(device_admin.public_fields(session, device)))


# --- maintenance windows -----------------------------------------------------------------------


def window_json(
    window: MaintenanceWindow,
    site_code: str | None,
    device_name: str | None,
    device_site: str | None,
    now: datetime,
) -> dict[str, Any]:
    weekly = window.recurrence == maintenance.WEEKLY
    return {
        "id": window.id,
        "site": site_code,
        "device_id": window.device_id,
        "device": f"{device_site}/{device_name}" if device_name else None,
        "starts_at": iso_local(window.starts_at),
        "ends_at": iso_local(window.ends_at),
        "reason": window.reason,
        "weekly": weekly,
        "weekdays": sorted(maintenance.parse_weekdays(window.weekdays)) if weekly else [],
        "local_start": window.local_start if weekly else None,
        "local_end": window.local_end if weekly else None,
        "in_force": maintenance.window_in_force(window, now),
        "created_by": window.created_by,
        "created_at": iso_local(window.created_at),
    }


def _windows(session, now: datetime, window_id: int | None = None) -> list[dict[str, Any]]:
    """Windows not yet over (or the one asked for), soonest first; one query."""
    device_site = aliased(Site)
    query = (
        select(MaintenanceWindow, Site.code, Device.name, device_site.code)
        .outerjoin(Site, Site.id == MaintenanceWindow.site_id)
        .outerjoin(Device, Device.id == MaintenanceWindow.device_id)
        .outerjoin(device_site, device_site.id == Device.site_id)
    )
    if window_id is None:
        query = query.where(MaintenanceWindow.ends_at > now)
    else:
        query = query.where(MaintenanceWindow.id == window_id)
    query = query.order_by(MaintenanceWindow.starts_at, MaintenanceWindow.id)
    return [
        window_json(w, code, name, dsite, now) for w, code, name, dsite in session.execute(query)
    ]


def _moment(text: Any) -> datetime:
    """ISO 8601; without an offset it is Bangkok time, as the officer reads the clock."""
    if not isinstance(text, str):
        raise ValueError("must be an ISO 8601 date and time, e.g. 2026-11-28T08:00:00+07:00")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not an ISO 8601 date and time: {text!r}") from None
    return moment.replace(tzinfo=BANGKOK) if moment.tzinfo is None else moment


def window_values(session, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """create_window's arguments from the JSON body, and every field that cannot be one."""
    errors = {key: "unknown field" for key in body if key not in MAINTENANCE_KEYS}
    values: dict[str, Any] = {"site_id": None, "device_id": None}
    has_site, has_device = body.get("site") is not None, body.get("device_id") is not None
    if has_site == has_device:
        errors["site"] = "give either site (a site code) or device_id, not both"
    elif has_site:
        code = body["site"]
        if not isinstance(code, str):
            errors["site"] = "must be a site code (text)"
        else:
            values["site_id"] = session.scalar(select(Site.id).where(Site.code == code))
            if values["site_id"] is None:
                errors["site"] = f"no site with code {code!r}"
    elif isinstance(body["device_id"], bool) or not isinstance(body["device_id"], int):
        errors["device_id"] = "must be a device id (a whole number)"
    else:
        values["device_id"] = body["device_id"]
    for key in ("starts_at", "ends_at"):
        if key not in body:
            errors[key] = "required"
            continue
        try:
            values[key] = _moment(body[key])
        except ValueError as exc:
            errors[key] = str(exc)
    reason = body.get("reason", "")
    if not isinstance(reason, str):
        errors["reason"] = "must be text"
    values["reason"] = reason if isinstance(reason, str) else ""
    errors.update(_weekly_values(body, values))
    return values, errors


def _weekly_values(body: dict[str, Any], values: dict[str, Any]) -> dict[str, str]:
    errors = {}
    days = body.get("weekdays")
    if days in (None, []):
        for key in ("local_start", "local_end"):
            if body.get(key):
                errors[key] = "only for a weekly window: give weekdays too"
        values.update(weekdays="", local_start="", local_end="")
        return errors
    if not isinstance(days, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) for d in days
    ):
        errors["weekdays"] = "must be a list of weekday numbers 0-6 (Monday = 0)"
    else:
        values["weekdays"] = ",".join(str(d) for d in sorted(set(days)))
        try:
            maintenance.parse_weekdays(values["weekdays"])
        except maintenance.MaintenanceError as exc:
            errors["weekdays"] = str(exc)
    for key in ("local_start", "local_end"):
        text = body.get(key)
        try:
            if not isinstance(text, str):
                raise maintenance.MaintenanceError("required for a weekly window, as HH:MM")
            maintenance.parse_clock(text)
            values[key] = text.strip()
        except maintenance.MaintenanceError as exc:
            errors[key] = str(exc)
    return errors


@bp.route("/maintenance", methods=["GET", "POST"])
def maintenance_windows():
    session = db()
    if request.method == "GET":
        return jsonify(_windows(session, g.now))
    values, errors = window_values(session, _body())
    if errors:
        return _refused("window not created: " + _joined(errors), errors)
    try:
        window = maintenance.create_window(session, created_by=_actor(), now=g.now, **values)
    except maintenance.MaintenanceError as exc:
        session.rollback()
        field = _MAINTENANCE_FIELDS.get(str(exc), "window")
        return _refused(f"window not created: {field}: {exc}", {field: str(exc)})
    session.commit()
    [body] = _windows(session, g.now, window.id)
    return jsonify(body), 201


@bp.delete("/maintenance/<int:window_id>")
def delete_maintenance(window_id: int):
    session = db()
    window = session.get(MaintenanceWindow, window_id)
    if window is None:
        return _error(404, f"no maintenance window with id {window_id}")
    session.delete(window)
    session.commit()
    return "", 204


# --- incidents ---------------------------------------------------------------------------------


@bp.post("/incidents/<int:incident_id>/acknowledge")
def acknowledge_incident(incident_id: int):
    body = _body(optional=True)
    errors = {key: "unknown field" for key in body if key not in ACKNOWLEDGE_KEYS}
    note = body.get("note", "")
    if not isinstance(note, str):
        errors["note"] = "must be text"
    if errors:
        return _refused("incident not acknowledged: " + _joined(errors), errors)
    session = db()
    incident = session.get(Incident, incident_id)
    if incident is None:
        return _error(404, f"no incident with id {incident_id}")
    try:
        incident_core.acknowledge(session, incident, _actor(), g.now)
    except incident_core.IncidentError:
        session.rollback()
        return _error(
            409,
            f"incident {incident_id} is {incident.state}: only an open incident "
            "can be acknowledged",
        )
    if note.strip():
        incident_core.comment(session, incident, _actor(), g.now, note)
    session.commit()
    row = iq.incident(session, incident_id)
    if row is None:  # deleted by someone else since the commit above
        return _error(404, f"no incident {incident_id}")
    return jsonify(incident_json(row))


def _joined(errors: dict[str, str]) -> str:
    return "; ".join(f"{field}: {message}" for field, message in errors.items())


def init_app(app) -> None:
    app.register_blueprint(bp)
    # The session's CSRF check is done above, where a bearer token can be told apart.
    app.extensions["csrf"].exempt(bp)
    access.add_rules(
        {
            "api_write.create_device": access.OPERATOR,
            "api_write.update_device": access.OPERATOR,
            "api_write.confirm_credentials": access.ADMIN,
            "api_write.maintenance_windows": {"GET": access.VIEWER, "POST": access.OPERATOR},
            "api_write.delete_maintenance": access.OPERATOR,
            "api_write.acknowledge_incident": access.OPERATOR,
        }
    )
