""" "Back up now" for a device behind a school's NAT: the office does not try to log in (a real
SSH server on loopback counts every connection); the request is recorded for the school's
collector and the device page says which collector was asked, until its backup arrives."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.db.models import Collector, CollectorSite, SshBackupRequest
from monitor.secrets import Vault
from tests.conftest import NOW, add_device, add_site
from tests.support.fake_switch import FakeSwitch

SSH_PASSWORD = "Sw1tch-Pa55-xyz"


@pytest.fixture
def switch():
    with FakeSwitch(password=SSH_PASSWORD) as running:
        yield running


@pytest.fixture
def device(db, settings, switch):
    vault = Vault.from_settings(settings)
    with db.begin() as s:
        site = add_site(s, "S012", "โรงเรียนบ้านหนองบัว")
        row = add_device(s, site, "sw-1", switch.host, "switch")
        row.ssh_device_type, row.ssh_username, row.ssh_port = "cisco_ios", "backup", switch.port
        row.ssh_password = vault.encrypt(SSH_PASSWORD)
        collector = Collector(name="S012-pi", created_at=NOW - timedelta(days=1))
        s.add(collector)
        s.flush()
        s.add(CollectorSite(collector_id=collector.id, site_id=site.id))
        return row.id


def test_back_up_now_asks_the_schools_collector_and_the_page_says_so(officer, device, db, switch):
    response = officer.post(f"/devices/{device}/configs/backup")
    assert response.status_code == 302

    page = officer.get(f"/devices/{device}").get_data(as_text=True)
    assert "ขอให้ตัวเก็บข้อมูล S012-pi สำรองค่าคอนฟิกแล้ว" in page
    assert 'id="backup-request"' in page and "กำลังรอผล" in page
    assert switch.calls == 0 and switch.offered == []  # the office never tried
    with db() as s:
        request = s.get(SshBackupRequest, device)
        assert (request.requested_at, request.requested_by) == (NOW, "web:officer")

    officer.post(f"/devices/{device}/configs/backup?lang=en")
    english = officer.get(f"/devices/{device}").get_data(as_text=True)
    assert "Backup asked of collector S012-pi: the office cannot reach this device" in english
    assert "waiting for it" in english and switch.calls == 0


def test_back_up_now_under_a_revoked_collector_says_nothing_serves_it_yet(officer, device, db):
    with db.begin() as s:
        collector = s.query(Collector).one()
        collector.revoked_at, collector.revoked_by = NOW, "admin"
    officer.post(f"/devices/{device}/configs/backup")
    page = officer.get(f"/devices/{device}").get_data(as_text=True)
    assert "ตัวเก็บข้อมูล S012-pi ของโรงเรียนนี้ถูกยกเลิกแล้ว" in page
    assert "กำลังรอตัวเก็บข้อมูลใหม่ของโรงเรียน" in page
    assert "กำลังรอผล" not in page
    with db() as s:
        assert s.get(SshBackupRequest, device) is not None  # the school's next collector takes it
