"""What the officer sees on the status, site and device pages."""

from __future__ import annotations

import re
from datetime import timedelta

from monitor.db.models import Device
from tests.conftest import NOW, add_device, add_site
from tests.web.seed import seed_heartbeat, seed_incident, set_state


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
    assert "ข้อมูลที่แสดงอาจไม่เป็นปัจจุบันตั้งแต่ 24 พ.ย. 2569 09:00" in page(officer, "/")


def test_stale_data_banner_is_on_every_page_not_only_the_status_page(officer, district, db):
    seed_heartbeat(db, at=NOW - timedelta(minutes=2, seconds=5))  # two 60 s intervals and more
    for url in ["/incidents", "/sites/S02", "/inventory", "/risks"]:
        assert "ข้อมูลที่แสดงอาจไม่เป็นปัจจุบันตั้งแต่ 24 พ.ย. 2569 09:57" in page(officer, url), url
    english = page(officer, "/incidents?lang=en")
    assert "The information shown may not be current since 24 Nov 2026 09:57" in english


def test_fresh_poller_gives_no_warning(officer, district, db):
    seed_heartbeat(db, at=NOW - timedelta(seconds=115))  # less than two intervals
    for url in ["/", "/incidents"]:
        html = page(officer, url)
        assert "ระบบตรวจวัด" not in html and "ไม่เป็นปัจจุบัน" not in html, url


def test_signed_out_pages_say_nothing_about_the_district(client, district, db):
    seed_heartbeat(db, at=NOW - timedelta(hours=1))
    html = page(client, "/login")
    assert "ไม่เป็นปัจจุบัน" not in html and "state-down" not in html


# --- what failed, its incident, acknowledge, recoveries ---------------------------------------


def tile_of(html: str, name: str) -> str:
    """The markup of one tile: from its name to the next tile (or the end of the list)."""
    start = html.index(f'<span class="tile-name">{name}</span>')
    ends = [
        i for i in (html.find('<li class="tile ', start), html.find("</ul>\n<p", start)) if i > 0
    ]
    return html[start : min(ends)]


def test_red_tile_names_the_failed_device_and_links_its_incident(officer, district, db):
    incident_id = seed_incident(db, district["s02_router"])
    tile = tile_of(page(officer, "/"), "โรงเรียนดอยสูง")
    assert "s02-router" in tile and "127.0.2.1" in tile
    assert f'href="/incidents/{incident_id}"' in tile and f"เหตุการณ์ #{incident_id}" in tile
    assert "รับทราบ</button>" in tile
    # The amber tile names its dead access point, which has no incident yet: no button.
    amber = tile_of(page(officer, "/"), "โรงเรียนริมน้ำ")
    assert "s03-ap" in amber and "<button" not in amber
    # Green tiles name nothing.
    assert "tile-failed" not in tile_of(page(officer, "/"), "โรงเรียนบ้านสบาย")


def test_acknowledge_from_the_tile_returns_to_the_status_page(officer, district, db):
    incident_id = seed_incident(db, district["s02_router"])
    response = officer.post(
        f"/incidents/{incident_id}/acknowledge", data={"next": "status"}, follow_redirects=False
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    tile = tile_of(page(officer, "/"), "โรงเรียนดอยสูง")
    assert "รับทราบแล้วโดย เจ้าหน้าที่ ICT" in tile and "<button" not in tile


def test_next_never_sends_anyone_elsewhere(officer, district, db):
    incident_id = seed_incident(db, district["s02_router"])
    response = officer.post(
        f"/incidents/{incident_id}/comment",
        data={"next": "https://example.org/", "text": "x"},
    )
    assert response.headers["Location"].endswith(f"/incidents/{incident_id}")


def test_a_viewer_sees_the_incident_but_no_acknowledge_button(client, district, db):
    from monitor.accounts.users import create_user
    from tests.web.conftest import PASSWORD, sign_in

    with db.begin() as s:
        create_user(s, "viewer", PASSWORD, role="viewer")
    sign_in(client, "viewer")
    incident_id = seed_incident(db, district["s02_router"])
    tile = tile_of(page(client, "/"), "โรงเรียนดอยสูง")
    assert f"เหตุการณ์ #{incident_id}" in tile and "<button" not in tile


def test_recovered_in_the_last_24_hours_lists_only_the_last_day(officer, district, db):
    recent = seed_incident(
        db,
        district["s01_router"],
        opened=NOW - timedelta(hours=5),
        resolved=NOW - timedelta(hours=4),
    )
    seed_incident(
        db, district["core"], opened=NOW - timedelta(days=3), resolved=NOW - timedelta(days=2)
    )
    html = page(officer, "/")
    section = html[html.index('id="recovered"') :]
    assert "กลับมาใช้งานได้ใน 24 ชั่วโมงที่ผ่านมา" in section
    assert f'href="/incidents/{recent}"' in section
    assert "โรงเรียนบ้านสบาย — s01-router (127.0.1.1)" in section
    assert "หลังขัดข้อง 1 ชั่วโมง" in section
    assert "office-core" not in section


def test_title_counts_the_devices_down(officer, district):
    assert "<title>(2) สถานะเครือข่าย · ictmon</title>" in page(officer, "/")
    html = page(officer, "/status/overview")
    assert 'data-title="(2) สถานะเครือข่าย · ictmon"' in html


def test_title_has_no_count_when_nothing_is_down(officer, db):
    with db.begin() as s:
        set_state(s, add_device(s, add_site(s), "r1"), "up", NOW - timedelta(days=1))
    assert "<title>สถานะเครือข่าย · ictmon</title>" in page(officer, "/")


def test_logo_dot_shows_the_worst_state_on_every_page(officer, district, db):
    for url in ["/", "/incidents", "/sites/S01"]:
        assert re.search(r'class="brand-mark state-down"', page(officer, url)), url


def test_logo_dot_is_green_when_everything_is_up(officer, db):
    with db.begin() as s:
        set_state(s, add_device(s, add_site(s), "r1"), "up", NOW - timedelta(days=1))
    assert 'class="brand-mark state-up"' in page(officer, "/incidents")


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


def test_the_language_link_keeps_the_page_when_a_query_argument_shares_a_route_name(
    officer, district
):
    # ?code=… beside the route's own <code>: the page and its error pages must still render
    page = officer.get("/sites/S01?code=S999")
    assert page.status_code == 200
    assert 'href="/sites/S01?code=S999&amp;lang=en"' in page.get_data(as_text=True)
    missing = officer.get("/sites/NOPE?code=S01")
    assert missing.status_code == 404
    assert 'href="/sites/NOPE?code=S01&amp;lang=en"' in missing.get_data(as_text=True)
