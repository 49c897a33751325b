"""The inventory page (filter, sort, export .xlsx/.csv), the operator's edit of typed fields, and
the device page's SNMP section (interfaces, traffic charts, health, UPS, LLDP neighbours).

Views are thin: parse the request, call one function of monitor.devices.inventory, render.
"""

from __future__ import annotations

from flask import (
    Blueprint,
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

from monitor.db.models import MAX_ROW_ID, Device
from monitor.devices import admin, neighbour_links
from monitor.devices import collected as cv
from monitor.devices import inventory as inv
from monitor.devices import neighbours as nb
from monitor.devices import queries as device_queries
from monitor.localtime import display_year, format_date, format_duration, to_local
from monitor.snmp import health as health_history
from web import access
from web.database import db, vault
from web.i18n import current_language, translate

bp = Blueprint("inventory", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.add_template_global(_device_snmp, "device_snmp")
    app.add_template_global(_device_links, "device_links")
    app.add_template_global(_snmp_profiles, "snmp_profile_choices")
    # Choosing the SNMP profile is what the device form does for that field: operators.
    access.add_rules({"inventory.set_up_snmp": access.OPERATOR})
    app.add_template_filter(bps, "bps")
    app.add_template_filter(speed, "speed")
    app.add_template_filter(uptime, "uptime")
    app.add_template_filter(thai_date, "thai_date")


def _device_snmp(device_id: int):
    """The device page's include asks for its data by id (device.html is shared; its view is not
    ours to widen)."""
    return inv.device_snmp(db(), device_id, now=g.now)


def _device_links(device_id: int, snmp: inv.DeviceSnmp) -> dict:
    """What the SNMP section adds to the stored values: neighbours linked to known devices, the
    chart's ports with the uplink first, and when the shown data is older than two rounds."""
    session = db()
    device = session.get(Device, device_id)
    if device is None:  # the page asked for a device it has: gone since, in this request
        abort(404)
    linked = neighbour_links.linked_neighbours(session, device, snmp.neighbours or [])
    interval = current_app.config["ICTMON_SETTINGS"].snmp.interval
    return {
        "neighbours": linked,
        "chart": nb.chart_ports(snmp.traffic_ports, linked, device.parent_id),
        "stale_at": nb.stale_since(snmp.ok_at, g.now, interval) if snmp.interfaces else None,
    }


def _snmp_profiles() -> list[tuple[int, str]]:
    """The SNMP profiles the device page's set-up form offers, [(id, name)]."""
    snmp, _ = device_queries.profile_choices(db())
    return snmp


@bp.post("/devices/<int:device_id>/snmp/set-up")
@login_required
def set_up_snmp(device_id: int):
    """The device page's SNMP set-up: an existing profile, saved through the same core function
    as the device form (validation, audit, and the credential hold when the editor is not an
    admin)."""
    session = db()
    if session.get(Device, device_id) is None:
        abort(404)
    back = url_for("status.device", device_id=device_id, _anchor="snmp-setup")
    chosen = request.form.get("snmp_profile_id", "")
    if not chosen:
        flash(translate("snmp.setup.incomplete"))
        return redirect(back)
    try:
        admin.update_device(
            session, device_id, {"snmp_profile_id": chosen}, vault(), by_admin=access.is_admin()
        )
    except admin.Invalid as exc:
        session.rollback()
        flash("; ".join(exc.errors.values()))
        return redirect(back)
    session.commit()
    flash(translate("snmp.setup.saved"))
    return redirect(url_for("status.device", device_id=device_id))


def _filter() -> inv.InventoryFilter:
    args = request.args
    sort = args.get("sort", "site")
    return inv.InventoryFilter(
        q=args.get("q", "")[:100],
        site=args.get("site", "")[:32],
        kind=args.get("kind", "")[:16],
        snmp=args.get("snmp", "")[:16],
        sort=sort if sort in inv.SORT_KEYS else "site",
        descending=args.get("dir") == "desc",
    )


@bp.get("/inventory")
@login_required
def index():
    flt = _filter()
    rows = inv.inventory_rows(db(), flt, now=g.now)
    sites, kinds = inv.sites_and_kinds(db())
    return render_template(
        "inventory/inventory.html",
        rows=rows,
        flt=flt,
        sites=sites,
        kinds=kinds,
        snmp_states=inv.SNMP_STATES,
        export_args=_export_args(flt),
    )


def _export_args(flt: inv.InventoryFilter) -> dict[str, str]:
    args = {
        "q": flt.q,
        "site": flt.site,
        "kind": flt.kind,
        "snmp": flt.snmp,
        "sort": flt.sort,
        "dir": "desc" if flt.descending else "",
    }
    return {k: v for k, v in args.items() if v}


def _export_name(ext: str) -> str:
    stamp = to_local(g.now)
    year = display_year(stamp.year, current_language())
    return f"ictmon-inventory-{year}{stamp:%m%d}.{ext}"


@bp.get("/inventory/export.xlsx")
@login_required
def export_xlsx():
    rows = inv.inventory_rows(db(), _filter(), now=g.now)
    body = inv.inventory_xlsx(rows, current_language())
    return current_app.response_class(
        body,
        headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Content-Disposition": f'attachment; filename="{_export_name("xlsx")}"',
        },
    )


@bp.get("/inventory/export.csv")
@login_required
def export_csv():
    rows = inv.inventory_rows(db(), _filter(), now=g.now)
    body = inv.inventory_csv(rows, current_language())
    return current_app.response_class(
        body,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{_export_name("csv")}"',
        },
    )


