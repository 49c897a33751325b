"""The network map's pages and data route, on SQLite and PostgreSQL: a small district whose
school S02 has its router down, with LLDP tables stored as the SNMP inventory stores them; and
the map's statements counted for 10 and for 200 devices."""

from __future__ import annotations

import pytest

from monitor.accounts.users import create_user
from monitor.db.models import Device, SnmpInterface, SnmpStatus
from tests.conftest import NOW, add_device, add_site
from tests.web.conftest import PASSWORD, make_app, sign_in
from tests.web.seed import seed_district, set_state
from tests.web.test_query_counts import counting


def store_lldp(session, device_id, rows, sys_name=None):
    session.add(
        SnmpStatus(
            device_id=device_id, state="ok", polled_at=NOW, sys_name=sys_name, neighbours=rows
        )
    )


def store_port(session, device_id, if_index, name, utilisation):
    session.add(
        SnmpInterface(
            device_id=device_id,
            if_index=if_index,
            name=name,
            speed_mbps=1000.0,
            utilisation_pct=utilisation,
            seen_at=NOW,
        )
    )


def seed_lldp(db, ids):
    """s01-router and s02-router see the core on their ether1; the core's Gi0/1 faces S01;
    the S02 switch's table shows the AP, which is typed under it (confirmed)."""
    with db.begin() as s:
        store_lldp(
            s,
            ids["core"],
            [{"local_port": "Gi0/1", "remote_name": "s01-router", "remote_port": "ether1"}],
        )
        store_port(s, ids["core"], 1, "Gi0/1", 42.0)
        store_lldp(
            s,
            ids["s01_router"],
            [{"local_port": "ether1", "remote_name": "office-core", "remote_port": "Gi0/1"}],
        )
        store_lldp(
            s,
            ids["s02_switch"],
            [{"local_port": "3", "remote_name": "s02-ap", "remote_port": "eth0"}],
        )


@pytest.fixture
def viewer(settings, any_db):
    ids = seed_district(any_db)
    seed_lldp(any_db, ids)
    with any_db.begin() as s:
        create_user(s, "viewer1", PASSWORD, role="viewer")
    client = make_app(settings, any_db).test_client()
    assert sign_in(client, "viewer1").status_code == 302
    return client, ids


def test_the_district_map_collapses_each_school_and_draws_office_links(viewer):
    client, ids = viewer
    data = client.get("/map/data.json").get_json()
    assert data["level"] == "district"
    nodes = {n["id"]: n for n in data["nodes"]}
    schools = {n["site"]: n for n in data["nodes"] if "counts" in n}
    assert set(schools) == {"S01", "S02", "S03"}
    assert nodes[f"d{ids['core']}"]["label"] == "office-core"
    s02 = schools["S02"]
    assert (s02["state"], s02["router_state"]) == ("down", "down")
    assert s02["counts"]["unreachable"] == 2
    assert schools["S03"]["state"] == "down" and schools["S03"]["router_state"] == "up"
    edges = {(e["source"], e["target"]): e for e in data["edges"]}
    core = f"d{ids['core']}"
    to_s01 = edges[(core, schools["S01"]["id"])]
    assert to_s01["kind"] == "both"
    assert (to_s01["source_port"], to_s01["target_port"], to_s01["utilisation_pct"]) == (
        "Gi0/1",
        "ether1",
        42.0,
    )
    assert edges[(core, schools["S02"]["id"])]["kind"] == "parent"


def test_a_site_map_shows_every_device_and_its_links(viewer):
    client, ids = viewer
    data = client.get("/map/data.json?site=S02").get_json()
    assert data["level"] == "site" and data["site"]["code"] == "S02"
    nodes = {n["id"]: n for n in data["nodes"]}
    assert {n["label"] for n in data["nodes"]} == {
        "office-core",
        "s02-router",
        "s02-switch",
        "s02-ap",
    }
    assert nodes[f"d{ids['core']}"].get("external") is True
    assert nodes[f"d{ids['s02_ap']}"]["state"] == "unreachable"
    assert nodes[f"d{ids['s02_ap']}"]["cut"] is True
    kinds = {(e["source"], e["target"]): e["kind"] for e in data["edges"]}
    assert kinds[(f"d{ids['s02_switch']}", f"d{ids['s02_ap']}")] == "both"
    assert kinds[(f"d{ids['s02_router']}", f"d{ids['s02_switch']}")] == "parent"


def test_the_map_pages_for_a_viewer(viewer):
    client, _ = viewer
    page = client.get("/map").get_data(as_text=True)
    assert 'id="nav-map"' in page and "แผนผังเครือข่าย" in page
    assert 'data-src="/map/data.json"' in page
    assert "vendor/cytoscape/cytoscape.min.js" in page and "js/map.js" in page
    assert '<option value="S02"' in page
    site = client.get("/map/S02").get_data(as_text=True)
    assert 'data-src="/map/data.json?site=S02"' in site and "โรงเรียนดอยสูง" in site
    assert client.get("/map?site=S02").status_code == 200
    assert client.get("/map/NOPE").status_code == 404
    assert client.get("/map/data.json?site=NOPE").status_code == 404


def test_the_map_in_english(viewer):
    client, _ = viewer
    page = client.get("/map?lang=en").get_data(as_text=True)
    assert "Network map" in page and "Parent probably wrong" in page


def test_signed_out_the_map_asks_for_a_login(settings, db):
    client = make_app(settings, db).test_client()
    assert "/login" in client.get("/map").headers["Location"]
    assert "/login" in client.get("/map/data.json").headers["Location"]


def build(db, schools: int, devices_per_school: int, start: int = 0):
    with db.begin() as s:
        office = add_site(s, f"OFF{start}", "สำนักงาน")
        core = add_device(s, office, f"core{start}")
        set_state(s, core, "up", NOW)
        store_lldp(s, core.id, [{"local_port": "Gi1", "remote_name": f"r{start}"}])
        for n in range(start, start + schools):
            site = add_site(s, f"S{n:04d}", f"โรงเรียน {n}")
            router = add_device(s, site, f"r{n}", parent=core)
            set_state(s, router, "down" if n % 3 == 0 else "up", NOW)
            store_lldp(s, router.id, [{"local_port": "e1", "remote_name": f"core{start}"}])
            store_port(s, router.id, 1, "e1", 5.0)
            for k in range(devices_per_school - 1):
                set_state(s, add_device(s, site, f"ap{k}", parent=router), "up", NOW)


def test_the_map_costs_the_same_statements_for_10_devices_as_for_200(officer, db, engine):
    build(db, 3, 3)
    urls = ["/map/data.json", "/map/data.json?site=S0001", "/map", "/map/S0001"]

    def count():
        found = {}
        for url in urls:
            with counting(engine) as statements:
                assert officer.get(url).status_code == 200
            found[url] = len(statements)
        return found

    small = count()
    build(db, 40, 5, start=100)
    with db() as s:
        assert s.query(Device).count() > 200
    large = count()
    assert small == large
    # The data: the signed-in user, sites, devices, neighbour tables, interfaces.
    assert large["/map/data.json"] <= 6


def test_a_site_page_links_to_its_map(viewer):
    client, _ = viewer
    page = client.get("/sites/S02").get_data(as_text=True)
    assert 'href="/map/S02" id="site-map-link"' in page
