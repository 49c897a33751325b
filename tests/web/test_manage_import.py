"""Importing from the browser: an error row lists its line and writes nothing; a clean file is
previewed, then confirmed, and exactly the previewed rows are written; the upload stays on the
server and is gone after use."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from monitor.accounts.users import create_user
from monitor.db.models import AuditEvent, Device, Site
from tests.web.conftest import PASSWORD, make_app, sign_in

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
GOOD = (
    "site,site_name,name,address,kind,parent,purchase_date\n"
    "S01,โรงเรียนบ้านสบาย,s01-switch,127.0.1.2,switch,s01-router,31/05/2567\n"
    "S09,โรงเรียนใหม่,s09-router,127.0.9.1,router,OFFICE/office-core,\n"
)
BAD = (
    "site,site_name,name,address,kind\n"
    "S09,โรงเรียนใหม่,s09-router,127.0.9.1,router\n"
    "S09,โรงเรียนใหม่,s09-switch,127.0.9.300,switch\n"
)


def counts(db):
    with db() as s:
        return (
            s.scalar(select(func.count()).select_from(Site)),
            s.scalar(select(func.count()).select_from(Device)),
        )


def upload(client, text, name="devices.csv", token=None):
    data = {"file": (io.BytesIO(text.encode("utf-8") if isinstance(text, str) else text), name)}
    if token:
        data["csrf_token"] = token
    return client.post("/manage/import", data=data, content_type="multipart/form-data")


def confirm_url(page):
    return re.search(r'action="(/manage/import/[A-Za-z0-9_-]{32})"', page).group(1)


def imports_dir(settings):
    return settings.data_dir / "imports"


def test_an_error_row_is_listed_by_line_and_nothing_is_written(officer, db, district, settings):
    before = counts(db)
    response = upload(officer, BAD)
    page = response.get_data(as_text=True)
    assert "บรรทัด 3" in page and "address" in page
    assert "&#39;127.0.9.300&#39; is not an IP address or host name" in page
    assert "confirm-import" not in page
    assert counts(db) == before
    assert not any(imports_dir(settings).iterdir())  # the rejected upload is not kept


def test_clean_file_is_previewed_then_confirmed(officer, db, district, settings):
    before = counts(db)
    page = upload(officer, GOOD).get_data(as_text=True)
    assert 'id="import-preview"' in page
    assert "โรงเรียน/หน่วยงานใหม่ 1 แห่ง" in page and "อุปกรณ์ใหม่ 2 เครื่อง" in page
    assert counts(db) == before  # the preview writes nothing

    response = officer.post(confirm_url(page))
    assert response.status_code == 302
    assert counts(db) == (before[0] + 1, before[1] + 2)
    with db() as s:
        switch = s.scalars(select(Device).where(Device.name == "s01-switch")).one()
        assert (switch.parent.name, str(switch.purchase_date)) == ("s01-router", "2024-05-31")
        summary = s.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
        created = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "create", AuditEvent.object_type == "device")
        )
    assert summary.object_label == "devices.csv"
    assert summary.changes["devices_created"] == 2 and created == 2
    assert not any(imports_dir(settings).iterdir())  # deleted after use
    assert officer.post(confirm_url(page)).status_code == 302  # a second confirm: expired
    assert counts(db) == (before[0] + 1, before[1] + 2)


def test_an_xlsx_workbook_is_previewed_too(officer, db, district):
    book = Workbook()
    sheet = book.active
    for line in GOOD.strip().split("\n"):
        sheet.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    page = upload(officer, out.getvalue(), name="devices.xlsx").get_data(as_text=True)
    assert "อุปกรณ์ใหม่ 2 เครื่อง" in page


def test_a_change_after_the_preview_is_shown_again_not_written(officer, db, district):
    page = upload(officer, GOOD).get_data(as_text=True)
    with db.begin() as s:  # someone else adds the same device meanwhile
        site = s.scalars(select(Site).where(Site.code == "S01")).one()
        s.add(
            Device(
                site_id=site.id,
                name="s01-switch",
                address="127.0.1.99",
                kind="switch",
                enabled=True,
                created_at=site.created_at,
                updated_at=site.created_at,
            )
        )
    again = officer.post(confirm_url(page)).get_data(as_text=True)
    assert "ข้อมูลในระบบเปลี่ยนไปหลังจากตรวจไฟล์" in again
    with db() as s:
        assert s.scalar(select(Device.address).where(Device.name == "s01-switch")) == "127.0.1.99"
        assert s.scalar(select(func.count()).select_from(Site).where(Site.code == "S09")) == 0


def test_only_the_uploader_may_confirm(settings, db, district):
    with db.begin() as s:
        create_user(s, "officer", PASSWORD)
        create_user(s, "other", PASSWORD, role="operator")
    app = make_app(settings, db)
    first, second = app.test_client(), app.test_client()
    sign_in(first)
    sign_in(second, "other")
    page = upload(first, GOOD).get_data(as_text=True)
    before = counts(db)
    second.post(confirm_url(page))
    assert counts(db) == before


def test_an_unsupported_file_type_is_refused(officer, db, district):
    response = upload(officer, "hello", name="devices.pdf")
    assert response.status_code == 400
    assert "unsupported file type &#39;.pdf&#39;" in response.get_data(as_text=True)


def test_the_import_needs_the_forms_csrf_token(settings, db, district):
    with db.begin() as s:
        create_user(s, "officer", PASSWORD)
    client = make_app(settings, db, csrf=True).test_client()
    login = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={
            "username": "officer",
            "password": PASSWORD,
            "csrf_token": re.search(
                r'name="csrf_token" type="hidden" '
                r'value="([^"]+)"',
                login,
            ).group(1),
        },
    )
    before = counts(db)
    assert upload(client, GOOD).status_code == 400
    token = CSRF.search(client.get("/manage/import").get_data(as_text=True)).group(1)
    page = upload(client, GOOD, token=token).get_data(as_text=True)
    assert client.post(confirm_url(page), data={"csrf_token": token}).status_code == 302
    assert counts(db) == (before[0] + 1, before[1] + 2)


@pytest.mark.parametrize("limit", [1024])
def test_a_file_over_the_size_limit_is_refused(settings, db, district, limit):
    with db.begin() as s:
        create_user(s, "officer", PASSWORD)
    app = make_app(settings, db)
    app.config["MAX_CONTENT_LENGTH"] = limit
    client = app.test_client()
    sign_in(client)
    response = upload(client, GOOD + "S01,x,y,127.0.0.1,router\n" * 100)
    assert response.status_code == 413
