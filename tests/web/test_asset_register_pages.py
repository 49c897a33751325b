"""Assets that are not polled, through the management form: saved with the register's fields,
audited, shown in the device list, left out of the status page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from monitor.accounts.users import create_user
from monitor.db.models import AuditEvent, Device
from tests.web.conftest import PASSWORD, make_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def browser(settings, db, district):
    with db.begin() as s:
        create_user(s, "somchai", PASSWORD, role="operator")
    client = make_app(settings, db, csrf=True).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "somchai", "password": PASSWORD, "csrf_token": token})
    return client


def post_asset(client, **fields):
    token = CSRF.search(client.get("/manage/devices/new").get_data(as_text=True)).group(1)
    data = {"csrf_token": token, "site": "S01", "kind": "notebook", "enabled": "yes", **fields}
    return client.post("/manage/devices/new", data=data)


def test_a_notebook_without_an_address_is_saved_with_its_register_fields(browser, db):
    response = post_asset(
        browser,
        name="nb-ห้องวิชาการ-01",
        address="",
        asset_number="7440-001-0002/67",
        budget_year="2567",
        acquisition_method="เฉพาะเจาะจง",
        fund_source="เงินงบประมาณ",
        price="25,900.50",
        responsible_person="นางสาวสมหญิง ใจดี",
        room="อาคาร 2 ห้องวิชาการ",
        condition="usable",
    )
    assert response.status_code == 302
    with db() as s:
        notebook = s.scalars(select(Device).where(Device.name == "nb-ห้องวิชาการ-01")).one()
    # Saved, the officer sees the asset's register page (it has no status page to show).
    assert response.headers["Location"] == f"/assets/{notebook.id}"
    shown = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "7440-001-0002/67" in shown and "25,900.50" in shown and "2567" in shown
    with db() as s:
        event = s.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "device", AuditEvent.action == "create"
            )
        ).one()
    assert notebook.address is None
    assert (notebook.budget_year, notebook.price) == (2024, Decimal("25900.50"))
    assert event.actor == "somchai"
    # The form shows the budget year as typed in the Buddhist era, and the list says "not polled".
    form = browser.get(f"/manage/devices/{notebook.id}/edit").get_data(as_text=True)
    assert 'name="budget_year" value="2567"' in form
    listing = browser.get("/manage/devices?site=S01").get_data(as_text=True)
    assert "nb-ห้องวิชาการ-01" in listing and "ไม่ตรวจวัด (ครุภัณฑ์)" in listing
    # The status page is what is polled: the school's page does not list the notebook.
    school = browser.get("/sites/S01").get_data(as_text=True)
    assert "s01-router" in school and "nb-ห้องวิชาการ-01" not in school


def test_register_fields_the_office_does_not_allow_are_refused_beside_the_field(browser, db):
    response = post_asset(
        browser,
        name="nb-02",
        asset_number="7440-1-2/67",
        price="12,50",
        fund_source="เงินกู้",
        condition="disposed",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for field in ("asset_number", "price", "fund_source", "condition"):
        assert f'id="error-{field}"' in page
    assert "office&#39;s form" in page
    with db() as s:
        assert s.scalars(select(Device).where(Device.name == "nb-02")).one_or_none() is None


def test_an_asset_number_of_another_asset_is_refused(browser, db):
    assert (
        post_asset(
            browser, name="pc-01", kind="computer", asset_number="7440-001-0007/66"
        ).status_code
        == 302
    )
    response = post_asset(browser, name="pc-02", kind="computer", asset_number="7440-001-0007/66")
    assert response.status_code == 400
    assert "belongs to S01/pc-01" in response.get_data(as_text=True)
