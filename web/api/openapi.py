"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json (it holds no data).

Written as Python data next to the code it describes, and kept true by tests: one fails when an
/api/v1 route is missing here, and schemathesis calls every operation of this document against
the app and checks each answer against these schemas. The device fields come from the import
columns (monitor.devices.importer / monitor.devices.admin), so a new column appears here by itself.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from monitor.credentials import holds
from monitor.db.models import DEVICE_KINDS, INCIDENT_CAUSES, INCIDENT_STATES, RISK_STATUSES
from monitor.devices import admin as device_admin
from monitor.devices import importer
from monitor.status.queries import LATENCY_RANGES, LEVELS, STATES
from web import access
from web.api import paging
from web.routing import MAX_ROW_ID

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

Schema = dict[str, Any]


# --- small builders --------------------------------------------------------------------------


def obj(
    properties: dict[str, Schema], required: tuple[str, ...] | None = None, *, extra: bool = False
) -> Schema:
    """An object; every property required unless `required` says otherwise."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties if required is None else required),
        "additionalProperties": extra,
    }


def nullable(schema: Schema) -> Schema:
    if "enum" in schema:
        return {**schema, "type": [schema["type"], "null"], "enum": [*schema["enum"], None]}
    return {**schema, "type": [schema["type"], "null"]}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def enum(values) -> Schema:
    return {"type": "string", "enum": list(values)}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
# Times are ISO 8601 in Bangkok time with their offset: 2026-11-24T10:00:00+07:00.
TIME: Schema = {"type": "string", "format": "date-time"}
OPT_TIME = nullable(TIME)
OPT_STRING = nullable(STRING)
OPT_NUMBER = nullable(NUMBER)
OPT_INTEGER = nullable(INTEGER)
OPT_BOOLEAN = nullable(BOOLEAN)
ID: Schema = {"type": "integer", "minimum": 0, "maximum": MAX_ROW_ID}
STATE = enum(STATES)


# --- schemas of the answers ------------------------------------------------------------------


def _device_record() -> Schema:
    """device_admin.public_fields: what a write answers with (credentials only as has_*)."""
    props: dict[str, Schema] = {
        "id": ID,
        "site": STRING,
        "name": STRING,
        "address": OPT_STRING,  # null: an asset of the register that is not polled
        "kind": enum(DEVICE_KINDS),
        "parent_id": nullable(ID),
        "enabled": BOOLEAN,
        "snmp_profile_id": nullable(ID),
    }
    for column in importer.OPTIONAL_COLUMNS:
        if column in device_admin.CLEARABLE:
            if column in importer.PORT_COLUMNS or column == "budget_year":
                props[column] = OPT_INTEGER
            elif column in importer.DATE_COLUMNS:
                props[column] = nullable({"type": "string", "format": "date"})
            else:
                props[column] = OPT_STRING
    props["ssh_profile_id"] = nullable(ID)
    for column in importer.CREDENTIAL_COLUMNS:
        props[f"has_{column}"] = BOOLEAN
    props["credentials_held"] = BOOLEAN
    props["credentials_held_for"] = array(enum(holds.DESTINATION_FIELDS))
    return obj(props)


def _device_input(*, create: bool) -> Schema:
    """What POST/PATCH take: the import columns, JSON types or the text an import cell holds."""
    props: dict[str, Schema] = {
        "site": {"type": "string", "description": "site code"},
        "name": STRING,
        "address": STRING,
        "kind": {"type": "string", "examples": list(DEVICE_KINDS)},
    }
    for column in importer.OPTIONAL_COLUMNS:
        if column == "enabled":
            props[column] = {"type": ["boolean", "string"]}
        elif column == "parent":
            props[column] = {
                "type": "string",
                "description": "SITE/name, or a name in the same site; empty for none",
            }
        elif column in importer.PORT_COLUMNS:
            props[column] = {"type": ["integer", "string", "null"]}
        elif column in importer.CREDENTIAL_COLUMNS:
            props[column] = {
                "type": "string",
                "writeOnly": True,
                "description": "stored encrypted, never returned",
            }
        elif column == "snmp_version":
            props[column] = {"type": ["string", "integer", "null"], "examples": ["2c", "3"]}
        elif column in ("budget_year", "price"):
            props[column] = {
                "type": ["string", "number", "null"],
                "examples": ["2567", "25,900.50"],
            }
        else:
            props[column] = {"type": ["string", "null"]}
        if column in importer.DATE_COLUMNS:
            props[column]["description"] = (
                "YYYY-MM-DD or DD/MM/YYYY; Buddhist-era years (2567) are fine"
            )
    for key in ("parent_id", "snmp_profile_id", "ssh_profile_id"):
        props[key] = {
            "type": ["integer", "string", "null"],
            "description": "an id; null or empty for none",
        }
    for flag in device_admin.CLEAR_FLAGS:
        props[flag] = {
            "type": ["boolean", "string"],
            "description": "true removes the stored credential",
        }
    required = ("site", "name", "kind") if create else ()
    return obj(props, required)


INTERFACE = obj(
    {
        "index": INTEGER,
        "name": OPT_STRING,
        "alias": OPT_STRING,
        "oper_status": OPT_STRING,
        "speed_mbps": OPT_NUMBER,
        "in_bps": OPT_NUMBER,
        "out_bps": OPT_NUMBER,
        "utilisation_pct": OPT_NUMBER,
    }
)
UPS = obj(
    {
        "on_battery": OPT_BOOLEAN,
        "charge_pct": OPT_NUMBER,
        "minutes_remaining": OPT_NUMBER,
        "battery_status": OPT_STRING,
    }
)
# A fan or power supply as the device reports it (collectors/vendors.py SENSOR_STATES).
SENSOR = obj(
    {
        "kind": enum(("fan", "psu")),
        "name": STRING,
        "state": enum(("normal", "warning", "critical", "not_present")),
    }
)
SSH = obj(
    {
        "device_type": OPT_STRING,
        "message": OPT_STRING,
        "last_attempt": OPT_TIME,
        "last_success": OPT_TIME,
        "host_key_fingerprint": OPT_STRING,
        "host_key_offered": OPT_STRING,
        "facts": {"type": "object", "additionalProperties": STRING},
        "facts_at": OPT_TIME,
        "versions": INTEGER,
    }
)
CHILD = obj(
    {"id": ID, "name": STRING, "site": STRING, "kind": STRING, "state": STATE, "since": OPT_TIME}
)

DEVICE_ROW = {
    "id": ID,
    "name": STRING,
    "site": STRING,
    "address": OPT_STRING,
    "kind": STRING,
    "parent": OPT_STRING,
    "state": STATE,
    "since": OPT_TIME,
}
DEVICE_DETAIL = obj(
    {
        **DEVICE_ROW,
        "enabled": BOOLEAN,
        "last_check": OPT_TIME,
        "rtt_ms": OPT_NUMBER,
        "loss_pct": OPT_NUMBER,
        "last_error": OPT_STRING,
        "children": array(CHILD),
        "snmp_state": STRING,
        "snmp_error": OPT_STRING,
        "sys_descr": OPT_STRING,
        "sys_name": OPT_STRING,
        "vendor": OPT_STRING,
        "model": OPT_STRING,
        "serial": OPT_STRING,
        "firmware": OPT_STRING,
        "uptime_seconds": OPT_NUMBER,
        "cpu_pct": OPT_NUMBER,
        "memory_pct": OPT_NUMBER,
        "temperature_c": OPT_NUMBER,
        "sensors": array(SENSOR),
        "interfaces": array(INTERFACE),
        "ups": nullable(UPS),
        "ssh_state": STRING,
        "ssh": SSH,
    },
    required=(
        *DEVICE_ROW,
        "enabled",
        "last_check",
        "rtt_ms",
        "loss_pct",
        "last_error",
        "children",
        "snmp_state",
        "interfaces",
        "ups",
    ),
)

FIGURES = {
    "up_s": OPT_NUMBER,
    "down_s": OPT_NUMBER,
    "unreachable_s": OPT_NUMBER,
    "maintenance_s": OPT_NUMBER,
    "unknown_s": OPT_NUMBER,
    "availability_pct": OPT_NUMBER,
    "outages": INTEGER,
    "mttr_s": OPT_NUMBER,
    "mtbf_s": OPT_NUMBER,
    "longest_outage_s": OPT_NUMBER,
    "target_pct": NUMBER,
    "met": OPT_BOOLEAN,
}
FIGURE_KEYS = tuple(k for k in FIGURES if k not in ("target_pct", "met"))

SCHEMAS: dict[str, Schema] = {
    "Error": obj({"error": STRING}),
    "Refusal": obj(
        {
            "error": STRING,
            "fields": {
                "type": "object",
                "additionalProperties": STRING,
                "description": "{field: what is wrong with it}",
            },
        }
    ),
    "Site": obj(
        {
            "code": STRING,
            "name": STRING,
            "state": STATE,
            "level": enum(LEVELS),
            "since": OPT_TIME,
            "devices_total": INTEGER,
            "counts": obj(dict.fromkeys(STATES, INTEGER)),
        }
    ),
    "DeviceRow": obj(DEVICE_ROW),
    # Keyset pages (web.api.paging): follow `next` (or the Link header) until it is null.
    "DevicePage": obj(
        {
            "devices": array(ref("DeviceRow")),
            "count": {"type": "integer", "minimum": 0, "maximum": paging.MAX_LIMIT},
            "next": nullable({"type": "string", "format": "uri"}),
        }
    ),
    "Device": DEVICE_DETAIL,
    "Latency": obj(
        {
            "device": ID,
            "range": enum(LATENCY_RANGES),
            "resolution": nullable(
                {"type": "integer", "description": "seconds per point; null: one point per sweep"}
            ),
            "start": TIME,
            "end": TIME,
            "t": array(INTEGER),
            "rtt_ms": array(OPT_NUMBER),
            "loss_pct": array(OPT_NUMBER),
        }
    ),
    "ConfigVersion": obj(
        {
            "id": ID,
            "taken_at": TIME,
            "size": INTEGER,
            "trigger": STRING,
            "lines_added": OPT_INTEGER,
            "lines_removed": OPT_INTEGER,
            "in_maintenance": OPT_BOOLEAN,
        }
    ),
    "Incident": obj(
        {
            "id": ID,
            "title": STRING,
            "device": OPT_STRING,
            "site": OPT_STRING,
            "state": enum(INCIDENT_STATES),
            "cause": nullable(enum(INCIDENT_CAUSES)),
            "manual": BOOLEAN,
            "opened_at": TIME,
            "opened_by": STRING,
            "acknowledged_at": OPT_TIME,
            "acknowledged_by": OPT_STRING,
            "resolved_at": OPT_TIME,
            "resolved_by": OPT_STRING,
            "children": array(STRING),
        }
    ),
    "OutboxMessage": obj(
        {
            "id": ID,
            "kind": STRING,
            "status": enum(("pending", "sending", "failed")),
            "subject": STRING,
            "recipients": STRING,
            "attempts": INTEGER,
            "created_at": TIME,
            "next_attempt_at": OPT_TIME,
            "last_error": OPT_STRING,
        }
    ),
    "Risk": obj(
        {
            "id": ID,
            "title": STRING,
            "category": STRING,
            "device": OPT_STRING,
            "site": OPT_STRING,
            "likelihood": INTEGER,
            "impact": INTEGER,
            "score": INTEGER,
            "level": STRING,
            "status": enum(RISK_STATUSES),
            "rule": OPT_STRING,
            "evidence": {"type": ["object", "null"]},
            "mitigation": STRING,
            "owner": STRING,
            "review_date": nullable({"type": "string", "format": "date"}),
            "proposed_close": BOOLEAN,
            "updated_at": OPT_TIME,
            "updated_by": STRING,
        }
    ),
    "Availability": obj(
        {
            "period": STRING,
            "label": STRING,
            "start": TIME,
            "end": TIME,
            "measured_until": TIME,
            "district": obj(FIGURES, FIGURE_KEYS),
            "sites": array(
                obj(
                    {"code": STRING, "name": STRING, "devices": INTEGER, **FIGURES},
                    ("code", "name", "devices", *FIGURE_KEYS),
                )
            ),
            "kinds": array(
                obj(
                    {"kind": STRING, "devices": INTEGER, **FIGURES},
                    ("kind", "devices", *FIGURE_KEYS),
                )
            ),
            "devices": array(
                obj(
                    {"id": ID, "name": STRING, "site": STRING, "kind": STRING, **FIGURES},
                    ("id", "name", "site", "kind", *FIGURE_KEYS),
                )
            ),
        }
    ),
    "DeviceRecord": _device_record(),
    "NewDevice": _device_input(create=True),
    "DeviceChange": _device_input(create=False),
    "MaintenanceWindow": obj(
        {
            "id": ID,
            "site": OPT_STRING,
            "device_id": nullable(ID),
            "device": nullable({"type": "string", "description": "SITE/name"}),
            "starts_at": TIME,
            "ends_at": TIME,
            "reason": STRING,
            "weekly": BOOLEAN,
            "weekdays": array({"type": "integer", "minimum": 0, "maximum": 6}),
            "local_start": OPT_STRING,
            "local_end": OPT_STRING,
            "in_force": BOOLEAN,
            "created_by": STRING,
            "created_at": TIME,
        }
    ),
    "NewMaintenanceWindow": obj(
        {
            "site": {"type": "string", "description": "a site code (or give device_id)"},
            "device_id": {"type": "integer", "description": "a device id (or give site)"},
            "starts_at": {
                "type": "string",
                "format": "date-time",
                "description": "ISO 8601; without an offset, Bangkok time",
            },
            "ends_at": {"type": "string", "format": "date-time"},
            "reason": STRING,
            "weekdays": {
                **array({"type": "integer", "minimum": 0, "maximum": 6}),
                "description": "a weekly window: Bangkok weekdays, Monday = 0",
            },
            "local_start": {
                "type": "string",
                "pattern": "^[0-9]{1,2}:[0-9]{2}$",
                "description": "HH:MM Bangkok, weekly windows",
            },
            "local_end": {"type": "string", "pattern": "^[0-9]{1,2}:[0-9]{2}$"},
        },
        ("starts_at", "ends_at"),
    ),
    "Acknowledge": obj({"note": {"type": "string", "description": "added to the timeline"}}, ()),
}


# --- operations ------------------------------------------------------------------------------


def _json(schema: Schema) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def answer(description: str, schema: Schema | None = None) -> dict:
    body = {"description": description}
    if schema is not None:
        body.update(_json(schema))
    return body


ERROR = ref("Error")
COMMON = {
    "400": answer("a value that cannot be used, e.g. a NUL character anywhere", ERROR),
    "401": answer("no valid session or bearer token", ERROR),
    "403": answer("not allowed for your role", ERROR),
}
NOT_FOUND = {"404": answer("no such object", ERROR)}
BAD_BODY = {
    "400": answer(
        "the body is not a JSON object, or (session callers) no valid X-CSRFToken header", ERROR
    ),
    "422": answer("values refused; `fields` names each one", ref("Refusal")),
}


def param(
    name: str, where: str, schema: Schema, description: str = "", required: bool | None = None
) -> dict:
    return {
        "name": name,
        "in": where,
        "schema": schema,
        "description": description,
        "required": where == "path" if required is None else required,
    }


DEVICE_ID = param("device_id", "path", ID)


def operation(
    summary: str, responses: dict, *, role: str, parameters=(), body=None, public: bool = False
) -> dict:
    op: dict[str, Any] = {
        "summary": summary,
        "description": f"Role: {role}.",
        "parameters": list(parameters),
        "responses": {} if public else dict(COMMON),
    }
    if any(p["in"] == "path" for p in parameters):
        # A path that is not a number (or no such object) matches no route at all.
        op["responses"].update(NOT_FOUND)
    op["responses"].update(responses)
    if body is not None:
        op["requestBody"] = {"required": True, **_json(body)}
    if public:
        op["security"] = []
    return op


def _paths() -> dict:
    ok = answer
    return {
        "/api/v1/sites": {
            "get": operation(
                "Every enabled site, worst first",
                {"200": ok("sites", array(ref("Site")))},
                role="viewer",
            )
        },
        "/api/v1/devices": {
            "get": operation(
                "Enabled devices by id, one page at a time",
                {
                    "200": {
                        **ok("one page of devices; `next` is null on the last", ref("DevicePage")),
                        "headers": {
                            "Link": {
                                "schema": STRING,
                                "description": '<next page URL>; rel="next" (absent on the last)',
                            }
                        },
                    },
                    "400": ok("a limit out of range, or a cursor this API did not give", ERROR),
                },
                role="viewer",
                parameters=[
                    param("site", "query", STRING, "a site code"),
                    param(
                        "limit",
                        "query",
                        {"type": "integer", "minimum": 1, "maximum": paging.MAX_LIMIT},
                        f"devices per page, {paging.DEFAULT_LIMIT} when absent",
                    ),
                    param("cursor", "query", STRING, "from the previous page's `next`"),
                ],
            ),
            "post": operation(
                "Create a device",
                {
                    "201": {
                        **ok(
                            "the device as stored (credentials only as has_*)", ref("DeviceRecord")
                        ),
                        "headers": {
                            "Location": {"schema": STRING, "description": "/api/v1/devices/<id>"}
                        },
                    },
                    **BAD_BODY,
                },
                role="operator",
                body=ref("NewDevice"),
            ),
        },
        "/api/v1/devices/{device_id}": {
            "get": operation(
                "One device: state, SNMP and SSH sides, children",
                {"200": ok("the device", ref("Device")), **NOT_FOUND},
                role="viewer",
                parameters=[DEVICE_ID],
            ),
            "patch": operation(
                'Change a device: only the keys given change; {"enabled": false} disables it',
                {"200": ok("the device as stored", ref("DeviceRecord")), **NOT_FOUND, **BAD_BODY},
                role="operator",
                parameters=[DEVICE_ID],
                body=ref("DeviceChange"),
            ),
        },
        "/api/v1/devices/{device_id}/confirm-credentials": {
            "post": operation(
                "Confirm that the device's stored credentials may go where it now points "
                "(held after a non-admin changed its address or profiles)",
                {"200": ok("the device as stored", ref("DeviceRecord")), **NOT_FOUND},
                role="admin",
                parameters=[DEVICE_ID],
            )
        },
        "/api/v1/devices/{device_id}/latency": {
            "get": operation(
                "Round-trip time and loss over a range",
                {"200": ok("series", ref("Latency")), "400": ok("unknown range", ERROR)},
                role="viewer",
                parameters=[
                    DEVICE_ID,
                    param("range", "query", enum(LATENCY_RANGES), "default 24h"),
                ],
            )
        },
        "/api/v1/devices/{device_id}/configs": {
            "get": operation(
                "Configuration versions, newest first",
                {"200": ok("versions", array(ref("ConfigVersion"))), **NOT_FOUND},
                role="viewer",
                parameters=[DEVICE_ID],
            )
        },
        "/api/v1/devices/{device_id}/configs/{version_id}": {
            "get": operation(
                "One configuration version's text",
                {
                    "200": {
                        "description": "the configuration text",
                        "content": {"text/plain": {"schema": STRING}},
                    },
                    **NOT_FOUND,
                },
                role="operator",
                parameters=[DEVICE_ID, param("version_id", "path", ID)],
            )
        },
        "/api/v1/incidents": {
            "get": operation(
                "The incident log, newest first",
                {"200": ok("incidents", array(ref("Incident")))},
                role="viewer",
                parameters=[
                    param("site", "query", STRING, "a site code"),
                    param(
                        "state",
                        "query",
                        enum(("open", "acknowledged", "resolved")),
                        "open = open or acknowledged",
                    ),
                    param("cause", "query", enum(INCIDENT_CAUSES)),
                ],
            )
        },
        "/api/v1/incidents/{incident_id}/acknowledge": {
            "post": operation(
                "Acknowledge an open incident (the timeline shows who and when)",
                {
                    "200": ok("the incident", ref("Incident")),
                    **NOT_FOUND,
                    **BAD_BODY,
                    "409": ok("the incident is not open", ERROR),
                },
                role="operator",
                parameters=[param("incident_id", "path", ID)],
                body=ref("Acknowledge"),
            )
        },
        "/api/v1/outbox": {
            "get": operation(
                "Mails not yet sent: pending, sending, failed",
                {"200": ok("messages", array(ref("OutboxMessage")))},
                role="admin",
            )
        },
        "/api/v1/risks": {
            "get": operation(
                "The risk register",
                {"200": ok("risks", array(ref("Risk")))},
                role="viewer",
                parameters=[
                    param("status", "query", enum(RISK_STATUSES)),
                    param("level", "query", STRING, "low, medium, high, very_high"),
                ],
            )
        },
        "/api/v1/availability": {
            "get": operation(
                "Availability of the district, sites, kinds and devices over a period",
                {
                    "200": ok("figures", ref("Availability")),
                    "400": ok("the period cannot be read", ERROR),
                },
                role="viewer",
                parameters=[
                    param(
                        "period",
                        "query",
                        STRING,
                        "2569-10 or 2026-10 (a month), fiscal-2569; default the previous month",
                    ),
                    param("from", "query", STRING, "first day, 2026-10-01 or 01/10/2569 (with to)"),
                    param("to", "query", STRING, "last day, included (with from)"),
                ],
            )
        },
        "/api/v1/maintenance": {
            "get": operation(
                "Maintenance windows not yet over, soonest first",
                {"200": ok("windows", array(ref("MaintenanceWindow")))},
                role="viewer",
            ),
            "post": operation(
                "Create a one-off or weekly maintenance window for a site or a device",
                {"201": ok("the window", ref("MaintenanceWindow")), **BAD_BODY},
                role="operator",
                body=ref("NewMaintenanceWindow"),
            ),
        },
        "/api/v1/maintenance/{window_id}": {
            "delete": operation(
                "Delete a maintenance window",
                {"204": ok("deleted"), **NOT_FOUND},
                role="operator",
                parameters=[param("window_id", "path", ID)],
            )
        },
        **_collector_paths(),
        "/api/v1/openapi.json": {
            "get": operation(
                "This document",
                {"200": ok("OpenAPI 3.1", {"type": "object"})},
                role="anyone",
                public=True,
            )
        },
    }


# --- edge collectors (web.api.collector; messages: monitor.edge.protocol) ------------------------

_COLLECTOR_AUTH: list[dict[str, list[str]]] = [{"collector": []}]
_COLLECTOR_CONFIG = obj(
    {
        "collector": STRING,
        "sites": array(STRING),
        "ping": {"type": "object"},
        "snmp": {"type": "object"},
        "push_interval": NUMBER,
        "buffer_hours": NUMBER,
        "devices": array(
            {
                "type": "object",
                "description": "id, name, site, address, kind, "
                "parent (measured by this collector too) and snmp credentials",
            }
        ),
    }
)


def _collector_paths() -> dict:
    ok = answer
    enrol = operation(
        "Exchange a single-use enrolment code for a collector's token (shown once)",
        {
            "201": ok(
                "enrolled",
                obj({"collector_id": ID, "name": STRING, "token": STRING, "sites": array(STRING)}),
            ),
            "400": ok("the body cannot be read; the message names the field", ERROR),
            "403": ok("unknown, used or expired code, or a revoked collector", ERROR),
        },
        role="anyone",
        public=True,
        body=obj({"code": STRING, "hostname": STRING, "version": STRING}, ("code",)),
    )
    config = operation(
        "The collector's sites, devices, credentials and timing",
        {
            "200": {
                **ok("the configuration", _COLLECTOR_CONFIG),
                "headers": {"ETag": {"schema": STRING, "description": "its version"}},
            },
            "304": ok("unchanged since the ETag sent in If-None-Match"),
        },
        role=access.COLLECTOR,
        parameters=[param("If-None-Match", "header", STRING, "the ETag last received")],
    )
    results = operation(
        "Upload a batch of buffered results (applied once per batch id)",
        {
            "200": ok(
                "applied, or a batch already applied",
                obj({"applied": INTEGER, "duplicate": BOOLEAN, "clock_offset_seconds": NUMBER}),
            ),
            "400": ok("not a batch; the message names the field", ERROR),
            "403": ok("a device outside the collector's sites: nothing applied", ERROR),
            "409": ok("the collector's clock is too far off: nothing applied", ERROR),
            "413": ok("larger than [collector] max_batch_bytes", ERROR),
        },
        role=access.COLLECTOR,
        body={"type": "object", "description": "monitor.edge.protocol.Batch"},
    )
    for op in (config, results):
        op["security"] = _COLLECTOR_AUTH
    return {
        "/api/v1/collector/enrol": {"post": enrol},
        "/api/v1/collector/config": {"get": config},
        "/api/v1/collector/results": {"post": results},
    }


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ictmon API",
            "version": "1",
            "description": (
                "Network and ICT-asset monitoring of a school district office. Times are ISO "
                "8601 in Bangkok time with their offset. Authenticate with `Authorization: "
                "Bearer <token>` (`ictmon token create USER`), or with the browser's session "
                "cookie — then writes also need the page's CSRF token in `X-CSRFToken`. "
                "No answer ever contains a device credential."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "ictmon token create USER",
                },
                "collector": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an edge collector's token (ictmon collector enrol)",
                },
            },
            "schemas": SCHEMAS,
        },
        "paths": _paths(),
    }


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(document())


def init_app(app) -> None:
    app.register_blueprint(bp)
    access.add_rules({"openapi.openapi_document": access.PUBLIC})
