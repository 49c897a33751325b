"""One entry point for every caller (CLI, web, schedule): which period, build it, render it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from monitor.availability.history import latest_observed, observed_between
from monitor.availability.periods import (
    Period,
    PeriodError,
    fiscal_year_period,
    month_period,
    parse_period,
    parse_range,
    previous_month,
)
from monitor.localtime import BANGKOK
from monitor.reports.data import MonthlyReport, build_report
from monitor.reports.html import render_html
from monitor.reports.xlsx import render_xlsx
from monitor.settings import Settings

FORMATS = ("pdf", "xlsx", "html")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


def choose_period(
    *,
    month: str | None = None,
    fiscal_year: str | None = None,
    period: str | None = None,
    first: str | None = None,
    last: str | None = None,
) -> Period:
    """Exactly one way of naming the period: a month, a fiscal year, a period text, or from+to."""
    given = [x for x in (month, fiscal_year, period) if x] + (
        [first or last] if first or last else []
    )
    if len(given) != 1:
        raise PeriodError("name one period: --month 2569-10, --fiscal-year 2569, or --from/--to")
    if month:
        result = parse_period(month)
        if result.kind != "month":
            raise PeriodError(f"--month {month!r}: expected a month such as 2569-10")
        return result
    if fiscal_year:
        try:
            return fiscal_year_period(int(fiscal_year.strip()))
        except ValueError:
            raise PeriodError(
                f"fiscal year {fiscal_year!r}: expected a year such as 2569"
            ) from None
    if period:
        return parse_period(period)
    if not (first and last):
        raise PeriodError("--from and --to go together (dates such as 2026-10-01 or 01/10/2569)")
    return parse_range(first, last)


def opening_period(session: Session, now: datetime) -> Period:
    """The month the Reports page opens on: the last complete month when it has data, else the
    month of the latest data (this month, while monitoring began only after the 1st), else the
    last complete month (nothing monitored yet: the page says so)."""
    last = previous_month(now)
    if observed_between(session, last.start, last.end):
        return last
    latest = latest_observed(session, now)
    if latest is None:
        return last
    local = (latest - timedelta(microseconds=1)).astimezone(BANGKOK)
    return month_period(local.year, local.month)


def report_for(
    sessions: sessionmaker[Session], settings: Settings, period: Period, now: datetime
) -> MonthlyReport:
    with sessions() as session:
        return build_report(session, period, settings, now)


def render(report: MonthlyReport, fmt: str, lang: str = "th") -> bytes:
    if fmt == "pdf":
        # deferred: fpdf2 + HarfBuzz take a second to load, and most callers never make a PDF
        from monitor.reports.pdf import render_pdf

        return render_pdf(report, lang)
    if fmt == "xlsx":
        return render_xlsx(report, lang)
    if fmt == "html":
        return render_html(report, lang)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")


def file_name(period: Period, fmt: str) -> str:
    return f"ictmon-report-{period.key.replace('..', '_')}.{fmt}"
