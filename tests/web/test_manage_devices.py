"""The management pages for sites, devices and profiles through the Flask test client: forms with
CSRF, errors beside the fields with the typed values kept, bulk actions all or nothing, roles."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from monitor.accounts.users import create_user
from monitor.db.models import AuditEvent, Device, Site, SnmpProfile
from monitor.secrets import Vault
from tests.web.conftest import PASSWORD, make_app, sign_in

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def browser(settings, db, district):
    """An operator signed in to an app with CSRF checks on."""
    with db.begin() as s:
        create_user(s, "somchai", PASSWORD, role="operator")
        create_user(s, "director", PASSWORD, role="viewer")
    client = make_app(settings, db, csrf=True).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "somchai", "password": PASSWORD, "csrf_token": token})
    return client


def token_of(client, url):
    return CSRF.search(client.get(url).get_data(as_text=True)).group(1)


def device_named(db, name):
    with db() as s:
        return s.scalars(select(Device).where(Device.name == name)).one_or_none()


def test_adding_a_device_through_the_form(browser, db, district):
    token = token_of(browser, "/manage/devices/new")
    response = browser.post(
        "/manage/devices/new",
        data={
            "csrf_token": token,
            "site": "S01",
            "name": "s01-switch",
            "address": "127.0.1.2",
            "kind": "switch",
            "parent_id": str(district["s01_router"]),
            "enabled": "yes",
            "purchase_date": "01/06/2567",
            "ssh_password": "t0p-secret",
        },
    )
    assert response.status_code == 302
    device = device_named(db, "s01-switch")
    assert device.parent_id == district["s01_router"]
    assert str(device.purchase_date) == "2024-06-01"
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "s01-switch" in page
    with db() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.object_type == "device")).one()
    assert (event.actor, event.action) == ("somchai", "create")


def test_a_post_without_the_csrf_token_is_refused(browser, db):
    response = browser.post(
        "/manage/devices/new",
        data={"site": "S01", "name": "sneaky", "address": "127.0.1.9", "kind": "ap"},
    )
    assert response.status_code == 400
    assert device_named(db, "sneaky") is None


def test_errors_are_shown_beside_the_fields_and_typed_values_kept(browser, db):
    token = token_of(browser, "/manage/devices/new")
    response = browser.post(
        "/manage/devices/new",
        data={
            "csrf_token": token,
            "site": "S01",
            "name": "new-ap",
            "address": "10.0.0.300",
            "kind": "ap",
            "warranty_end": "31/13/2570",
            "model": "U6-Lite",
            "ssh_password": "typed-secret",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="error-address"[^>]*>[^<]*is not an IP address or host name', page)
    assert re.search(r'id="error-warranty_end"[^>]*>[^<]*is not a real date', page)
    assert 'value="new-ap"' in page and 'value="U6-Lite"' in page
    assert "typed-secret" not in page
    assert device_named(db, "new-ap") is None


def test_the_parent_list_leaves_out_the_device_and_everything_below_it(browser, district):
    page = browser.get(f"/manage/devices/{district['s02_router']}/edit").get_data(as_text=True)
    parent_select = page.split('id="parent-select"')[1].split("</select>")[0]
    assert "S02/s02-switch" not in parent_select and "S02/s02-ap" not in parent_select
    assert ">S02/s02-router<" not in parent_select
    assert f'value="{district["core"]}" selected' in parent_select


def test_a_stored_secret_is_never_shown_and_kept_when_left_empty(browser, db, settings, district):
    vault = Vault.from_settings(settings)
    with db.begin() as s:
        s.get(Device, district["core"]).snmp_community = vault.encrypt("c0mmunity-x")
    url = f"/manage/devices/{district['core']}/edit"
    page = browser.get(url).get_data(as_text=True)
    assert "c0mmunity-x" not in page
    assert 'placeholder="บันทึกไว้แล้ว — เว้นว่างไว้เพื่อใช้ค่าเดิม"' in page
    token = CSRF.search(page).group(1)
    form = {
        "csrf_token": token,
        "site": "OFFICE",
        "name": "office-core",
        "address": "127.0.0.1",
        "kind": "router",
        "enabled": "yes",
        "snmp_community": "",
    }
    assert browser.post(url, data=form).status_code == 302
    assert vault.decrypt(device_named(db, "office-core").snmp_community) == "c0mmunity-x"
    assert browser.post(url, data={**form, "clear_snmp_community": "yes"}).status_code == 302
    assert device_named(db, "office-core").snmp_community is None


def test_bulk_set_parent_with_a_loop_is_refused_and_nothing_changes(browser, db, district):
    token = token_of(browser, "/manage/devices")
    response = browser.post(
        "/manage/devices/bulk",
        data={
            "csrf_token": token,
            "action": "parent",
            "parent_id": str(district["s02_ap"]),
            "device": [str(district["s02_router"]), str(district["s03_ap"])],
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "S02/s02-router" in page and "parent loop" in page
    with db() as s:
        assert s.get(Device, district["s02_router"]).parent_id == district["core"]
        assert s.get(Device, district["s03_ap"]).parent_id != district["s02_ap"]


def test_bulk_move_and_disable(browser, db, district):
    token = token_of(browser, "/manage/devices")
    with db() as s:
        s03 = s.scalars(select(Site).where(Site.code == "S03")).one().id
    response = browser.post(
        "/manage/devices/bulk",
        data={
            "csrf_token": token,
            "action": "move",
            "site_id": str(s03),
            "device": [str(district["s02_switch"]), str(district["s02_ap"])],
        },
    )
    assert response.status_code == 302
    assert (
        browser.post(
            "/manage/devices/bulk",
            data={"csrf_token": token, "action": "disable", "device": [str(district["s02_ap"])]},
        ).status_code
        == 302
    )
    page = browser.get("/manage/devices?site=S03&enabled=no").get_data(as_text=True)
    table = page.split('id="devices-table"')[1]
    assert ">s02-ap</a>" in table and ">s02-switch</a>" not in table
    with db() as s:
        assert s.get(Device, district["s02_switch"]).site_id == s03


def test_sites_are_added_and_disabled(browser, db):
    token = token_of(browser, "/manage/sites")
    bad = browser.post("/manage/sites", data={"csrf_token": token, "code": "S 04", "name": "x"})
    assert bad.status_code == 400 and "must not contain spaces" in bad.get_data(as_text=True)
    assert (
        browser.post(
            "/manage/sites", data={"csrf_token": token, "code": "S04", "name": "โรงเรียนใหม่"}
        ).status_code
        == 302
    )
    with db() as s:
        site = s.scalars(select(Site).where(Site.code == "S04")).one()
    browser.post(f"/manage/sites/{site.id}/enabled", data={"csrf_token": token, "enabled": "no"})
    with db() as s:
        assert s.get(Site, site.id).enabled is False
    assert "โรงเรียนใหม่" in browser.get("/manage/sites").get_data(as_text=True)


def test_a_profile_in_use_cannot_be_deleted(browser, db, district):
    token = token_of(browser, "/manage/profiles/snmp/new")
    assert (
        browser.post(
            "/manage/profiles/snmp/new",
            data={
                "csrf_token": token,
                "name": "schools",
                "version": "2c",
                "community": "very-secret",
            },
        ).status_code
        == 302
    )
    with db.begin() as s:
        profile = s.scalars(select(SnmpProfile)).one()
        s.get(Device, district["core"]).snmp_profile_id = profile.id
    listing = browser.get("/manage/profiles").get_data(as_text=True)
    assert "schools" in listing and "very-secret" not in listing
    response = browser.post(
        f"/manage/profiles/snmp/{profile.id}/delete", data={"csrf_token": token}
    )
    assert response.status_code == 400
    assert "used by 1 device" in response.get_data(as_text=True)
    with db() as s:
        assert s.get(SnmpProfile, profile.id) is not None


@pytest.mark.parametrize(
    "url",
    [
        "/manage/devices",
        "/manage/sites",
        "/manage/profiles",
        "/manage/import",
        "/manage/devices/new",
    ],
)
def test_a_viewer_may_not_use_the_management_pages(settings, db, district, url):
    with db.begin() as s:
        create_user(s, "director", PASSWORD, role="viewer")
    client = make_app(settings, db).test_client()
    sign_in(client, "director")
    assert client.get(url).status_code == 403
    assert client.post(url, data={"name": "x"}).status_code in (403, 405)
    assert "/manage/devices" not in client.get("/").get_data(as_text=True)
