"""/manage/collectors as an admin sees it: the list with each collector's state, a new collector
whose enrolment code is shown once with the command to run at the school, a new code, revoking
(with CSRF, as the browser posts it); and the device page naming the collector that measures it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from monitor.accounts.users import create_user
from monitor.db.models import AuditEvent, Collector
from monitor.edge import enrolment, protocol
from tests.conftest import NOW, add_device, add_site
from tests.web.conftest import PASSWORD, make_app, sign_in

THAI = re.compile(r"[\u0E00-\u0E7F]")
CODE = re.compile(r"ictmon collector enrol (\S+) --code ([A-Za-z0-9_-]+)")
# Text the page itself marks as Thai: the language switch's "ไทย".
MARKED_THAI = re.compile(r'<(\w+)\b[^>]*\blang="th"[^>]*>.*?</\1>', re.S)
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def first_token(page: str) -> str:
    found = TOKEN.search(page)
    assert found, page
    return found.group(1)


@pytest.fixture
def school(db):
    with db.begin() as s:
        create_user(s, "admin", PASSWORD, role="admin")
        create_user(s, "operator", PASSWORD, role="operator")
        office = add_site(s, "OFFICE", "Office")
        core = add_device(s, office, "core", "127.0.0.1")
        site = add_site(s, "S012", "School twelve")
        router = add_device(s, site, "s012-router", "127.0.12.1", parent=core)
        switch = add_device(s, site, "s012-sw", "127.0.12.2", "switch", parent=router)
        add_site(s, "S013", "School thirteen")
        return {"router": router.id, "switch": switch.id}


@pytest.fixture
def admin(settings, db, school):
    client = make_app(settings, db).test_client()
    assert sign_in(client, "admin").status_code == 302
    return client


def test_creating_a_collector_shows_its_code_once_with_the_command(admin, db):
    answer = admin.post("/manage/collectors?lang=en", data={"name": "S012-pi", "sites": "S012"})
    assert answer.status_code == 201
    page = answer.get_data(as_text=True)
    found = CODE.search(page)
    assert found, page
    url, code = found.groups()
    assert url == "http://localhost"  # the address this page was asked under
    assert "Shown this once only" in page
    with db() as s:
        row = s.scalars(select(Collector)).one()
        assert row.enrolment_code_hash == enrolment.digest(code)
    listing = admin.get("/manage/collectors?lang=en").get_data(as_text=True)
    assert code not in listing and "S012-pi" in listing
    assert "never contacted" in listing and "waiting to be used" in listing
    # The code works, once.
    with db.begin() as s:
        enrolment.enrol(s, protocol.EnrolRequest(code), now=NOW)


def test_the_form_says_what_is_wrong(admin):
    admin.post("/manage/collectors", data={"name": "S012-pi", "sites": "S012"})
    answer = admin.post("/manage/collectors?lang=en", data={"name": "two", "sites": "S013 S012"})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "Already measured by another collector: S012 (S012-pi)" in page
    assert 'value="S013 S012"' in page


def test_the_list_shows_state_contact_queue_and_clock(admin, db):
    with db.begin() as s:
        issued = enrolment.create_collector(s, "S012-pi", ["S012"], now=NOW, enrolment_hours=24)
        row = issued.collector
        row.last_contact_at = NOW - timedelta(minutes=3)
        row.queue_length, row.clock_offset_seconds = 42, 7.5
        row.version, row.hostname, row.dropped_total = "1.0", "pi-s012", 12
        row.enrolment_used_at = NOW
    page = admin.get("/manage/collectors?lang=en").get_data(as_text=True)
    card = page[page.index('id="collector-') :]
    # 3 minutes without contact is past 3 × the 30-s push interval: offline.
    assert "offline" in card and "3 min ago" in card
    assert "42" in card and "+7.5 s" in card and "set the machine&#39;s clock" in card
    assert "pi-s012" in card and "1.0" in card and "S012" in card


def test_a_new_code_and_revoking_from_the_page(settings, db, school):
    app = make_app(settings, db, csrf=True)
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = first_token(login)
    client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    with db.begin() as s:
        collector_id = enrolment.create_collector(
            s, "S012-pi", ["S012"], now=NOW, enrolment_hours=24
        ).collector.id
    page = client.get("/manage/collectors?lang=en").get_data(as_text=True)
    csrf = first_token(page)
    assert 'data-confirm="Revoke collector S012-pi?' in page
    # Without the page's token the browser's post is refused.
    refused = client.post(f"/manage/collectors/{collector_id}/revoke")
    assert refused.status_code == 400
    fresh = client.post(f"/manage/collectors/{collector_id}/code", data={"csrf_token": csrf})
    assert fresh.status_code == 200 and CODE.search(fresh.get_data(as_text=True))
    done = client.post(
        f"/manage/collectors/{collector_id}/revoke?lang=en",
        data={"csrf_token": csrf},
        follow_redirects=True,
    )
    assert "Collector S012-pi revoked." in done.get_data(as_text=True)
    with db() as s:
        assert s.get(Collector, collector_id).revoked_at is not None
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        assert actions[-2:] == ["issue_code", "revoke"]


def test_only_admins_manage_collectors(settings, db, school):
    client = make_app(settings, db).test_client()
    sign_in(client, "operator")
    assert client.get("/manage/collectors").status_code == 403
    answer = client.post("/manage/collectors", data={"name": "x", "sites": "S012"})
    assert answer.status_code == 403
    assert 'id="tab-collectors"' not in client.get("/manage/devices").get_data(as_text=True)


def test_the_device_page_names_the_collector_measuring_it(admin, db, school):
    with db.begin() as s:
        enrolment.create_collector(s, "S012-pi", ["S012"], now=NOW, enrolment_hours=24)
    switch = admin.get(f"/devices/{school['switch']}?lang=en").get_data(as_text=True)
    assert "Measured by" in switch and "collector S012-pi" in switch
    thai = admin.get(f"/devices/{school['switch']}?lang=th").get_data(as_text=True)
    assert "ตัวเก็บข้อมูล S012-pi" in thai
    # The router is the school's uplink: the office measures it.
    router = admin.get(f"/devices/{school['router']}?lang=en").get_data(as_text=True)
    assert 'id="measured-by"' not in router


def test_the_page_in_english_has_no_thai(admin, db):
    admin.post("/manage/collectors", data={"name": "S012-pi", "sites": "S012"})
    with db.begin() as s:
        enrolment.create_collector(s, "S013-pi", ["S013"], now=NOW, enrolment_hours=24)
        row = s.scalars(select(Collector).where(Collector.name == "S013-pi")).one()
        row.last_contact_at, row.clock_offset_seconds = NOW, 90.0
        enrolment.revoke(
            s, s.scalars(select(Collector).where(Collector.name == "S012-pi")).one(), now=NOW
        )
    page = admin.get("/manage/collectors?lang=en").get_data(as_text=True)
    assert "results are refused until the clock is fixed" in page
    assert THAI.findall(MARKED_THAI.sub("", page)) == []


def test_the_audit_log_tells_what_was_done_to_a_collector(admin, db):
    admin.post("/manage/collectors", data={"name": "S012-pi", "sites": "S012"})
    with db.begin() as s:
        found = s.scalars(select(Collector)).one()
        enrolment.revoke(s, found, now=NOW)
    page = admin.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "revoked · collector <strong>S012-pi</strong>" in page
    assert "created · collector <strong>S012-pi</strong>" in page
