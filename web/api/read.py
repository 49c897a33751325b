"""Read-only JSON API under /api/v1 (session cookie or `Authorization: Bearer <token>`). Who may
call what is web.access's table; without a sign-in the answer is 401 JSON (web.accounts.auth).

Times are ISO 8601 in Bangkok time with their offset (`2026-11-24T10:00:00+07:00`), null when
never. Device credentials are never part of any answer: the queries do not even select them.

    GET /api/v1/sites                       every site: code, name, state, level, since, counts
    GET /api/v1/devices[?site=CODE][&limit=N][&cursor=C]
                                            one page of devices by id (web.api.paging: limit
                                            500 by default, at most 5,000): {devices: [id, name,
                                            site, address, kind, parent, state, since], count,
                                            next: the next page's URL or null}; the same URL in
                                            a `Link: <...>; rel="next"` header
    GET /api/v1/devices/<id>                one device: the above + last_check, rtt_ms, loss_pct,
                                            last_error, children
                                            + SNMP: sys_descr, sys_name, vendor, model, serial,
                                            firmware, uptime_seconds, snmp_state, snmp_error,
                                            cpu_pct, memory_pct, interfaces [...], ups
                                            + SSH: ssh_state, ssh {device_type, message,
                                            last_attempt, last_success, host_key_fingerprint,
                                            host_key_offered, facts, facts_at, versions}
    GET /api/v1/devices/<id>/latency?range=24h|7d|30d
                                            {t: [unix seconds], rtt_ms: [...], loss_pct: [...]}
    GET /api/v1/devices/<id>/configs        configuration versions, newest first: id, taken_at,
                                            size, trigger, lines_added, lines_removed,
                                            in_maintenance
    GET /api/v1/devices/<id>/configs/<vid>  that version's text (text/plain; admins, operators)
    GET /api/v1/incidents, /api/v1/outbox   web.incidents.api;  GET /api/v1/risks  web.risks.api
"""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request, url_for

from monitor.configs.versions import backup_summary
from monitor.db.models import MAX_ROW_ID
from monitor.devices.inventory import device_snmp, snmp_json
from monitor.localtime import iso_local
from monitor.status import queries
from web.api import paging
from web.configs import views as configs_views
from web.database import db
from web.incidents import api as incidents_api
from web.risks import api as risks_api

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _error(status: int, message: str):
    return jsonify(error=message), status


def site_json(tile: queries.SiteTile) -> dict:
    return {
        "code": tile.code,
        "name": tile.name,
        "state": tile.state,
        "level": tile.level,
        "since": iso_local(tile.since),
        "devices_total": tile.total,
        "counts": tile.counts,
    }


def device_json(row: queries.DeviceRow) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "site": row.site_code,
        "address": row.address,
        "kind": row.kind,
        "parent": row.parent_name,
        "state": row.state,
        "since": iso_local(row.since),
    }


@bp.get("/sites")
def sites():
    return jsonify([site_json(t) for t in queries.site_tiles(db())])


@bp.get("/devices")
def devices():
    site = request.args.get("site")
    try:
        limit = paging.parse_limit(request.args.get("limit"))
        cursor = request.args.get("cursor")
        after = 0 if cursor is None else paging.decode_cursor(cursor, MAX_ROW_ID)
    except paging.PagingError as refused:
        return _error(400, str(refused))
    rows, more = queries.device_page(db(), site, after, limit)
    # The next page keeps the filter and the limit; only the cursor moves.
    next_url = (
        url_for(
            "api.devices",
            site=site,
            limit=limit,
            cursor=paging.encode_cursor(rows[-1].id),
            _external=True,
        )
        if more
        else None
    )
    response = jsonify(
        {"devices": [device_json(r) for r in rows], "count": len(rows), "next": next_url}
    )
    if next_url is not None:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


@bp.get("/devices/<int:device_id>")
def device(device_id: int):
    detail = queries.device_detail(db(), device_id, history_limit=0, now=g.now)
    if detail is None:
        abort(404)
    row = detail.device
    body = device_json(row)
    body.update(
        {
            "enabled": row.enabled,
            "last_check": iso_local(row.last_check_at),
            "rtt_ms": row.rtt_ms,
            "loss_pct": row.loss_pct,
            "last_error": row.last_error,
            "children": [
                {
                    "id": c.id,
                    "name": c.name,
                    "site": c.site_code,
                    "kind": c.kind,
                    "state": c.state,
                    "since": iso_local(c.since),
                }
                for c in detail.children
            ],
        }
    )
    body.update(snmp_json(device_snmp(db(), device_id, now=g.now)))
    body.update(configs_views.ssh_json(backup_summary(db(), device_id, version_limit=10_000)))
    return jsonify(body)


@bp.get("/devices/<int:device_id>/latency")
def latency(device_id: int):
    range_ = request.args.get("range", "24h")
    if range_ not in queries.LATENCY_RANGES:
        return _error(400, f"range must be one of {', '.join(queries.LATENCY_RANGES)}")
    series = queries.latency_series(db(), device_id, range_, now=g.now)
    return jsonify(
        {
            "device": device_id,
            "range": series.range,
            "resolution": series.resolution,
            "start": iso_local(series.start),
            "end": iso_local(series.end),
            "t": [int(t.timestamp()) for t in series.times],
            "rtt_ms": [None if v is None else round(v, 2) for v in series.rtt_ms],
            "loss_pct": series.loss_pct,
        }
    )


# Configuration backups; the bodies are in web.configs.views.
@bp.get("/devices/<int:device_id>/configs")
def config_versions(device_id: int):
    return configs_views.api_versions(device_id)


@bp.get("/devices/<int:device_id>/configs/<int:version_id>")
def config_text(device_id: int, version_id: int):
    return configs_views.api_version_text(device_id, version_id)


# The incident log, the outbox and the risk register: their bodies are in the areas' api modules.
bp.add_url_rule("/incidents", view_func=incidents_api.incidents, methods=["GET"])
bp.add_url_rule("/outbox", view_func=incidents_api.outbox_messages, methods=["GET"])
bp.add_url_rule("/risks", view_func=risks_api.risks, methods=["GET"])
