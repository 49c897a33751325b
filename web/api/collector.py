"""What edge collectors call on the central (monitor.edge.protocol describes the messages):

    POST /api/v1/collector/enrol    {"code", "hostname", "version"} → 201 Enrolment (the token,
                                    once); an unknown, used or expired code → 403
    GET  /api/v1/collector/config   Bearer <collector token>; If-None-Match → 304 when unchanged,
                                    else 200 ConfigDocument + ETag; notes the contact
    POST /api/v1/collector/results  Bearer <collector token>; a Batch, gzip-compressed or not
                                    (Content-Encoding) → 200 {"applied", "duplicate",
                                    "clock_offset_seconds"}; 413 past [collector]
                                    max_batch_bytes (before the body is read, and again after
                                    it was inflated, which stops there), 400 with the field at
                                    fault, 403 a device outside the collector's sites, 409 its
                                    clock too far off (monitor.edge.ingest), 415 an encoding
                                    other than gzip

Collectors are not people: these routes take only a collector's token (web.access.COLLECTOR
refuses every session and every user's API token), and a collector's token opens nothing else
(a user's token is what every other /api/ route wants). Collectors send no cookie; a post that
rides on a browser's session cookie needs the page's CSRF token, as every write does.
"""

from __future__ import annotations

import hmac
import json
import logging
import zlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from monitor.db import audit
from monitor.db.models import Collector
from monitor.edge import enrolment, ingest, protocol
from monitor.edge.config import config_document
from monitor.incidents.ack_tokens import key_from_secret
from monitor.settings import Settings
from web import access
from web.database import db, vault

log = logging.getLogger(__name__)

bp = Blueprint("collector_api", __name__, url_prefix="/api/v1/collector")


def _error(status: int, message: str):
    response = jsonify(error=message)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ictmon collector"'
    return response


def _settings() -> Settings:
    return current_app.config["ICTMON_SETTINGS"]


def _json_body(data: bytes | None = None) -> Any:
    if not request.is_json:
        raise protocol.ProtocolError("body: send JSON with Content-Type: application/json")
    try:
        return json.loads(request.get_data() if data is None else data)
    except (ValueError, RecursionError):
        # The same words as every other API route's for a body that is no JSON object.
        raise protocol.ProtocolError("the body must be a JSON object") from None


def collector_only(view: Callable[[Collector], Any]) -> Callable[[], Any]:
    """The view runs with the collector the bearer token names; anything else is 401/403."""

    @wraps(view)
    def wrapper():
        found = enrolment.authenticate(db(), request.headers.get("Authorization"))
        if found.collector is None:
            return _error(found.status, found.refusal)
        return view(found.collector)

    return wrapper


@bp.post("/enrol")
def enrol():
    try:
        asked = protocol.parse_enrol_request(_json_body())
    except protocol.ProtocolError as refused:
        return _error(400, str(refused))
    session = db()
    try:
        answer = enrolment.enrol(session, asked, now=g.now, address=request.remote_addr)
    except enrolment.CollectorError as refused:
        session.commit()  # the refusal's audit row, and nothing else
        return _error(refused.status, str(refused))
    session.commit()
    return jsonify(
        collector_id=answer.collector_id,
        name=answer.name,
        token=answer.token,
        sites=list(answer.sites),
    ), 201


@bp.get("/config")
@collector_only
def config(collector: Collector):
    session = db()
    document = config_document(session, collector, _settings(), vault())
    etag = document.keyed_etag(etag_key(current_app.config["SECRET_KEY"]))
    collector.last_contact_at = g.now
    collector.config_etag = etag
    session.commit()
    if etag in _tags(request.headers.get("If-None-Match", "")):
        response = current_app.response_class(status=304)
    else:
        response = jsonify(document.to_json())
    response.headers["ETag"] = f'"{etag}"'
    return response


def etag_key(secret: str) -> bytes:
    """The configuration tags' own key, derived from the web secret key."""
    return hmac.new(secret.encode(), b"ictmon collector configuration etag", "sha256").digest()


def _tags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/").strip('"') for t in header.split(",") if t.strip()}


