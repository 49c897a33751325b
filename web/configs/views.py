"""Configuration backups on the web: the device page's section (history, state, facts, host key),
one version, the diff of any two, downloads, "back up now" and "accept the new host key".

Configuration text holds secrets of its own (SNMP communities, hashed passwords, VPN keys): only
admins and operators read it, download it or start a backup; viewers see the history alone. Who
may do which is web.access's table; templates ask `can('configs.version')`.
"""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from monitor.configs import requests as backup_requests
from monitor.configs import setup as ssh_setup
from monitor.configs import versions as config_backups
from monitor.configs.backup_job import run_backups
from monitor.db import audit
from monitor.db.engine import transaction
from monitor.db.models import Device
from monitor.devices import admin
from monitor.devices import queries as device_queries
from monitor.localtime import iso_local, to_local, utcnow
from monitor.secrets import Vault
from web import access
from web.database import db, vault, web_actor
from web.i18n import translate
from web.params import row_id_arg

bp = Blueprint("configs", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)
    # Setting up the backup is what the device form does for these two fields: operators.
    access.add_rules({"configs.set_up_ssh": access.OPERATOR})
    app.add_template_global(_device_backups, "device_backups")
    app.add_template_global(_ssh_setup_choices, "ssh_setup_choices")
    app.add_template_global(_backup_request, "backup_request")
    app.add_template_filter(trigger_label, "backup_trigger")
    app.add_template_filter(size_label, "config_size")


def _device_backups(device_id: int):
    """The device page's include asks for its data by id (device.html is shared)."""
    return config_backups.backup_summary(db(), device_id)


def _ssh_setup_choices(kind: str | None, current_type: str | None) -> dict | None:
    """What the device page's set-up form offers; None for a kind with nothing to back up."""
    if not ssh_setup.has_ssh_config(kind):
        return None
    _, profiles = device_queries.profile_choices(db())
    return {
        "profiles": profiles,
        "types": ssh_setup.type_choices(),
        "suggested": ssh_setup.suggested_type(kind, current_type),
        "path_types": ssh_setup.path_types(),
    }


def _backup_request(device_id: int) -> dict | None:
    """A "back up now" still waiting for the device's collector: who backs it up, since when."""
    request = backup_requests.waiting_request(db(), device_id)
    if request is None:
        return None
    collector = backup_requests.collector_of(db(), device_id)
    if collector is None:
        return None
    revoked = collector.revoked_at is not None
    return {"collector": collector.name, "at": request.requested_at, "revoked": revoked}


def trigger_label(trigger: str | None) -> str:
    if not trigger:
        return "—"
    if trigger.startswith("web:"):
        return translate("cfg_trigger_web", user=trigger[4:])
    if trigger.startswith("collector "):
        return translate("cfg_trigger_collector", collector=trigger.removeprefix("collector "))
    return translate(f"cfg_trigger_{trigger}") if trigger in ("schedule", "cli") else trigger


def size_label(size: int | None) -> str:
    if size is None:
        return "—"
    return f"{size:,} B" if size < 10_000 else f"{size / 1024:,.1f} KB"


def _file_name(device_id: int, version) -> str:
    site, name = config_backups.device_label(db(), device_id) or ("device", str(device_id))
    stamp = to_local(version.taken_at).strftime("%Y%m%d-%H%M")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{site}-{name}").strip("_") or f"device-{device_id}"
    return f"{safe}-{stamp}.txt"


def _text_download(device_id: int, version) -> Response:
    response = Response(version.text, mimetype="text/plain")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_file_name(device_id, version)}"'
    )
    return response


@bp.get("/devices/<int:device_id>/configs/<int:version_id>")
@login_required
def version(device_id: int, version_id: int):
    row = config_backups.version(db(), device_id, version_id)
    if row is None:
        abort(404)
    label = config_backups.device_label(db(), device_id)
    return render_template(
        "configs/version.html",
        device_id=device_id,
        version=row,
        device_name=label[1] if label else "",
    )


@bp.get("/devices/<int:device_id>/configs/<int:version_id>.txt")
@login_required
def download(device_id: int, version_id: int):
    row = config_backups.version(db(), device_id, version_id)
    if row is None:
        abort(404)
    return _text_download(device_id, row)


@bp.get("/devices/<int:device_id>/configs/latest.txt")
@login_required
def download_latest(device_id: int):
    row = config_backups.latest_version(db(), device_id)
    if row is None:
        abort(404)
    return _text_download(device_id, row)


@bp.get("/devices/<int:device_id>/configs/diff")
@login_required
def diff(device_id: int):
    old_id, new_id = row_id_arg(request.args, "from"), row_id_arg(request.args, "to")
    old = config_backups.version(db(), device_id, old_id)
    new = config_backups.version(db(), device_id, new_id)
    if old is None or new is None:
        abort(404)
    if old.taken_at > new.taken_at:  # always show the older one on the left
        old, new = new, old
    label = config_backups.device_label(db(), device_id)
    return render_template(
        "configs/diff.html",
        device_id=device_id,
        old=old,
        new=new,
        change=config_backups.diff(
            old.text, new.text, device_type=config_backups.device_type_of(db(), device_id)
        ),
        device_name=label[1] if label else "",
    )


