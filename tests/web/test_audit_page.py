"""The audit log page (admin): who changed what, when, from where, before → after; filters;
CSV/XLSX export; never a password hash anywhere."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from monitor.accounts.users import create_user
from monitor.db.models import AuditEvent, User
from monitor.localtime import BANGKOK, format_datetime
from tests.web.conftest import PASSWORD

NEW_PASSWORD = "a brand new password"


def rows_of(page: str) -> list[str]:
    return re.findall(r'<tr class="audit-row".*?</tr>', page, re.S)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def somsri(db, app):
    with db.begin() as s:
        return create_user(s, "somsri", PASSWORD, role="viewer", display_name="ครูสมศรี").id


def test_an_edit_through_the_ui_shows_who_when_where_and_before_after(officer, somsri, db):
    officer.post(f"/admin/users/{somsri}", data={"display_name": "ครูสมศรี ใจดี", "role": "operator"})
    page = officer.get("/admin/audit").get_data(as_text=True)
    newest = rows_of(page)[0]
    with db() as s:
        event = s.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    shown = text_of(newest)
    assert format_datetime(event.at, "th") in shown  # Bangkok time, พ.ศ.
    assert "officer" in shown and "127.0.0.1" in shown
    assert "แก้ไข · ผู้ใช้ somsri" in shown
    # Field names and codes in the reader's words, not the column names.
    assert "บทบาท : ผู้ดูข้อมูล → เจ้าหน้าที่ปฏิบัติการ" in shown
    assert "ชื่อที่แสดง : ครูสมศรี → ครูสมศรี ใจดี" in shown


def test_a_password_change_shows_as_dots_and_the_hash_is_nowhere(officer, somsri, db):
    officer.post(
        f"/admin/users/{somsri}/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    with db() as s:
        hashes = list(s.scalars(select(User.password_hash)))
    page = officer.get("/admin/audit").get_data(as_text=True)
    assert "รหัสผ่าน : ••• → •••" in text_of(rows_of(page)[0])
    exported_csv = officer.get("/admin/audit.csv").get_data()
    exported_xlsx = officer.get("/admin/audit.xlsx").get_data()
    cells = xlsx_cells(exported_xlsx)
    for secret in [*hashes, NEW_PASSWORD, PASSWORD, "scrypt:"]:
        assert secret not in page
        assert secret.encode() not in exported_csv
        assert not any(secret in str(cell) for row in cells for cell in row)
    # The export reads as the page does: the field's name in the reader's words.
    assert any("รหัสผ่าน: ••• → •••" in str(cell) for row in cells for cell in row)


def xlsx_cells(body: bytes) -> list[list]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def add_event(
    db, at, actor="somchai", action="update", object_type="device", label="router", changes=None
):
    with db.begin() as s:
        s.execute(
            insert(AuditEvent),
            [
                {
                    "at": at,
                    "actor": actor,
                    "action": action,
                    "object_type": object_type,
                    "object_label": label,
                    "changes": changes,
                    "address": "127.0.0.5",
                }
            ],
        )


# 24 Nov 2569 (2026) in Bangkok runs from 23 Nov 17:00 UTC to 24 Nov 17:00 UTC.
LATE_23RD = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)  # 23:30 on the 23rd, Bangkok
EARLY_24TH = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 00:30 on the 24th, Bangkok
LATE_24TH = datetime(2026, 11, 24, 16, 59, tzinfo=UTC)  # 23:59 on the 24th
EARLY_25TH = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # 00:00 on the 25th


@pytest.fixture
def history(db, app):
    add_event(db, LATE_23RD, label="s01-router")
    add_event(
        db,
        EARLY_24TH,
        actor="cli:root",
        action="create",
        object_type="site",
        label="S07 โรงเรียนบ้านนา",
    )
    add_event(db, LATE_24TH, actor="api:somchai", action="delete", label="s02-ap")
    add_event(db, EARLY_25TH, object_type="risk", label="น้ำท่วมห้องเซิร์ฟเวอร์")


@pytest.mark.parametrize(
    "query, labels",
    [
        ("", ["น้ำท่วมห้องเซิร์ฟเวอร์", "s02-ap", "S07 โรงเรียนบ้านนา", "s01-router"]),  # newest first
        ("?from=2026-11-24&to=2026-11-24", ["s02-ap", "S07 โรงเรียนบ้านนา"]),
        ("?from=24/11/2569&to=24/11/2569", ["s02-ap", "S07 โรงเรียนบ้านนา"]),
        ("?from=2026-11-25", ["น้ำท่วมห้องเซิร์ฟเวอร์"]),
        ("?to=2026-11-23", ["s01-router"]),
        ("?actor=cli:root", ["S07 โรงเรียนบ้านนา"]),
        ("?object_type=device", ["s02-ap", "s01-router"]),
        ("?action=delete", ["s02-ap"]),
        ("?q=router", ["s01-router"]),
        ("?q=บ้านนา&object_type=site", ["S07 โรงเรียนบ้านนา"]),
        ("?q=nothing-like-it", []),
    ],
)
def test_filters(officer, history, query, labels):
    page = officer.get("/admin/audit" + query).get_data(as_text=True)
    # The officer's own sign-in (stamped with the real time) is in the log too; not the subject.
    shown = [
        re.search(r"<strong>(.*?)</strong>", row).group(1)
        for row in rows_of(page)
        if 'data-action="login"' not in row
    ]
    assert shown == labels
    if not labels:
        assert "ไม่มีรายการตามเงื่อนไขนี้" in page


def test_a_bad_date_is_named_and_the_rest_of_the_filter_applies(officer, history):
    response = officer.get("/admin/audit?from=31/02/2569&action=delete")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "วันที่ไม่ถูกต้อง (ตั้งแต่วันที่)" in page
    assert len(rows_of(page)) == 1


def test_the_csv_export_is_filtered_excel_ready_and_keeps_formulas_as_text(officer, db, history):
    add_event(
        db,
        EARLY_24TH,
        label='=HYPERLINK("http://127.0.0.1/","click")',
        changes={"name": ["a", "=1+1"]},
    )
    response = officer.get("/admin/audit.csv?from=2026-11-24&to=2026-11-24")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="ictmon-audit-' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table[0] == [
        "เวลา (กรุงเทพฯ)",
        "ผู้ดำเนินการ",
        "จากเครื่อง",
        "การกระทำ",
        "ประเภท",
        "รหัส",
        "รายการ",
        "ก่อน → หลัง",
        "เวลา UTC (ISO 8601)",
        "รหัสการกระทำ",
    ]
    assert [r[6] for r in table[1:]] == [
        "s02-ap",
        '\'=HYPERLINK("http://127.0.0.1/","click")',
        "S07 โรงเรียนบ้านนา",
    ]
    # What the page shows: Bangkok wall time in พ.ศ., the action and type in words...
    assert table[3][:5] == [
        "24 พ.ย. 2569 00:30:00",
        "cli:root",
        "127.0.0.5",
        "สร้าง",
        "โรงเรียน/หน่วยงาน",
    ]
    assert table[2][7] == "ชื่อ: a → =1+1"
    # ... and for a program the moment in UTC and the stored code.
    assert table[3][8:] == ["2026-11-23T17:30:00Z", "create"]


def test_the_xlsx_export_reads_back_with_the_same_rows(officer, db, history):
    add_event(db, EARLY_24TH, label="=cmd|' /C calc'!A0")
    response = officer.get("/admin/audit.xlsx?lang=en&object_type=device")
    cells = xlsx_cells(response.get_data())
    assert cells[0][:3] == ["When (Bangkok)", "Who", "From address"]
    assert cells[0][8:] == ["Time UTC (ISO 8601)", "Action code"]
    assert [row[6] for row in cells[1:]] == ["s02-ap", "=cmd|' /C calc'!A0", "s01-router"]
    # The reader's Bangkok time as the page writes it; the UTC moment beside it for programs.
    moment = datetime(2026, 11, 24, 23, 59, tzinfo=BANGKOK)
    assert cells[1][0] == "24 Nov 2026 23:59:00"
    assert cells[1][3:5] == ["deleted", "device"]
    assert cells[1][8:] == [moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "delete"]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.cell(row=3, column=7).data_type == "s"  # text, not a formula


def test_a_long_log_is_capped_on_the_page_and_says_so(officer, db):
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with db.begin() as s:
        s.execute(
            insert(AuditEvent),
            [
                {
                    "at": start + timedelta(minutes=i),
                    "actor": "cli:root",
                    "action": "update",
                    "object_type": "device",
                    "object_label": f"device-{i}",
                }
                for i in range(520)
            ],
        )
    page = officer.get("/admin/audit?object_type=device").get_data(as_text=True)
    rows = rows_of(page)
    assert len(rows) == 500
    assert "<strong>device-519</strong>" in rows[0]
    assert "แสดง 500 รายการล่าสุดเท่านั้น" in page
    exported = officer.get("/admin/audit.csv?object_type=device").get_data().decode("utf-8-sig")
    assert len(exported.strip().splitlines()) == 521  # the export has them all


def test_sign_ins_show_in_the_log(app, officer):
    app.test_client().post("/login", data={"username": "officer", "password": "wrong password"})
    page = officer.get("/admin/audit?object_type=user").get_data(as_text=True)
    shown = [text_of(r) for r in rows_of(page)]
    assert any("เข้าสู่ระบบไม่สำเร็จ · ผู้ใช้ officer" in r and "ยังไม่ได้เข้าสู่ระบบ" in r for r in shown)
    assert any("เข้าสู่ระบบ · ผู้ใช้ officer" in r for r in shown)


def test_acknowledge_and_resolve_are_their_own_actions_in_bangkok_time(officer, db):
    """An incident's acknowledgement is "acknowledge" by the officer, its times Bangkok with พ.ศ.,
    not `acknowledged_at: — → 2026-12-06T21:45:20+00:00` by "anonymous"."""
    from monitor.db.models import Incident
    from tests.conftest import NOW, add_device, add_site

    with db.begin() as s:
        device = add_device(s, add_site(s, "S01", "โรงเรียนหนึ่ง"), "router", kind="router")
        incident = Incident(
            device_id=device.id,
            site_id=device.site_id,
            title="โรงเรียนหนึ่ง — router (127.0.0.1)",
            manual=False,
            state="open",
            opened_at=NOW,
            opened_by="ictmon",
        )
        s.add(incident)
    officer.post(f"/incidents/{incident.id}/acknowledge")
    officer.post(f"/incidents/{incident.id}/resolve")
    with db.begin() as s:
        s.execute(  # a change no one signed in for (an older version's rows say "anonymous")
            insert(AuditEvent).values(
                at=NOW,
                actor="anonymous",
                action="update",
                object_type="incident",
                object_id=str(incident.id),
                object_label="x",
                changes={"state": ["resolved", "open"]},
            )
        )
    page = officer.get("/admin/audit?object_type=incident").get_data(as_text=True)
    rows = [text_of(r) for r in rows_of(page)]
    # The log is newest first by the clock; the hand-written row is dated NOW, long ago.
    resolved, acknowledged, reopened = rows
    assert "รับทราบ · เหตุขัดข้อง" in acknowledged and "เจ้าหน้าที่ ICT" in acknowledged
    assert "สถานะ : เปิดอยู่ → รับทราบแล้ว" in acknowledged
    assert "รับทราบเมื่อ : — → 24 พ.ย. 2569 10:00" in acknowledged  # 03:00 UTC
    assert "T03:00" not in acknowledged and "+00:00" not in acknowledged
    assert "แก้ไขแล้ว · เหตุขัดข้อง" in resolved
    assert "เปิดใหม่ · เหตุขัดข้อง" in reopened and "ระบบ" in reopened
    assert "anonymous" not in " ".join(rows)
    english = text_of(officer.get("/admin/audit?lang=en").get_data(as_text=True))
    assert "Acknowledge · " in english and "Acknowledged at : — → 24 Nov 2026 10:00" in english


def test_acknowledge_resolve_reopen_are_stored_as_their_own_codes(officer, db):
    """The stored action is the person's (the filter and the export's code column find it),
    while an older row stored as "update" still reads as what it was."""
    from monitor.db.models import Incident
    from tests.conftest import NOW, add_device, add_site

    with db.begin() as s:
        device = add_device(s, add_site(s, "S01", "โรงเรียนหนึ่ง"), "router", kind="router")
        incident = Incident(
            device_id=device.id,
            site_id=device.site_id,
            title="โรงเรียนหนึ่ง — router (127.0.0.1)",
            manual=False,
            state="open",
            opened_at=NOW,
            opened_by="ictmon",
        )
        s.add(incident)
    for action in ("acknowledge", "resolve", "reopen"):
        officer.post(f"/incidents/{incident.id}/{action}")
    with db.begin() as s:
        stored = list(
            s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_type == "incident")
                .order_by(AuditEvent.id)
            )
        )
        s.execute(  # how an older version stored an acknowledgement
            insert(AuditEvent).values(
                at=NOW,
                actor="officer",
                action="update",
                object_type="incident",
                object_id=str(incident.id),
                object_label="x",
                changes={"state": ["open", "acknowledged"]},
            )
        )
    assert stored == ["acknowledge", "resolve", "reopen"]
    filtered = officer.get("/admin/audit?action=acknowledge").get_data(as_text=True)
    assert len(rows_of(filtered)) == 1
    page = officer.get("/admin/audit?object_type=incident").get_data(as_text=True)
    words = [text_of(r).split(" · ")[0] for r in rows_of(page)]
    assert sum("รับทราบ" in w for w in words) == 2  # the new row and the old one alike
    table = list(
        csv.reader(
            io.StringIO(
                officer.get("/admin/audit.csv?object_type=incident").get_data().decode("utf-8-sig")
            )
        )
    )
    assert sorted(r[9] for r in table[1:]) == ["acknowledge", "reopen", "resolve", "update"]
    assert sorted(r[3] for r in table[1:]).count("รับทราบ") == 2
