"""School contacts: typed on the site's edit page, shown on the site page, carried by its alerts."""

from __future__ import annotations

from sqlalchemy import select

from monitor.db.models import AuditEvent, Site, SiteContact

CONTACT = {
    "person": "ครูสมชาย <b>ใจดี</b>",
    "phone": "081-234-5678",
    "line_id": "somchai.k",
    "isp": "TOT",
    "circuit_id": "BB-1234",
    "isp_hotline": "1100",
}


def site_id(db, code="S01"):
    with db() as s:
        return s.scalar(select(Site.id).where(Site.code == code))


def test_contacts_are_saved_shown_on_the_site_page_and_audited(officer, db, district):
    sid = site_id(db)
    response = officer.post(f"/manage/sites/{sid}/contact", data=CONTACT)
    assert response.status_code == 302
    form = officer.get(f"/manage/sites/{sid}/edit").get_data(as_text=True)
    assert 'value="somchai.k"' in form
    page = officer.get("/sites/S01").get_data(as_text=True)
    assert 'id="site-contact"' in page
    assert "ครูสมชาย &lt;b&gt;ใจดี&lt;/b&gt;" in page  # typed text stays text
    assert '<a href="tel:081-234-5678">081-234-5678</a>' in page
    assert "TOT · วงจร BB-1234" in page
    with db() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.object_type == "site_contact"))
        assert (event.action, event.actor) == ("create", "officer")


def test_clearing_every_field_removes_the_contacts(officer, db, district):
    sid = site_id(db)
    officer.post(f"/manage/sites/{sid}/contact", data=CONTACT)
    officer.post(f"/manage/sites/{sid}/contact", data=dict.fromkeys(CONTACT, " "))
    with db() as s:
        assert s.scalars(select(SiteContact)).all() == []
    assert 'id="site-contact"' not in officer.get("/sites/S01").get_data(as_text=True)


def test_a_bad_value_is_refused_with_the_field_named(officer, db, district):
    sid = site_id(db)
    response = officer.post(
        f"/manage/sites/{sid}/contact", data={**CONTACT, "phone": "081\x1b[2J", "isp": "x" * 101}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "phone" in page and "control character" in page
    assert "at most 100 characters" in page
    with db() as s:
        assert s.scalars(select(SiteContact)).all() == []
