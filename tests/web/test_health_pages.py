"""The device page's health: fans and power supplies as the device reports them, the health
history chart and its data (24 h samples, 7 d 5-minute and 30 d hourly buckets), and the API's
temperature and sensors. Stored values are untrusted: malformed rows are left out."""

from __future__ import annotations

from datetime import timedelta

from monitor.db.models import HealthRollup, HealthSample, SnmpStatus
from tests.conftest import NOW, add_device, add_site


def _switch(db, **status):
    with db.begin() as s:
        device = add_device(s, add_site(s), "sw-core", "127.0.0.8", "switch")
        device.snmp_version = "2c"
        s.flush()
        s.add(
            SnmpStatus(
                device_id=device.id,
                state="ok",
                polled_at=NOW - timedelta(minutes=2),
                ok_at=NOW - timedelta(minutes=2),
                has_host_resources=True,
                has_ups=False,
                inventory_at=NOW - timedelta(hours=3),
                cpu_pct=23.0,
                memory_pct=15.0,
                temperature_c=38.0,
                **status,
            )
        )
        return device.id


SENSORS = [
    {"kind": "fan", "name": "Switch#1, Fan#1", "state": "normal"},
    {"kind": "psu", "name": "Sw1, PS1", "state": "critical"},
    {"kind": "psu", "name": "Sw1, RPS", "state": "not_present"},
    {"kind": "psu", "name": "<b>bad</b>", "state": "on fire"},  # no such state: left out
    "garbage",
    {"kind": "fan", "name": None, "state": "warning"},
]


def test_device_page_shows_fans_power_supplies_and_the_health_chart(officer, db):
    device_id = _switch(db, sensors=SENSORS)
    page = officer.get(f"/devices/{device_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="snmp-sensors"' in html and "พัดลมและแหล่งจ่ายไฟ" in html
    assert "Switch#1, Fan#1" in html and "Sw1, PS1" in html
    assert html.count("sensor-chip sensor-critical") == 1
    assert ">เสีย<" in html and ">ไม่ได้ติดตั้ง<" in html and ">เตือน<" in html
    assert "on fire" not in html and "<b>bad</b>" not in html
    assert 'id="health-chart"' in html and f"/devices/{device_id}/health" in html
    assert "js/health.js" in html
    english = officer.get(f"/devices/{device_id}?lang=en").get_data(as_text=True)
    assert "Fans and power supplies" in english and ">failed<" in english

    api = officer.get(f"/api/v1/devices/{device_id}").json
    assert api["temperature_c"] == 38.0
    assert api["sensors"] == [
        {"kind": "fan", "name": "Switch#1, Fan#1", "state": "normal"},
        {"kind": "fan", "name": "?", "state": "warning"},
        {"kind": "psu", "name": "Sw1, PS1", "state": "critical"},
        {"kind": "psu", "name": "Sw1, RPS", "state": "not_present"},
    ]


def test_device_without_sensors_or_health_shows_neither(officer, db):
    with db.begin() as s:
        device = add_device(s, add_site(s), "ap", "127.0.0.9", "ap")
        device.snmp_version = "2c"
        s.flush()
        s.add(
            SnmpStatus(
                device_id=device.id,
                state="ok",
                polled_at=NOW,
                ok_at=NOW,
                has_host_resources=False,
                has_ups=False,
                sensors="not a list",
            )
        )
    html = officer.get(f"/devices/{device.id}").get_data(as_text=True)
    assert 'id="snmp-sensors"' not in html and 'id="health-chart"' not in html


def test_health_chart_data_per_range(officer, db):
    device_id = _switch(db)
    with db.begin() as s:
        for minutes in (15, 10, 5):
            s.add(
                HealthSample(
                    device_id=device_id,
                    at=NOW - timedelta(minutes=minutes),
                    cpu_pct=20.0 + minutes,
                    memory_pct=15.0,
                    temperature_c=float("nan") if minutes == 10 else 38.0,  # a stored NaN
                )
            )
        for resolution, start in ((300, NOW - timedelta(hours=2)), (3600, NOW - timedelta(days=2))):
            s.add(
                HealthRollup(
                    device_id=device_id,
                    resolution=resolution,
                    bucket_start=start,
                    samples=4,
                    cpu_sum=200.0,
                    cpu_count=4,
                    cpu_max=80.0,
                    memory_sum=60.0,
                    memory_count=4,
                    memory_max=15.0,
                    temperature_sum=0.0,
                    temperature_count=0,
                    temperature_max=None,
                    charge_sum=0.0,
                    charge_count=0,
                    charge_min=None,
                    on_battery_count=0,
                )
            )
    day = officer.get(f"/devices/{device_id}/health?range=24h").json
    assert day["resolution"] is None and day["t"] == sorted(day["t"]) and len(day["t"]) == 3
    assert day["cpu_pct"] == [35.0, 30.0, 25.0]
    assert day["temperature_c"] == [38.0, None, 38.0]
    assert day["shown"] == ["cpu_pct", "memory_pct", "temperature_c"]
    week = officer.get(f"/devices/{device_id}/health?range=7d").json
    assert week["resolution"] == 300 and week["cpu_pct"] == [50.0] and week["memory_pct"] == [15.0]
    assert week["temperature_c"] == [None] and week["ups_on_battery_pct"] == [None]
    month = officer.get(f"/devices/{device_id}/health?range=30d").json
    assert month["resolution"] == 3600 and len(month["t"]) == 1
    assert officer.get(f"/devices/{device_id}/health?range=1y").status_code == 400
    empty = officer.get("/devices/999999/health?range=24h").json
    assert empty["t"] == [] and empty["shown"] == []
