"""The global search: from any page, by name, address, serial, model or site; grouped by kind."""

from __future__ import annotations

import re

from monitor.db.models import Device, SnmpStatus
from tests.conftest import NOW


def found(client, q: str) -> str:
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def group(html: str, name: str) -> str:
    match = re.search(
        rf'<section class="search-group" id="search-{name}">(.*?)</section>', html, re.S
    )
    return match.group(1) if match else ""


def test_every_page_has_the_search_box(officer, district):
    for url in ["/", "/incidents", "/sites/S02"]:
        html = officer.get(url).get_data(as_text=True)
        assert 'id="global-search"' in html and 'action="/search"' in html, url


def test_a_device_is_found_by_name_and_by_address(officer, district):
    assert "s02-switch" in group(found(officer, "S02-SWI"), "devices")
    html = found(officer, "127.0.3.2")
    assert "s03-ap" in group(html, "devices") and "s02" not in group(html, "devices")


def test_a_site_is_found_by_name_or_code_in_its_own_group(officer, district):
    html = found(officer, "ดอยสูง")
    assert "โรงเรียนดอยสูง" in group(html, "sites")
    assert group(html, "devices") == ""
    assert 'href="/sites/S03"' in group(found(officer, "s03"), "sites")


def test_a_device_is_found_by_its_typed_or_collected_serial_and_model(officer, db, district):
    with db.begin() as s:
        s.get(Device, district["s02_switch"]).serial = "FOC1234X0AB"
        s.add(
            SnmpStatus(
                device_id=district["s03_ap"],
                state="ok",
                polled_at=NOW,
                model="UAP-AC-PRO",
                serial="7483C2AA11",
            )
        )
    html = group(found(officer, "foc1234"), "devices")
    assert "s02-switch" in html and "หมายเลขเครื่อง FOC1234X0AB" in html
    html = group(found(officer, "uap-ac"), "devices")
    assert "s03-ap" in html and "รุ่น UAP-AC-PRO" in html


def test_nothing_found_says_so_and_percent_is_literal(officer, district):
    assert "ไม่พบสิ่งที่ตรงกับ “%”" in found(officer, "%")
    assert "ไม่พบสิ่งที่ตรงกับ “zzz”" in found(officer, "zzz")


def test_an_empty_search_explains_itself_and_a_huge_one_is_refused(officer, district):
    assert "กด / จากหน้าใดก็ได้" in found(officer, "")
    assert officer.get("/search", query_string={"q": "x" * 500}).status_code == 400


def test_search_needs_a_signed_in_user(client, district):
    response = client.get("/search?q=router")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
