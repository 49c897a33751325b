"""The annual asset check's report: a memo to the director with the sums per site, then each
site's form (ลำดับ, เลขครุภัณฑ์, รายการ, ที่ตั้ง, สภาพ, ผลการตรวจ, หมายเหตุ), as PDF in the monthly report's
memo layout (its building blocks in monitor.reports.pdf, lines cut by monitor.reports.linebreak)
and as XLSX with the same columns.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from monitor.assets.check import CheckReport, ReportRow, SiteTotals
from monitor.localtime import display_year, format_date, to_local
from monitor.reports import pdf as memo
from monitor.reports.spreadsheet import illegal_free
from monitor.reports.words import kind_label, word

FORM_RATIOS = (7, 22, 30, 18, 14, 14, 20)
# Shaping Thai costs fpdf2 about a millisecond a cell: a whole service area's forms (30,000 assets,
# some 700 pages) would take minutes. Past this many rows the round's PDF is the memo and the
# sums per site; each site's form is its own PDF (`site=`), and the workbook has every row.
FORM_ROWS_IN_PDF = 500
SUMMARY_RATIOS = (12, 36, 10, 10, 10, 12, 12)


@dataclass(frozen=True)
class CheckMemo:
    """What the memo says around the figures."""

    office_name: str
    emblem: str
    fiscal_year: int  # Christian era; shown พ.ศ. in Thai
    title: str
    generated_at: datetime
    closed: bool
    prepared_by: str
    prepared_by_position: str
    approver_position: str


def condition_word(condition: str | None, lang: str) -> str:
    return word(f"condition_{condition}", lang) if condition else "—"


def result_word(row: ReportRow, lang: str) -> str:
    if not row.seen:
        return word("check_not_seen", lang)
    said = word("check_answered", lang) if row.how == "answered" else word("check_seen", lang)
    if row.condition_changed:
        said += " · " + word("check_condition_changed", lang)
    if row.proposed_for_disposal:
        said += " · " + word("check_proposed_disposal", lang)
    return said


def form_headings(lang: str) -> list[str]:
    return [
        word(k, lang)
        for k in (
            "check_col_order",
            "check_col_number",
            "check_col_item",
            "check_col_place",
            "check_col_condition",
            "check_col_result",
            "check_col_note",
        )
    ]


def form_cells(row: ReportRow, lang: str) -> list[str]:
    return [
        str(row.order),
        row.asset_number or "—",
        f"{kind_label(row.kind, lang)} {row.name}",
        row.place or "—",
        condition_word(row.condition, lang),
        result_word(row, lang),
        row.note,
    ]


def _totals_cells(t: SiteTotals) -> list[str]:
    return [
        f"{t.assets:,}",
        f"{t.seen:,}",
        f"{t.not_seen:,}",
        f"{t.condition_changed:,}",
        f"{t.proposed_for_disposal:,}",
    ]


def render_check_pdf(report: CheckReport, about: CheckMemo, lang: str = "th") -> bytes:
    """The memo with the sums per site, then each site's form when they are few enough to print
    (FORM_ROWS_IN_PDF); a site's own report always has its form."""
    year = display_year(about.fiscal_year, lang)
    pdf = memo._Document(word("check_footer", lang, year=year), lang)
    pdf.add_font(memo.FONT, "", str(memo.FONT_DIR / "Sarabun_400Regular.ttf"))
    pdf.add_font(memo.FONT, "B", str(memo.FONT_DIR / "Sarabun_700Bold.ttf"))
    pdf.set_text_shaping(True)
    pdf.set_margins(memo.MARGIN_LEFT, memo.MARGIN_TOP, memo.MARGIN_RIGHT)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(word("check_subject", lang, year=year))
    pdf.set_author(about.office_name)
    pdf.set_creator("ictmon")
    pdf.set_creation_date(about.generated_at)
    with_forms = report.totals.assets <= FORM_ROWS_IN_PDF or len(report.sites) == 1
    _memo_page(pdf, report, about, lang, year, with_forms)
    for site in report.sites if with_forms else ():
        pdf.add_page()
        memo._table(
            pdf,
            f"{site.code} · {site.name} — " + word("check_site_sums", lang, **vars(site.totals)),
            form_headings(lang),
            FORM_RATIOS,
            ("RIGHT", "LEFT", "LEFT", "LEFT", "LEFT", "LEFT", "LEFT"),
            [form_cells(r, lang) for r in site.rows],
            empty=word("check_no_assets", lang),
        )
    return bytes(pdf.output())


