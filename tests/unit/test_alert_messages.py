"""The alert mails' words: Thai by default, English on request, hostile names made harmless."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.mail.messages import (
    DeviceFacts,
    IncidentFacts,
    flapping_mail,
    grouped_mail,
    incident_mail,
)

OPENED = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 10:00 Bangkok
ROUTER = DeviceFacts(1, "router", "10.1.1.1", "S001", "โรงเรียนบ้านหนองบัว")


def test_down_mail_in_thai_with_bangkok_time_and_buddhist_year():
    mail = incident_mail(
        IncidentFacts(
            7, ROUTER, OPENED, children=("sw-core",), link="https://ictmon.example/incidents/7"
        ),
        "th",
        recovered=False,
    )
    assert mail.subject == "[ictmon] ขัดข้อง: โรงเรียนบ้านหนองบัว — router"
    assert "ไม่ตอบสนองตั้งแต่ 24 พ.ย. 2569 10:00" in mail.text
    assert "เหตุการณ์ #7: https://ictmon.example/incidents/7" in mail.text
    assert '<a href="https://ictmon.example/incidents/7">' in mail.html


def test_recovery_mail_says_how_long_in_english():
    facts = IncidentFacts(7, ROUTER, OPENED, OPENED + timedelta(hours=2, minutes=5))
    mail = incident_mail(facts, "en", recovered=True)
    assert mail.subject == "[ictmon] RECOVERED: โรงเรียนบ้านหนองบัว — router"
    assert "it was down for 2 h 5 min" in mail.text


def test_hostile_names_are_escaped_in_html_and_cannot_add_headers():
    evil = DeviceFacts(
        2,
        "<script>alert(1)</script>\r\nBcc: x@evil",
        "127.0.0.1",
        "S9",
        '"><img src=x onerror=alert(1)>',
    )
    mail = incident_mail(IncidentFacts(9, evil, OPENED), "th", recovered=False)
    assert "<script>" not in mail.html and "<img" not in mail.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    assert "\n" not in mail.subject and "\r" not in mail.subject


def test_mass_outage_is_one_mail_listing_every_site():
    items = [
        IncidentFacts(
            n, DeviceFacts(n, "router", f"10.0.{n}.1", f"S{n:03}", f"โรงเรียน {n}"), OPENED
        )
        for n in range(1, 13)
    ]
    mail = grouped_mail(items, "th", recovered=False)
    assert mail.subject == "[ictmon] ขัดข้องพร้อมกัน 12 แห่ง"
    assert all(f"โรงเรียน {n} (S{n:03})" in mail.text for n in range(1, 13))


def test_flapping_notice_names_the_window():
    mail = flapping_mail(ROUTER, "th", changes=5, window=timedelta(minutes=30))
    assert "เปลี่ยนสถานะขึ้น-ลง 5 ครั้งภายใน 30 นาที" in mail.text
