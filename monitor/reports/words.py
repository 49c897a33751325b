"""The report's words and number formats, Thai and English, shared by the PDF, XLSX and HTML.

Dates and durations come from monitor.localtime (Bangkok time, Buddhist era) and the words from the
catalogue (monitor.i18n); this module adds the labels built from them and the two formats every
table uses: a percent with two decimals and a duration to the second (H:MM:SS, hours may exceed 24).
"""

from __future__ import annotations

from datetime import timedelta

from monitor import i18n


def word(key: str, lang: str = "th", **values) -> str:
    return i18n.translate(key, lang, **values)


def kind_label(kind: str, lang: str = "th") -> str:
    return i18n.lookup(f"kind_{kind}", lang) or kind


def cause_label(cause: str, lang: str = "th") -> str:
    """An incident's cause category in words; "" for outages that do not come from the log."""
    return word(f"cause_{cause}", lang) if cause else ""


def incident_what(row, lang: str = "th") -> str:
    """The device, or for an incident logged by hand its title (and device), marked as such.
    An automatic incident without a device ("collector S012-pi offline") reads as its title."""
    if not row.manual:
        return row.device or row.title
    what = f"{row.title} ({row.device})" if row.device else row.title
    return f"{what} {word('manual_mark', lang)}"


def pct(value: float | None) -> str:
    """Two decimals, never rounded up to a 100.00 that was not reached."""
    if value is None:
        return "—"
    if value < 100.0 and round(value, 2) >= 100.0:
        return "99.99"
    return f"{value:.2f}"


def hms(value: timedelta | None) -> str:
    """A duration to the second: '3:05:07', '245:00:00'."""
    if value is None:
        return "—"
    seconds = round(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def met_label(met: bool | None, lang: str = "th") -> str:
    return word({True: "met_yes", False: "met_no", None: "met_none"}[met], lang)


def period_subject(report, lang: str = "th") -> str:
    label = report.period.label(lang)
    if report.period.kind == "month":
        label = word("subject_month", lang, period=label)
    return word("subject_text", lang, period=label)