@bp.route("/inventory/<int:device_id>/edit", methods=["GET", "POST"])
@login_required
def edit(device_id: int):
    session = db()
    rows = inv.inventory_rows(session, now=g.now, device_id=device_id)
    if not rows:
        abort(404)
    row = rows[0]
    profiles = inv.profile_choices(session)
    error = None
    if request.method == "POST":
        try:
            values = inv.parse_typed_fields(request.form)
            profile = _profile_choice(request.form.get("snmp_profile", "keep"), profiles)
        except inv.TypedFieldError as exc:
            error = translate(
                "inv_field_error", field=translate(f"inv_field_{exc.field}"), reason=str(exc)
            )
        else:
            inv.update_typed_fields(session, device_id, values, profile)
            session.commit()
            current_app.logger.info(
                "user %s edited typed fields of device %s", current_user.username, device_id
            )
            flash(translate("inv_saved", name=row.name))
            return redirect(url_for("inventory.index"))

    device = session.get(Device, device_id)
    return render_template(
        "inventory/edit.html",
        row=row,
        profiles=profiles,
        error=error,
        current_profile=device.snmp_profile_id if device else None,
        form=request.form if request.method == "POST" else None,
    ), (400 if error else 200)


def _profile_choice(raw: str, profiles: list[tuple[int, str]]):
    if raw == "keep":
        return "keep"
    if raw == "":
        return None
    try:
        chosen = int(raw)
    except ValueError:
        raise inv.TypedFieldError("snmp_profile", "unknown profile") from None
    if chosen not in {p for p, _ in profiles}:
        raise inv.TypedFieldError("snmp_profile", "unknown profile")
    return chosen


@bp.get("/devices/<int:device_id>/health")
@login_required
def health(device_id: int):
    """Chart data for the device page: {t: [unix s], cpu_pct: [...], memory_pct: [...],
    temperature_c: [...], ups_charge_pct: [...], ups_on_battery_pct: [...], shown: [names]}."""
    range_ = request.args.get("range", "24h")
    if range_ not in health_history.RANGES:
        return jsonify(error=f"range must be one of {', '.join(health_history.RANGES)}"), 400
    series = health_history.series(db(), device_id, range_, now=g.now)
    return jsonify(
        {
            "device": device_id,
            "range": series.range,
            "resolution": series.resolution,
            "t": [int(t.timestamp()) for t in series.times],
            "cpu_pct": series.cpu_pct,
            "memory_pct": series.memory_pct,
            "temperature_c": series.temperature_c,
            "ups_charge_pct": series.ups_charge_pct,
            "ups_on_battery_pct": series.ups_on_battery_pct,
            "shown": series.shown,
        }
    )


@bp.get("/devices/<int:device_id>/traffic")
@login_required
def traffic(device_id: int):
    """Chart data for the device page: {t: [unix s], in_bps: [...], out_bps: [...]}."""
    range_ = request.args.get("range", "24h")
    if range_ not in inv.TRAFFIC_RANGES:
        return jsonify(error=f"range must be one of {', '.join(inv.TRAFFIC_RANGES)}"), 400
    text = request.args.get("if", "")
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ROW_ID:
        # Past MAX_ROW_ID the number would fail in the query rather than find no interface.
        return jsonify(error="if must be an interface index"), 400
    if_index = int(text)
    series = inv.traffic_series(db(), device_id, if_index, range_, now=g.now)
    return jsonify(
        {
            "device": device_id,
            "if": if_index,
            "range": series.range,
            "resolution": series.resolution,
            "t": [int(t.timestamp()) for t in series.times],
            "in_bps": [None if v is None else round(v, 1) for v in series.in_bps],
            "out_bps": [None if v is None else round(v, 1) for v in series.out_bps],
        }
    )


# --------------------------------------------------------------------------------------------
# Formatting filters (numbers of the SNMP pages)


# Total: whatever reaches them (None, NaN, a string from an old row) prints, never raises.


def bps(value: float | None) -> str:
    value = cv.number(value, low=None)
    if value is None:
        return "—"
    for unit, size in (("Gbit/s", 1e9), ("Mbit/s", 1e6), ("kbit/s", 1e3)):
        if abs(value) >= size:
            return f"{value / size:,.1f} {unit}"
    return f"{value:,.0f} bit/s"


def speed(mbps: float | None) -> str:
    mbps = cv.number(mbps)
    if not mbps:
        return "—"
    if mbps >= 1000:
        return f"{mbps / 1000:g} Gbit/s"
    return f"{mbps:g} Mbit/s"


def uptime(seconds: int | None) -> str:
    seconds = cv.integer(seconds)
    return "—" if seconds is None else format_duration(seconds, current_language())


def thai_date(value) -> str:
    """A date as the office writes it: '24 พ.ย. 2569' / '24 Nov 2026'."""
    return format_date(value, current_language(), short=True)