def _memo_page(
    pdf: FPDF, report: CheckReport, about: CheckMemo, lang: str, year: int, with_forms: bool
) -> None:
    pdf.add_page()
    width = pdf.epw
    if about.emblem:
        pdf.image(about.emblem, x=memo.MARGIN_LEFT, y=memo.MARGIN_TOP, h=memo.EMBLEM_MM)
        pdf.set_y(memo.MARGIN_TOP + memo.EMBLEM_MM - 12)
    pdf.set_font(memo.FONT, "B", 22)
    pdf.cell(width, 12, word("memo", lang), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    memo._field(pdf, word("agency", lang), about.office_name)
    y = pdf.get_y()
    memo._field(pdf, word("ref_no", lang), "." * 40, width=width / 2)
    pdf.set_xy(memo.MARGIN_LEFT + width / 2, y)
    memo._field(pdf, word("date", lang), format_date(to_local(about.generated_at).date(), lang))
    memo._field(pdf, word("subject", lang), word("check_subject", lang, year=year))
    pdf.line(memo.MARGIN_LEFT, pdf.get_y() + 1, memo.MARGIN_LEFT + width, pdf.get_y() + 1)
    pdf.ln(4)
    memo._field(pdf, word("to", lang), about.approver_position)
    pdf.ln(2)
    pdf.set_font(memo.FONT, "", memo.BODY_PT)
    t = report.totals
    intro = word("check_intro", lang, year=year, sites=len(report.sites), **vars(t))
    if not about.closed:
        intro += " " + word("check_still_open", lang)
    memo._paragraph(pdf, 6.5, "\u2003\u2003" + intro)
    memo._table(
        pdf,
        word("check_summary", lang),
        [
            word("col_site", lang),
            word("site", lang),
            word("check_assets", lang),
            word("check_seen", lang),
            word("check_not_seen", lang),
            word("check_condition_changed", lang),
            word("check_proposed_disposal", lang),
        ],
        SUMMARY_RATIOS,
        ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        [[s.code, s.name, *_totals_cells(s.totals)] for s in report.sites]
        + [[word("asset_total", lang), "", *_totals_cells(t)]],
        empty=word("check_no_assets", lang),
    )
    if not with_forms:
        pdf.set_font(memo.FONT, "", 10)
        memo._paragraph(pdf, 5, word("check_forms_apart", lang, n=len(report.sites)))
    pdf.ln(3)
    pdf.set_font(memo.FONT, "", memo.BODY_PT)
    memo._paragraph(pdf, 7, "\u2003\u2003" + word("check_closing", lang))
    # The signature block reads only the three names on the signature lines.
    memo._signatures(pdf, cast(Any, about), lang)


def render_check_xlsx(report: CheckReport, about: CheckMemo, lang: str = "th") -> bytes:
    """One sheet in the form's order, every site one after the other (a site column first, so the
    officer can filter), and a sheet of the sums per site. Written in openpyxl's write-only mode:
    a service area's 30,000 rows in seconds."""
    from openpyxl import Workbook  # deferred: only the workbook download needs it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    year = display_year(about.fiscal_year, lang)
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def heading(sheet, texts: list[str]) -> list:
        cells = []
        for text in texts:
            cell = WriteOnlyCell(sheet, value=text)
            cell.font = bold
            cells.append(cell)
        return cells

    form = book.create_sheet(word("check_sheet_form", lang)[:31])
    for c, w in zip("ABCDEFGH", (10, 8, 20, 34, 20, 14, 26, 30), strict=True):
        form.column_dimensions[c].width = w
    form.freeze_panes = "A3"
    form.append(heading(form, [word("check_subject", lang, year=year)]))
    form.append(heading(form, [word("col_site", lang), *form_headings(lang)]))
    for site in report.sites:
        for row in site.rows:
            cells = form_cells(row, lang)
            form.append([site.code, row.order, *(_text(form, c) for c in cells[1:])])

    sums = book.create_sheet(word("check_summary", lang)[:31])
    sums.append(
        heading(
            sums,
            [
                word("col_site", lang),
                word("site", lang),
                word("check_assets", lang),
                word("check_seen", lang),
                word("check_not_seen", lang),
                word("check_condition_changed", lang),
                word("check_proposed_disposal", lang),
            ],
        )
    )
    for code, name, t in [(s.code, s.name, s.totals) for s in report.sites] + [
        (word("asset_total", lang), "", report.totals)
    ]:
        sums.append(
            [
                _text(sums, code),
                _text(sums, name),
                t.assets,
                t.seen,
                t.not_seen,
                t.condition_changed,
                t.proposed_for_disposal,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(sheet, value: str):
    """Text stays text: a note starting with "=" is not a formula (as spreadsheet.xlsx_bytes)."""
    from openpyxl.cell import WriteOnlyCell  # deferred: with the workbook

    cell = WriteOnlyCell(sheet, value=illegal_free(value))
    cell.data_type = "s"
    return cell