def _too_large(limit: int):
    return _error(413, f"batch larger than {limit} bytes: send smaller batches")


def screen():
    """before_request, registered ahead of the app's own hooks (one of which reads JSON bodies).

    An upload whose length says it is larger than [collector] max_batch_bytes is refused before
    a byte of it is read, and a body without a length (chunked) is read no further. A post that
    rides on a browser's session cookie without an Authorization header (what a forging page can
    send) needs the page's CSRF token like every other write: collectors send no cookie."""
    if request.blueprint != bp.name:
        return None
    if request.endpoint == "collector_api.results":
        limit = _settings().collector.max_batch_bytes
        # One byte more than allowed: a body without a length is read no further than that,
        # and a read of that byte tells it was too large.
        request.max_content_length = limit + 1
        if request.content_length is not None and request.content_length > limit:
            return _too_large(limit)
    if (
        request.method == "POST"
        and current_app.config["SESSION_COOKIE_NAME"] in request.cookies
        and "Authorization" not in request.headers
        and current_app.config.get("WTF_CSRF_ENABLED", True)
    ):
        current_app.extensions["csrf"].protect()  # CSRFError → 400 JSON (web.accounts.auth)
    return None


class _Inflated(ValueError):
    def __init__(self, message: str, *, too_large: bool = False):
        super().__init__(message)
        self.too_large = too_large


def _inflate(body: bytes, limit: int) -> bytes:
    """A gzip body inflated, never past `limit` bytes: a small body that would inflate to
    gigabytes (a zip bomb) stops there and is answered 413."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip's header and trailer only
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as bad:
        raise _Inflated(f"body: not valid gzip ({bad})") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise _Inflated("too large", too_large=True)
    if not inflater.eof:
        raise _Inflated("body: the gzip stream ends early")
    if inflater.unused_data:
        raise _Inflated("body: data after the end of the gzip stream")
    return data


@bp.post("/results")
@collector_only
def results(collector: Collector):
    settings = _settings()
    limit = settings.collector.max_batch_bytes
    try:
        raw = request.get_data()
    except RequestEntityTooLarge:
        return _too_large(limit)
    if len(raw) > limit:
        return _too_large(limit)
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding == "gzip":
        try:
            raw = _inflate(raw, limit)
        except _Inflated as failed:
            return _too_large(limit) if failed.too_large else _error(400, str(failed))
    elif encoding not in ("", "identity"):
        return _error(415, f"Content-Encoding {encoding!r}: send the batch as it is or gzip")
    try:
        batch = protocol.parse_batch(_json_body(raw))
    except protocol.ProtocolError as refused:
        return _error(400, str(refused))
    session = db()
    collector_id, name = collector.id, collector.name
    try:
        applied = ingest.apply_batch(
            session,
            collector,
            batch,
            received_at=g.now,
            settings=settings,
            base_url=settings.web.base_url,
            ack_key=key_from_secret(current_app.config["SECRET_KEY"]),
        )
        session.commit()
    except ingest.Refused as refused:
        session.rollback()  # nothing of the batch is written
        if refused.status == 403:
            audit.record(
                session,
                "results_refused",
                enrolment.AUDIT_TYPE,
                object_id=collector_id,
                label=name,
                changes={"batch_id": batch.batch_id, "reason": refused.message},
                actor=audit.Actor(f"collector:{name}"[:128], request.remote_addr),
            )
            session.commit()
        elif refused.clock_offset_seconds is not None:
            # Its page shows how far off the clock is, though nothing of the batch is applied.
            ingest.note_clock(session, collector, refused.clock_offset_seconds)
            session.commit()
        log.warning("collector %s: batch %s refused: %s", name, batch.batch_id, refused.message)
        return _error(refused.status, refused.message)
    return jsonify(
        applied=applied.applied,
        duplicate=applied.duplicate,
        clock_offset_seconds=applied.clock_offset_seconds,
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions["csrf"].exempt(bp)
    app.before_request(screen)
    access.add_rules(
        {
            "collector_api.enrol": access.PUBLIC,  # by its single-use code
            "collector_api.config": access.COLLECTOR,
            "collector_api.results": access.COLLECTOR,
        }
    )
