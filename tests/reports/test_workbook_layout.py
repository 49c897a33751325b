"""The report workbook as the officer opens it: dates are real dates shown in the Thai way, no
column too narrow for what it shows (Excel's ####), and the device sheet says where each device is.
"""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from monitor.localtime import BANGKOK
from monitor.reports.words import word
from monitor.reports.xlsx import render_xlsx
from tests.reports.test_pdf_layout import _report

# Excel's width (characters) a value needs at the workbook's 14 pt: a date and time, a duration.
DATE_WIDTH, DURATION_WIDTH = 22, 12


@pytest.fixture(scope="module")
def thai_book():
    return load_workbook(io.BytesIO(render_xlsx(_report(), "th")))


def _column(sheet, heading: str) -> int:
    for cell in sheet[1]:
        if cell.value == heading:
            return cell.column
    raise AssertionError(f"no column {heading!r} in {[c.value for c in sheet[1]]}")


def _width(sheet, column: int) -> float:
    return sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width


def test_outage_times_are_dates_shown_in_the_buddhist_era(thai_book):
    sheet = thai_book[word("sheet_outages", "th")]
    column = _column(sheet, word("col_start", "th"))
    cell = sheet.cell(row=2, column=column)
    assert isinstance(cell.value, datetime)
    # Excel has no time zones: the Bangkok wall-clock time of the month's start.
    assert cell.value == datetime(2026, 10, 1, 0, 0, tzinfo=BANGKOK).replace(tzinfo=None)
    # Thai locale (041E) with the Thai Buddhist calendar (07): Excel shows "1 ต.ค. 2569 00:00:00".
    assert cell.number_format.startswith("[$-107041E]")
    assert "yyyy" in cell.number_format


def test_english_workbook_keeps_the_western_calendar():
    book = load_workbook(io.BytesIO(render_xlsx(_report(), "en")))
    sheet = book[word("sheet_outages", "en")]
    cell = sheet.cell(row=2, column=_column(sheet, word("col_start", "en")))
    assert isinstance(cell.value, datetime)
    assert "107041E" not in cell.number_format


def test_date_and_duration_columns_are_wide_enough(thai_book):
    for sheet in thai_book.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, datetime):
                    assert _width(sheet, cell.column) >= DATE_WIDTH, (sheet.title, cell.coordinate)
                elif cell.number_format == "[h]:mm:ss":
                    assert _width(sheet, cell.column) >= DURATION_WIDTH, (
                        sheet.title,
                        cell.coordinate,
                    )


def test_device_sheet_has_the_site_code_and_the_address(thai_book):
    sheet = thai_book[word("sheet_devices", "th")]
    code = _column(sheet, word("col_site_code", "th"))
    address = _column(sheet, word("col_address", "th"))
    values = {(r[code - 1].value, r[address - 1].value) for r in sheet.iter_rows(min_row=2)}
    assert ("S00", "127.20.0.1") in values
    assert ("S29", "127.20.29.1") in values


def test_summary_names_the_two_counts_apart(thai_book):
    labels = [row[0].value for row in thai_book.worksheets[0].iter_rows(min_row=2)]
    assert word("site_outages", "th") in labels
    assert word("incidents_total", "th") in labels
