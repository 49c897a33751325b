"""The device page an officer meets in the first week: an Edit button for operators, SSH backup
set up from the page with the device types that exist (and none offered for a UPS), LLDP
neighbours as links, the traffic chart opening on the uplink, the age of old SNMP data, and a
status tile that names another site's failure behind its own."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from collectors.ssh import DEVICE_TYPES
from monitor.accounts.users import create_user
from monitor.db.models import Device, SnmpInterface, SnmpStatus, SshAccess, SshCredentialProfile
from tests.conftest import NOW, add_device, add_site
from tests.web.conftest import PASSWORD, sign_in
from tests.web.seed import seed_heartbeat, set_state


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def school(db):
    """An office core, a school router under it, a switch under the router, a UPS."""
    with db.begin() as s:
        office = add_site(s, "OFFICE", "สำนักงานเขต")
        site = add_site(s, "S01", "โรงเรียนบ้านนา")
        core = add_device(s, office, "core", "127.0.0.2", "router")
        router = add_device(s, site, "router", "127.0.0.3", "router", parent=core)
        switch = add_device(s, site, "sw1", "127.0.0.4", "switch", parent=router)
        ups = add_device(s, site, "ups1", "127.0.0.5", "ups", parent=switch)
        s.add(SshCredentialProfile(name="school-cisco", username="backup", created_at=NOW))
        for device in (core, router, switch, ups):
            set_state(s, device, "up", NOW - timedelta(days=1))
        return {"core": core.id, "router": router.id, "switch": switch.id, "ups": ups.id}


@pytest.fixture
def viewer(app, db):
    with db.begin() as s:
        create_user(s, "watcher", PASSWORD, role="viewer")
    client = app.test_client()
    assert sign_in(client, "watcher").status_code == 302
    return client


def test_operators_get_an_edit_button_viewers_do_not(officer, viewer, school):
    page = officer.get(f"/devices/{school['switch']}").get_data(as_text=True)
    assert f'href="/manage/devices/{school["switch"]}/edit"' in page and 'id="edit-device"' in page
    assert 'id="edit-device"' not in viewer.get(f"/devices/{school['switch']}").get_data(
        as_text=True
    )


def test_ssh_backup_is_set_up_from_the_page_with_the_types_that_exist(officer, db, school):
    page = officer.get(f"/devices/{school['router']}").get_data(as_text=True)
    assert "--type cisco_ios" not in page  # the old command-line hint
    form = page[page.index('id="ssh-setup"') :]
    form = form[: form.index("</form>")]
    offered = re.findall(r'<option value="([a-z_]+)"', form)
    assert offered == list(DEVICE_TYPES)
    assert "school-cisco" in form and "Cisco IOS / IOS-XE (cisco_ios)" in form
    with db() as s:
        profile_id = s.query(SshCredentialProfile.id).scalar()

    response = officer.post(
        f"/devices/{school['router']}/ssh/set-up",
        data={"ssh_profile_id": str(profile_id), "ssh_device_type": "cisco_ios"},
    )
    assert response.status_code == 302
    with db() as s:
        assert s.get(Device, school["router"]).ssh_device_type == "cisco_ios"
        assert s.get(SshAccess, school["router"]).profile_id == profile_id
    page = officer.get(f"/devices/{school['router']}", follow_redirects=True).get_data(as_text=True)
    assert 'id="ssh-setup"' not in page and "<code>cisco_ios</code>" in page
    assert "ตั้งค่าการสำรองผ่าน SSH แล้ว" in page


def test_a_type_the_collector_does_not_know_is_refused(officer, db, school):
    with db() as s:
        profile_id = s.query(SshCredentialProfile.id).scalar()
    officer.post(
        f"/devices/{school['router']}/ssh/set-up",
        data={"ssh_profile_id": str(profile_id), "ssh_device_type": "apc_ups"},
    )
    with db() as s:
        assert s.get(Device, school["router"]).ssh_device_type is None


def test_a_ups_is_told_it_has_nothing_to_back_up(officer, school):
    page = officer.get(f"/devices/{school['ups']}").get_data(as_text=True)
    assert 'id="ssh-not-applicable"' in page and 'id="ssh-setup"' not in page
    assert "ไม่มีไฟล์ตั้งค่าให้สำรองผ่าน SSH" in page
    english = officer.get(f"/devices/{school['ups']}?lang=en").get_data(as_text=True)
    assert "has no configuration to back up over SSH" in english
    response = officer.post(
        f"/devices/{school['ups']}/ssh/set-up",
        data={"ssh_profile_id": "1", "ssh_device_type": "cisco_ios"},
    )
    assert response.status_code == 400


def test_a_viewer_is_told_who_can_set_it_up(viewer, school):
    page = viewer.get(f"/devices/{school['router']}").get_data(as_text=True)
    assert 'id="ssh-setup"' not in page
    assert "ผู้ปฏิบัติงานหรือผู้ดูแลระบบตั้งค่าการสำรองได้จากหน้านี้" in page
    response = viewer.post(
        f"/devices/{school['router']}/ssh/set-up",
        data={"ssh_profile_id": "1", "ssh_device_type": "cisco_ios"},
    )
    assert response.status_code == 403


def _snmp(s, device_id: int, *, ok_at, neighbours, ports):
    s.get(Device, device_id).snmp_version = "2c"  # a profile or community is not read here
    s.add(
        SnmpStatus(
            device_id=device_id,
            state="ok",
            polled_at=ok_at,
            ok_at=ok_at,
            sys_name="sw1.banna.local",
            neighbours=neighbours,
        )
    )
    for index, (name, rate) in enumerate(ports, start=1):
        s.add(
            SnmpInterface(
                device_id=device_id,
                if_index=index,
                name=name,
                seen_at=ok_at,
                oper_status="up",
                in_bps=rate,
                out_bps=rate,
            )
        )


def test_neighbours_link_to_known_devices_and_the_chart_opens_on_the_uplink(officer, db, school):
    with db.begin() as s:
        _snmp(
            s,
            school["switch"],
            ok_at=NOW - timedelta(minutes=2),
            neighbours=[
                {"local_port": "Gi0/2", "remote_name": "ROUTER.banna.local", "remote_port": "ge1"},
                {"local_port": "Gi0/5", "remote_name": "printer-7", "remote_port": "p1"},
                {"local_port": "Gi0/9", "remote_name": None, "remote_chassis": "127.0.0.5"},
            ],
            # The busiest port is not the uplink.
            ports=[("Gi0/1", 9e8), ("Gi0/2", 2e6), ("Gi0/5", 1e3)],
        )
    page = officer.get(f"/devices/{school['switch']}").get_data(as_text=True)
    table = page[page.index('id="snmp-neighbours"') :]
    assert f'href="/devices/{school["router"]}">ROUTER.banna.local</a>' in table
    assert f'href="/devices/{school["ups"]}">ups1</a>' in table  # chassis id = its address
    assert "printer-7" in table and "/devices/None" not in table
    picker = page[page.index('id="traffic-port"') :]
    first = re.search(r'<option value="(\d+)">([^<]*)</option>', picker)
    assert first and first.group(1) == "2" and "พอร์ตขาขึ้น" in first.group(2)
    assert "แสดงพอร์ต Gi0/2 ก่อน เพราะเป็นพอร์ตที่ต่อกับ router (จาก LLDP)" in text_of(page)
    assert 'id="snmp-stale"' not in page  # two minutes old: current


def test_without_the_parent_among_neighbours_the_busiest_port_comes_first(officer, db, school):
    with db.begin() as s:
        _snmp(
            s,
            school["switch"],
            ok_at=NOW - timedelta(minutes=2),
            neighbours=[],
            ports=[("Gi0/1", 1e3), ("Gi0/2", 9e8)],
        )
    page = officer.get(f"/devices/{school['switch']}?lang=en").get_data(as_text=True)
    picker = page[page.index('id="traffic-port"') :]
    assert re.search(r'<option value="(\d+)">', picker).group(1) == "2"
    assert "Showing the busiest port first" in page


def test_old_data_says_how_old_especially_when_the_device_is_unreachable(officer, db, school):
    with db.begin() as s:
        state = s.get(Device, school["switch"]).state
        state.status = "unreachable"
        _snmp(
            s,
            school["switch"],
            ok_at=NOW - timedelta(hours=3),  # the default round is 5 minutes
            neighbours=[{"local_port": "Gi0/2", "remote_name": "router"}],
            ports=[("Gi0/1", 5e6)],
        )
    page = text_of(officer.get(f"/devices/{school['switch']}").get_data(as_text=True))
    assert "ข้อมูลเมื่อ" in page
    assert page.count("(เก่ากว่า 2 รอบ)") >= 3  # the banner, the ports, the neighbours


def test_a_tile_amber_because_of_another_sites_failure_names_it(officer, db, school):
    with db.begin() as s:
        for device_id, status in (
            (school["core"], "down"),
            (school["router"], "unreachable"),
            (school["switch"], "unreachable"),
            (school["ups"], "unreachable"),
        ):
            s.get(Device, device_id).state.status = status
    seed_heartbeat(db)
    page = officer.get("/").get_data(as_text=True)
    causes = page[page.index('class="tile-failed tile-causes"') :]
    assert f'href="/devices/{school["core"]}">core</a>' in causes
    assert 'href="/sites/OFFICE">' in causes
    shown = text_of(page)
    assert "เข้าถึงไม่ได้เพราะ core ที่ สำนักงานเขต ล่ม" in shown
    english = text_of(officer.get("/?lang=en").get_data(as_text=True))
    assert "Unreachable because core at สำนักงานเขต is down" in english
