"""Managing sites, devices and credential profiles from the browser: forms, CSV/XLSX import with a per-row error list before anything is written, bulk actions.

Views are thin: they turn the form into the `data` the core takes (monitor.devices.admin,
monitor.devices.profiles), commit on success, and on `Invalid` show the form again with each
message next to its field and the typed values kept (never a typed secret). Every route is for
operators and admins (web.access); the audit log records the changes by itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from collectors.snmp import AUTH_PROTOCOLS, PRIV_PROTOCOLS
from collectors.ssh import DEVICE_TYPES
from monitor.credentials import holds
from monitor.db.models import (
    ASSET_CONDITIONS,
    DEVICE_KINDS,
    Device,
    Site,
    SnmpProfile,
    SshCredentialProfile,
)
from monitor.devices import admin, profiles
from monitor.devices import queries as mq
from monitor.devices.importer import CREDENTIAL_COLUMNS, OPTIONAL_COLUMNS
from monitor.discovery import ranges
from monitor.localtime import display_year
from web import access
from web.database import db, vault
from web.i18n import current_language, translate
from web.manage import imports
from web.params import search_arg

bp = Blueprint("manage", __name__, url_prefix="/manage")
# The import pages, whose bodies are in web.manage.imports: upload, then confirm or cancel.
bp.add_url_rule("/import", view_func=imports.import_page, methods=["GET"])
bp.add_url_rule("/import", view_func=imports.import_upload, methods=["POST"])
bp.add_url_rule("/import/<token>", view_func=imports.import_confirm, methods=["POST"])
bp.add_url_rule("/import/<token>/mapping", view_func=imports.import_mapping, methods=["POST"])
bp.add_url_rule("/import/<token>/cancel", view_func=imports.import_cancel, methods=["POST"])

DEVICE_FORM_FIELDS = (
    "site",
    "name",
    "address",
    "kind",
    "parent_id",
    "snmp_profile_id",
    "ssh_profile_id",
    *(c for c in OPTIONAL_COLUMNS if c not in ("parent", "enabled")),
)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _or_404(model, ident: int):
    row = db().get(model, ident)
    if row is None:
        abort(404)
    return row


def _saved(message_key: str, endpoint: str, **values):
    db().commit()
    flash(translate(message_key))
    return redirect(url_for(endpoint, **values))


def form_date(value) -> str:
    """A stored date as the form shows it: Buddhist era on Thai pages (the importer reads both)."""
    if not isinstance(value, date):
        return value or ""
    if current_language() == "th":
        return f"{value.day:02d}/{value.month:02d}/{display_year(value.year)}"
    return value.isoformat()


def form_year(value) -> str:
    """A stored (Christian-era) budget year as the form shows it: พ.ศ. on Thai pages."""
    if not isinstance(value, int):
        return value or ""
    return str(display_year(value, current_language()))


# --- sites ------------------------------------------------------------------------------------


def _site_data() -> dict:
    data = {key: request.form.get(key, "") for key in ("code", "name")}
    if "address_ranges" in request.form:  # the edit form's; the list's quick add has none
        data["address_ranges"] = request.form["address_ranges"]
    return data


def _ranges_refused(data: dict, stored: str | None) -> str | None:
    """Why this POST may not change the site's address ranges, or None. They decide where
    discovery sends an SNMP profile's community, so only an admin changes them; an operator's
    form shows them read-only and sends them back as they are."""
    if access.is_admin() or "address_ranges" not in data:
        return None
    if ranges.split(data["address_ranges"]) == ranges.split(stored):
        return None
    return translate("manage_address_ranges_admin_only")


@bp.get("/sites")
def sites():
    return render_template("manage/sites.html", rows=mq.site_rows(db()), values={}, errors={})


@bp.post("/sites")
def add_site():
    data = _site_data()
    if refused := _ranges_refused(data, None):
        return render_template(
            "manage/sites.html",
            rows=mq.site_rows(db()),
            values=data,
            errors={"address_ranges": refused},
        ), 403
    try:
        site = admin.create_site(db(), data)
    except admin.Invalid as exc:
        db().rollback()
        return render_template(
            "manage/sites.html", rows=mq.site_rows(db()), values=data, errors=exc.errors
        ), 400
    return _saved("manage_saved", "manage.sites", _anchor=f"site-{site.id}")


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
def edit_site(site_id: int):
    site = _or_404(Site, site_id)
    values = {"code": site.code, "name": site.name, "address_ranges": site.address_ranges or ""}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = _site_data()
        if refused := _ranges_refused(values, site.address_ranges):
            values["address_ranges"] = site.address_ranges or ""
            errors, status = {"address_ranges": refused}, 403
        else:
            try:
                admin.update_site(db(), site_id, values)
                return _saved("manage_saved", "manage.sites")
            except admin.Invalid as exc:
                db().rollback()
                errors, status = exc.errors, 400
    return render_template(
        "manage/site_form.html",
        site=site,
        values=values,
        errors=errors,
        ranges_locked=not access.is_admin(),
    ), status


@bp.post("/sites/<int:site_id>/enabled")
def site_enabled(site_id: int):
    _or_404(Site, site_id)
    admin.update_site(db(), site_id, {"enabled": request.form.get("enabled") == "yes"})
    return _saved("manage_saved", "manage.sites")


# --- devices ----------------------------------------------------------------------------------


def _device_filter() -> mq.DeviceFilter:
    a = request.args
    enabled = {"yes": True, "no": False}.get(a.get("enabled", ""))
    return mq.DeviceFilter(
        site=a.get("site") or None,
        kind=a.get("kind") if a.get("kind") in DEVICE_KINDS else None,
        enabled=enabled,
        q=search_arg(a),
    )


def _devices_page(errors: dict | None = None, status: int = 200):
    session = db()
    return render_template(
        "manage/devices.html",
        rows=mq.device_rows(session, _device_filter()),
        args=request.args,
        sites=mq.site_choices(session),
        kinds=DEVICE_KINDS,
        parents=mq.parent_choices(session),
        errors=errors or {},
        selected={int(i) for i in request.form.getlist("device") if i.isdigit()},
        held=holds.held_devices(session),
    ), status


@bp.get("/")
@bp.get("/devices")
def devices():
    return _devices_page()


def _device_data() -> dict[str, Any]:
    form = request.form
    data: dict[str, Any] = {key: form[key] for key in DEVICE_FORM_FIELDS if key in form}
    data["enabled"] = "yes" if form.get("enabled") == "yes" else "no"
    for column in CREDENTIAL_COLUMNS:
        data[f"clear_{column}"] = form.get(f"clear_{column}") == "yes"
    return data


def _device_form(device: Device | None):
    session = db()
    errors: dict[str, str] = {}
    if device is not None:
        values = admin.public_fields(session, device)
    else:
        values = {"site": request.args.get("site", ""), "enabled": True, "kind": "router"}
    if request.method == "POST":
        data = _device_data()
        try:
            if device is None:
                device = admin.create_device(
                    session, data, vault(), imports.asset_rules(), by_admin=access.is_admin()
                )
            else:
                admin.update_device(
                    session,
                    device.id,
                    data,
                    vault(),
                    imports.asset_rules(),
                    by_admin=access.is_admin(),
                )
            # An asset nothing polls has no status to show: its register page instead.
            page = "status.device" if device.address else "assets.asset"
            return _saved("manage_saved", page, device_id=device.id)
        except admin.Invalid as exc:
            session.rollback()
            errors = exc.errors
            # The typed values come back; typed secrets do not (the page is not a safe place).
            values = {
                **values,
                **{k: v for k, v in data.items() if k not in CREDENTIAL_COLUMNS},
                "enabled": data["enabled"] == "yes",
            }
            device = session.get(Device, device.id) if device is not None else None

    snmp_profiles, ssh_profiles = mq.profile_choices(session)
    rules = imports.asset_rules()
    return render_template(
        "manage/device_form.html",
        device=device,
        values=values,
        errors=errors,
        sites=mq.site_choices(session),
        kinds=DEVICE_KINDS,
        parents=mq.parent_choices(session, device.id if device else None),
        snmp_profiles=snmp_profiles,
        ssh_profiles=ssh_profiles,
        ssh_types=tuple(DEVICE_TYPES),
        form_date=form_date,
        form_year=form_year,
        conditions=ASSET_CONDITIONS,
        acquisition_methods=rules.acquisition_methods,
        fund_sources=rules.fund_sources,
    ), 400 if errors else 200


@bp.route("/devices/new", methods=["GET", "POST"])
def new_device():
    return _device_form(None)


@bp.route("/devices/<int:device_id>/edit", methods=["GET", "POST"])
def edit_device(device_id: int):
    return _device_form(_or_404(Device, device_id))


@bp.post("/devices/<int:device_id>/confirm-credentials")
def confirm_credentials(device_id: int):
    """An admin's yes: the device's stored credentials may go to where it now points."""
    _or_404(Device, device_id)
    confirmed = holds.confirm(db(), [device_id])
    return _saved(
        "manage_credentials_confirmed" if confirmed else "manage_credentials_nothing_held",
        "status.device",
        device_id=device_id,
    )


_HELD_FIELD_LABELS = {
    "address": "col_address",
    "snmp_profile_id": "manage_snmp_profile",
    "ssh_profile_id": "manage_ssh_profile",
    "config_path": "cfg.setup.path.label",
}


def credentials_hold(device_id: int) -> dict[str, Any] | None:
    """For templates: what changed and when, while a device's credentials wait for an admin."""
    device = db().get(Device, device_id)
    if device is None or device.credentials_held_at is None:
        return None
    fields = (device.credentials_held_for or "").split(", ")
    what = ", ".join(translate(_HELD_FIELD_LABELS.get(f, f)) for f in fields if f)
    return {"what": what, "at": device.credentials_held_at}


