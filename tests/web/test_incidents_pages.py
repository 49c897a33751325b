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


# --- a manual incident: the cause asked, the start and end in the past -------------------------


def incident_rows(db):
    from monitor.db.models import Incident

    with db() as s:
        return s.scalars(select(Incident).order_by(Incident.id)).all()


def test_the_new_incident_form_asks_for_a_cause_and_assumes_none(officer, db, district):
    html = officer.get("/incidents/new").get_data(as_text=True)
    assert '<select name="cause" id="cause" required>' in html
    assert '<option value="" disabled selected>— เลือกสาเหตุ —</option>' in html
    response = officer.post(
        "/incidents/new",
        data={"title": "stolen AP", "device_id": district["s03_ap"]},
        follow_redirects=True,
    )
    assert "ข้อมูลไม่ถูกต้อง: สาเหตุ" in response.get_data(as_text=True)
    assert "stolen AP" in response.get_data(as_text=True)  # what was typed is kept
    assert incident_rows(db) == []


def test_a_manual_incident_can_start_and_end_in_the_past_typed_in_the_buddhist_era(
    officer, db, district
):
    response = officer.post(
        "/incidents/new",
        data={
            "title": "ไฟดับทั้งโรงเรียน",
            "device_id": district["s03_ap"],
            "cause": "power",
            "started_at": "23/11/2569 08:15",
            "ended_at": "23/11/2569 11:45",
        },
    )
    assert response.status_code == 302
    [incident] = incident_rows(db)
    assert incident.state == "resolved" and incident.manual
    assert incident.opened_at == NOW.replace(day=23, hour=1, minute=15)  # 08:15 Bangkok
    assert incident.resolved_at == NOW.replace(day=23, hour=4, minute=45)
    html = officer.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "23 พ.ย. 2569 08:15" in html and "3 ชั่วโมง 30 นาที" in html


def test_a_manual_incident_still_going_on_starts_in_the_past(officer, db, district):
    officer.post(
        "/incidents/new",
        data={"title": "x", "site_id": "", "cause": "other", "started_at": "2026-11-24T08:00"},
    )
    [incident] = incident_rows(db)
    assert incident.state == "open" and incident.opened_at == NOW.replace(hour=1)


def test_a_manual_incident_cannot_start_in_the_future_or_end_before_it_began(officer, db, district):
    for started, ended, field in [
        ("25/11/2569 08:00", "", "เริ่มเมื่อ"),
        ("23/11/2569 08:00", "22/11/2569 08:00", "สิ้นสุดเมื่อ"),
        ("23/11/2569 08:00", "30/11/2569 08:00", "สิ้นสุดเมื่อ"),
        ("31/02/2569 08:00", "", "เริ่มเมื่อ"),
    ]:
        html = officer.post(
            "/incidents/new",
            data={"title": "x", "cause": "other", "started_at": started, "ended_at": ended},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert f"ข้อมูลไม่ถูกต้อง: {field}" in html, (started, ended)
    assert incident_rows(db) == []


def test_an_incident_without_a_cause_offers_no_preselected_cause(officer, db, district):
    incident_id = open_incident(db, district)
    html = officer.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert '<option value="" selected disabled>— เลือกสาเหตุ —</option>' in html


def test_unreachable_devices_are_one_line_with_a_count(officer, db, district):
    from monitor.db.models import IncidentDevice, IncidentEvent

    incident_id = open_incident(db, district)
    with db.begin() as s:
        for n, device_id in enumerate((district["s02_switch"], district["s02_ap"])):
            s.add(IncidentDevice(incident_id=incident_id, device_id=device_id, attached_at=NOW))
            s.add(
                IncidentEvent(
                    incident_id=incident_id,
                    at=NOW - timedelta(minutes=50 - n),
                    actor="ictmon",
                    action="child",
                    text=["s02-switch", "s02-ap"][n],
                )
            )
    html = officer.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert html.count('class="ev-child"') == 1
    assert "ติดต่อไม่ได้เพราะเหตุการณ์นี้ 2 เครื่อง" in html
    assert "อุปกรณ์ที่ติดต่อไม่ได้เพราะเหตุการณ์นี้ 2 เครื่อง" in html
    assert "s02-switch" in html and "s02-ap" in html


def test_a_maintenance_window_is_typed_in_the_buddhist_era(officer, db, district):
    html = officer.get("/maintenance").get_data(as_text=True)
    assert 'placeholder="วว/ดด/ปปปป ชช:นน"' in html and 'type="datetime-local"' not in html
    # The weekdays are one row of checkboxes, each with its name beside it.
    assert '<label class="check"><input type="checkbox" name="weekday" value="5"><span>' in html
    response = officer.post(
        "/maintenance",
        data={
            "target": "site:" + str(_site_id(db, "S02")),
            "starts_at": "24/11/2569 09:00",
            "ends_at": "24/11/2569 12:30",
            "reason": "ย้ายตู้แร็ค",
        },
    )
    assert response.status_code == 302
    with db() as s:
        window = s.scalars(select(MaintenanceWindow)).one()
    assert (window.starts_at, window.ends_at) == (
        NOW.replace(hour=2),
        NOW.replace(hour=5, minute=30),
    )
