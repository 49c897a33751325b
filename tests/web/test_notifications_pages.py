"""/admin/notifications: channels added, changed, tested and deleted from the browser's forms,
against a real webhook receiver on loopback; the token never comes back in any answer."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from monitor.accounts.users import create_user
from monitor.db.models import AlertChannel, AuditEvent
from tests.support.webhook import Receiver
from tests.web.conftest import PASSWORD, sign_in

SECRET = "tok-3f9a8b7c6d5e4f3a2b1c"


@pytest.fixture
def hook(tmp_path):
    with Receiver(tmp_path / "hook") as receiver:
        yield receiver


@pytest.fixture
def admin(client, db):
    with db.begin() as s:
        create_user(s, "root", PASSWORD, role="admin")
    sign_in(client, "root")
    return client


def add(client, hook, **kw):
    data = {
        "name": "เวร ICT",
        "url": f"json://127.0.0.1:{hook.port}/{SECRET}",
        "language": "th",
        "events": ["down", "grouped"],
        "sites": "",
    }
    data.update(kw)
    return client.post("/admin/notifications", data=data)


def every_answer(client) -> str:
    pages = ["/admin/notifications", "/admin/outbox", "/api/v1/outbox", "/admin/audit"]
    answers = [client.get(p) for p in pages]
    assert [a.status_code for a in answers] == [200] * len(pages)
    return "".join(a.get_data(as_text=True) for a in answers)


def test_an_admin_adds_tests_and_changes_a_channel_and_never_sees_the_token(admin, db, hook):
    response = add(admin, hook, sites="S01 S02")
    assert response.status_code == 302
    page = admin.get("/admin/notifications").get_data(as_text=True)
    assert "เวร ICT" in page and "JSON webhook" in page and 'value="S01 S02"' in page
    with db() as s:
        [channel] = s.scalars(select(AlertChannel)).all()

    tested = admin.post(f"/admin/notifications/{channel.id}/test").get_data(as_text=True)
    assert "ส่งแล้ว บริการตอบว่า: Sent JSON POST notification." in tested
    [request] = hook.requests()
    assert json.loads(request["body"])["message"].startswith(
        "ข้อความทดสอบจาก ictmon สำหรับช่องทาง “เวร ICT”"
    )

    hook.answer('401 {"message": "Authentication failed"}')
    refused = admin.post(f"/admin/notifications/{channel.id}/test").get_data(as_text=True)
    assert "ส่งไม่สำเร็จ บริการตอบว่า:" in refused
    assert "error=401" in refused and "Authentication failed" in refused

    # Changing the routing with the URL field left empty keeps the stored URL.
    admin.post(
        f"/admin/notifications/{channel.id}",
        data={
            "url": "",
            "language": "en",
            "events": ["down", "flapping"],
            "sites": "",
            "enabled": "on",
        },
    )
    with db() as s:
        changed = s.get(AlertChannel, channel.id)
        assert (changed.language, changed.events, changed.all_sites) == (
            "en",
            "down,flapping",
            True,
        )
    hook.answer("")
    admin.post(f"/admin/notifications/{channel.id}/test")
    assert json.loads(hook.requests()[-1]["body"])["message"].startswith(
        "ictmon test message for channel “เวร ICT”"
    )
    answers = every_answer(admin) + tested + refused
    assert SECRET not in answers
    with db() as s:
        audit = s.scalars(select(AuditEvent).where(AuditEvent.object_type == "alert_channel"))
        entries = [(e.action, e.actor, json.dumps(e.changes, ensure_ascii=False)) for e in audit]
    assert [(a, who) for a, who, _ in entries] == [("create", "root"), ("update", "root")]
    assert all(SECRET not in changes for _, _, changes in entries)


def test_a_bad_url_is_refused_with_the_reason_and_the_url_not_echoed(admin, db, hook):
    response = add(admin, hook, url=f"mailto://user:{SECRET}@example.org")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "ยังไม่ได้บันทึก: this kind of URL is not offered" in page
    assert SECRET not in page
    assert 'value="เวร ICT"' in page  # what was typed stays, except the URL
    response = add(admin, hook, events=[])
    assert "at least one event" in response.get_data(as_text=True)
    with db() as s:
        assert s.scalars(select(AlertChannel)).all() == []


def test_deleting_a_channel_is_audited(admin, db, hook):
    add(admin, hook)
    with db() as s:
        [channel] = s.scalars(select(AlertChannel)).all()
    admin.post(f"/admin/notifications/{channel.id}/delete")
    with db() as s:
        assert s.scalars(select(AlertChannel)).all() == []
        actions = s.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "alert_channel")
        ).all()
    assert actions == ["create", "delete"]


def test_operators_cannot_open_the_page(client, db):
    with db.begin() as s:
        create_user(s, "op", PASSWORD, role="operator")
    sign_in(client, "op")
    assert client.get("/admin/notifications").status_code == 403


def banner(client, url="/incidents") -> str:
    page = client.get(url).get_data(as_text=True)
    start = page.find('id="alerts-cannot-go-out"')
    return "" if start < 0 else page[start : page.find("</div>", start)]


def test_the_red_banner_shows_with_no_route_and_goes_when_a_channel_takes_outages(
    admin, client, db, hook
):
    assert "การแจ้งเตือนส่งไม่ออก: ไม่มีช่องทางแจ้งเหตุขัดข้อง" in banner(admin)
    add(admin, hook, events=["flapping"])  # a channel, but not for outages
    assert "ไม่มีช่องทางแจ้งเหตุขัดข้อง" in banner(admin)
    add(admin, hook, name="S01 only", sites="S01")  # outages, but not for every site
    assert "ไม่มีช่องทางแจ้งเหตุขัดข้อง" in banner(admin)
    add(admin, hook, name="ทุกโรงเรียน")
    assert banner(admin) == ""


def test_the_banner_names_a_route_failing_for_minutes_with_its_answer(app, client, db, hook):
    from datetime import timedelta

    from monitor.mail import outbox
    from tests.conftest import NOW

    with db.begin() as s:
        create_user(s, "op", PASSWORD, role="operator")
        create_user(s, "viewer", PASSWORD, role="viewer")
    admin_client = app.test_client()
    with db.begin() as s:
        create_user(s, "root", PASSWORD, role="admin")
    sign_in(admin_client, "root")
    add(admin_client, hook, name="LINE เวร")
    with db() as s:
        [channel] = s.scalars(select(AlertChannel)).all()
    with db.begin() as s:
        row = outbox.enqueue(
            s,
            recipients=["x"],
            subject="s",
            text="t",
            now=NOW - timedelta(minutes=25),
            channel_id=channel.id,
        )
        row.attempts, row.last_error = 4, "Failed to send JSON POST notification: error=503."
    sign_in(client, "op")
    shown = banner(client)
    assert "การแจ้งเตือนส่งไม่ถึง JSON webhook: LINE เวร ตั้งแต่ 24 พ.ย. 2569 09:35" in shown
    assert "error=503" in shown
    assert "ตั้งค่าการแจ้งเตือน" not in shown  # the settings link is for admins only
    viewer = app.test_client()
    sign_in(viewer, "viewer")
    assert banner(viewer) == ""
