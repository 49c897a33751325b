"""The API's write endpoints, called as an admin's script calls them: with a real bearer token
(or a signed-in browser session plus its CSRF token), against a real SQLite database."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from monitor.accounts.users import create_token, create_user
from monitor.db.models import ApiToken, AuditEvent, Device, Incident, MaintenanceWindow
from monitor.incidents import queries as iq
from monitor.incidents import recording as incidents
from monitor.secrets import Vault
from tests.conftest import NOW
from tests.web.conftest import PASSWORD, make_app


@pytest.fixture
def people(db):
    """One token per role; the operator has a display name, as the incident log shows it."""
    tokens = {}
    with db.begin() as s:
        for name, role, shown in (
            ("somchai", "operator", "สมชาย ใจดี"),
            ("boss", "admin", ""),
            ("director", "viewer", ""),
        ):
            tokens[role] = create_token(
                s, create_user(s, name, PASSWORD, role=role, display_name=shown)
            )
    return tokens


@pytest.fixture
def api(settings, db, people):
    """A client that speaks as a role: api.post(..., role="operator")."""
    client = make_app(settings, db, csrf=True).test_client()

    class Caller:
        def __getattr__(self, method):
            def call(path, role="operator", **kwargs):
                headers = {"Authorization": f"Bearer {people[role]}", **kwargs.pop("headers", {})}
                return getattr(client, method)(path, headers=headers, **kwargs)

            return call

    return Caller()


def devices_in(db) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(Device))


def device(db, device_id) -> Device:
    with db() as s:
        return s.get(Device, device_id)


NEW_AP = {
    "site": "S01",
    "name": "s01-ap-lab",
    "address": "127.0.1.20",
    "kind": "ap",
    "parent": "S01/s01-router",
    "snmp_version": "2c",
    "snmp_community": "sw0rdfish",
    "ssh_password": "hunter2-secret",
    "model": "UAP-AC-Lite",
    "purchase_date": "15/01/2567",
}


# --- devices -----------------------------------------------------------------------------------


def test_create_device_answers_201_with_the_device_and_its_location(api, db, district, settings):
    response = api.post("/api/v1/devices", json=NEW_AP)
    assert response.status_code == 201
    body = response.json
    assert response.headers["Location"] == f"/api/v1/devices/{body['id']}"
    assert body["name"] == "s01-ap-lab" and body["site"] == "S01" and body["kind"] == "ap"
    assert body["parent_id"] == district["s01_router"]
    assert body["purchase_date"] == "2024-01-15"  # 2567 BE read as a Buddhist-era year
    assert body["has_snmp_community"] is True and body["has_ssh_password"] is True
    stored = device(db, body["id"])
    assert stored.address == "127.0.1.20" and stored.model == "UAP-AC-Lite"
    assert Vault.from_settings(settings).decrypt(stored.snmp_community) == "sw0rdfish"
    # The new device is what the read API lists too.
    listed = api.get(response.headers["Location"], role="viewer").json
    assert listed["name"] == "s01-ap-lab" and listed["parent"] == "s01-router"


def test_no_credential_in_any_write_answer(api, db, district):
    created = api.post("/api/v1/devices", json=NEW_AP)
    changed = api.patch(
        f"/api/v1/devices/{created.json['id']}", json={"ssh_password": "n3w-hunter2"}
    )
    for response in (created, changed):
        text = response.get_data(as_text=True)
        assert response.status_code in (200, 201)
        assert "sw0rdfish" not in text and "hunter2" not in text
        assert "snmp_community" not in response.json and "ssh_password" not in response.json


def test_refused_device_is_422_naming_each_field_and_nothing_is_written(api, db, district):
    before = devices_in(db)
    response = api.post(
        "/api/v1/devices", json={**NEW_AP, "site": "S99", "kind": "toaster", "colour": "blue"}
    )
    assert response.status_code == 422
    fields = response.json["fields"]
    assert "S99" in fields["site"]
    assert fields["colour"] == "unknown field"
    assert "S99" in response.json["error"]
    assert devices_in(db) == before


def test_the_office_s_asset_rules_hold_for_api_writes_too(api, db, district):
    notebook = {"site": "S01", "name": "nb-01", "kind": "notebook"}
    response = api.post("/api/v1/devices", json={**notebook, "asset_number": "7440-1-2/67"})
    assert response.status_code == 422
    assert "asset_number" in response.json["fields"]
    response = api.post("/api/v1/devices", json={**notebook, "asset_number": "7440-001-0002/67"})
    assert response.status_code == 201, response.json
    patched = api.patch(
        f"/api/v1/devices/{response.json['id']}", json={"asset_number": "not-a-number"}
    )
    assert patched.status_code == 422 and "asset_number" in patched.json["fields"]
    assert device(db, response.json["id"]).asset_number == "7440-001-0002/67"


def test_a_name_already_in_the_site_is_refused(api, db, district):
    response = api.post("/api/v1/devices", json={**NEW_AP, "name": "s01-router"})
    assert response.status_code == 422
    assert "already exists" in response.json["fields"]["name"]


def test_wrong_json_types_are_422_on_that_field(api, db, district):
    response = api.post("/api/v1/devices", json={**NEW_AP, "name": ["a", "list"]})
    assert response.status_code == 422
    assert response.json["fields"]["name"] == "must be text"


@pytest.mark.parametrize(
    "data, content_type, message",
    [
        ("{not json", "application/json", "JSON object"),
        ("[1, 2]", "application/json", "JSON object"),
        ("site=S01", "application/x-www-form-urlencoded", "Content-Type: application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(api, db, district, data, content_type, message):
    before = devices_in(db)
    response = api.post("/api/v1/devices", data=data, content_type=content_type)
    assert response.status_code == 400
    assert message in response.json["error"]
    assert devices_in(db) == before


def test_patch_changes_only_the_keys_given(api, db, district):
    response = api.patch(
        f"/api/v1/devices/{district['s03_ap']}",
        json={"address": "127.0.3.99", "location": "ห้องสมุด"},
    )
    assert response.status_code == 200
    assert response.json["address"] == "127.0.3.99"
    stored = device(db, district["s03_ap"])
    assert (stored.address, stored.location, stored.name, stored.kind) == (
        "127.0.3.99",
        "ห้องสมุด",
        "s03-ap",
        "ap",
    )


def test_patch_enabled_false_disables_the_device(api, db, district):
    response = api.patch(f"/api/v1/devices/{district['s03_ap']}", json={"enabled": False})
    assert response.status_code == 200 and response.json["enabled"] is False
    assert device(db, district["s03_ap"]).enabled is False
    page = api.get("/api/v1/devices?site=S03", role="viewer").json
    names = [d["name"] for d in page["devices"]]
    assert names == ["s03-router"]


def test_patch_of_a_missing_device_is_404(api, district):
    response = api.patch("/api/v1/devices/9999", json={"address": "127.0.0.9"})
    assert response.status_code == 404 and "9999" in response.json["error"]


def test_patch_refused_keeps_the_device_as_it_was(api, db, district):
    response = api.patch(
        f"/api/v1/devices/{district['s03_ap']}", json={"address": "127.0.3.99", "kind": "toaster"}
    )
    assert response.status_code == 422 and "kind" in response.json["fields"]
    assert device(db, district["s03_ap"]).address == "127.0.3.2"


# --- who may write ------------------------------------------------------------------------------


def test_viewer_token_may_read_but_not_write(api, db, district):
    before = devices_in(db)
    assert api.get("/api/v1/maintenance", role="viewer").status_code == 200
    assert api.post("/api/v1/devices", json=NEW_AP, role="viewer").status_code == 403
    assert (
        api.patch(
            f"/api/v1/devices/{district['s03_ap']}", json={"enabled": False}, role="viewer"
        ).status_code
        == 403
    )
    assert (
        api.post(
            "/api/v1/maintenance",
            role="viewer",
            json={
                "site": "S01",
                "starts_at": "2026-11-28T08:00:00",
                "ends_at": "2026-11-28T12:00:00",
            },
        ).status_code
        == 403
    )
    assert devices_in(db) == before
    assert device(db, district["s03_ap"]).enabled is True


def test_revoked_token_is_401(api, db, district, people):
    with db.begin() as s:
        for row in s.scalars(select(ApiToken)):
            row.revoked_at = NOW
    response = api.post("/api/v1/devices", json=NEW_AP)
    assert response.status_code == 401
    assert response.json == {"error": "authentication required"}


def test_no_credentials_at_all_is_401_not_a_redirect(settings, db, district):
    client = make_app(settings, db, csrf=True).test_client()
    response = client.post("/api/v1/devices", json=NEW_AP)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.fixture
def browser(settings, db, people):
    """A signed-in browser session (CSRF on), and the CSRF token its pages carry."""
    client = make_app(settings, db, csrf=True).test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    response = client.post(
        "/login", data={"username": "somchai", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client, csrf


def test_session_write_without_csrf_header_is_400_and_writes_nothing(browser, db, district):
    client, _csrf = browser
    before = devices_in(db)
    response = client.post("/api/v1/devices", json=NEW_AP)
    assert response.status_code == 400
    assert "CSRF" in response.json["error"]
    assert devices_in(db) == before


def test_session_write_with_csrf_header_works(browser, db, district):
    client, csrf = browser
    response = client.post("/api/v1/devices", json=NEW_AP, headers={"X-CSRFToken": csrf})
    assert response.status_code == 201
    assert device(db, response.json["id"]).name == "s01-ap-lab"


def test_session_reads_need_no_csrf_header(browser, district):
    client, _csrf = browser
    assert client.get("/api/v1/maintenance").status_code == 200
    assert client.get("/api/v1/devices").status_code == 200


# --- maintenance windows -------------------------------------------------------------------------

SATURDAY_MORNING = {
    "site": "S02",
    "starts_at": "2026-11-28T08:00:00",
    "ends_at": "2026-11-28T12:00:00+07:00",
    "reason": "เปลี่ยนสวิตช์",
}


def test_maintenance_create_list_delete(api, db, district):
    created = api.post("/api/v1/maintenance", json=SATURDAY_MORNING)
    assert created.status_code == 201
    window = created.json
    assert window["site"] == "S02" and window["device_id"] is None
    assert window["starts_at"] == "2026-11-28T08:00:00+07:00"  # no offset: Bangkok time
    assert window["ends_at"] == "2026-11-28T12:00:00+07:00"
    assert window["weekly"] is False and window["in_force"] is False
    assert window["created_by"] == "สมชาย ใจดี"

    listed = api.get("/api/v1/maintenance", role="viewer").json
    assert [w["id"] for w in listed] == [window["id"]]
    assert listed[0]["reason"] == "เปลี่ยนสวิตช์"

    assert api.delete(f"/api/v1/maintenance/{window['id']}").status_code == 204
    assert api.get("/api/v1/maintenance", role="viewer").json == []
    assert api.delete(f"/api/v1/maintenance/{window['id']}").status_code == 404


def test_weekly_window_for_a_device(api, db, district):
    response = api.post(
        "/api/v1/maintenance",
        json={
            "device_id": district["s02_router"],
            "starts_at": "2026-11-01T00:00:00+07:00",
            "ends_at": "2027-03-31T00:00:00+07:00",
            "weekdays": [5, 6],
            "local_start": "08:00",
            "local_end": "12:00",
            "reason": "ปิดภาคเรียน",
        },
    )
    assert response.status_code == 201
    body = response.json
    assert body["device"] == "S02/s02-router" and body["site"] is None
    assert body["weekly"] is True and body["weekdays"] == [5, 6]
    assert (body["local_start"], body["local_end"]) == ("08:00", "12:00")
    # NOW is a Tuesday 10:00 in Bangkok: inside the validity range, outside the weekly hours.
    assert body["in_force"] is False
    with db() as s:
        stored = s.get(MaintenanceWindow, body["id"])
        assert (stored.recurrence, stored.weekdays) == ("weekly", "5,6")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"ends_at": "2026-11-28T07:00:00"}, "ends_at"),
        ({"site": "S99"}, "site"),
        ({"starts_at": "next saturday"}, "starts_at"),
        ({"device_id": 1}, "site"),  # both a site and a device
        ({"weekdays": [7], "local_start": "08:00", "local_end": "12:00"}, "weekdays"),
        ({"weekdays": [5], "local_start": "25:00", "local_end": "12:00"}, "local_start"),
        ({"local_start": "08:00"}, "local_start"),  # weekly hours without weekdays
        ({"reason": 42}, "reason"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_maintenance_refusals_name_the_field_and_write_nothing(api, db, district, change, field):
    response = api.post("/api/v1/maintenance", json={**SATURDAY_MORNING, **change})
    assert response.status_code == 422, response.json
    assert field in response.json["fields"]
    with db() as s:
        assert s.scalar(select(func.count()).select_from(MaintenanceWindow)) == 0


def test_maintenance_for_a_missing_device_is_422(api, district):
    body = {k: v for k, v in SATURDAY_MORNING.items() if k != "site"}
    response = api.post("/api/v1/maintenance", json={**body, "device_id": 9999})
    assert response.status_code == 422
    assert response.json["fields"] == {"device_id": "no such device"}


# --- incidents --------------------------------------------------------------------------------


@pytest.fixture
def incident_id(db, district):
    with db.begin() as s:
        return incidents.open_manual(
            s,
            title="AP ห้องสมุดหาย",
            actor="ictmon",
            at=NOW - timedelta(hours=1),
            site_id=None,
            device_id=district["s03_ap"],
        ).id


def test_acknowledge_shows_the_tokens_user_in_the_incident_log(api, db, incident_id):
    response = api.post(f"/api/v1/incidents/{incident_id}/acknowledge", json={"note": "ส่งช่างไปแล้ว"})
    assert response.status_code == 200
    assert response.json["state"] == "acknowledged"
    assert response.json["acknowledged_by"] == "สมชาย ใจดี"
    assert response.json["acknowledged_at"] == "2026-11-24T10:00:00+07:00"
    with db() as s:
        events = [(e.actor, e.action, e.text) for e in iq.timeline(s, incident_id)]
    assert events[-2:] == [
        ("สมชาย ใจดี", "acknowledged", ""),
        ("สมชาย ใจดี", "comment", "ส่งช่างไปแล้ว"),
    ]


def test_acknowledge_without_a_body_works(api, db, incident_id):
    response = api.post(f"/api/v1/incidents/{incident_id}/acknowledge")
    assert response.status_code == 200 and response.json["state"] == "acknowledged"


def test_acknowledging_twice_is_409(api, db, incident_id):
    api.post(f"/api/v1/incidents/{incident_id}/acknowledge")
    response = api.post(f"/api/v1/incidents/{incident_id}/acknowledge")
    assert response.status_code == 409 and "acknowledged" in response.json["error"]


def test_acknowledge_missing_incident_is_404_and_bad_note_422(api, db, incident_id):
    assert api.post("/api/v1/incidents/9999/acknowledge").status_code == 404
    response = api.post(f"/api/v1/incidents/{incident_id}/acknowledge", json={"note": 5})
    assert response.status_code == 422 and response.json["fields"] == {"note": "must be text"}
    with db() as s:
        assert s.get(Incident, incident_id).state == "open"


# --- the audit log -----------------------------------------------------------------------------


def test_api_changes_are_audited_as_api_user(api, db, district, incident_id):
    created = api.post("/api/v1/devices", json=NEW_AP).json
    api.patch(f"/api/v1/devices/{created['id']}", json={"enabled": False})
    window = api.post("/api/v1/maintenance", json=SATURDAY_MORNING).json
    api.delete(f"/api/v1/maintenance/{window['id']}")
    api.post(f"/api/v1/incidents/{incident_id}/acknowledge")
    with db() as s:
        rows = s.scalars(
            select(AuditEvent).where(AuditEvent.actor == "api:somchai").order_by(AuditEvent.id)
        ).all()
    seen = [(r.action, r.object_type) for r in rows]
    assert ("create", "device") in seen and ("update", "device") in seen
    assert ("create", "maintenance_window") in seen and ("delete", "maintenance_window") in seen
    assert ("acknowledge", "incident") in seen  # stored as the action it is, not "update"
    device_rows = [r for r in rows if r.object_type == "device" and r.action == "create"]
    assert device_rows[0].changes["snmp_community"] == [None, "•••"]
    assert "sw0rdfish" not in str(device_rows[0].changes)


@pytest.mark.parametrize("method", ["get", "patch"])
def test_an_id_past_what_the_database_holds_is_404_not_a_500(api, district, method):
    # Found by schemathesis: the database refused the number and the answer was a 500.
    response = getattr(api, method)("/api/v1/devices/99999999999999999999", json={})
    assert response.status_code == 404 and response.json == {"error": "not found"}
