"""The incident log, one incident's page, maintenance windows, the outbox page and their API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from monitor.accounts.users import create_user
from monitor.db.models import MaintenanceWindow
from monitor.incidents import recording as incidents
from monitor.mail import outbox
from monitor.status import store
from tests.conftest import NOW
from tests.web.conftest import PASSWORD, sign_in

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def open_incident(db, district, title="s02-router (127.0.2.1)", **kw):
    with db.begin() as s:
        incident = incidents.open_manual(
            s,
            title=title,
            actor="ictmon",
            at=NOW - timedelta(hours=2),
            site_id=None,
            device_id=district["s02_router"],
            **kw,
        )
        return incident.id


def test_the_log_lists_incidents_and_filters_by_state_and_site(officer, db, district):
    first = open_incident(db, district)
    with db.begin() as s:
        done = incidents.open_manual(
            s,
            title="stolen AP",
            actor="x",
            at=NOW,
            site_id=None,
            device_id=district["s03_ap"],
            cause="theft",
        )
        incidents.resolve(s, done, "x", NOW)
    page = officer.get("/incidents").get_data(as_text=True)
    assert f"#{first}" in page and "stolen AP" in page
    page = officer.get("/incidents?state=open").get_data(as_text=True)
    assert "s02-router" in page and "stolen AP" not in page
    page = officer.get("/incidents?site=S03&cause=theft").get_data(as_text=True)
    assert "stolen AP" in page and "s02-router (127" not in page
    page = officer.get("/incidents?from=2026-11-25").get_data(as_text=True)
    assert "ไม่มีเหตุการณ์ตามเงื่อนไขนี้" in page


def test_actions_record_the_officers_name_on_the_timeline(officer, db, district):
    incident_id = open_incident(db, district)
    officer.post(f"/incidents/{incident_id}/acknowledge")
    officer.post(f"/incidents/{incident_id}/comment", data={"text": "ISP cable cut, ticket 1234"})
    officer.post(f"/incidents/{incident_id}/cause", data={"cause": "isp"})
    officer.post(f"/incidents/{incident_id}/resolve")
    page = officer.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert page.count("เจ้าหน้าที่ ICT") >= 4
    assert "ISP cable cut, ticket 1234" in page
    assert "ผู้ให้บริการอินเทอร์เน็ต" in page and "แก้ไขแล้ว" in page


def test_hostile_text_is_escaped_on_the_pages(officer, db, district):
    incident_id = open_incident(db, district, title=HOSTILE)
    officer.post(f"/incidents/{incident_id}/comment", data={"text": HOSTILE})
    for path in (f"/incidents/{incident_id}", "/incidents", f"/devices/{district['s02_router']}"):
        page = officer.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;" in page, path


def test_the_device_page_shows_its_open_incident(officer, db, district):
    incident_id = open_incident(db, district)
    page = officer.get(f"/devices/{district['s02_router']}").get_data(as_text=True)
    assert f'href="/incidents/{incident_id}"' in page
    assert "เหตุการณ์ที่ยังเปิดอยู่" in page


def test_a_viewer_can_read_but_not_act(client, db, district):
    incident_id = open_incident(db, district)
    with db.begin() as s:
        create_user(s, "viewer", PASSWORD, role="viewer")
    sign_in(client, "viewer")
    assert client.get(f"/incidents/{incident_id}").status_code == 200
    assert client.post(f"/incidents/{incident_id}/resolve").status_code == 403
    assert client.get("/admin/outbox").status_code == 403
    assert client.get("/api/v1/outbox").status_code == 403


def test_a_weekly_window_made_on_the_page_silences_the_site_on_saturday_mornings(
    officer, db, district
):
    response = officer.post(
        "/maintenance",
        data={
            "target": "site:" + str(_site_id(db, "S02")),
            "starts_at": "2026-11-24T00:00",
            "ends_at": "2027-03-31T00:00",
            "weekday": ["5"],
            "local_start": "08:00",
            "local_end": "12:00",
            "reason": "ปรับปรุงระบบไฟ",
        },
    )
    assert response.status_code == 302
    page = officer.get("/maintenance").get_data(as_text=True)
    assert "ส. 08:00–12:00" in page and "ปรับปรุงระบบไฟ" in page
    saturday_9 = NOW.replace(day=28, hour=2)  # 09:00 Bangkok, Saturday 28 Nov 2026
    with db() as s:
        covered = store.devices_in_maintenance(s, saturday_9)
        assert {district["s02_router"], district["s02_switch"], district["s02_ap"]} <= covered
        assert store.devices_in_maintenance(s, saturday_9 + timedelta(hours=4)) == set()
        assert s.scalar(select(MaintenanceWindow.created_by)) == "เจ้าหน้าที่ ICT"


def _site_id(db, code):
    from monitor.db.models import Site

    with db() as s:
        return s.scalar(select(Site.id).where(Site.code == code))


def test_failed_mail_is_listed_for_the_admin_with_its_reason(client, db, district):
    with db.begin() as s:
        create_user(s, "root", PASSWORD, role="admin")
        message = outbox.enqueue(
            s, recipients=["a@b.example"], subject="[ictmon] ขัดข้อง", text="x", now=NOW
        )
        message.status, message.last_error = "failed", "RCPT TO:<a@b.example>: 550 no such user"
    sign_in(client, "root")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "550 no such user" in page and "ส่งไม่สำเร็จ" in page
    [row] = client.get("/api/v1/outbox").get_json()
    assert (row["status"], row["last_error"]) == (
        "failed",
        "RCPT TO:<a@b.example>: 550 no such user",
    )
    client.post(f"/admin/outbox/{message.id}/retry")
    assert client.get("/api/v1/outbox").get_json()[0]["status"] == "pending"


def test_api_lists_incidents_with_children(officer, db, district):
    incident_id = open_incident(db, district)
    [row] = officer.get("/api/v1/incidents").get_json()
    assert row["id"] == incident_id and row["state"] == "open" and row["device"] == "s02-router"
    assert row["site"] == "S02" and row["opened_at"].endswith("+07:00")
    assert officer.get("/api/v1/incidents?state=resolved").get_json() == []
