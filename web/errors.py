"""Errors as people and scripts understand them: a page in their language for the browser, a JSON
body for the API, and never a traceback (the traceback goes to the log, with the request)."""

from __future__ import annotations

from flask import current_app, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

from web.routing import for_machines

# The codes that get words of their own; any other HTTP error shows as 400 or 500.
PAGES = (400, 403, 404, 405, 413, 429, 500)


class BadValue(BadRequest):
    """A value in the request that cannot be used; its description (already in the request's
    language) says which and why, on the page or as the API's `error`."""


def answer(code: int, message: str, detail: str | None = None):
    if for_machines(request.path):
        return jsonify(error=detail or message), code
    page = code if code in PAGES else (500 if code >= 500 else 400)
    try:
        return render_template("errors/error.html", code=page, detail=detail), code
    except Exception:  # the page itself failed (e.g. the database is gone): plain words
        current_app.logger.exception("error page could not be rendered")
        return "ictmon: error", code, {"Content-Type": "text/plain; charset=utf-8"}


def _http_error(error: HTTPException):
    detail = error.description if isinstance(error, BadValue) else None
    return answer(error.code or 500, (error.name or "error").lower(), detail)


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    current_app.logger.error(
        "unhandled error on %s %s", request.method, request.path, exc_info=error
    )
    # `name` is a property of HTTPException instances, not of the class.
    return answer(500, InternalServerError().name.lower())


def init_app(app) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
