"""A control character (a bell, an escape, a NUL pasted in from another program) in a site or
device name: refused where it comes in (import file, the forms, the API) with the field and, for a
file, the line; and a name stored before that refusal still gives a monthly report and exports
that open in Excel (read back here with openpyxl, which refuses the same characters Excel does)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from monitor.accounts.users import create_token, create_user
from monitor.db.models import AuditEvent, Device, Site
from monitor.devices import importer
from monitor.secrets import Vault
from tests.conftest import NOW
from tests.reports.district import seed_october
from tests.web.conftest import PASSWORD, make_app
from tests.web.test_manage_import import upload

BELL, ESCAPE = "\x07", "\x1b"
HEADER = "site,site_name,name,address,kind\n"


def counts(db):
    with db() as s:
        return (
            s.scalar(select(func.count()).select_from(Site)),
            s.scalar(select(func.count()).select_from(Device)),
        )


def test_an_import_file_with_a_control_character_is_refused_naming_line_and_column(
    officer, db, district, settings, tmp_path
):
    text = (
        HEADER
        + "S09,โรงเรียนใหม่,s09-router,127.0.9.1,router\n"
        + f"S09,โรงเรียนใหม่,s09{BELL}switch,127.0.9.2,switch\n"
        + f"S10,โรงเรียน{ESCAPE}ใหม่,s10-router,127.0.10.1,router\n"
    )
    before = counts(db)
    # The command line's path.
    path = tmp_path / "devices.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(importer.ImportRejected) as caught:
        importer.import_file(db, path, Vault.from_settings(settings))
    message = str(caught.value)
    assert "line 3, name: contains a control character (U+0007)" in message
    assert "line 4, site_name: contains a control character (U+001B)" in message
    # The browser's path: the same errors on the page, nothing written.
    page = upload(officer, text).get_data(as_text=True)
    assert "U+0007" in page and "U+001B" in page and "confirm-import" not in page
    assert counts(db) == before


@pytest.fixture
def browser(settings, db, district):
    """A signed-in admin with CSRF checks on, as a real browser posts the forms."""
    with db.begin() as s:
        create_user(s, "somchai", PASSWORD, role="admin")
    client = make_app(settings, db, csrf=True).test_client()
    page = client.get("/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found is not None
    client.post(
        "/login", data={"username": "somchai", "password": PASSWORD, "csrf_token": found.group(1)}
    )
    return client


def csrf_of(client, url):
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_forms_refuse_a_control_character_in_a_name(browser, db, district):
    before = counts(db)
    token = csrf_of(browser, "/manage/sites")
    site = browser.post(
        "/manage/sites", data={"csrf_token": token, "code": "S04", "name": f"โรง{BELL}เรียน"}
    )
    assert site.status_code == 400
    assert "contains a control character (U+0007)" in site.get_data(as_text=True)
    token = csrf_of(browser, "/manage/devices/new")
    device = browser.post(
        "/manage/devices/new",
        data={
            "csrf_token": token,
            "site": "S01",
            "name": f"s01{ESCAPE}printer",
            "address": "127.0.1.9",
            "kind": "other",
        },
    )
    assert device.status_code == 400
    assert "contains a control character (U+001B)" in device.get_data(as_text=True)
    assert counts(db) == before


def test_the_api_refuses_a_control_character_in_a_name(settings, db, district):
    with db.begin() as s:
        token = create_token(s, create_user(s, "boss", PASSWORD, role="admin"))
    client = make_app(settings, db, csrf=True).test_client()
    headers = {"Authorization": f"Bearer {token}"}
    before = counts(db)
    created = client.post(
        "/api/v1/devices",
        headers=headers,
        json={"site": "S01", "name": f"s01{BELL}ap", "address": "127.0.1.9", "kind": "ap"},
    )
    assert created.status_code in (400, 422)
    assert "U+0007" in created.get_data(as_text=True) and "name" in created.json["fields"]
    renamed = client.patch(
        f"/api/v1/devices/{district['core']}", headers=headers, json={"name": f"core{ESCAPE}"}
    )
    assert renamed.status_code in (400, 422) and "name" in renamed.json["fields"]
    assert counts(db) == before
    with db() as s:
        assert s.get(Device, district["core"]).name == "office-core"


def test_names_stored_with_control_characters_still_give_the_report_and_exports(officer, db):
    ids = seed_october(db)
    with db.begin() as s:
        # As an older version or a direct database edit left them.
        s.execute(update(Site).where(Site.code == "S01").values(name=f"โรงเรียน{BELL}บ้านสบาย"))
        s.execute(update(Device).where(Device.id == ids["core"]).values(name=f"office{ESCAPE}core"))
        s.add(
            AuditEvent(
                at=NOW - timedelta(minutes=1),
                actor="officer",
                action="update",
                object_type="device",
                object_id=str(ids["core"]),
                object_label=f"OFFICE/office{ESCAPE}core",
                changes={"name": ["office-core", f"office{ESCAPE}core"]},
                address="127.0.0.1",
            )
        )

    report = officer.get("/reports/download.xlsx?period=2569-10")
    assert report.status_code == 200
    cells = _cells(report.data)
    assert "โรงเรียน บ้านสบาย" in cells and "office core" in cells

    for url, shown in (
        ("/inventory/export.xlsx", "office core"),
        ("/risks/export.xlsx?status=all", None),
        ("/admin/audit.xlsx", "OFFICE/office core"),
    ):
        response = officer.get(url)
        assert response.status_code == 200, url
        cells = _cells(response.data)
        if shown:
            assert shown in cells, url
    assert officer.get("/reports/download.pdf?period=2569-10").status_code == 200
    inventory_csv = officer.get("/inventory/export.csv").get_data(as_text=True)
    assert "office core" in inventory_csv and ESCAPE not in inventory_csv


def _cells(body: bytes) -> set:
    book = load_workbook(io.BytesIO(body))
    return {
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str)
    }