@bp.post("/devices/bulk")
def bulk():
    """One action on the ticked devices: all of them, or none with the reason."""
    session = db()
    ids = [int(i) for i in request.form.getlist("device") if i.isdigit()]
    action = request.form.get("action", "")
    try:
        if action in ("enable", "disable"):
            changed = admin.set_enabled(session, ids, action == "enable")
        elif action == "move":
            site_id = request.form.get("site_id", "")
            if not site_id.isdigit():
                raise admin.Invalid({"site_id": "choose the site to move them to"})
            changed = admin.move_to_site(session, ids, int(site_id))
        elif action == "parent":
            parent = request.form.get("parent_id", "")
            changed = admin.set_parent(session, ids, int(parent) if parent.isdigit() else None)
        else:
            raise admin.Invalid({"action": "choose an action"})
    except admin.Invalid as exc:
        session.rollback()
        return _devices_page(exc.errors, 400)
    session.commit()
    flash(translate("manage_bulk_done", n=len(changed)))
    args: dict[str, Any] = request.args.to_dict()
    return redirect(url_for("manage.devices", **args))


# --- credential profiles ------------------------------------------------------------------------

PROFILE_KINDS = {
    "snmp": (
        SnmpProfile,
        profiles.save_snmp_profile,
        profiles.delete_snmp_profile,
        profiles.SNMP_KEYS,
    ),
    "ssh": (
        SshCredentialProfile,
        profiles.save_ssh_profile,
        profiles.delete_ssh_profile,
        profiles.SSH_KEYS,
    ),
}


