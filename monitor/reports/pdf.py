"""The report as an A4 PDF ready to print and sign (fpdf2, HarfBuzz shaping, Sarabun).

Thai needs shaping (vowels and tone marks stacked on their consonant): fpdf2's text shaping through
uharfbuzz does it, with the Sarabun font shipped in web/static/fonts/sarabun (SIL OFL 1.1, licence
beside the files). Charts are drawn with fpdf2's own lines and rectangles: vector, crisp in print,
and no plotting library to install.

Layout: page 1 is the memo (บันทึกข้อความ) with the summary and the signature lines; then the
charts, and the tables worst first.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from monitor.localtime import format_date, format_datetime, to_local
from monitor.reports.data import MonthlyReport, Row
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
    pdf.multi_cell(
        width, 6.5, "\u2003\u2003" + intro, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    if not report.complete:
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(
            width,
            5,
            word("partial", lang, t=format_datetime(report.window_end, lang)),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.ln(2)

    pdf.set_font(FONT, "B", BODY_PT)
    pdf.cell(width, 7, word("summary", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", BODY_PT - 1)
    with pdf.table(
        col_widths=(62, 38),
        text_align=("LEFT", "RIGHT"),
        line_height=6.2,
        first_row_as_headings=False,
        borders_layout="HORIZONTAL_LINES",
        width=width,
    ) as table:
        for label, value in _summary_lines(report, lang):
            row = table.row()
            row.cell(label)
            row.cell(value)
    pdf.ln(2)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(
        width,
        4.5,
        word(f"rule_{report.site_rule}", lang) + " · " + word("method", lang),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(*INK)
    pdf.ln(3)
    pdf.set_font(FONT, "", BODY_PT)
    pdf.cell(width, 7, "\u2003\u2003" + word("closing", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _signatures(pdf, report, lang)


def _field(pdf: FPDF, label: str, value: str, width: float | None = None) -> None:
    width = width or (pdf.l_margin + pdf.epw - pdf.get_x())
    pdf.set_font(FONT, "B", BODY_PT + 2)
    label_w = pdf.get_string_width(label) + 3
    pdf.cell(label_w, 8, label)
    pdf.set_font(FONT, "", BODY_PT)
    pdf.multi_cell(width - label_w, 8, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


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
        (word("outages", lang), word("outages_value", lang, n=d.outages)),
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

    _target_line(pdf, x0, w, y_of(report.target), report.target, lang)
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
    pdf.set_xy(MARGIN_LEFT, y0 + h + 7)


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
        pdf.cell(label_w - 2, bar_h, _fit(pdf, row.name, label_w - 2), align="R")
        pdf.set_fill_color(*(GREEN if row.met else RED))
        pdf.rect(x0, y, max(x_of(value) - x0, 0.3), bar_h, style="F")
        pdf.set_xy(x_of(value) + 1, y)
        pdf.cell(12, bar_h, pct(value))
    target_x = x_of(report.target)
    pdf.set_draw_color(*INK)
    pdf.set_dash_pattern(dash=1, gap=1)
    pdf.line(target_x, y0 - 1, target_x, y0 + h)
    pdf.set_dash_pattern()
    pdf.set_xy(target_x - 20, y0 + h + 0.5)
    pdf.cell(40, 4, f"{word('target', lang)} {report.target:g}%", align="C")
    pdf.set_xy(x0 - 5, y0 + h + 0.5)
    pdf.cell(10, 4, f"{floor:g}", align="C")
    pdf.set_xy(x0 + w - 5, y0 + h + 0.5)
    pdf.cell(10, 4, "100", align="C")
    pdf.set_xy(MARGIN_LEFT, y0 + h + 7)


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


def _target_line(pdf: FPDF, x0: float, w: float, y: float, target: float, lang: str) -> None:
    pdf.set_draw_color(*RED)
    pdf.set_dash_pattern(dash=1.5, gap=1)
    pdf.line(x0, y, x0 + w, y)
    pdf.set_dash_pattern()
    pdf.set_text_color(*RED)
    pdf.set_xy(x0 + w - 40, y - 4.5)
    pdf.cell(40, 4, f"{word('target', lang)} {target:g}%", align="R")
    pdf.set_text_color(*INK)


def _shrink_to_fit(pdf: FPDF, text: str, width: float, size: float) -> None:
    """A long position title on one line: Thai has no spaces to wrap at inside a word."""
    pdf.set_font(FONT, "", size)
    while size > 8 and pdf.get_string_width(text) > width:
        size -= 0.5
        pdf.set_font(FONT, "", size)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


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
    pdf.set_font(FONT, "", TABLE_PT)
    heading_style = FontFace(emphasis="BOLD", fill_color=LIGHT)
    with pdf.table(
        col_widths=widths,
        text_align=aligns,
        line_height=4.6,
        width=pdf.epw,
        headings_style=heading_style,
        repeat_headings=1,
        padding=(0.6, 1, 0.6, 1),
    ) as table:
        head = table.row()
        for text in headings:
            head.cell(text, align="CENTER")
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(text)


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


def _outage_table(pdf: FPDF, report: MonthlyReport, lang: str) -> None:
    rows = [
        [
            o.site_name or "—",
            incident_what(o, lang) or "—",
            format_datetime(o.start, lang),
            word("continues", lang) if o.continues else format_datetime(o.end, lang),
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
        (28, 26, 19, 19, 17, 20, 38),
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
    pdf.multi_cell(pdf.epw, 4.5, note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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
    pdf.multi_cell(pdf.epw, 4.5, word("time_note", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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
