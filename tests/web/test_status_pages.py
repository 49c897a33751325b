"""What the officer sees on the status, site and device pages."""

from __future__ import annotations

import re
from datetime import timedelta

from monitor.db.models import Device
from tests.conftest import NOW, add_device, add_site
from tests.web.seed import seed_heartbeat, set_state


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def tile_names(html: str) -> list[str]:
    return re.findall(r'<span class="tile-name">([^<]*)</span>', html)


def test_down_school_comes_first_with_how_long_it_has_been_down(officer, district):
    html = page(officer, "/")
    assert tile_names(html)[0] == "โรงเรียนดอยสูง"
    assert "ขัดข้องมาแล้ว 2 ชั่วโมง 5 นาที" in html


def test_tiles_are_ordered_worst_first(officer, district):
    # S02 router down (red), S03 access point down (amber), then the green ones.
    assert tile_names(page(officer, "/")) == [
        "โรงเรียนดอยสูง",
        "โรงเรียนริมน้ำ",
        "สำนักงานเขตพื้นที่การศึกษา",
        "โรงเรียนบ้านสบาย",
    ]


def test_tile_colours(officer, district):
    html = page(officer, "/")
    assert re.search(r'tile level-offline" data-filter="โรงเรียนดอยสูง', html)
    assert re.search(r'tile level-degraded" data-filter="โรงเรียนริมน้ำ', html)
    assert re.search(r'tile level-ok" data-filter="โรงเรียนบ้านสบาย', html)


def test_tile_counts_devices_by_state(officer, district):
    html = page(officer, "/")
    assert "1 ขัดข้อง" in html and "2 ติดต่อไม่ได้" in html


def test_summary_line_counts_sites_offline_and_devices_down(officer, district):
    html = page(officer, "/")
    assert "โรงเรียนออฟไลน์ 1 แห่ง" in html
    assert "อุปกรณ์ขัดข้อง 2 เครื่อง" in html
    assert "ติดต่อไม่ได้ 2 เครื่อง" in html


def test_all_green_district_says_so(officer, db):
    with db.begin() as s:
        set_state(s, add_device(s, add_site(s), "r1"), "up", NOW - timedelta(days=1))
    assert "ทุกโรงเรียนใช้งานได้ปกติ" in page(officer, "/")


def test_school_whose_uplink_is_unreachable_is_amber_and_the_office_red(officer, db):
    with db.begin() as s:
        core = add_device(s, add_site(s, "OFFICE", "สำนักงาน"), "core")
        school_router = add_device(s, add_site(s, "S01", "โรงเรียนหนึ่ง"), "r1", parent=core)
        set_state(s, core, "down", NOW - timedelta(minutes=10))
        set_state(s, school_router, "unreachable", NOW - timedelta(minutes=10))
    html = page(officer, "/")
    assert re.search(r'tile level-offline" data-filter="สำนักงาน', html)
    assert re.search(r'tile level-degraded" data-filter="โรงเรียนหนึ่ง', html)
    assert "ติดต่อไม่ได้มาแล้ว 10 นาที" in html


def test_device_never_polled_is_unknown(officer, db):
    with db.begin() as s:
        add_device(s, add_site(s, "S09", "โรงเรียนใหม่"), "r9")
    html = page(officer, "/")
    assert 'tile level-unknown" data-filter="โรงเรียนใหม่' in html
    assert "1 ไม่ทราบสถานะ" in html


def test_english_with_lang_en_and_it_is_remembered(officer, district):
    html = page(officer, "/?lang=en")
    assert "Network status" in html and "Down for 2 h 5 min" in html
    assert "Down for 2 h 5 min" in page(officer, "/")
    assert "ขัดข้องมาแล้ว" in page(officer, "/?lang=th")


