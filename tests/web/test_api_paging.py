"""/api/v1/devices a page at a time: `limit` and the opaque `cursor` of the previous page's
`next`, the same URL in a Link header; walking the pages gives every device once, in id order,
with the site filter kept, also when devices are added between pages. SQLite and PostgreSQL."""

from __future__ import annotations

import base64

import pytest

from monitor.accounts.users import create_user
from tests.conftest import add_device, add_site
from tests.web.conftest import PASSWORD, make_app, sign_in
from web.api import paging


def add_school(session_factory, code: str, devices: int) -> list[int]:
    with session_factory.begin() as s:
        site = add_site(s, code, f"โรงเรียน {code}")
        added = [
            add_device(s, site, f"{code.lower()}-d{n}", f"127.0.9.{n + 1}") for n in range(devices)
        ]
        s.flush()
        return [d.id for d in added]


def walk(client, url: str, limit_pages: int = 100) -> tuple[list[dict], list[dict]]:
    """Every page from `url` on, following `next`; (devices, each page's answer) — bounded."""
    devices, pages = [], []
    for _ in range(limit_pages):
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.json
        pages.append({"body": body, "link": response.headers.get("Link")})
        devices += body["devices"]
        if body["next"] is None:
            return devices, pages
        url = body["next"]
    raise AssertionError(f"more than {limit_pages} pages")


@pytest.fixture
def api_client(settings, any_db):
    with any_db.begin() as s:
        create_user(s, "officer", PASSWORD)
    client = make_app(settings, any_db).test_client()
    assert sign_in(client).status_code == 302
    return client


def test_walking_the_pages_gives_every_device_once_in_id_order(api_client, any_db):
    ids = add_school(any_db, "S01", 7) + add_school(any_db, "S02", 4)
    devices, pages = walk(api_client, "/api/v1/devices?limit=3")
    assert [d["id"] for d in devices] == sorted(ids)
    assert [p["body"]["count"] for p in pages] == [3, 3, 3, 2]
    # Each page but the last names the next in its body and in a Link header, as an absolute URL.
    for page in pages[:-1]:
        assert page["body"]["next"].startswith("http://localhost/api/v1/devices?")
        assert page["link"] == f'<{page["body"]["next"]}>; rel="next"'
    assert pages[-1]["body"]["next"] is None and pages[-1]["link"] is None


def test_the_site_filter_and_the_limit_carry_over_to_every_page(api_client, any_db):
    add_school(any_db, "S01", 3)
    s02 = add_school(any_db, "S02", 5)
    add_school(any_db, "S03", 2)
    devices, pages = walk(api_client, "/api/v1/devices?site=S02&limit=2")
    assert [d["id"] for d in devices] == s02
    assert {d["site"] for d in devices} == {"S02"}
    assert [p["body"]["count"] for p in pages] == [2, 2, 1]
    assert all("site=S02" in p["body"]["next"] for p in pages[:-1])


def test_devices_added_while_walking_appear_once_on_a_later_page(api_client, any_db):
    first = add_school(any_db, "S01", 4)
    page = api_client.get("/api/v1/devices?limit=3").json
    assert [d["id"] for d in page["devices"]] == first[:3]
    added = add_school(any_db, "S02", 3)  # between the first page and the second
    rest, _ = walk(api_client, page["next"])
    walked = [d["id"] for d in page["devices"] + rest]
    assert walked == first + added and len(set(walked)) == len(walked)


def test_without_limit_a_page_holds_up_to_the_default(api_client, any_db):
    ids = add_school(any_db, "S01", 3)
    body = api_client.get("/api/v1/devices").json
    assert [d["id"] for d in body["devices"]] == ids
    assert body["count"] == 3 and body["next"] is None
    assert paging.DEFAULT_LIMIT == 500 and paging.MAX_LIMIT == 5000


def encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", "limit must be a whole number from 1 to 5,000"),
        ("limit=5001", "limit must be a whole number from 1 to 5,000"),
        ("limit=-1", "limit must be a whole number from 1 to 5,000"),
        ("limit=ten", "limit must be a whole number from 1 to 5,000"),
        ("limit=" + "9" * 5000, "limit must be a whole number from 1 to 5,000"),
        ("cursor=", "cursor is not one this API gave out"),
        ("cursor=12", "cursor is not one this API gave out"),
        ("cursor=%%%", "cursor is not one this API gave out"),
        (f"cursor={encoded('after:-5')}", "cursor is not one this API gave out"),
        (f"cursor={encoded('after:99999999999')}", "cursor is not one this API gave out"),
        (f"cursor={encoded('before:5')}", "cursor is not one this API gave out"),
    ],
)
def test_a_bad_limit_or_cursor_is_a_400_that_says_which(officer, query, message):
    response = officer.get(f"/api/v1/devices?{query}")
    assert response.status_code == 400
    assert message in response.json["error"]


def test_cursors_round_trip():
    for last in (0, 1, 499, 2**31 - 1):
        cursor = paging.encode_cursor(last)
        assert not cursor.isdigit()
        assert paging.decode_cursor(cursor, 2**31 - 1) == last
