"""The report as an A4 PDF ready to print and sign (fpdf2, HarfBuzz shaping, Sarabun).

Thai needs shaping (vowels and tone marks stacked on their consonant): fpdf2's text shaping through
uharfbuzz does it, with the Sarabun font shipped in web/static/fonts/sarabun (SIL OFL 1.1, licence
beside the files). Charts are drawn with fpdf2's own lines and rectangles: vector, crisp in print,
and no plotting library to install.

Layout: page 1 is the memo (บันทึกข้อความ, with the office's emblem when one is set) with the
summary and the signature lines; then the charts, and the tables worst first.

Line breaks: every paragraph and table cell is cut into lines here, at Thai word boundaries
(monitor.reports.linebreak), before fpdf2 sees it, so fpdf2 never has to break a line itself and a
school name, a word or a duration is never split. Tables start at the left margin (fpdf2 centres
them on the page by default, which puts them past a wider left margin). The target's label on a
chart stands in a legend under it, where no axis or value label can be.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from monitor.localtime import format_date, format_datetime, to_local
from monitor.reports.data import MonthlyReport, Row
from monitor.reports.linebreak import units, wrap_text
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

FONT_DIR = Path(__file__).resolve().parents[2] / "web" / "static" / "fonts" / "sarabun"
FONT = "Sarabun"
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP = 25.0, 18.0, 18.0
BODY_PT, TABLE_PT = 13, 9.5
EMBLEM_MM = 15  # the emblem's height, as on a Thai government memo
CELL_PAD = 1.0  # left and right padding of a table cell
NBSP = "\u00a0"
FIT_SLACK = 0.6  # mm kept free in every line so fpdf2's own rounding never re-breaks it
MAX_DEVICES_IN_PDF = 30  # the workbook has every device; the printed report the worst ones
SITES_IN_CHART = 20

GREEN, RED, GREY, INK, LIGHT = (
    (46, 125, 50),
    (198, 40, 40),
    (150, 150, 150),
    (30, 30, 30),
    (235, 239, 244),
)


class _Document(FPDF):
    def __init__(self, footer_text: str, lang: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_text = footer_text
        self._lang = lang

    def footer(self):
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 5, self._footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, word("page", self._lang, n=self.page_no(), total="{nb}"), align="R")
        self.set_text_color(*INK)


def render_pdf(report: MonthlyReport, lang: str = "th") -> bytes:
    pdf = _Document(word("footer", lang, period=report.period.label(lang)), lang)
    pdf.add_font(FONT, "", str(FONT_DIR / "Sarabun_400Regular.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "Sarabun_700Bold.ttf"))
    pdf.set_text_shaping(True)
    pdf.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(f"{word('report_title', lang)} {report.period.label(lang)}")
    pdf.set_author(report.office_name)
    pdf.set_creator("ictmon")
    pdf.set_creation_date(report.generated_at)

    _memo(pdf, report, lang)
    pdf.add_page()
    _heading(pdf, word("trend_chart", lang))
    _trend_chart(pdf, report, lang)
    pdf.ln(4)
    _heading(pdf, word("site_chart", lang, n=min(SITES_IN_CHART, len(report.sites))))
    _site_chart(pdf, report, lang)
    _tables(pdf, report, lang)
    return bytes(pdf.output())


# --- the memo ------------------------------------------------------------------------------------


def _memo(pdf: FPDF, report: MonthlyReport, lang: str) -> None:
    pdf.add_page()
    width = pdf.epw
    if report.emblem:
        pdf.image(report.emblem, x=MARGIN_LEFT, y=MARGIN_TOP, h=EMBLEM_MM)
        pdf.set_y(MARGIN_TOP + EMBLEM_MM - 12)
    pdf.set_font(FONT, "B", 22)
    pdf.cell(width, 12, word("memo", lang), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    _field(pdf, word("agency", lang), report.office_name)
    y = pdf.get_y()
    _field(pdf, word("ref_no", lang), "." * 40, width=width / 2)
    pdf.set_xy(MARGIN_LEFT + width / 2, y)
    _field(pdf, word("date", lang), format_date(to_local(report.generated_at).date(), lang))
    _field(pdf, word("subject", lang), period_subject(report, lang))
    pdf.set_draw_color(*INK)
    pdf.line(MARGIN_LEFT, pdf.get_y() + 1, MARGIN_LEFT + width, pdf.get_y() + 1)
    pdf.ln(4)
    _field(pdf, word("to", lang), report.approver_position)
    pdf.ln(2)

    pdf.set_font(FONT, "", BODY_PT)
    intro = word(
        "intro",
        lang,
        office=report.office_name,
        sites=len(report.sites),
        devices=len(report.devices),
        first=format_date(report.period.first_day, lang),
        last=format_date(
            to_local(report.window_end).date() if not report.complete else report.period.last_day,
            lang,
        ),
    )
    pdf.set_x(MARGIN_LEFT)
    _paragraph(pdf, 6.5, "\u2003\u2003" + intro)
    if not report.complete:
        pdf.set_font(FONT, "", 10)
        _paragraph(pdf, 5, word("partial", lang, t=format_datetime(report.window_end, lang)))
    if not report.monitored:
        pdf.set_font(FONT, "", 10)
        _paragraph(pdf, 5, word("no_monitoring", lang))
    elif report.partly_monitored and report.observed_from is not None:
        pdf.set_font(FONT, "", 10)
        _paragraph(
            pdf, 5, word("partly_monitored", lang, t=format_datetime(report.observed_from, lang))
        )
    pdf.ln(2)

    pdf.set_font(FONT, "B", BODY_PT)
    pdf.cell(width, 7, word("summary", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", BODY_PT - 1)
    summary_w = (62, 38)
    with pdf.table(
        col_widths=summary_w,
        text_align=("LEFT", "RIGHT"),
        line_height=6.2,
        first_row_as_headings=False,
        borders_layout="HORIZONTAL_LINES",
        width=width,
        align="LEFT",
        padding=(0.6, CELL_PAD, 0.6, CELL_PAD),
    ) as table:
        cell_w = _cell_widths(width, summary_w)
        for label, value in _summary_lines(report, lang):
            row = table.row()
            row.cell(_lines(pdf, label, cell_w[0]))
            row.cell(_lines(pdf, value, cell_w[1]))
    pdf.ln(2)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*GREY)
    notes = [word(f"rule_{report.site_rule}", lang), word("method", lang)]
    if report.outage_source == "incidents":
        notes.append(word("counts_note", lang))
    _paragraph(pdf, 4.5, " · ".join(notes))
    pdf.set_text_color(*INK)
    pdf.ln(3)
    pdf.set_font(FONT, "", BODY_PT)
    _paragraph(pdf, 7, "\u2003\u2003" + word("closing", lang))
    _signatures(pdf, report, lang)


def _field(pdf: FPDF, label: str, value: str, width: float | None = None) -> None:
    width = width or (pdf.l_margin + pdf.epw - pdf.get_x())
    pdf.set_font(FONT, "B", BODY_PT + 2)
    label_w = pdf.get_string_width(label) + 3
    pdf.cell(label_w, 8, label)
    pdf.set_font(FONT, "", BODY_PT)
    pdf.multi_cell(
        width - label_w,
        8,
        _lines(pdf, value, width - label_w - 2 * pdf.c_margin),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )


_WIDTHS: dict[tuple[str, str, float, str], float] = {}


def _width(pdf: FPDF, text: str) -> float:
    """get_string_width, remembered: shaping the same word again costs as much as the first time."""
    key = (pdf.font_family, pdf.font_style, pdf.font_size_pt, text)
    if key not in _WIDTHS:
        if len(_WIDTHS) > 50_000:  # bounded: a process that renders many reports
            _WIDTHS.clear()
        _WIDTHS[key] = pdf.get_string_width(text)
    return _WIDTHS[key]


def _lines(pdf: FPDF, text: str, width: float) -> str:
    """`text` cut into lines that fit `width` in the current font, at word boundaries."""
    return wrap_text(text, width - FIT_SLACK, lambda piece: _width(pdf, piece))


def _paragraph(pdf: FPDF, line_height: float, text: str) -> None:
    pdf.multi_cell(
        pdf.epw,
        line_height,
        _lines(pdf, text, pdf.epw - 2 * pdf.c_margin),
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )


def _cell_widths(total: float, ratios: tuple) -> list[float]:
    """The text width inside each column of a table `total` mm wide (fpdf2 shares it by ratio)."""
    return [total * r / sum(ratios) - 2 * CELL_PAD for r in ratios]


def _summary_lines(report: MonthlyReport, lang: str) -> list[tuple[str, str]]:
    d = report.district
    lines = [
        (
            word("district_availability", lang),
            f"{pct(d.availability_pct)}%  ({word('target', lang)} {report.target:g}%)",
        ),
        (
            word("sites_meeting", lang),
            word("sites_meeting_value", lang, met=report.sites_met, measured=report.sites_measured),
        ),
        (word("total_downtime", lang), hms(d.down)),
        (word("site_outages", lang), word("outages_value", lang, n=d.outages)),
        *(
            [(word("incidents_total", lang), word("outages_value", lang, n=report.outage_total))]
            if report.outage_source == "incidents"
            else []
        ),
        (word("mttr", lang), hms(d.mttr)),
        (word("longest", lang), hms(d.longest_outage) if d.outages else "—"),
        (word("maintenance_time", lang), hms(d.maintenance)),
        (word("unknown_time", lang), hms(d.unknown)),
    ]
    if len(report.trend) >= 2 and report.period.kind == "month":
        before, now = (
            report.trend[-2].figures.availability_pct,
            report.trend[-1].figures.availability_pct,
        )
        if before is not None and now is not None:
            lines.append(
                (word("vs_previous", lang), f"{pct(before)}% → {pct(now)}% ({now - before:+.2f})")
            )
    return lines


def _signatures(pdf: FPDF, report: MonthlyReport, lang: str) -> None:
    pdf.ln(12)
    if pdf.get_y() > pdf.h - 70:
        pdf.add_page()
    half = pdf.epw / 2
    blocks = [
        (
            word("sign", lang),
            report.prepared_by,
            report.prepared_by_position,
            word("prepared_by", lang),
        ),
        (word("sign", lang), "", report.approver_position, word("acknowledged", lang)),
    ]
    top = pdf.get_y()
    pdf.set_font(FONT, "", BODY_PT - 1)
    for n, (sign, name, position, role) in enumerate(blocks):
        x = MARGIN_LEFT + n * half
        pdf.set_xy(x, top)
        if n == 1:
            pdf.cell(half, 7, role, align="C")
            pdf.set_xy(x, top + 8)
            pdf.cell(half, 7, "." * 60, align="C")
            pdf.set_xy(x, top + 20)
        else:
            pdf.set_xy(x, top + 20)
        pdf.cell(half, 7, f"{sign} {'.' * 40}", align="C")
        pdf.set_xy(x, top + 28)
        pdf.cell(half, 7, f"( {name or '.' * 40} )", align="C")
        pdf.set_xy(x, top + 35)
        _shrink_to_fit(pdf, position, half - 2, BODY_PT - 1)
        pdf.cell(half, 6, position, align="C")
        pdf.set_font(FONT, "", BODY_PT - 1)
        if not n:
            pdf.set_xy(x, top + 41)
            pdf.cell(half, 6, role, align="C")
    pdf.set_xy(MARGIN_LEFT, top + 55)


# --- charts --------------------------------------------------------------------------------------


def _heading(pdf: FPDF, text: str) -> None:
    pdf.set_font(FONT, "B", BODY_PT)
    pdf.cell(pdf.epw, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _scale_floor(values: list[float], target: float) -> float:
    """The y axis starts low enough to show the worst value and the target, in steps of 0.5 / 5."""
    low = min([*values, target])
    if low >= 99:
        return 98.0
    if low >= 95:
        return float(int(low) - 1)
    return float(max(0, int(low // 10) * 10 - 10))


def _trend_chart(pdf: FPDF, report: MonthlyReport, lang: str) -> None:
    points = [(p.period.short_label(lang), p.figures.availability_pct) for p in report.trend]
    x0, y0, w, h = MARGIN_LEFT + 14, pdf.get_y() + 2, pdf.epw - 16, 55
    values = [v for _, v in points if v is not None]
    floor = _scale_floor(values, report.target) if values else 90.0
    _axes(pdf, x0, y0, w, h, floor)

    def y_of(value: float) -> float:
        return y0 + h - (max(value, floor) - floor) / (100 - floor) * h

    _target_line(pdf, x0, w, y_of(report.target))
    step = w / max(len(points), 1)
    line = []
    pdf.set_font(FONT, "", 7.5)
    for n, (label, value) in enumerate(points):
        cx = x0 + step * (n + 0.5)
        pdf.set_xy(cx - step / 2, y0 + h + 1)
        pdf.cell(step, 4, label, align="C")
        if value is None:
            continue
        line.append((cx, y_of(value)))
        pdf.set_xy(cx - step / 2, y_of(value) - 5.5)
        pdf.cell(step, 4, pct(value), align="C")
    pdf.set_draw_color(21, 101, 192)
    pdf.set_line_width(0.6)
    if len(line) > 1:
        pdf.polyline(line)
    pdf.set_fill_color(21, 101, 192)
    for cx, cy in line:
        pdf.circle(cx, cy, 1.0, style="F")
    pdf.set_line_width(0.2)
    _target_legend(pdf, x0, y0 + h + 6, report.target, lang)
    pdf.set_xy(MARGIN_LEFT, y0 + h + 12)


def _site_chart(pdf: FPDF, report: MonthlyReport, lang: str) -> None:
    rows = [(r, r.pct) for r in report.sites if r.pct is not None][:SITES_IN_CHART]
    if not rows:
        return
    label_w = 48
    x0, y0 = MARGIN_LEFT + label_w, pdf.get_y() + 1
    w, bar_h, gap = pdf.epw - label_w - 14, 4.2, 1.3
    floor = _scale_floor([value for _, value in rows], report.target)
    h = len(rows) * (bar_h + gap)
    if y0 + h + 12 > pdf.h - 16:
        pdf.add_page()
        y0 = pdf.get_y() + 1

    def x_of(value: float) -> float:
        return x0 + (max(value, floor) - floor) / (100 - floor) * w

    pdf.set_font(FONT, "", 7.5)
    for n, (row, value) in enumerate(rows):
        y = y0 + n * (bar_h + gap)
        pdf.set_xy(MARGIN_LEFT, y)
        pdf.cell(label_w - 2, bar_h, _fit(pdf, row.name, label_w - 2 - FIT_SLACK), align="R")
        pdf.set_fill_color(*(GREEN if row.met else RED))
        pdf.rect(x0, y, max(x_of(value) - x0, 0.3), bar_h, style="F")
        pdf.set_xy(x_of(value) + 1, y)
        pdf.cell(12, bar_h, pct(value))
    target_x = x_of(report.target)
    pdf.set_draw_color(*RED)
    pdf.set_dash_pattern(dash=1.5, gap=1)
    pdf.line(target_x, y0 - 1, target_x, y0 + h)
    pdf.set_dash_pattern()
    pdf.set_xy(x0 - 5, y0 + h + 0.5)
    pdf.cell(10, 4, f"{floor:g}", align="C")
    pdf.set_xy(x0 + w - 5, y0 + h + 0.5)
    pdf.cell(10, 4, "100", align="C")
    _target_legend(pdf, x0, y0 + h + 6, report.target, lang)
    pdf.set_xy(MARGIN_LEFT, y0 + h + 12)


def _axes(pdf: FPDF, x0: float, y0: float, w: float, h: float, floor: float) -> None:
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.2)
    pdf.set_font(FONT, "", 7.5)
    for k in range(5):
        value = floor + (100 - floor) * k / 4
        y = y0 + h - h * k / 4
        pdf.set_draw_color(*((200, 200, 200) if k else GREY))
        pdf.line(x0, y, x0 + w, y)
        pdf.set_xy(x0 - 14, y - 2)
        pdf.cell(12, 4, f"{value:g}", align="R")


def _target_line(pdf: FPDF, x0: float, w: float, y: float) -> None:
    pdf.set_draw_color(*RED)
    pdf.set_dash_pattern(dash=1.5, gap=1)
    pdf.line(x0, y, x0 + w, y)
    pdf.set_dash_pattern()


def _target_legend(pdf: FPDF, x: float, y: float, target: float, lang: str) -> None:
    """The dashed red line's meaning, on its own row under the chart's axis labels."""
    pdf.set_draw_color(*RED)
    pdf.set_dash_pattern(dash=1.5, gap=1)
    pdf.line(x, y + 2, x + 8, y + 2)
    pdf.set_dash_pattern()
    pdf.set_text_color(*RED)
    pdf.set_font(FONT, "", 7.5)
    pdf.set_xy(x + 9, y)
    pdf.cell(60, 4, f"{word('target', lang)} {target:g}%")
    pdf.set_text_color(*INK)


def _shrink_to_fit(pdf: FPDF, text: str, width: float, size: float) -> None:
    """A long position title on one line: Thai has no spaces to wrap at inside a word."""
    pdf.set_font(FONT, "", size)
    while size > 8 and pdf.get_string_width(text) > width:
        size -= 0.5
        pdf.set_font(FONT, "", size)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """One line: the whole text, or its first words and an ellipsis (never half a word)."""
    if pdf.get_string_width(text) <= width:
        return text
    pieces = units(text)
    while pieces and pdf.get_string_width("".join(pieces).rstrip() + "…") > width:
        pieces.pop()
    return "".join(pieces).rstrip() + "…"


# --- tables --------------------------------------------------------------------------------------


def _table(
    pdf: FPDF,
    title: str,
    headings: list[str],
    widths: tuple,
    aligns: tuple,
    rows: list[list[str]],
    empty: str | None = None,
) -> None:
    pdf.ln(3)
    if pdf.get_y() > pdf.h - 45:
        pdf.add_page()
    _heading(pdf, title)
    if not rows:
        pdf.set_font(FONT, "", BODY_PT - 1)
        pdf.cell(pdf.epw, 7, empty or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    widths = _fit_columns(pdf, widths, headings, rows)
    cell_w = _cell_widths(pdf.epw, widths)
    pdf.set_font(FONT, "B", TABLE_PT)
    headings = [_lines(pdf, text, w) for text, w in zip(headings, cell_w, strict=True)]
    pdf.set_font(FONT, "", TABLE_PT)
    rows = [
        [_lines(pdf, text, w) for text, w in zip(values, cell_w, strict=True)] for values in rows
    ]
    heading_style = FontFace(emphasis="BOLD", fill_color=LIGHT)
    with pdf.table(
        col_widths=widths,
        text_align=aligns,
        line_height=4.6,
        width=pdf.epw,
        align="LEFT",
        headings_style=heading_style,
        repeat_headings=1,
        padding=(0.6, CELL_PAD, 0.6, CELL_PAD),
    ) as table:
        head = table.row()
        for text in headings:
            head.cell(text, align="CENTER")
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(text)


def _widest_unit(pdf: FPDF, texts: list[str]) -> float:
    return max((_width(pdf, u) for t in texts for u in units(t)), default=0.0)


def _fit_columns(pdf: FPDF, ratios: tuple, headings: list[str], rows: list[list[str]]) -> tuple:
    """Column widths (mm, summing to the text width) in the proportions asked, except that every
    column is at least as wide as its widest word or number, which must not be cut: a column
    short of that takes it from the columns that have room to spare (their text wraps instead)."""
    total = pdf.epw
    pdf.set_font(FONT, "B", TABLE_PT)
    head_min = [_widest_unit(pdf, [h]) for h in headings]
    pdf.set_font(FONT, "", TABLE_PT)
    minimum = [
        max(head_min[j], _widest_unit(pdf, [r[j] for r in rows])) + 2 * CELL_PAD + FIT_SLACK + 0.2
        for j in range(len(ratios))
    ]
    widths = [total * r / sum(ratios) for r in ratios]
    short = sum(max(m - w, 0) for m, w in zip(minimum, widths, strict=True))
    spare = sum(max(w - m, 0) for m, w in zip(minimum, widths, strict=True))
    if not short or spare < short:
        return tuple(widths)
    return tuple(
        m if w <= m else w - (w - m) * short / spare for m, w in zip(minimum, widths, strict=True)
    )


def _figure_cells(row: Row, lang: str) -> list[str]:
    f = row.figures
    return [
        pct(row.pct),
        f"{row.target:g}",
        met_label(row.met, lang),
        hms(f.down),
        str(f.outages),
        hms(f.mttr),
        hms(f.unknown),
    ]


def _when(moment, lang: str) -> str:
    """A date and time that may break only before the time: "5 ต.ค. 2569" stays on one line."""
    day, _, clock = format_datetime(moment, lang).rpartition(" ")
    return f"{day.replace(' ', NBSP)} {clock}" if day else clock


def _outage_table(pdf: FPDF, report: MonthlyReport, lang: str) -> None:
    rows = [
        [
            o.site_name or "—",
            incident_what(o, lang) or "—",
            _when(o.start, lang),
            word("continues", lang) if o.continues else _when(o.end, lang),
            hms(o.duration),
            cause_label(o.cause, lang),
            o.notes,
        ]
        for o in report.outages
    ]
    _table(
        pdf,
        word("outage_table", lang),
        [
            word("report_col_site", lang),
            word("col_what", lang),
            word("col_start", lang),
            word("col_end", lang),
            word("report_col_duration", lang),
            word("col_incident_cause", lang),
            word("col_notes", lang),
        ],
        (26, 24, 22, 22, 17, 18, 38),
        ("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "LEFT", "LEFT"),
        rows,
        empty=word("no_outages", lang),
    )
    if not rows:
        return
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*GREY)
    note = word("outage_shown", lang, shown=len(rows), total=report.outage_total)
    if report.outage_source == "history":
        note += " · " + word("outage_from_history", lang)
    _paragraph(pdf, 4.5, note)
    pdf.set_text_color(*INK)


def _tables(pdf: FPDF, report: MonthlyReport, lang: str) -> None:
    pdf.set_fill_color(255, 255, 255)
    common = [
        word(k, lang)
        for k in (
            "short_pct",
            "short_target",
            "short_met",
            "short_down",
            "short_outages",
            "short_mttr",
            "short_unknown",
        )
    ]
    common_w = (14, 10, 13, 17, 10, 16, 17)
    right = ("RIGHT", "RIGHT", "CENTER", "RIGHT", "RIGHT", "RIGHT", "RIGHT")
    pdf.ln(2)
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*GREY)
    _paragraph(pdf, 4.5, word("time_note", lang))
    pdf.set_text_color(*INK)
    _table(
        pdf,
        word("site_table", lang),
        [word("col_no", lang), word("report_col_site", lang), *common],
        (11, 68, *common_w),
        ("RIGHT", "LEFT", *right),
        [
            [str(n), f"{r.name} ({r.key})", *_figure_cells(r, lang)]
            for n, r in enumerate(report.sites, 1)
        ],
    )
    _table(
        pdf,
        word("kind_table", lang),
        [word("col_kind", lang), word("short_devices", lang), *common],
        (60, 19, *common_w),
        ("LEFT", "RIGHT", *right),
        [[kind_label(r.key, lang), str(r.members), *_figure_cells(r, lang)] for r in report.kinds],
    )
    _table(
        pdf,
        word("trend_table", lang),
        [
            word("col_month", lang),
            word("short_pct", lang),
            word("short_sites_met", lang),
            word("short_down", lang),
            word("short_outages", lang),
            word("short_mttr", lang),
            word("short_unknown", lang),
        ],
        (43, 20, 20, 24, 16, 22, 22),
        ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        [
            [
                p.period.label(lang),
                pct(p.figures.availability_pct),
                f"{p.sites_met}/{p.sites_measured}",
                hms(p.figures.down),
                str(p.figures.outages),
                hms(p.figures.mttr),
                hms(p.figures.unknown),
            ]
            for p in report.trend
        ],
    )
    _outage_table(pdf, report, lang)
    worst = [r for r in report.devices if r.pct is not None and r.figures.down][:MAX_DEVICES_IN_PDF]
    _table(
        pdf,
        word("worst_devices", lang, n=len(worst)),
        [
            word("col_device", lang),
            word("report_col_site", lang),
            word("col_kind", lang),
            *common[:2],
            common[3],
            common[4],
        ],
        (40, 52, 25, 14, 10, 17, 9),
        ("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        [
            [
                r.name,
                r.site,
                kind_label(r.kind, lang),
                pct(r.pct),
                f"{r.target:g}",
                hms(r.figures.down),
                str(r.figures.outages),
            ]
            for r in worst
        ],
        empty=word("no_outages", lang),
    )
    if report.risks is None:
        _table(pdf, word("risk_table", lang), [], (), (), [], empty=word("no_risk_register", lang))
    else:
        _table(
            pdf,
            word("risk_table", lang),
            [word("col_risk", lang), word("col_level", lang), word("col_owner", lang)],
            (100, 30, 38),
            ("LEFT", "LEFT", "LEFT"),
            [[r.title_in(lang), word(f"level_{r.level}", lang), r.owner] for r in report.risks],
            empty=word("no_risks", lang),
        )
    _network_changes(pdf, report, lang)


def _network_changes(pdf: FPDF, report: MonthlyReport, lang: str) -> None:
    """Devices that appeared and uplinks that changed; no section in a month without any."""
    if not report.network_changes:
        return
    _table(
        pdf,
        word("network_changes_table", lang),
        [
            word("col_when", lang),
            word("report_col_site", lang),
            word("col_device", lang),
            word("col_change", lang),
            word("col_old_uplink", lang),
            word("col_new_uplink", lang),
        ],
        (22, 36, 32, 24, 27, 27),
        ("LEFT", "LEFT", "LEFT", "LEFT", "LEFT", "LEFT"),
        [
            [
                format_date(to_local(c.at).date(), lang, short=True),
                c.site_name,
                c.device,
                word(f"change_{c.change}", lang),
                c.old_parent or "—",
                c.new_parent or "—",
            ]
            for c in report.network_changes
        ],
    )
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*GREY)
    _paragraph(pdf, 4.5, word("network_changes_note", lang))
    pdf.set_text_color(*INK)
