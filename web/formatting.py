"""Jinja filters and globals: every time, duration and label on a page is formatted here, through
monitor.localtime (Bangkok time, Buddhist era) and the i18n catalogue."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, g, request, url_for

from monitor import localtime
from monitor.status.queries import STATES
from web import audit_display
from web.i18n import LANGUAGES, current_language, translate


def when(moment: datetime | None) -> str:
    """'24 พ.ย. 2569 14:05' (Thai) / '24 Nov 2026 14:05' (English), Bangkok time."""
    return localtime.format_datetime(moment, current_language())


def age(since: datetime | None) -> str:
    """How long ago `since` was, as people say it: '2 ชั่วโมง 5 นาที'."""
    if since is None:
        return "—"
    return localtime.format_duration(g.now - since, current_language())


def duration(delta: timedelta | None) -> str:
    return localtime.format_duration(delta, current_language())


def lasted(since: datetime | None, state: str) -> str:
    """'ขัดข้องมาแล้ว 2 ชั่วโมง 5 นาที'; just the state's name when nobody knows since when."""
    if since is None:
        return translate(f"state_{state}")
    return translate(f"lasted_{state}", d=age(since))


def state_label(state: str | None) -> str:
    return translate(f"state_{state or 'unknown'}")


def kind_label(kind: str | None) -> str:
    return translate(f"kind_{kind or 'other'}")


def milliseconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def percent(value: float | None) -> str:
    # A device's number may be NaN, infinite or not a number at all: "—", never a 500.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "—"
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def iso(moment: datetime | None) -> str:
    return localtime.iso_local(moment) or ""


def day_input(day: date | None) -> str:
    """A day as a date field shows it for typing over: '31/12/2569' on Thai pages (พ.ศ.),
    '31/12/2026' on English ones; every form reads both back (web.params, monitor.availability)."""
    if day is None:
        return ""
    year = localtime.display_year(day.year, current_language())
    return f"{day.day:02d}/{day.month:02d}/{year}"


def url_with_lang(lang: str) -> str:
    """The current page in another language."""
    args: dict[str, Any] = request.args.to_dict()
    args["lang"] = lang
    if request.endpoint is None or request.endpoint == "static":
        return url_for("status.index", lang=lang)
    # The query is added by hand: url_for takes each name once, and a query argument may share
    # its name with the route's own (?code=… on /sites/<code>).
    return f"{url_for(request.endpoint, **(request.view_args or {}))}?{urlencode(args)}"


def register(app: Flask) -> None:
    app.add_template_filter(when, "when")
    app.add_template_filter(day_input, "day_input")
    audit_display.register(app)
    app.add_template_filter(age, "age")
    app.add_template_filter(duration, "duration")
    app.add_template_filter(lasted, "lasted")
    app.add_template_filter(state_label, "state_label")
    app.add_template_filter(kind_label, "kind_label")
    app.add_template_filter(milliseconds, "ms")
    app.add_template_filter(percent, "pct")
    app.add_template_filter(iso, "iso")

    @app.context_processor
    def _globals():
        return {
            "t": translate,
            "lang": current_language(),
            "languages": LANGUAGES,
            "url_with_lang": url_with_lang,
            "states": STATES,
            "refresh_seconds": current_app.config["ICTMON_REFRESH_SECONDS"],
        }
