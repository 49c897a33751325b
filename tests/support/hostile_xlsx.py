"""A small .xlsx upload that claims a huge sheet: each row holds a device in the known columns
and one more cell in the last column Excel has (XFD, column 16,384). Read naively, every row is
padded out to that cell: a few hundred kilobytes of upload become gigabytes of memory."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

LAST_COLUMN = 16_384  # XFD
HEADER = ("site", "site_name", "name", "address", "kind")


def far_cell_workbook(path: Path, rows: int) -> Path:
    """`rows` devices of site S01 (127.1.x.y), each row with a stray "x" in column XFD."""
    book = Workbook()
    sheet = book.worksheets[0]  # a new workbook's one sheet
    sheet.append(HEADER)
    for n in range(rows):
        line = n + 2
        values = ("S01", "โรงเรียนบ้านสบาย", f"ap-{n}", f"127.1.{n // 250}.{n % 250 + 1}", "ap")
        for column, value in enumerate(values, start=1):
            sheet.cell(row=line, column=column, value=value)
        sheet.cell(row=line, column=LAST_COLUMN, value="x")
    book.save(path)
    return path
