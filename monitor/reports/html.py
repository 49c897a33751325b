"""The report as HTML: one body fragment, used by the web Reports page and, wrapped with its own
styles, as a standalone file (`ictmon report --format html`).

Charts are inline SVG whose geometry is computed here (no script, nothing from the internet), so
the page works under a strict Content-Security-Policy and the file opens offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from monitor.localtime import format_date, format_datetime, to_local
from monitor.reports.data import MonthlyReport
from monitor.reports.words import (
    cause_label,
    hms,
    incident_what,
    kind_label,
    met_label,
    pct,
    period_subject,
    word,
)

SITES_IN_CHART = 20

_env = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Bar:
    name: str
    value: float
    width: float  # percent of the plot's width
    met: bool


@dataclass(frozen=True)
class TrendMark:
    label: str
    value: float | None
    x: float  # 0-100 across the plot
    y: float | None  # 0-100 down the plot


def _floor(values: list[float], target: float) -> float:
    low = min([*values, target])
    if low >= 99:
        return 98.0
    if low >= 95:
        return float(int(low) - 1)
    return float(max(0, int(low // 10) * 10 - 10))


def _shorten(name: str, limit: int = 30) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def chart_data(report: MonthlyReport, lang: str) -> dict:
    rows = [(r, r.pct) for r in report.sites if r.pct is not None][:SITES_IN_CHART]
    site_floor = _floor([value for _, value in rows], report.target) if rows else 90.0

    def across(value: float, floor: float) -> float:
        return round((max(value, floor) - floor) / (100 - floor) * 100, 3)

    bars = [Bar(_shorten(r.name), v, across(v, site_floor), bool(r.met)) for r, v in rows]
    values = [
        p.figures.availability_pct for p in report.trend if p.figures.availability_pct is not None
    ]
    trend_floor = _floor(values, report.target) if values else 90.0
    count = max(len(report.trend), 1)
    marks = []
    for n, point in enumerate(report.trend):
        value = point.figures.availability_pct
        marks.append(
            TrendMark(
                point.period.short_label(lang),
                value,
                round((n + 0.5) / count * 100, 3),
                None if value is None else 100 - across(value, trend_floor),
            )
        )
    return {
        "bars": bars,
        "bar_floor": site_floor,
        "bar_target": across(report.target, site_floor),
        "marks": marks,
        "trend_floor": trend_floor,
        "trend_target": 100 - across(report.target, trend_floor),
        "trend_line": " ".join(f"{m.x},{m.y}" for m in marks if m.y is not None),
    }


def render_fragment(
    report: MonthlyReport, lang: str = "th", *, links: dict | None = None
) -> Markup:
    template = _env.get_template("report_body.html")
    return Markup(
        template.render(
            r=report,
            lang=lang,
            w=lambda key, **v: word(key, lang, **v),
            pct=pct,
            hms=hms,
            kind=lambda k: kind_label(k, lang),
            met=lambda m: met_label(m, lang),
            cause=lambda c: cause_label(c, lang),
            what=lambda o: incident_what(o, lang),
            when=lambda t: format_datetime(t, lang),
            day=lambda d: format_date(d, lang),
            subject=period_subject(report, lang),
            today=format_date(to_local(report.generated_at).date(), lang),
            charts=chart_data(report, lang),
            links=links or {},
        )
    )


def render_html(report: MonthlyReport, lang: str = "th") -> bytes:
    template = _env.get_template("report_page.html")
    return template.render(
        body=render_fragment(report, lang),
        lang=lang,
        title=f"{word('report_title', lang)} {report.period.label(lang)}",
    ).encode("utf-8")
