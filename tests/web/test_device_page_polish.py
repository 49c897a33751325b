"""Polish found on screenshots: SNMP set up from the device page with an existing profile (no
import column names, no command), the configuration file a `linux` backup reads asked for in the
SSH set-up, the audit page's filter button styled like the others, and the "alerts cannot go
out" banner folded to one line."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from monitor.accounts.users import create_user
from monitor.db.models import AuditEvent, Device, SnmpProfile, SshAccess, SshCredentialProfile
from monitor.secrets import Vault
from tests.conftest import NOW, add_device, add_site
from tests.web.conftest import PASSWORD, sign_in
from tests.web.seed import set_state


@pytest.fixture
def school(db, settings):
    """A school router with a stored community, a server, an SNMP and an SSH profile."""
    vault = Vault.from_settings(settings)
    with db.begin() as s:
        site = add_site(s, "S01", "โรงเรียนบ้านนา")
        router = add_device(s, site, "router", "127.0.0.3", "router")
        router.snmp_community = vault.encrypt("old-secret")
        server = add_device(s, site, "server", "127.0.0.6", "server")
        s.add(
            SnmpProfile(
                name="สวิตช์โรงเรียน v2c",
                version="2c",
                created_at=NOW,
                community=vault.encrypt("public-school"),
            )
        )
        s.add(SshCredentialProfile(name="linux-backup", username="backup", created_at=NOW))
        for device in (router, server):
            set_state(s, device, "up", NOW - timedelta(days=1))
        return {"router": router.id, "server": server.id}


@pytest.fixture
def operator(app, db):
    with db.begin() as s:
        create_user(s, "op", PASSWORD, role="operator")
    client = app.test_client()
    assert sign_in(client, "op").status_code == 302
    return client


@pytest.fixture
def viewer(app, db):
    with db.begin() as s:
        create_user(s, "watcher", PASSWORD, role="viewer")
    client = app.test_client()
    assert sign_in(client, "watcher").status_code == 302
    return client


def profile_id(db, model) -> int:
    with db() as s:
        return s.query(model.id).scalar()


def test_the_snmp_hint_is_a_form_not_import_columns(officer, db, school):
    page = officer.get(f"/devices/{school['router']}").get_data(as_text=True)
    assert "snmp_version" not in page and "snmp_community" not in page
    assert "ictmon snmp" not in page
    assert "ยังไม่ได้ตั้งค่า SNMP" in page
    form = page[page.index('id="snmp-setup-form"') :]
    form = form[: form.index("</form>")]
    assert "สวิตช์โรงเรียน v2c" in form
    assert f"/manage/devices/{school['router']}/edit#snmp-fields" in page

    response = officer.post(
        f"/devices/{school['router']}/snmp/set-up",
        data={"snmp_profile_id": str(profile_id(db, SnmpProfile))},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "ตั้งค่า SNMP แล้ว" in page and 'id="snmp-setup-form"' not in page
    with db() as s:
        device = s.get(Device, school["router"])
        assert device.snmp_profile_id == profile_id(db, SnmpProfile)
        assert device.credentials_held_at is None  # an admin chose it
        assert s.query(AuditEvent).filter_by(object_type="device", action="update").count() == 1


def test_an_operator_choosing_a_profile_holds_the_stored_credentials(operator, db, school):
    response = operator.post(
        f"/devices/{school['router']}/snmp/set-up",
        data={"snmp_profile_id": str(profile_id(db, SnmpProfile))},
    )
    assert response.status_code == 302
    with db() as s:
        device = s.get(Device, school["router"])
        assert device.snmp_profile_id is not None
        assert device.credentials_held_at is not None
        assert "snmp_profile_id" in device.credentials_held_for


def test_snmp_set_up_refuses_a_viewer_and_a_missing_profile(viewer, officer, db, school):
    page = viewer.get(f"/devices/{school['router']}").get_data(as_text=True)
    assert 'id="snmp-setup-form"' not in page
    assert "ผู้ปฏิบัติงานหรือผู้ดูแลระบบตั้งค่า SNMP ได้จากหน้านี้" in page
    url = f"/devices/{school['router']}/snmp/set-up"
    assert viewer.post(url, data={"snmp_profile_id": "1"}).status_code == 403
    page = officer.post(url, data={"snmp_profile_id": "999"}, follow_redirects=True)
    assert "no profile with id 999" in page.get_data(as_text=True)
    with db() as s:
        assert s.get(Device, school["router"]).snmp_profile_id is None


def test_the_linux_type_is_asked_for_its_file(officer, db, school):
    page = officer.get(f"/devices/{school['server']}").get_data(as_text=True)
    form = page[page.index('id="ssh-setup"') :]
    form = form[: form.index("</form>")]
    assert 'data-path-types="linux"' in form
    assert 'name="ssh_config_path"' in form
    # A server's usual type is linux, so the field is shown from the start.
    assert re.search(r'<label class="field config-path"\s*>', form)
    url = f"/devices/{school['server']}/ssh/set-up"
    chosen = {
        "ssh_profile_id": str(profile_id(db, SshCredentialProfile)),
        "ssh_device_type": "linux",
    }

    for path, said in (("", "กรุณาระบุที่อยู่เต็มของไฟล์"), ("etc/x.conf", "ขึ้นต้นด้วย /")):
        answer = officer.post(url, data={**chosen, "ssh_config_path": path}, follow_redirects=True)
        assert said in answer.get_data(as_text=True)
    with db() as s:
        assert s.get(Device, school["server"]).ssh_device_type is None

    officer.post(url, data={**chosen, "ssh_config_path": " /etc/nftables.conf "})
    with db() as s:
        assert s.get(Device, school["server"]).ssh_device_type == "linux"
        assert s.get(SshAccess, school["server"]).config_path == "/etc/nftables.conf"
        assert s.query(AuditEvent).filter_by(object_type="ssh_access").count() >= 1


def test_an_operator_changing_the_file_holds_the_credentials_until_an_admin_confirms(
    officer, operator, db, school, settings
):
    url = f"/devices/{school['server']}/ssh/set-up"
    chosen = {
        "ssh_profile_id": str(profile_id(db, SshCredentialProfile)),
        "ssh_device_type": "linux",
    }
    with db.begin() as s:
        profile = s.get(SshCredentialProfile, int(chosen["ssh_profile_id"]))
        profile.password = Vault.from_settings(settings).encrypt("backup-password")
    officer.post(url, data={**chosen, "ssh_config_path": "/etc/nftables.conf"})
    with db() as s:
        assert s.get(Device, school["server"]).credentials_held_at is None  # an admin's choice

    # The stored login would read whatever file is named, and the page would show it.
    operator.post(url, data={**chosen, "ssh_config_path": "/etc/shadow"})
    with db() as s:
        device = s.get(Device, school["server"])
        assert device.credentials_held_at is not None
        assert device.credentials_held_for == "config_path"
    page = officer.get(f"/devices/{school['server']}").get_data(as_text=True)
    banner = page[page.index('id="credentials-held"') :]
    assert "ไฟล์การตั้งค่าที่จะสำรอง" in banner[: banner.index("</div>")]


def test_other_types_hide_the_path_and_ignore_it(officer, db, school):
    page = officer.get(f"/devices/{school['router']}").get_data(as_text=True)
    assert re.search(r'<label class="field config-path"\s*hidden\s*>', page)
    officer.post(
        f"/devices/{school['router']}/ssh/set-up",
        data={
            "ssh_profile_id": str(profile_id(db, SshCredentialProfile)),
            "ssh_device_type": "cisco_ios",
            "ssh_config_path": "/etc/shadow",
        },
    )
    with db() as s:
        assert s.get(Device, school["router"]).ssh_device_type == "cisco_ios"
        assert s.get(SshAccess, school["router"]).config_path is None


def test_the_audit_filter_button_has_the_common_style(officer):
    page = officer.get("/admin/audit").get_data(as_text=True)
    assert re.search(r'<button type="submit" class="button primary"[^>]*>กรอง</button>', page)


def test_the_alert_banner_is_one_summary_line_with_the_reasons_folded(officer):
    page = officer.get("/incidents").get_data(as_text=True)
    start = page.index('id="alerts-cannot-go-out"')
    banner = page[start : page.index("</div>", start)]
    assert "<details>" in banner and "<details open" not in banner
    summary = re.search(r"<summary>(.*?)</summary>", banner, re.S).group(1)
    assert "การแจ้งเตือนส่งไม่ออก" in summary
    # The reasons are still there, inside the fold; the settings link stays outside it.
    folded = banner[banner.index("</summary>") : banner.index("</details>")]
    assert "ไม่มีช่องทางแจ้งเหตุขัดข้อง" in folded
    assert "/admin/notifications" in banner[banner.index("</details>") :]
