"""The device page's configuration backups, the diff and download pages and the API, with backups
taken from a real SSH server on loopback (tests/support/fake_switch.py) through "back up now"."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from monitor.accounts.users import create_token, create_user
from monitor.db.models import ConfigVersion, Device, SshAccess
from monitor.secrets import Vault
from monitor.settings import SshSettings
from tests.conftest import add_device, add_site
from tests.support.fake_switch import FakeSwitch
from tests.web.conftest import PASSWORD as WEB_PASSWORD
from tests.web.conftest import make_app, sign_in

SSH_PASSWORD = "Sw1tch-Pa55-xyz"
ENABLE = "En4ble-9q"


@pytest.fixture
def switch():
    with FakeSwitch(password=SSH_PASSWORD, enable_secret=ENABLE) as running:
        yield running


@pytest.fixture
def app(settings, db):
    with db.begin() as s:
        create_user(s, "officer", WEB_PASSWORD, display_name="เจ้าหน้าที่ ICT")
        create_user(s, "watcher", WEB_PASSWORD, role="viewer")
    return make_app(replace(settings, ssh=SshSettings(timeout=6, workers=2)), db)


@pytest.fixture
def device(db, settings, switch):
    vault = Vault.from_settings(settings)
    with db.begin() as s:
        site = add_site(s, "S05", "โรงเรียนบ้านนา")
        row = add_device(s, site, "sw-core", switch.host, "switch")
        row.ssh_device_type, row.ssh_username, row.ssh_port = "cisco_ios", "backup", switch.port
        row.ssh_password = vault.encrypt(SSH_PASSWORD)
        s.add(SshAccess(device_id=row.id, enable_secret=vault.encrypt(ENABLE)))
        return row.id


def back_up_now(client, device_id):
    response = client.post(f"/devices/{device_id}/configs/backup")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/devices/{device_id}#configs")
    return client.get(f"/devices/{device_id}").get_data(as_text=True)


def version_ids(db, device_id):
    with db() as s:
        return list(
            s.execute(
                select(ConfigVersion.id)
                .where(ConfigVersion.device_id == device_id)
                .order_by(ConfigVersion.id)
            ).scalars()
        )


def test_a_device_without_ssh_says_so(officer, db):
    with db.begin() as s:
        device_id = add_device(s, add_site(s), "printer", "127.0.0.1", "other").id

    page = officer.get(f"/devices/{device_id}").get_data(as_text=True)

    assert "ยังไม่ได้ตั้งค่า SSH ของอุปกรณ์นี้" in page
    assert officer.get(f"/api/v1/devices/{device_id}").get_json()["ssh_state"] == "not_configured"


def test_back_up_now_shows_the_first_version_facts_and_downloads_it(officer, device, db):
    page = back_up_now(officer, device)

    assert "สำรองค่าคอนฟิกฉบับแรกแล้ว" in page
    assert "สำรองได้ปกติ" in page
    assert "WS-C2960X-24TS-L" in page and "FOC1234X0YZ" in page and "15.2(7)E8" in page
    assert "สั่งจากหน้าเว็บโดย officer" in page
    [version] = version_ids(db, device)
    assert f"/devices/{device}/configs/{version}.txt" in page

    download = officer.get(f"/devices/{device}/configs/latest.txt")
    assert download.status_code == 200 and download.mimetype == "text/plain"
    assert "hostname SW1" in download.get_data(as_text=True)
    assert re.match(
        r'attachment; filename="S05-sw-core-\d{8}-\d{4}\.txt"',
        download.headers["Content-Disposition"],
    )


def test_unchanged_then_changed_and_the_diff_between_them(officer, device, db, switch):
    back_up_now(officer, device)
    assert "ค่าคอนฟิกไม่เปลี่ยนแปลง" in back_up_now(officer, device)
    assert len(version_ids(db, device)) == 1
    switch.config.insert(-1, "ip access-list standard GUESTS")

    page = back_up_now(officer, device)

    assert "ค่าคอนฟิกเปลี่ยนไป บันทึกเป็นฉบับใหม่แล้ว" in page
    assert "นอกช่วงปิดปรับปรุง" in page
    old, new = version_ids(db, device)
    diff = officer.get(f"/devices/{device}/configs/diff?from={old}&to={new}")
    assert diff.status_code == 200
    html = diff.get_data(as_text=True)
    assert re.search(r'<tr class="diff-added">.*ip access-list standard GUESTS', html)
    assert "เพิ่ม 1 บรรทัด ลบ 0 บรรทัด" in html
    # Volatile lines differ between any two fetches; they are not what changed.
    assert "Last configuration change" not in html and "ntp clock-period" not in html


def test_the_api_lists_versions_returns_text_and_reports_ssh_state(app, officer, device, db):
    back_up_now(officer, device)
    with db.begin() as s:
        from monitor.db.models import User

        token = create_token(
            s, s.execute(select(User).where(User.username == "officer")).scalar_one(), "script"
        )
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}

    listing = client.get(f"/api/v1/devices/{device}/configs", headers=auth).get_json()
    detail = client.get(f"/api/v1/devices/{device}", headers=auth).get_json()
    [entry] = listing
    text = client.get(f"/api/v1/devices/{device}/configs/{entry['id']}", headers=auth)

    assert set(entry) >= {"id", "taken_at", "size", "trigger"} and entry["trigger"] == "web:officer"
    assert entry["taken_at"].endswith("+07:00")
    assert text.mimetype == "text/plain" and "hostname SW1" in text.get_data(as_text=True)
    assert detail["ssh_state"] == "ok"
    assert detail["ssh"]["facts"]["serial"] == "FOC1234X0YZ"
    assert detail["ssh"]["host_key_fingerprint"].startswith("SHA256:")


def test_a_failed_backup_is_explained_and_the_last_good_one_kept(officer, device, db, settings):
    back_up_now(officer, device)
    with db.begin() as s:
        s.get(Device, device).ssh_password = Vault.from_settings(settings).encrypt("wrong")

    page = back_up_now(officer, device)

    assert "สำรองค่าคอนฟิกไม่สำเร็จ (เข้าสู่ระบบไม่สำเร็จ)" in page
    assert 'id="cfg-failure"' in page and "ยังเก็บฉบับที่สำรองได้ล่าสุดไว้" in page
    assert len(version_ids(db, device)) == 1
    assert officer.get(f"/api/v1/devices/{device}").get_json()["ssh_state"] == "auth_failed"


def test_a_changed_host_key_is_shown_and_can_be_accepted(officer, device, switch):
    back_up_now(officer, device)
    switch.restart_with_new_host_key()

    page = back_up_now(officer, device)

    assert 'id="cfg-host-key-warning"' in page and "กุญแจ SSH ของอุปกรณ์เปลี่ยนไป" in page
    assert officer.get(f"/api/v1/devices/{device}").get_json()["ssh_state"] == "host_key_changed"
    response = officer.post(f"/devices/{device}/ssh/accept-host-key")
    assert response.status_code == 302
    assert "บันทึกกุญแจ SSH ใหม่แล้ว" in officer.get(f"/devices/{device}").get_data(as_text=True)
    page = back_up_now(officer, device)
    assert 'id="cfg-host-key-warning"' not in page and "สำรองได้ปกติ" in page


def test_a_viewer_sees_the_history_but_not_the_text(client, officer, device, db):
    back_up_now(officer, device)
    [version] = version_ids(db, device)
    officer.post("/logout")
    assert sign_in(client, "watcher").status_code == 302

    page = client.get(f"/devices/{device}").get_data(as_text=True)

    assert "ประวัติค่าคอนฟิก" in page and "เฉพาะผู้ดูแลระบบและเจ้าหน้าที่ปฏิบัติการ" in page
    assert f"/configs/{version}.txt" not in page and "back-up-now" not in page
    assert client.get(f"/devices/{device}/configs/{version}").status_code == 403
    assert client.get(f"/devices/{device}/configs/latest.txt").status_code == 403
    assert client.get(f"/api/v1/devices/{device}/configs/{version}").status_code == 403
    assert client.post(f"/devices/{device}/configs/backup").status_code == 403


def test_device_output_is_escaped_on_every_page(officer, device, db, switch):
    switch.config.insert(-1, 'banner motd ^<script>alert("x")</script>^')
    back_up_now(officer, device)
    switch.config.insert(-1, "vlan 7 <b>")
    back_up_now(officer, device)
    old, new = version_ids(db, device)

    pages = [
        officer.get(f"/devices/{device}/configs/{new}").get_data(as_text=True),
        officer.get(f"/devices/{device}/configs/diff?from={old}&to={new}").get_data(as_text=True),
    ]

    for html in pages:
        assert "<script>alert" not in html and "<b>" not in html
    assert "&lt;script&gt;alert" in pages[0]
    assert "vlan 7 &lt;b&gt;" in pages[1]


def test_the_ssh_password_appears_on_no_page_and_in_no_api_answer(officer, device, db, switch):
    back_up_now(officer, device)
    switch.config.insert(-1, "vlan 8")
    back_up_now(officer, device)
    old, new = version_ids(db, device)
    urls = [
        f"/devices/{device}",
        f"/devices/{device}/configs/{new}",
        f"/devices/{device}/configs/diff?from={old}&to={new}",
        f"/devices/{device}/configs/latest.txt",
        f"/api/v1/devices/{device}",
        f"/api/v1/devices/{device}/configs",
        f"/api/v1/devices/{device}/configs/{new}",
        "/api/v1/devices",
        "/sites/S05",
    ]

    for url in urls:
        response = officer.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert SSH_PASSWORD not in body and ENABLE not in body, url


def test_back_up_now_needs_the_forms_csrf_token(settings, db, device):
    with db.begin() as s:
        create_user(s, "officer", WEB_PASSWORD)
    app = make_app(replace(settings, ssh=SshSettings(timeout=6)), db, csrf=True)
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    client.post(
        "/login", data={"username": "officer", "password": WEB_PASSWORD, "csrf_token": token}
    )

    client.post(f"/devices/{device}/configs/backup")  # no token: refused
    assert version_ids(db, device) == []

    page = client.get(f"/devices/{device}").get_data(as_text=True)
    form_token = re.search(
        r'configs/backup".*?name="csrf_token" value="([^"]+)"', page, re.S
    ).group(1)
    client.post(f"/devices/{device}/configs/backup", data={"csrf_token": form_token})
    assert len(version_ids(db, device)) == 1
    with db() as s:
        assert s.execute(select(func.count()).select_from(ConfigVersion)).scalar() == 1
