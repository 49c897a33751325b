"""The report as an Excel workbook: the same tables as the PDF, one sheet per table, real numbers.

Percentages are numbers shown with two decimals; durations are Excel durations ([h]:mm:ss), so
sums and sorts work in Excel; times are Bangkok local times (Excel has no time zones), real dates
shown in the Thai way in the Thai workbook: `[$-107041E]` asks Excel for the Thai locale (041E)
with the Thai Buddhist calendar (07), so 2026-10-05 08:15 reads "5 ต.ค. 2569 08:15:00" and still
sorts and filters as a date. Columns are as wide as what they show, so no cell prints ####.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from monitor.availability.intervals import Figures
from monitor.localtime import format_datetime, to_local
from monitor.reports.data import MonthlyReport, Row
from monitor.reports.spreadsheet import illegal_free
from monitor.reports.words import cause_label, incident_what, kind_label, met_label, word

PCT, DURATION = "0.00", "[h]:mm:ss"
DATETIME = {"th": "[$-107041E]d mmm yyyy hh:mm:ss", "en": "d mmm yyyy hh:mm:ss"}
# Excel column widths (characters of the default font) wide enough for each format at 14 pt.
FORMAT_WIDTHS = {PCT: 10, DURATION: 13}  # a date and time: 24
HEADER_FILL = PatternFill("solid", fgColor="E3E8EF")
THAI_FONT = "TH Sarabun New"  # Excel falls back to its Thai font where this one is missing


def render_xlsx(report: MonthlyReport, lang: str = "th") -> bytes:
    book = Workbook()
    book.remove(book.worksheets[0])  # the default sheet; the report adds its own
    _summary(book, report, lang)
    figure_heads = [
        word(k, lang)
        for k in (
            "col_pct",
            "col_target",
            "col_met",
            "col_up",
            "col_down",
            "col_outages",
            "col_mttr",
            "col_mtbf",
            "col_longest",
            "col_unreachable",
            "col_maintenance",
            "col_unknown",
        )
    ]
    _sheet(
        book,
        word("sheet_sites", lang),
        [
            word("col_no", lang),
            word("col_code", lang),
            word("report_col_site", lang),
            word("col_devices", lang),
            *figure_heads,
        ],
        [[n, r.key, r.name, r.members, *_figures(r, lang)] for n, r in enumerate(report.sites, 1)],
    )
    _sheet(
        book,
        word("sheet_kinds", lang),
        [word("col_kind", lang), word("col_devices", lang), *figure_heads],
        [[kind_label(r.key, lang), r.members, *_figures(r, lang)] for r in report.kinds],
    )
    _sheet(
        book,
        word("sheet_devices", lang),
        [
            word("col_device", lang),
            word("col_address", lang),
            word("col_site_code", lang),
            word("report_col_site", lang),
            word("col_kind", lang),
            *figure_heads,
        ],
        [
            [r.name, r.address, r.site_code, r.site, kind_label(r.kind, lang), *_figures(r, lang)]
            for r in report.devices
        ],
        lang,
    )
    _sheet(
        book,
        word("sheet_trend", lang),
        [
            word("col_month", lang),
            word("col_pct", lang),
            word("col_sites_met", lang),
            word("col_down", lang),
            word("col_outages", lang),
            word("col_mttr", lang),
            word("col_unknown", lang),
        ],
        [
            [
                p.period.label(lang),
                _pct(p.figures.availability_pct),
                p.sites_met,
                p.figures.down,
                p.figures.outages,
                p.figures.mttr,
                p.figures.unknown,
            ]
            for p in report.trend
        ],
    )
    _sheet(
        book,
        word("sheet_outages", lang),
        [
            word("col_code", lang),
            word("report_col_site", lang),
            word("col_what", lang),
            word("col_manual", lang),
            word("col_start", lang),
            word("col_end", lang),
            word("report_col_duration", lang),
            word("col_duration_min", lang),
            word("col_incident_cause", lang),
            word("col_notes", lang),
        ],
        [
            [
                o.site_code,
                o.site_name,
                incident_what(o, lang),
                word("yes", lang) if o.manual else word("no", lang),
                _local(o.start),
                word("continues", lang) if o.continues else _local(o.end),
                o.duration,
                _minutes(o.duration),
                cause_label(o.cause, lang),
                o.notes,
            ]
            for o in report.outages
        ],
        lang,
    )
    if report.network_changes:
        _sheet(
            book,
            word("sheet_network_changes", lang),
            [
                word("col_when", lang),
                word("col_code", lang),
                word("report_col_site", lang),
                word("col_device", lang),
                word("col_change", lang),
                word("col_old_uplink", lang),
                word("col_new_uplink", lang),
            ],
            [
                [
                    _local(c.at),
                    c.site_code,
                    c.site_name,
                    c.device,
                    word(f"change_{c.change}", lang),
                    c.old_parent or "",
                    c.new_parent or "",
                ]
                for c in report.network_changes
            ],
            lang,
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _minutes(duration: timedelta) -> float:
    """Minutes as a number Excel can sum; seconds kept as the fraction."""
    return round(duration.total_seconds() / 60, 2)


def _local(moment):
    return to_local(moment).replace(tzinfo=None)


def _figures(row: Row, lang: str) -> list:
    f: Figures = row.figures
    return [
        _pct(row.pct),
        row.target,
        met_label(row.met, lang),
        f.up,
        f.down,
        f.outages,
        f.mttr,
        f.mtbf,
        f.longest_outage,
        f.unreachable,
        f.maintenance,
        f.unknown,
    ]


def _summary(book: Workbook, report: MonthlyReport, lang: str) -> None:
    d = report.district
    rows = [
        (word("office", lang), report.office_name),
        (word("period", lang), report.period.label(lang)),
        (word("generated", lang), format_datetime(report.generated_at, lang)),
        (word("district_availability", lang), _pct(d.availability_pct)),
        (word("target", lang), report.target),
        (word("sites_meeting", lang), report.sites_met),
        (word("report_col_site", lang), report.sites_measured),
        (word("total_downtime", lang), d.down),
        (word("site_outages", lang), d.outages),
        *(
            [(word("incidents_total", lang), report.outage_total)]
            if report.outage_source == "incidents"
            else []
        ),
        (word("mttr", lang), d.mttr),
        (word("mtbf", lang), d.mtbf),
        (word("longest", lang), d.longest_outage),
        (word("maintenance_time", lang), d.maintenance),
        (word("unknown_time", lang), d.unknown),
    ]
    _sheet(
        book,
        word("sheet_summary", lang),
        [word("item", lang), word("value", lang)],
        [list(r) for r in rows],
    )


def _format_of(value, lang: str) -> str:
    """Each value's own format (a column of the summary mixes percents, durations and counts)."""
    if isinstance(value, timedelta):
        return DURATION
    if isinstance(value, float):
        return PCT
    if hasattr(value, "hour"):
        return DATETIME.get(lang, DATETIME["en"])
    return ""


