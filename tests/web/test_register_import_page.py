"""The officer's Excel register through the import page's column mapping: a workbook shaped like
an office's (merged title rows, Thai header, BE dates, prices with thousands separators, Thai
digits) is mapped, previewed and written; duplicate asset numbers and bad years are refused with
the sheet's row numbers and nothing is written."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy import func, select

from monitor.db.models import Device

HEADER = [
    "ลำดับ",
    "เลขครุภัณฑ์",
    "รายการ",
    "ยี่ห้อ/รุ่น",
    "หมายเลขเครื่อง",
    "ปีงบประมาณ",
    "วันที่ได้มา",
    "วิธีการได้มา",
    "แหล่งเงิน",
    "ราคา (บาท)",
    "ผู้รับผิดชอบ",
    "สถานที่ตั้ง",
    "สภาพ",
]


def register_workbook(rows) -> bytes:
    """A sheet the way a school keeps it: two merged title rows, a blank row, the header."""
    book = Workbook()
    sheet = book.active
    sheet.append(["ทะเบียนครุภัณฑ์คอมพิวเตอร์ โรงเรียนบ้านสบาย"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(["สำนักงานเขตพื้นที่การศึกษามัธยมศึกษา ปีงบประมาณ ๒๕๖๗"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADER))
    sheet.append([])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD_ROWS = [
    [
        1,
        "7440-001-0001/67",
        "เครื่องคอมพิวเตอร์โน้ตบุ๊ก",
        "Lenovo V15",
        "PF3X1",
        "2567",
        "15 มี.ค. 2567",
        "e-bidding",
        "เงินงบประมาณ",
        "25,900.50",
        "นางสาวสมหญิง",
        "ห้องวิชาการ",
        "ใช้งานได้",
    ],
    [
        2,
        "7440-001-0002/67",
        "เครื่องคอมพิวเตอร์ตั้งโต๊ะ",
        "Dell Optiplex",
        "7XK2",
        2567,
        date(2567, 3, 20),
        "เฉพาะเจาะจง",
        "เงินงบประมาณ",
        18500,
        "นายสมชาย",
        "ห้อง ICT",
        "ชำรุด",
    ],
    [
        3,
        "๗๔๔๐-๐๐๑-๐๐๐๓/๖๗",
        "เครื่องฉายภาพโปรเจคเตอร์",
        "Epson EB",
        "X9",
        "๒๕๖๗",
        "01/04/2567",
        "เฉพาะเจาะจง",
        "เงินนอกงบประมาณ",
        "32,000",
        "นายสมชาย",
        "อาคาร 2",
        "ใช้งานได้",
    ],
]


def upload(client, content, name="ทะเบียนครุภัณฑ์.xlsx"):
    data = {"file": (io.BytesIO(content), name)}
    return client.post("/manage/import", data=data, content_type="multipart/form-data")


def mapping_action(page):
    return re.search(r'action="(/manage/import/[A-Za-z0-9_-]{32}/mapping)"', page).group(1)


def chosen_mapping(page) -> dict[str, str]:
    """What the page proposes: every select's selected option, as the browser would post it."""
    form = {"header_line": re.search(r'name="header_line"[^>]*value="(\d+)"', page).group(1)}
    for name, body in re.findall(r'<select name="(col_\d+)"[^>]*>(.*?)</select>', page, re.S):
        picked = re.search(r'<option value="([^"]*)" selected', body)
        form[name] = picked.group(1) if picked else ""
    return form


def device_count(db):
    with db() as s:
        return s.scalar(select(func.count()).select_from(Device))


def test_an_offices_register_is_mapped_previewed_and_imported(officer, db, district):
    page = upload(officer, register_workbook(GOOD_ROWS)).get_data(as_text=True)
    assert 'id="mapping-form"' in page
    form = chosen_mapping(page)
    assert form["header_line"] == "4"  # under the merged title rows
    assert form["col_1"] == "asset_number" and form["col_9"] == "price"
    assert form["col_0"] == ""  # ลำดับ is not imported
    before = device_count(db)
    preview = officer.post(
        mapping_action(page), data={**form, "site": "S01", "kind": "other"}
    ).get_data(as_text=True)
    assert 'id="import-preview"' in preview and "อุปกรณ์ใหม่ 3 เครื่อง" in preview
    assert device_count(db) == before  # the preview writes nothing
    confirm = re.search(r'action="(/manage/import/[A-Za-z0-9_-]{32})"', preview).group(1)
    assert officer.post(confirm).status_code == 302
    with db() as s:
        assets = {
            d.asset_number: d
            for d in s.scalars(select(Device).where(Device.asset_number.is_not(None)))
        }
        site_name = assets["7440-001-0001/67"].site.name
    notebook, desktop, projector = (
        assets["7440-001-0001/67"],
        assets["7440-001-0002/67"],
        assets["7440-001-0003/67"],
    )
    assert site_name == "โรงเรียนบ้านสบาย"  # the existing school keeps its name
    assert (notebook.kind, desktop.kind, projector.kind) == ("notebook", "computer", "projector")
    assert notebook.address is None and notebook.name == "7440-001-0001/67"
    assert notebook.price == Decimal("25900.50") and desktop.price == Decimal("18500.00")
    assert notebook.purchase_date == date(2024, 3, 15) and desktop.purchase_date == date(
        2024, 3, 20
    )
    assert (projector.budget_year, projector.price) == (2024, Decimal("32000.00"))
    assert (desktop.condition, desktop.model, desktop.room) == (
        "damaged",
        "Dell Optiplex",
        "ห้อง ICT",
    )
    assert notebook.notes == "เครื่องคอมพิวเตอร์โน้ตบุ๊ก"


def test_duplicate_numbers_and_bad_years_are_named_by_sheet_row_and_nothing_is_written(
    officer, db, district
):
    rows = [
        GOOD_ROWS[0],
        [2, "7440-001-0001/67", "โน้ตบุ๊ก", "", "", "2567", "", "", "", "1,000", "", "", ""],
        [3, "7440-001-0004/67", "โน้ตบุ๊ก", "", "", "67", "", "", "", "1,000", "", "", ""],
    ]
    page = upload(officer, register_workbook(rows)).get_data(as_text=True)
    before = device_count(db)
    response = officer.post(
        mapping_action(page), data={**chosen_mapping(page), "site": "S01", "kind": "other"}
    )
    errors = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="import-errors"' in errors
    # The header is row 4 of the sheet: the rows are 5, 6 and 7.
    assert "บรรทัด 6" in errors and "is already on line 5" in errors
    assert "บรรทัด 7" in errors and "budget_year" in errors
    assert "confirm-import" not in errors
    assert device_count(db) == before


def test_a_mapping_without_a_school_is_asked_again(officer, db, district):
    page = upload(officer, register_workbook(GOOD_ROWS)).get_data(as_text=True)
    response = officer.post(mapping_action(page), data={**chosen_mapping(page), "kind": "other"})
    again = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="mapping-errors"' in again and 'id="mapping-form"' in again
