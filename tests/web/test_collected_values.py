"""Values stored by an older version, by hand or by a buggy agent reach the pages as they are:
NaN and infinite numbers, JSON rows of the wrong shape, text where numbers belong. The device
page, the inventory, its exports, the chart data and the API still answer 200 and show "—"."""

from __future__ import annotations

import json
from datetime import timedelta

from monitor.db.models import SnmpInterface, SnmpStatus, TrafficSample
from monitor.secrets import Vault
from tests.conftest import NOW, add_device, add_site


def test_pages_render_values_no_agent_should_send(officer, db, settings):
    vault = Vault.from_settings(settings)
    with db.begin() as s:
        site = add_site(s)
        device = add_device(s, site, "odd", "127.0.0.5", "switch")
        device.snmp_version, device.snmp_community = "2c", vault.encrypt("c")
        device_id = device.id
        s.add(
            SnmpStatus(
                device_id=device_id,
                state="ok",
                polled_at=NOW - timedelta(minutes=1),
                ok_at=NOW - timedelta(minutes=1),
                uptime_cs=-500,
                has_host_resources=True,
                has_ups=True,
                cpu_pct=float("nan"),
                memory_pct=float("inf"),
                storage=[
                    {"descr": 7, "size_bytes": "big", "used_bytes": -1},
                    "not a row",
                    None,
                    {"descr": "/", "size_bytes": 100, "used_bytes": 400},
                    {"descr": "/ok", "size_bytes": 1000, "used_bytes": 250},
                ],
                neighbours=[{"local_port": None, "remote_name": 5}, ["x"], "y"],
                ups_battery_status="exploded",
                ups_charge_pct=-20,
                ups_minutes_remaining=-1,
                vendor="V",
            )
        )
        for index, (rate, speed) in enumerate(
            ((float("inf"), float("nan")), (None, -10.0), (5e6, 1000.0)), start=1
        ):
            s.add(
                SnmpInterface(
                    device_id=device_id,
                    if_index=index,
                    name=f"p{index}",
                    seen_at=NOW,
                    oper_status="up",
                    speed_mbps=speed,
                    in_bps=rate,
                    out_bps=rate,
                    utilisation_pct=float("-inf"),
                    errors_per_min=float("nan"),
                )
            )
        s.add(
            TrafficSample(
                device_id=device_id,
                if_index=1,
                at=NOW - timedelta(minutes=5),
                in_bps=float("inf"),
                out_bps=-3.0,
            )
        )

    for path in (
        f"/devices/{device_id}",
        f"/devices/{device_id}?lang=en",
        "/inventory?sort=uptime",
        "/inventory/export.csv",
        "/inventory/export.xlsx",
        f"/api/v1/devices/{device_id}",
    ):
        response = officer.get(path)
        assert response.status_code == 200, path

    page = officer.get(f"/devices/{device_id}").get_data(as_text=True)
    assert "/ok" in page and "25%" in page  # the one sane storage row is shown with its use
    assert "nan" not in page.lower() and "inf%" not in page.lower()
    picker = page[page.index('id="traffic-port"') :]
    assert picker.index('value="3"') < picker.index('value="1"')  # 5 Mbit/s first, inf is none

    chart = json.loads(officer.get(f"/devices/{device_id}/traffic?if=1&range=24h").data)
    assert chart["in_bps"] == [None] and chart["out_bps"] == [None]
    api = json.loads(officer.get(f"/api/v1/devices/{device_id}").data)
    assert api["cpu_pct"] is None and api["memory_pct"] is None
    assert api["ups"] == {
        "on_battery": None,
        "charge_pct": None,
        "minutes_remaining": None,
        "battery_status": None,
    }
    assert [i["in_bps"] for i in api["interfaces"]] == [None, None, 5e6]


def test_device_page_shows_the_vendor_temperature(officer, db, settings):
    vault = Vault.from_settings(settings)
    with db.begin() as s:
        site = add_site(s)
        device = add_device(s, site, "core", "127.0.0.6", "switch")
        device.snmp_version, device.snmp_community = "2c", vault.encrypt("c")
        device_id = device.id
        s.add(
            SnmpStatus(
                device_id=device_id,
                state="ok",
                polled_at=NOW,
                ok_at=NOW,
                has_host_resources=True,
                has_ups=False,
                cpu_pct=12.0,
                temperature_c=41.6,
            )
        )
    page = officer.get(f"/devices/{device_id}?lang=en").get_data(as_text=True)
    assert "Temperature" in page and "42 °C" in page