def test_default_language_comes_from_settings(settings, db, district):
    from dataclasses import replace

    from monitor.accounts.users import create_user
    from monitor.settings import WebSettings
    from tests.web.conftest import PASSWORD, make_app

    with db.begin() as s:
        create_user(s, "officer", PASSWORD)
    app = make_app(replace(settings, web=WebSettings(default_language="en")), db)
    client = app.test_client()
    client.post("/login", data={"username": "officer", "password": PASSWORD})
    assert "Network status" in page(client, "/")


def test_stale_poller_is_warned_about(officer, district, db):
    assert "ระบบตรวจวัดยังไม่เคยรายงานผล" in page(officer, "/")
    seed_heartbeat(db, at=NOW - timedelta(hours=1))
    assert "ระบบตรวจวัดไม่ได้รายงานผลมาตั้งแต่ 24 พ.ย. 2569 09:00" in page(officer, "/")


def test_fresh_poller_gives_no_warning(officer, district, db):
    seed_heartbeat(db, at=NOW - timedelta(seconds=40))
    assert "ระบบตรวจวัด" not in page(officer, "/")


def test_overview_fragment_is_the_tiles_alone(officer, district):
    html = page(officer, "/status/overview")
    assert "<html" not in html
    assert tile_names(html)[0] == "โรงเรียนดอยสูง"


def test_overview_fragment_says_401_to_the_script_when_signed_out(client):
    response = client.get("/status/overview", headers={"X-Requested-With": "fetch"})
    assert response.status_code == 401


def test_pages_carry_no_inline_script_or_handlers(officer, district):
    for url in ["/", "/sites/S02", f"/devices/{district['s02_router']}", "/status/overview"]:
        html = page(officer, url)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert " style=" not in html, url


# --- site page ------------------------------------------------------------------------------


def test_site_page_shows_devices_as_a_tree_under_the_uplink(officer, district):
    html = page(officer, "/sites/S02")
    assert 'class="uplink-row"' in html and "office-core" in html
    rows = re.findall(r'<td class="depth-(\d)"><a href="/devices/\d+">([^<]+)</a>', html)
    assert rows == [("1", "s02-router"), ("2", "s02-switch"), ("3", "s02-ap")]
    assert "127.0.2.2" in html and "สวิตช์" in html


def test_site_page_shows_state_since_and_latency(officer, district):
    html = page(officer, "/sites/S01")
    assert "ปกติ" in html and "12.5 ms" in html and "21 พ.ย. 2569 10:00" in html


def test_unknown_site_is_404(officer):
    response = officer.get("/sites/NOPE")
    assert response.status_code == 404
    assert "ไม่พบหน้าที่ต้องการ" in response.get_data(as_text=True)


# --- device page ----------------------------------------------------------------------------


def test_device_page_shows_state_parent_children_and_history(officer, district):
    html = page(officer, f"/devices/{district['s02_router']}")
    assert "ขัดข้องมาแล้ว 2 ชั่วโมง 5 นาที" in html
    assert "office-core" in html and "s02-switch" in html
    assert "timeout" in html
    # history: the outage (ongoing) and the 4 days 21 hours of up before it, Thai dates
    assert "ยังเป็นอยู่" in html
    assert "19 พ.ย. 2569 10:00" in html and "4 วัน 21 ชั่วโมง" in html
    assert 'id="latency-chart"' in html


def test_device_page_in_english(officer, district):
    html = page(officer, f"/devices/{district['s02_router']}?lang=en")
    assert "State history" in html and "19 Nov 2026 10:00" in html


def test_unknown_device_is_404(officer):
    assert officer.get("/devices/999").status_code == 404


# --- hostile input --------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script>"


def test_hostile_device_and_site_names_render_escaped(officer, db):
    with db.begin() as s:
        site = add_site(s, "EVIL", HOSTILE)
        router = add_device(s, site, HOSTILE, kind="router")
        set_state(s, router, "down", NOW - timedelta(minutes=5), error=HOSTILE)
        device_id = router.id
    for url in ["/", "/status/overview", "/sites/EVIL", f"/devices/{device_id}"]:
        html = page(officer, url)
        assert HOSTILE not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    assert db().get(Device, device_id).name == HOSTILE
