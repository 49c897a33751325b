"""The alert mail for a school says whom to call: its contact person and its provider, in the
mail's language; a recovery, and a school without contacts, say nothing of it."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.mail.messages import (
    ContactFacts,
    DeviceFacts,
    IncidentFacts,
    grouped_mail,
    incident_mail,
)

AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
CONTACT = ContactFacts(
    person="ครูสมชาย ใจดี",
    phone="081 234 5678",
    line_id="somchai.ict",
    isp="TOT",
    circuit_id="C-42",
    isp_hotline="1100",
)


def incident(contact=CONTACT, resolved=None):
    device = DeviceFacts(7, "s02-router", "127.0.2.1", "S02", "โรงเรียนดอยสูง", contact)
    return IncidentFacts(12, device, AT, resolved, (), "https://ictmon.example/incidents/12")


def test_the_down_mail_names_the_schools_contact_and_provider_in_thai():
    mail = incident_mail(incident(), "th", recovered=False)
    assert "ผู้ติดต่อของโรงเรียน: ครูสมชาย ใจดี 081 234 5678 · LINE somchai.ict" in mail.text
    assert "ผู้ให้บริการอินเทอร์เน็ต: TOT · วงจร C-42" in mail.text
    assert "สายด่วนผู้ให้บริการ 1100" in mail.text
    assert "ครูสมชาย ใจดี 081 234 5678" in mail.html


def test_in_english_and_escaped_in_html():
    contact = ContactFacts(person="<b>Somchai</b>", phone="081")
    mail = incident_mail(incident(contact), "en", recovered=False)
    assert "School contact: <b>Somchai</b> 081" in mail.text
    assert "&lt;b&gt;Somchai&lt;/b&gt;" in mail.html and "<b>Somchai" not in mail.html


def test_recoveries_and_schools_without_contacts_say_nothing_of_it():
    back = incident_mail(incident(resolved=AT), "th", recovered=True)
    assert "ผู้ติดต่อ" not in back.text
    assert "ผู้ติดต่อ" not in incident_mail(incident(None), "th", recovered=False).text
    assert "ผู้ติดต่อ" not in incident_mail(incident(ContactFacts()), "th", recovered=False).text


def test_a_grouped_mail_keeps_each_schools_contact_with_its_school():
    mail = grouped_mail([incident(), incident(None)], "th", recovered=False)
    [first, second] = [b for b in mail.text.split("\n\n") if b.startswith("- ")]
    assert "ครูสมชาย" in first and "ครูสมชาย" not in second
