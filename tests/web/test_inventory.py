"""The inventory page, its exports, the operator's edit of typed fields, the device page's SNMP
section and the API's SNMP fields — asserted on what the officer sees and downloads."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from monitor.accounts.users import create_user
from monitor.db.models import Device, SnmpInterface, SnmpStatus, TrafficRollup, TrafficSample
from monitor.secrets import Vault
from tests.conftest import NOW, add_device, add_site
from tests.web.conftest import PASSWORD, sign_in
from tests.web.seed import seed_district, set_state

HOSTILE = "<script>alert('x')</script>"


def _status(device_id, **kw):
    values = dict(
        device_id=device_id,
        state="ok",
        polled_at=NOW - timedelta(minutes=2),
        ok_at=NOW - timedelta(minutes=2),
        has_host_resources=False,
        has_ups=False,
        inventory_at=NOW - timedelta(hours=3),
        uptime_cs=5 * 8_640_000,
    )
    values.update(kw)
    return SnmpStatus(**values)


@pytest.fixture
def inventory(db, settings):
    """The seeded district, with SNMP data on some devices (and a device with hostile strings)."""
    ids = seed_district(db)
    vault = Vault.from_settings(settings)
    with db.begin() as s:
        core = s.get(Device, ids["core"])
        core.model, core.serial = "ISR4331", "TYPED-SERIAL-1"  # typed by the officer
        core.purchase_date, core.warranty_end = date(2022, 3, 1), date(2027, 2, 28)
        core.snmp_version, core.snmp_community = "2c", vault.encrypt("s3cret-community")
        s.add(
            _status(
                core.id,
                vendor="Cisco",
                model="Cisco ISR4331/K9",
                serial="FDO2213A1BC",
                firmware="16.9.4",
                sys_descr="Cisco IOS XE",
                sys_name="core",
            )
        )
        router = s.get(Device, ids["s01_router"])
        router.snmp_version, router.snmp_community = "2c", vault.encrypt("another")
        s.add(
            _status(
                router.id,
                vendor="MikroTik",
                model="RB4011iGS+",
                serial="HEX1234",
                firmware="7.14.3",
                sys_descr=HOSTILE,
                sys_name="<b>r1</b>",
                has_ups=False,
                neighbours=[
                    {
                        "local_port": "ether1",
                        "remote_name": HOSTILE,
                        "remote_port": "uplink",
                        "remote_chassis": None,
                    }
                ],
            )
        )
        s.add(
            SnmpInterface(
                device_id=router.id,
                if_index=1,
                name="ether1",
                alias=HOSTILE,
                oper_status="up",
                speed_mbps=1000,
                counter_bits=64,
                in_bps=250e6,
                out_bps=40e6,
                utilisation_pct=25.0,
                seen_at=NOW,
            )
        )
        s.add(
            SnmpInterface(
                device_id=router.id,
                if_index=2,
                name="ether2",
                oper_status="down",
                speed_mbps=1000,
                counter_bits=64,
                seen_at=NOW,
            )
        )
        for minute in range(0, 60, 5):
            s.add(
                TrafficSample(
                    device_id=router.id,
                    if_index=1,
                    at=NOW - timedelta(minutes=minute),
                    in_bps=1e6 * minute,
                    out_bps=2e5,
                )
            )
        s.add(
            TrafficRollup(
                device_id=router.id,
                if_index=1,
                bucket_start=NOW - timedelta(hours=5),
                samples=12,
                in_bps_sum=12e6,
                out_bps_sum=24e5,
                in_bps_max=3e6,
                out_bps_max=5e5,
            )
        )
        ap = s.get(Device, ids["s03_ap"])  # down by ping: SNMP silence is not news
        ap.snmp_version, ap.snmp_community = "2c", vault.encrypt("x")
        s.add(
            _status(
                ap.id, state="timeout", error="no answer", failing_since=NOW - timedelta(minutes=40)
            )
        )
    return ids


def _viewer(app, db):
    with db.begin() as s:
        create_user(s, "viewer", PASSWORD, role="viewer")
    client = app.test_client()
    assert sign_in(client, "viewer").status_code == 302
    return client


def test_inventory_lists_devices_with_collected_and_typed_values(officer, inventory):
    page = officer.get("/inventory").get_data(as_text=True)
    assert "office-core" in page and "s01-router" in page and "s02-ap" in page
    # typed model differs in wording but is the same device: shown once, no warning
    assert "ISR4331" in page and "Cisco ISR4331/K9" not in page
    # typed serial and a different collected serial: both shown
    assert "TYPED-SERIAL-1" in page and "FDO2213A1BC" in page
    assert "16.9.4" in page and "RB4011iGS+" in page and "HEX1234" in page
    assert "1 มี.ค. 2565" in page  # purchase date, Buddhist era
    assert "5 วัน" in page  # uptime from sysUpTime
    assert "ไม่ได้ตั้งค่า SNMP" in page  # devices without SNMP say so


def test_inventory_filters_and_sorts(officer, inventory):
    page = officer.get("/inventory?q=HEX1234").get_data(as_text=True)
    assert "s01-router" in page and "office-core" not in page
    page = officer.get("/inventory?site=S02").get_data(as_text=True)
    assert "s02-router" in page and "s01-router" not in page
    page = officer.get("/inventory?kind=ap").get_data(as_text=True)
    assert "s02-ap" in page and "s02-router" not in page
    page = officer.get("/inventory?snmp=timeout").get_data(as_text=True)
    assert "s03-ap" in page and "s01-router" not in page
    page = officer.get("/inventory?sort=serial&dir=desc").get_data(as_text=True)
    assert page.index("TYPED-SERIAL-1") < page.index("HEX1234")


def test_export_xlsx_has_thai_headers_and_rows(officer, inventory):
    response = officer.get("/inventory/export.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("รหัสหน่วยงาน", "โรงเรียน/หน่วยงาน", "ชื่ออุปกรณ์")
    header = rows[0]
    core = next(r for r in rows[1:] if r[2] == "office-core")
    assert core[header.index("รุ่น (บันทึก)")] == "ISR4331"
    assert core[header.index("รุ่น (อ่านจากอุปกรณ์)")] == "Cisco ISR4331/K9"
    assert core[header.index("หมายเลขเครื่อง (อ่านจากอุปกรณ์)")] == "FDO2213A1BC"
    assert core[header.index("วันที่ซื้อ")].date() == date(2022, 3, 1)
    assert len(rows) == 1 + 7  # the seeded district's seven devices


def test_export_keeps_formula_looking_text_as_text(officer, db, settings):
    with db.begin() as s:
        device = add_device(s, add_site(s), "evil", "127.0.0.5")
        device.snmp_version = "2c"
        s.add(_status(device.id, model='=HYPERLINK("http://x","click")', serial="+1-2"))
    sheet = load_workbook(io.BytesIO(officer.get("/inventory/export.xlsx").data)).active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[2].value == "evil")
    cell = row[7]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x","click")'
    text = officer.get("/inventory/export.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1-2" in text


def test_export_csv_is_utf8_with_bom_and_thai_headers(officer, inventory):
    response = officer.get("/inventory/export.csv?site=OFFICE")
    assert response.data.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "รหัสหน่วยงาน" and rows[0][2] == "ชื่ออุปกรณ์"
    assert [r[2] for r in rows[1:]] == ["office-core"]


def test_operator_edits_typed_fields_and_collected_stay(officer, inventory, db):
    core = inventory["core"]
    form = officer.get(f"/inventory/{core}/edit").get_data(as_text=True)
    assert "Cisco ISR4331/K9" in form  # the collected value is shown alongside
    response = officer.post(
        f"/inventory/{core}/edit",
        data={
            "model": "ISR 4331",
            "serial": "FDO2213A1BC",
            "location": "ห้องเซิร์ฟเวอร์",
            "purchase_date": "2565-03-01",
            "warranty_end": "2027-02-28",
            "eol_date": "",
            "notes": "ซื้อด้วยงบปี 2565",
        },
    )
    assert response.status_code == 302
    with db() as s:
        device = s.get(Device, core)
        assert (device.model, device.location, device.purchase_date) == (
            "ISR 4331",
            "ห้องเซิร์ฟเวอร์",
            date(2022, 3, 1),
        )
        assert s.get(SnmpStatus, core).model == "Cisco ISR4331/K9"
    page = officer.get("/inventory").get_data(as_text=True)
    assert "บันทึกข้อมูลของ office-core แล้ว" in page


def test_bad_date_is_refused_with_the_field_named(officer, inventory):
    response = officer.post(
        f"/inventory/{inventory['core']}/edit", data={"purchase_date": "31/31/2565"}
    )
    assert response.status_code == 400
    assert "วันที่ซื้อ" in response.get_data(as_text=True)


def test_viewer_cannot_edit(app, db, inventory):
    viewer = _viewer(app, db)
    assert viewer.get("/inventory").status_code == 200
    assert "/edit" not in viewer.get("/inventory").get_data(as_text=True)
    assert (
        viewer.post(f"/inventory/{inventory['core']}/edit", data={"model": "x"}).status_code == 403
    )


def test_inventory_needs_sign_in(client):
    assert client.get("/inventory").status_code == 302
    assert client.get("/inventory/export.xlsx").status_code == 302


def test_device_page_shows_interfaces_neighbours_and_escapes_device_text(officer, inventory):
    page = officer.get(f"/devices/{inventory['s01_router']}").get_data(as_text=True)
    assert "พอร์ตเครือข่าย" in page and "ether1" in page and "ether2" in page
    assert "250.0 Mbit/s" in page and "25%" in page
    assert HOSTILE not in page  # never raw
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page  # shown as text
    assert "&lt;b&gt;r1&lt;/b&gt;" in page
    assert "อุปกรณ์ข้างเคียง (LLDP)" in page
    assert 'id="traffic-chart"' in page and "js/traffic.js" in page
    assert "snmp-not-responding" not in page


def test_snmp_not_responding_is_shown_while_ping_answers(officer, db, settings):
    with db.begin() as s:
        device = add_device(s, add_site(s), "sw", "127.0.0.7", "switch")
        device.snmp_version = "2c"
        set_state(s, device, "up", NOW - timedelta(days=1))
        s.add(
            _status(
                device.id,
                state="timeout",
                error="no answer",
                failing_since=NOW - timedelta(minutes=30),
            )
        )
    page = officer.get(f"/devices/{device.id}").get_data(as_text=True)
    assert 'id="snmp-not-responding"' in page
    assert "อุปกรณ์ตอบสนอง ping แต่ SNMP ไม่ตอบสนอง" in page
    assert "ปกติ" in page  # the device itself is up


def test_device_down_shows_no_snmp_banner(officer, inventory):
    page = officer.get(f"/devices/{inventory['s03_ap']}").get_data(as_text=True)
    assert "snmp-not-responding" not in page


def test_api_device_has_snmp_fields_and_no_credentials(officer, inventory, db):
    body = officer.get(f"/api/v1/devices/{inventory['s01_router']}").json
    assert body["snmp_state"] == "ok"
    assert (body["vendor"], body["model"], body["serial"], body["firmware"]) == (
        "MikroTik",
        "RB4011iGS+",
        "HEX1234",
        "7.14.3",
    )
    assert body["sys_descr"] == HOSTILE and body["sys_name"] == "<b>r1</b>"
    assert body["uptime_seconds"] == 5 * 86400 + 120
    assert body["interfaces"][0] == {
        "index": 1,
        "name": "ether1",
        "alias": HOSTILE,
        "oper_status": "up",
        "speed_mbps": 1000,
        "in_bps": 250e6,
        "out_bps": 40e6,
        "utilisation_pct": 25.0,
    }
    assert body["ups"] is None
    raw = officer.get(f"/api/v1/devices/{inventory['core']}").get_data(as_text=True)
    assert "s3cret-community" not in raw and "community" not in raw
    with db() as s:
        token = s.get(Device, inventory["core"]).snmp_community
    assert token.decode() not in raw


def test_api_device_without_snmp_is_not_configured(officer, inventory):
    body = officer.get(f"/api/v1/devices/{inventory['s02_router']}").json
    assert body["snmp_state"] == "not_configured"
    assert body["interfaces"] == [] and body["ups"] is None and body["model"] is None


def test_api_ups_fields(officer, db):
    with db.begin() as s:
        device = add_device(s, add_site(s), "ups", "127.0.0.8", "ups")
        device.snmp_version = "2c"
        s.add(
            _status(
                device.id,
                has_ups=True,
                ups_on_battery=True,
                ups_battery_status="low",
                ups_charge_pct=41,
                ups_minutes_remaining=12,
            )
        )
    body = officer.get(f"/api/v1/devices/{device.id}").json
    assert body["ups"] == {
        "on_battery": True,
        "charge_pct": 41,
        "minutes_remaining": 12,
        "battery_status": "low",
    }
    page = officer.get(f"/devices/{device.id}").get_data(as_text=True)
    assert "กำลังใช้ไฟจากแบตเตอรี่" in page and "12 นาที" in page


def test_traffic_series_for_the_chart(officer, inventory):
    router = inventory["s01_router"]
    day = officer.get(f"/devices/{router}/traffic?range=24h&if=1").json
    assert len(day["t"]) == 12 and day["t"] == sorted(day["t"])
    assert day["in_bps"][-1] == 0.0 and day["out_bps"][0] == 200000.0
    week = officer.get(f"/devices/{router}/traffic?range=7d&if=1").json
    assert week["resolution"] == 3600 and week["in_bps"] == [1e6] and week["out_bps"] == [2e5]
    assert officer.get(f"/devices/{router}/traffic?range=1y&if=1").status_code == 400
    assert officer.get(f"/devices/{router}/traffic?range=24h").status_code == 400