def _text_width(text: str) -> int:
    """Characters that take room: Thai vowels and tone marks above or below a consonant do not."""
    return sum(not unicodedata.combining(ch) and unicodedata.category(ch) != "Mn" for ch in text)


def _sheet(
    book: Workbook, title: str, headings: list[str], rows: list[list], lang: str = "th"
) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append(headings)
    header_font, body_font = Font(bold=True, name=THAI_FONT, size=14), Font(name=THAI_FONT, size=14)
    for cell in sheet[1]:
        cell.font = header_font
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    widths = [_text_width(h) for h in headings]
    for values in rows:
        for n, value in enumerate(values):
            if isinstance(value, str):
                widths[n] = max(widths[n], min(_text_width(value), 60))
            elif value is not None:
                fmt = _format_of(value, lang)
                shown = FORMAT_WIDTHS.get(fmt, 24) if fmt else len(str(value)) + 1
                widths[n] = max(widths[n], shown)
    for row_number, values in enumerate(rows, start=2):
        # A control character stored before input refused them must not stop the report.
        values = [illegal_free(v) if isinstance(v, str) else v for v in values]
        sheet.append(values)
        for n, value in enumerate(values):
            cell = sheet.cell(row=row_number, column=n + 1)
            cell.font = body_font
            if isinstance(value, str):
                # Text stays text: openpyxl would make a site named "=..." a live formula.
                cell.data_type = "s"
            elif value is not None and _format_of(value, lang):
                cell.number_format = _format_of(value, lang)
    for n, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = max(10, min(width + 2, 62))
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = sheet.dimensions
