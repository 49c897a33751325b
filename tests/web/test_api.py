"""The read-only JSON API: exact shapes, Bangkok times with offsets, never a credential."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.accounts.users import create_user
from monitor.db.models import Device, PingRollup
from tests.conftest import NOW, add_device, add_site
from tests.web.conftest import PASSWORD, make_app, sign_in
from tests.web.seed import seed_district, set_state

DEVICE_KEYS = ["id", "name", "site", "address", "kind", "parent", "state", "since"]


def test_devices_list_shape(officer, district):
    devices = officer.get("/api/v1/devices").json["devices"]
    router = next(d for d in devices if d["name"] == "s02-router")
    assert list(router) == DEVICE_KEYS
    assert router == {
        "id": district["s02_router"],
        "name": "s02-router",
        "site": "S02",
        "address": "127.0.2.1",
        "kind": "router",
        "parent": "office-core",
        "state": "down",
        "since": "2026-11-24T07:54:30+07:00",
    }
    core = next(d for d in devices if d["name"] == "office-core")
    assert core["parent"] is None and core["site"] == "OFFICE"


def test_devices_list_filters_by_site(officer, district):
    names = [d["name"] for d in officer.get("/api/v1/devices?site=S02").json["devices"]]
    assert sorted(names) == ["s02-ap", "s02-router", "s02-switch"]


def test_device_never_polled_is_unknown_since_null(officer, db):
    with db.begin() as s:
        add_device(s, add_site(s), "r1")
    [device] = officer.get("/api/v1/devices").json["devices"]
    assert device["state"] == "unknown" and device["since"] is None


def test_one_device_shape(officer, district):
    body = officer.get(f"/api/v1/devices/{district['s02_router']}").json
    assert list(body)[: len(DEVICE_KEYS)] == DEVICE_KEYS
    assert body["since"] == "2026-11-24T07:54:30+07:00"
    assert body["last_check"] == "2026-11-24T09:59:30+07:00"
    assert body["rtt_ms"] is None and body["loss_pct"] == 100
    assert body["children"] == [
        {
            "id": district["s02_switch"],
            "name": "s02-switch",
            "site": "S02",
            "kind": "switch",
            "state": "unreachable",
            "since": "2026-11-24T07:54:30+07:00",
        }
    ]


def test_unknown_device_is_404_json(officer):
    response = officer.get("/api/v1/devices/999")
    assert response.status_code == 404 and response.json == {"error": "not found"}


def test_sites_list_shape(officer, district):
    sites = officer.get("/api/v1/sites").json
    assert [s["code"] for s in sites] == ["S02", "S03", "OFFICE", "S01"]
    assert sites[0] == {
        "code": "S02",
        "name": "โรงเรียนดอยสูง",
        "state": "down",
        "level": "offline",
        "since": "2026-11-24T07:54:30+07:00",
        "devices_total": 3,
        "counts": {"down": 1, "unreachable": 2, "unknown": 0, "maintenance": 0, "up": 0},
    }


def test_latency_24h_comes_from_samples(officer, district):
    body = officer.get(f"/api/v1/devices/{district['s02_router']}/latency?range=24h").json
    assert body["range"] == "24h" and body["resolution"] is None
    assert len(body["t"]) == len(body["rtt_ms"]) == len(body["loss_pct"]) == 288
    assert body["t"] == sorted(body["t"])
    assert body["rtt_ms"][-1] is None and body["loss_pct"][-1] == 100
    assert body["rtt_ms"][0] is not None and body["loss_pct"][0] == 0
    assert body["end"] == "2026-11-24T10:00:00+07:00"


@pytest.mark.parametrize("range_, resolution", [("7d", 300), ("30d", 3600)])
def test_latency_long_ranges_come_from_rollups(officer, district, db, range_, resolution):
    with db.begin() as s:
        for res in (300, 3600):
            s.add(
                PingRollup(
                    device_id=district["s02_router"],
                    resolution=res,
                    bucket_start=NOW - timedelta(hours=2),
                    sent=15,
                    received=12,
                    rtt_sum_ms=100.0,
                    rtt_samples=4,
                    rtt_max_ms=40.0,
                )
            )
    body = officer.get(f"/api/v1/devices/{district['s02_router']}/latency?range={range_}").json
    assert body["resolution"] == resolution
    assert body["rtt_ms"] == [25.0] and body["loss_pct"] == [20.0]


def test_latency_bad_range_is_400(officer, district):
    response = officer.get(f"/api/v1/devices/{district['s02_router']}/latency?range=1y")
    assert response.status_code == 400 and "range" in response.json["error"]


def test_credentials_never_in_api_output_or_pages(officer, db):
    with db.begin() as s:
        router = add_device(s, add_site(s), "r1")
        router.snmp_version = "2c"
        router.snmp_community = b"community-SECRET-1"
        router.ssh_username = "admin"
        router.ssh_password = b"ssh-SECRET-2"
        set_state(s, router, "up", NOW)
        device_id = router.id
    for url in [
        "/api/v1/devices",
        f"/api/v1/devices/{device_id}",
        "/api/v1/sites",
        f"/devices/{device_id}",
        "/sites/S01",
    ]:
        text = officer.get(url).get_data(as_text=True)
        assert "SECRET" not in text, url
        assert "snmp_community" not in text and "ssh_password" not in text, url


def test_hostile_name_is_plain_data_in_json(officer, db):
    with db.begin() as s:
        add_device(s, add_site(s), "<script>alert(1)</script>")
    response = officer.get("/api/v1/devices")
    assert response.mimetype == "application/json"
    assert response.json["devices"][0]["name"] == "<script>alert(1)</script>"


def test_api_and_status_page_on_sqlite_and_postgresql(settings, any_db):
    ids = seed_district(any_db)
    with any_db.begin() as s:
        create_user(s, "officer", PASSWORD)
    client = make_app(settings, any_db).test_client()
    sign_in(client)
    devices = client.get("/api/v1/devices").json["devices"]
    router = next(d for d in devices if d["id"] == ids["s02_router"])
    assert router["state"] == "down" and router["since"] == "2026-11-24T07:54:30+07:00"
    assert [s["code"] for s in client.get("/api/v1/sites").json][:2] == ["S02", "S03"]
    assert "ขัดข้องมาแล้ว 2 ชั่วโมง 5 นาที" in client.get("/").get_data(as_text=True)
    assert "s02-switch" in client.get("/sites/S02").get_data(as_text=True)
    latency = client.get(f"/api/v1/devices/{ids['s02_router']}/latency?range=24h").json
    assert len(latency["t"]) == 288


def test_disabled_devices_are_left_out(officer, db):
    with db.begin() as s:
        site = add_site(s)
        add_device(s, site, "kept")
        add_device(s, site, "retired")
        s.flush()
        s.query(Device).filter_by(name="retired").one().enabled = False
    assert [d["name"] for d in officer.get("/api/v1/devices").json["devices"]] == ["kept"]
