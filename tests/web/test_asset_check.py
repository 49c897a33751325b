"""The annual check through the web: an admin opens a round over two schools and assigns a
checker to one; the checker marks from the asset's page; a site not assigned is refused with a
clear message; polled devices that answered are confirmed in bulk; the report (PDF read back with
pypdf, XLSX with openpyxl) lists the office's form; closing freezes the round; all audited."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select, update

from monitor.accounts.users import create_user
from monitor.db.models import AuditEvent, Device, DeviceState
from tests.conftest import NOW
from tests.reports.test_monthly_report import compact, pdf_text
from tests.web.conftest import PASSWORD, sign_in
from tests.web.test_asset_pages import add_assets


def open_round(officer, sites=("S01", "S02")) -> int:
    response = officer.post(
        "/assets/checks", data={"fiscal_year": "2570", "title": "รอบทดสอบ", "site": list(sites)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def user_id(db, username) -> int:
    from monitor.db.models import User

    with db() as s:
        return s.scalar(select(User.id).where(User.username == username))


def site_id(db, code) -> int:
    from monitor.db.models import Site

    with db() as s:
        return s.scalar(select(Site.id).where(Site.code == code))


def test_a_checker_marks_assets_of_the_site_assigned_and_no_other(officer, app, db, district):
    ids = add_assets(db, district)
    with db.begin() as s:
        create_user(s, "somsri", PASSWORD, role="viewer", display_name="สมศรี ตรวจดี")
    round_id = open_round(officer)
    page = officer.get(f"/assets/checks/{round_id}").get_data(as_text=True)
    assert "ปีงบประมาณ 2570" in page and "S01" in page and "S02" in page
    response = officer.post(
        f"/assets/checks/{round_id}/sites/{site_id(db, 'S01')}/checkers",
        data={"user": [str(user_id(db, "somsri"))]},
    )
    assert response.status_code == 302
    assert "สมศรี ตรวจดี" in officer.get(f"/assets/checks/{round_id}").get_data(as_text=True)

    checker = app.test_client()
    sign_in(checker, "somsri")
    asset_page = checker.get(f"/assets/{ids['nb-02']}").get_data(as_text=True)
    assert "บันทึกว่าพบ" in asset_page
    response = checker.post(
        f"/assets/checks/{round_id}/assets/{ids['nb-02']}",
        data={"condition": "awaiting_disposal", "note": "จอแตก"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "ตรวจพบแล้วโดย somsri" in response.get_data(as_text=True)

    # S02 is in the round, but somsri was not assigned to it.
    s02_asset = checker.get(f"/assets/{ids['pc-old']}").get_data(as_text=True)
    assert "คุณไม่ได้รับมอบหมาย" in s02_asset and "บันทึกว่าพบ" not in s02_asset
    refused = checker.post(
        f"/assets/checks/{round_id}/assets/{ids['pc-old']}", data={"condition": "usable"}
    )
    assert refused.status_code == 403
    assert "คุณไม่ได้รับมอบหมายให้ตรวจครุภัณฑ์ของหน่วยงานนี้" in refused.get_data(as_text=True)
    # Nor may a checker assign, or close.
    assert checker.post(f"/assets/checks/{round_id}/close").status_code == 403

    with db() as s:
        actions = s.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "asset_check")
        ).all()
    assert {"open", "assign", "mark"} <= set(actions)


def test_the_report_lists_the_form_per_site_as_pdf_and_xlsx(officer, db, district):
    ids = add_assets(db, district)
    round_id = open_round(officer)
    officer.post(
        f"/assets/checks/{round_id}/assets/{ids['nb-01']}",
        data={"condition": "damaged", "note": "แบตเตอรี่เสื่อม"},
    )
    officer.post(f"/assets/checks/{round_id}/assets/{ids['nb-02']}", data={"condition": "damaged"})

    book = load_workbook(io.BytesIO(officer.get(f"/assets/checks/{round_id}/report.xlsx").data))
    form = book.worksheets[0]
    rows = [[c.value for c in row] for row in form.iter_rows(min_row=2)]
    assert rows[0] == [
        "โรงเรียน/หน่วยงาน",
        "ลำดับ",
        "เลขครุภัณฑ์",
        "รายการ",
        "ที่ตั้ง",
        "สภาพ",
        "ผลการตรวจ",
        "หมายเหตุ",
    ]
    by_number = {r[2]: r for r in rows[1:]}
    assert by_number["7440-001-0001/67"][1] == 1  # numbered from 1 in each site
    assert by_number["7440-001-0001/67"][5:] == ["ชำรุด", "พบ · สภาพเปลี่ยน", "แบตเตอรี่เสื่อม"]
    assert by_number["7440-001-0002/67"][6] == "พบ"  # damaged before, damaged now
    assert by_number["7440-001-0003/55"][6] == "ไม่พบ"
    assert "7440-001-0004/50" not in by_number  # disposed before the round, not seen
    sums = {r[0].value: [c.value for c in r] for r in book.worksheets[1].iter_rows(min_row=2)}
    # S01: nb-01, nb-02, proj-01 and the polled router.
    assert sums["S01"][2:] == [4, 2, 2, 1, 0]

    pdf = officer.get(f"/assets/checks/{round_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = compact(pdf_text(pdf.data))
    assert "บันทึกข้อความ" in text
    assert "รายงานผลการตรวจสอบพัสดุประจำปีงบประมาณ2570" in text
    assert "7440-001-0001/67" in text and "แบตเตอรี่เสื่อม" in text
    assert "ไม่พบ" in text and "ยังไม่ปิด" in text


def test_answering_devices_are_confirmed_in_bulk_and_closing_freezes(officer, db, district):
    add_assets(db, district)
    round_id = open_round(officer)
    with db.begin() as s:
        s01_router = s.scalar(select(Device.id).where(Device.name == "s01-router"))
        s.execute(
            update(DeviceState)
            .where(DeviceState.device_id == s01_router)
            .values(last_check_at=NOW)  # answered at the round's opening
        )
    response = officer.post(f"/assets/checks/{round_id}/confirm-answered", follow_redirects=True)
    # s01-router answered; s02-router is down, its switch and access point unreachable.
    assert "ยืนยันอุปกรณ์ที่ตอบสนองแล้ว 1 รายการ" in response.get_data(as_text=True)
    assert officer.post(f"/assets/checks/{round_id}/close").status_code == 302
    page = officer.get(f"/assets/checks/{round_id}").get_data(as_text=True)
    assert "ปิดรอบแล้ว" in page and 'id="close-round"' not in page
    refused = officer.post(
        f"/assets/checks/{round_id}/assets/{s01_router}", data={"condition": "usable"}
    )
    assert refused.status_code == 409 and "รอบนี้ปิดแล้ว" in refused.get_data(as_text=True)
    text = compact(pdf_text(officer.get(f"/assets/checks/{round_id}/report.pdf").data))
    assert "ตอบสนองทางเครือข่าย" in text and "ยังไม่ปิด" not in text


def test_a_large_round_prints_the_sums_and_each_sites_form_apart(
    officer, db, district, monkeypatch
):
    from monitor.reports import asset_check

    ids = add_assets(db, district)
    round_id = open_round(officer)
    officer.post(f"/assets/checks/{round_id}/assets/{ids['nb-01']}", data={"condition": "usable"})
    monkeypatch.setattr(asset_check, "FORM_ROWS_IN_PDF", 2)  # as if a service area's 30,000
    whole = compact(pdf_text(officer.get(f"/assets/checks/{round_id}/report.pdf").data))
    assert "ดาวน์โหลดแบบตรวจสอบ(PDF)รายหน่วยงาน" in whole
    assert "7440-001-0001/67" not in whole  # no forms, only the sums per site
    site = officer.get(f"/assets/checks/{round_id}/report.pdf?site=S01")
    assert 'filename="ictmon-asset-check-2570-S01.pdf"' in site.headers["Content-Disposition"]
    text = compact(pdf_text(site.data))
    assert "7440-001-0001/67" in text and "7440-001-0003/55" in text
    assert "S02" not in text
