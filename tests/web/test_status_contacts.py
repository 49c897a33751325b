"""The status page tells the officer whom to call: a school with a device down shows its
contact person and phone in its tile; a school that is fine shows none."""

from __future__ import annotations

from sqlalchemy import select

from monitor.db.models import Site, SiteContact


def add_contact(db, code, **values):
    with db.begin() as s:
        site_id = s.scalar(select(Site.id).where(Site.code == code))
        fields = dict(person="", phone="", line_id="", isp="", circuit_id="", isp_hotline="")
        fields.update(values)
        s.add(SiteContact(site_id=site_id, **fields))


def tile(page: str, code: str) -> str:
    start = page.find(f'<span class="tile-code">{code}</span>')
    assert start >= 0, code
    return page[start : page.find('<li class="tile ', start)]


def test_a_down_schools_tile_shows_whom_to_call(officer, district, db):
    add_contact(
        db,
        "S02",
        person="ครูสมชาย ใจดี",
        phone="081 234 5678",
        isp="TOT",
        circuit_id="C-42",
        isp_hotline="1100",
    )
    add_contact(db, "S01", person="ครูสมหญิง", phone="089 999 9999")  # S01 is fine
    page = officer.get("/status/overview").get_data(as_text=True)
    down = tile(page, "S02")
    assert "ผู้ติดต่อ: ครูสมชาย ใจดี 081 234 5678" in down
    assert 'href="tel:0812345678"' in down
    assert "TOT C-42 สายด่วนผู้ให้บริการ 1100" in down
    assert "ครูสมหญิง" not in page
