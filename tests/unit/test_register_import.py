"""The officer's register through a column mapping: header under title rows, Thai words, dates."""

from __future__ import annotations

import pytest

from monitor.devices.register_import import (
    ColumnMapping,
    guess_header,
    guess_mapping,
    is_importer_file,
    kind_of,
    mapped_rows,
    normalise_date,
)

TITLE_ROWS = [
    (1, ["ทะเบียนครุภัณฑ์คอมพิวเตอร์ โรงเรียนบ้านสบาย", "", "", "", ""]),
    (2, ["ปีงบประมาณ ๒๕๖๗", "", "", "", ""]),
]
HEADER = ["ลำดับ", "เลขครุภัณฑ์", "รายการ", "ราคา (บาท)", "วันที่ได้มา"]


def test_the_header_is_found_under_the_merged_title_rows():
    table = [*TITLE_ROWS, (4, HEADER), (5, ["1", "7440-001-0001/67", "โน้ตบุ๊ก", "25,900", ""])]
    assert guess_header(table) == 4


def test_the_importers_own_file_needs_no_mapping():
    assert is_importer_file([(1, ["site", "site_name", "name", "kind"])])
    assert not is_importer_file([*TITLE_ROWS, (4, HEADER)])


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("เลขครุภัณฑ์", "asset_number"),
        ("เลขที่ครุภัณฑ์", "asset_number"),
        ("ปีงบประมาณ", "budget_year"),
        ("ราคา (บาท)", "price"),
        ("ยี่ห้อ/รุ่น", "model"),
        ("หมายเลขเครื่อง", "serial"),
        ("สถานที่ตั้ง", "room"),
        ("วันที่จำหน่าย", "disposed_on"),
        ("วิธีการได้มา", "acquisition_method"),
        ("แหล่งเงิน", "fund_source"),
        ("ผู้รับผิดชอบ", "responsible_person"),
        ("สภาพ", "condition"),
        ("รายการ", "description"),
    ],
)
def test_thai_headers_are_mapped_to_fields(header, field):
    assert guess_mapping(["ลำดับ", header]) == {1: field}


def test_each_field_is_guessed_for_one_column_only():
    assert list(guess_mapping(["ราคา", "ราคาต่อหน่วย"]).values()) == ["price"]


@pytest.mark.parametrize(
    ("words", "kind"),
    [
        ("เครื่องคอมพิวเตอร์โน้ตบุ๊ก", "notebook"),
        ("เครื่องคอมพิวเตอร์ตั้งโต๊ะ", "computer"),
        ("เครื่องฉายภาพโปรเจคเตอร์", "projector"),
        ("เครื่องพิมพ์เลเซอร์", "printer"),
        ("Tablet", "tablet"),
        ("router", "router"),
        ("โต๊ะทำงาน", None),
    ],
)
def test_kinds_from_the_registers_words(words, kind):
    assert kind_of(words) == kind


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("15 มี.ค. 2567", "15/03/2567"),
        ("1 มกราคม 2568", "01/01/2568"),
        ("3 ธค 2566", "03/12/2566"),
        ("2024-03-15", "2024-03-15"),
    ],
)
def test_thai_dates_become_day_month_year(typed, normal):
    assert normalise_date(typed) == normal


def test_rows_take_the_sheets_school_and_kind_and_thai_digits():
    table = [
        *TITLE_ROWS,
        (4, HEADER),
        (5, ["1", "7440-001-0001/67", "เครื่องคอมพิวเตอร์โน้ตบุ๊ก", "๒๕,๙๐๐.๕๐", "15 มี.ค. 2567"]),
        (6, ["", "", "", "", ""]),
        (7, ["2", "7440-001-0002/67", "โต๊ะ", "1,200", ""]),
    ]
    mapping = ColumnMapping(
        4, guess_mapping(HEADER), site_code="S01", site_name="โรงเรียนบ้านสบาย", kind="other"
    )
    header, rows, errors = mapped_rows(table, mapping)
    assert errors == []
    assert set(header) >= {"site", "site_name", "name", "kind", "asset_number", "price", "notes"}
    (line1, first), (line2, second) = rows
    assert (line1, line2) == (5, 7)
    assert first["name"] == first["asset_number"] == "7440-001-0001/67"
    assert (first["kind"], second["kind"]) == ("notebook", "other")
    assert first["price"] == "25,900.50"
    assert first["purchase_date"] == "15/03/2567"
    assert (first["site"], first["site_name"]) == ("S01", "โรงเรียนบ้านสบาย")
    assert first["notes"] == "เครื่องคอมพิวเตอร์โน้ตบุ๊ก"


def test_a_mapping_without_school_name_or_kind_is_refused_whole():
    _, _, errors = mapped_rows([(1, ["ราคา"])], ColumnMapping(1, {0: "price", 1: "price"}))
    reasons = " | ".join(e.reason for e in errors)
    assert all(e.line == 0 for e in errors)
    for words in ("more than once", "asset number", "school", "kind"):
        assert words in reasons
