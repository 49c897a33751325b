"""Tables as files an officer opens in Excel: CSV (UTF-8 with a BOM) and XLSX.

One place for the cell rules every export shares: text that looks like a formula stays text (a
device's sysDescr or a school's name starting with "=" must not run in Excel), characters Excel
rejects are replaced, dates and times get a date format.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def no_formula(value):
    """CSV: a text starting like a formula gets a leading apostrophe, as Excel itself does."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def csv_value(value) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        value = illegal_free(value)
    return no_formula(value)


def illegal_free(text: str) -> str:
    """Control characters (stored before input refused them) as spaces: Excel refuses them."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub(" ", text)


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a BOM, so Excel opens Thai correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],  # any value openpyxl can store; it refuses the others
    widths: Sequence[int] | None = None,
    *,
    datetime_format: str = "yyyy-mm-dd hh:mm",
) -> bytes:
    """One sheet: bold frozen header row, an autofilter, real numbers and dates, text as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.worksheets[0]  # a new workbook's one (active) sheet
    sheet.title = title[:31]  # Excel's limit for a sheet name
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, str):
                # Assigned as a plain string type: openpyxl would turn "=..." into a formula.
                cell.value = illegal_free(value)
                cell.data_type = "s"
            else:
                cell.value = value
            if isinstance(value, datetime):
                cell.number_format = datetime_format
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    for c, header in enumerate(headers, start=1):
        width = widths[c - 1] if widths else max(12, len(header) + 4)
        sheet.column_dimensions[get_column_letter(c)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