@bp.post("/devices/<int:device_id>/configs/backup")
@login_required
def back_up_now(device_id: int):
    """Runs the backup in the request: bounded by [ssh] timeout, and the officer who clicked
    wants the answer on the page they return to. A device an edge collector backs up is asked
    of that collector instead (monitor.configs.requests); the page says so."""
    if config_backups.device_label(db(), device_id) is None:
        abort(404)
    # Behind a school's NAT the office cannot log in: ask the collector that backs it up.
    with transaction(current_app.extensions["ictmon_sessions"]) as session:
        collector = backup_requests.ask_collector(
            session,
            device_id,
            f"web:{current_user.username}",
            current_app.config["ICTMON_CLOCK"](),
        )
    if collector is not None:
        revoked = collector.revoked_at is not None
        wording = "cfg_flash_asked_revoked_collector" if revoked else "cfg_flash_asked_collector"
        flash(translate(wording, collector=collector.name))
        return redirect(url_for("status.device", device_id=device_id, _anchor="configs"))
    settings = current_app.config["ICTMON_SETTINGS"]
    [outcome] = run_backups(
        current_app.extensions["ictmon_sessions"],
        settings.ssh,
        Vault.from_settings(settings),
        device_ids=[device_id],
        trigger=f"web:{current_user.username}",
        clock=current_app.config["ICTMON_CLOCK"],
    )
    if outcome.version_id is None:
        flash(
            translate(
                "cfg_flash_failed",
                state=translate(f"cfg_state_{outcome.state}"),
                message=outcome.message,
            )
        )
    elif outcome.first:
        flash(translate("cfg_flash_first"))
    elif outcome.changed:
        flash(translate("cfg_flash_changed"))
    else:
        flash(translate("cfg_flash_unchanged"))
    return redirect(url_for("status.device", device_id=device_id, _anchor="configs"))


@bp.post("/devices/<int:device_id>/ssh/set-up")
@login_required
def set_up_ssh(device_id: int):
    """The device page's set-up form: an SSH profile and a device type, saved through the same
    core function as the device form (validation, audit, and the credential hold when the editor
    is not an admin)."""
    session = db()
    device = session.get(Device, device_id)
    if device is None:
        abort(404)
    if not ssh_setup.has_ssh_config(device.kind):
        abort(400)
    data = {
        "ssh_profile_id": request.form.get("ssh_profile_id", ""),
        "ssh_device_type": request.form.get("ssh_device_type", ""),
    }
    if not data["ssh_profile_id"] or data["ssh_device_type"] not in ssh_setup.device_types():
        flash(translate("cfg_setup_incomplete"))
        return redirect(url_for("status.device", device_id=device_id, _anchor="configs"))
    # Only a type that reads one file takes a path; another type leaves a stored one alone.
    path = request.form.get("ssh_config_path", "").strip()
    if data["ssh_device_type"] in ssh_setup.path_types():
        problem = ssh_setup.config_path_problem(path)
        if problem:
            flash(translate(problem))
            return redirect(url_for("status.device", device_id=device_id, _anchor="configs"))
    try:
        admin.update_device(session, device_id, data, vault(), by_admin=access.is_admin())
        if data["ssh_device_type"] in ssh_setup.path_types():
            admin.set_ssh_config_path(
                session, device_id, path, by_admin=access.is_admin(), now=utcnow()
            )
    except admin.Invalid as exc:
        session.rollback()
        flash("; ".join(exc.errors.values()))
        return redirect(url_for("status.device", device_id=device_id, _anchor="configs"))
    session.commit()
    flash(translate("cfg_setup_saved"))
    return redirect(url_for("status.device", device_id=device_id, _anchor="configs"))


@bp.post("/devices/<int:device_id>/ssh/accept-host-key")
@login_required
def accept_host_key(device_id: int):
    with transaction(current_app.extensions["ictmon_sessions"]) as session:
        audit.act_as(session, web_actor)
        accepted = config_backups.accept_offered_host_key(session, device_id, g.now)
    current_app.logger.info(
        "user %s accepted the new SSH host key of device %s", current_user.username, device_id
    )
    flash(translate("cfg_host_key_accepted") if accepted else translate("cfg_host_key_nothing"))
    return redirect(url_for("status.device", device_id=device_id, _anchor="configs"))


# --------------------------------------------------------------------------------------------
# JSON API bodies; the routes live in web.api.read (its token authentication covers them).


def ssh_json(summary: config_backups.BackupSummary | None) -> dict:
    """`ssh_state` and an `ssh` object for /api/v1/devices/<id>. No credential, ever."""
    if summary is None:
        return {}
    key = summary.host_key
    return {
        "ssh_state": summary.state,
        "ssh": {
            "device_type": summary.device_type,
            "message": summary.message,
            "last_attempt": iso_local(summary.attempted_at),
            "last_success": iso_local(summary.last_success_at),
            "host_key_fingerprint": key.fingerprint if key else None,
            "host_key_offered": key.offered_fingerprint if key else None,
            # From the device's CLI (show version); SNMP's inventory fields are separate.
            "facts": summary.facts,
            "facts_at": iso_local(summary.facts_at),
            "versions": len(summary.versions),
        },
    }


def api_versions(device_id: int):
    summary = config_backups.backup_summary(db(), device_id)
    if summary is None:
        abort(404)
    return jsonify(
        [
            {
                "id": v.id,
                "taken_at": iso_local(v.taken_at),
                "size": v.size,
                "trigger": v.trigger,
                "lines_added": v.lines_added,
                "lines_removed": v.lines_removed,
                "in_maintenance": v.in_maintenance,
            }
            for v in summary.versions
        ]
    )


def api_version_text(device_id: int, version_id: int):
    row = config_backups.version(db(), device_id, version_id)
    if row is None:
        abort(404)
    return Response(row.text, mimetype="text/plain")