@bp.get("/profiles")
def profiles_page(errors: dict | None = None):
    return render_template(
        "manage/profiles.html", rows=profiles.profile_rows(db()), errors=errors or {}
    )


def _profile_form(kind: str, profile_id: int | None):
    if kind not in PROFILE_KINDS:
        abort(404)
    model, _, _, keys = PROFILE_KINDS[kind]
    session = db()
    row = _or_404(model, profile_id) if profile_id is not None else None
    values = profiles.profile_values(row) if row is not None else {"version": "2c"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        data: dict[str, Any] = {
            key: form[key] for key in keys if key in form and not key.startswith("clear_")
        }
        data.update({key: form.get(key) == "yes" for key in keys if key.startswith("clear_")})
        try:
            if kind == "ssh":  # key files only from the admins' directory (credentials.keys)
                key_dir = current_app.config["ICTMON_SETTINGS"].ssh.key_dir
                profiles.save_ssh_profile(session, profile_id, data, vault(), key_dir)
            else:
                profiles.save_snmp_profile(session, profile_id, data, vault())
            return _saved("manage_saved", "manage.profiles_page")
        except admin.Invalid as exc:
            session.rollback()
            errors = exc.errors
            secrets = profiles.SNMP_SECRETS + profiles.SSH_SECRETS
            values = {**values, **{k: v for k, v in data.items() if k not in secrets}}

    return render_template(
        f"manage/{kind}_profile_form.html",
        row=row,
        values=values,
        errors=errors,
        auth_protocols=AUTH_PROTOCOLS,
        priv_protocols=PRIV_PROTOCOLS,
    ), 400 if errors else 200


@bp.route("/profiles/<kind>/new", methods=["GET", "POST"])
def new_profile(kind: str):
    return _profile_form(kind, None)


@bp.route("/profiles/<kind>/<int:profile_id>/edit", methods=["GET", "POST"])
def edit_profile(kind: str, profile_id: int):
    return _profile_form(kind, profile_id)


@bp.post("/profiles/<kind>/<int:profile_id>/delete")
def delete_profile(kind: str, profile_id: int):
    if kind not in PROFILE_KINDS:
        abort(404)
    _, _, delete, _ = PROFILE_KINDS[kind]
    try:
        delete(db(), profile_id)
    except LookupError:
        abort(404)
    except admin.Invalid as exc:
        db().rollback()
        return profiles_page(exc.errors), 400
    return _saved("manage_deleted", "manage.profiles_page")


# --- wiring -------------------------------------------------------------------------------------

RULES: dict[str, access.Rule] = {
    f"manage.{endpoint}": access.OPERATOR
    for endpoint in (
        "sites",
        "add_site",
        "edit_site",
        "site_enabled",
        "devices",
        "new_device",
        "edit_device",
        "bulk",
        "profiles_page",
        "new_profile",
        "edit_profile",
        "delete_profile",
        "import_page",
        "import_upload",
        "import_confirm",
        "import_mapping",
        "import_cancel",
    )
}


# Where stored credentials go is an admin's decision (monitor.credentials.holds).
RULES["manage.confirm_credentials"] = access.ADMIN


def init_app(app) -> None:
    """Registers this area's blueprint and access rules (web.access.add_rules)."""
    app.register_blueprint(bp)
    access.add_rules(RULES)
    app.add_template_global(credentials_hold, "credentials_hold")
    if not app.config.get("MAX_CONTENT_LENGTH"):
        app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD_BYTES
