"""Chat alert texts (monitor.channels.texts) and channel rules (monitor.channels.kinds): pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.channels import texts
from monitor.channels.kinds import (
    KINDS,
    ChannelError,
    is_permanent,
    parse_events,
    parse_site_codes,
    routed,
)
from monitor.channels.transport import redact
from monitor.mail.messages import ContactFacts, DeviceFacts, IncidentFacts

OPENED = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok
ROUTER = DeviceFacts(7, "router", "10.1.1.1", "S001", "โรงเรียนบ้านหนองบัว")
LINK = "https://ictmon.example/incidents/12"


def incident(**kw) -> IncidentFacts:
    values = dict(incident_id=12, device=ROUTER, opened_at=OPENED, link=LINK)
    values.update(kw)
    return IncidentFacts(**values)


@pytest.mark.parametrize(
    ("facts", "lang", "recovered", "expected"),
    [
        (
            incident(children=("sw-core", "ap-library")),
            "th",
            False,
            "🔴 ขัดข้อง: โรงเรียนบ้านหนองบัว (S001)\nrouter (10.1.1.1)\n"
            "ตั้งแต่ 24 พ.ย. 2569 10:00\nอุปกรณ์ที่อยู่ถัดไปติดต่อไม่ได้อีก 2 เครื่อง\n" + LINK,
        ),
        (
            incident(),
            "en",
            False,
            "🔴 DOWN: โรงเรียนบ้านหนองบัว (S001)\nrouter (10.1.1.1)\nsince 24 Nov 2026 10:00\n" + LINK,
        ),
        (
            incident(resolved_at=OPENED + timedelta(hours=2, minutes=5)),
            "th",
            True,
            "🟢 กลับมาใช้งานได้: โรงเรียนบ้านหนองบัว (S001)\nrouter (10.1.1.1)\n"
            "ใช้งานไม่ได้นาน 2 ชั่วโมง 5 นาที (กลับมาเมื่อ 24 พ.ย. 2569 12:05)\n" + LINK,
        ),
        (
            incident(resolved_at=OPENED + timedelta(minutes=3), link=""),
            "en",
            True,
            "🟢 BACK: โรงเรียนบ้านหนองบัว (S001)\nrouter (10.1.1.1)\n"
            "was down for 3 min (back at 24 Nov 2026 10:03)",
        ),
    ],
)
def test_one_incident_reads_school_device_since_behind_and_link(facts, lang, recovered, expected):
    assert texts.incident_text(facts, lang, recovered=recovered, limit=5000) == expected


def test_a_name_with_line_breaks_cannot_forge_a_line():
    sneaky = DeviceFacts(1, "router\n🟢 BACK: all fine", "10.0.0.1", "S9", "school\nok")
    text = texts.incident_text(incident(device=sneaky), "en", recovered=False, limit=5000)
    assert text.splitlines()[:2] == [
        "🔴 DOWN: school ok (S9)",
        "router 🟢 BACK: all fine (10.0.0.1)",
    ]


def _schools(n: int) -> list[IncidentFacts]:
    return [
        incident(
            incident_id=i,
            device=DeviceFacts(i, "router", f"10.{i}.0.1", f"S{i:03d}", f"โรงเรียนที่ {i}"),
            children=("sw",) * (i % 3),
        )
        for i in range(1, n + 1)
    ]


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("n", [3, 40, 150])
def test_a_grouped_outage_is_one_message_within_each_services_limit(kind, n):
    limit = KINDS[kind].limit
    link = "https://ictmon.example/incidents"
    text = texts.grouped_text(_schools(n), "th", recovered=False, limit=limit, link=link)
    assert len(text) <= limit
    lines = text.splitlines()
    assert lines[0] == f"🔴 ขัดข้องพร้อมกัน {n} แห่ง"
    assert lines[-1] == link  # the link is never the part that is cut
    shown = [line for line in lines if line.startswith("- ")]
    if len(shown) < n:
        assert lines[-2] == f"… และอีก {n - len(shown)} แห่ง"
    # Worst first: the schools with most devices cut off behind them lead the list.
    assert shown[0].endswith("+2 · 24 พ.ย. 2569 10:00")


def test_a_grouped_recovery_states_each_duration_in_english():
    items = [
        incident(
            incident_id=i,
            device=DeviceFacts(i, "router", "10.0.0.1", f"S{i}", f"School {i}"),
            resolved_at=OPENED + timedelta(minutes=10 * i),
        )
        for i in (1, 2, 3)
    ]
    text = texts.grouped_text(items, "en", recovered=True, limit=4000)
    assert text.splitlines() == [
        "🟢 BACK at 3 sites",
        "- School 1 (S1): router · 10 min",
        "- School 2 (S2): router · 20 min",
        "- School 3 (S3): router · 30 min",
    ]


@pytest.mark.parametrize(
    ("head", "items", "limit", "expected"),
    [
        (["H"], ["- a", "- b"], 100, "H\n- a\n- b\nL"),
        (["H"], ["- a", "- " + "b" * 30], 22, "H\n- a\n… and 1 more\nL"),
        (["H"], ["- " + "a" * 30, "- b"], 18, "H\n… and 2 more\nL"),
        (["H" * 20], [], 10, "H" * 9 + "…"),
    ],
)
def test_fit_keeps_head_and_tail_and_counts_what_it_left_out(head, items, limit, expected):
    assert texts.fit(head, items, ["L"] if items else [], limit, "en") == expected


def test_flapping_and_settled_notices():
    flapping = texts.flapping_text(
        ROUTER, "th", changes=6, window=timedelta(minutes=30), limit=5000
    )
    assert flapping.splitlines() == [
        "⚠️ สถานะไม่นิ่ง: โรงเรียนบ้านหนองบัว (S001)",
        "router (10.1.1.1)",
        "ขึ้น-ลง 6 ครั้งภายใน 30 นาที งดแจ้งทุกครั้งที่เปลี่ยนจนกว่าจะนิ่ง",
    ]
    settled = texts.settled_text(ROUTER, "en", state="up", window=timedelta(minutes=30), limit=900)
    assert settled.splitlines()[-1] == "no change for 30 min; now up"


@pytest.mark.parametrize(
    ("events", "all_sites", "codes", "event", "sites", "expected"),
    [
        ("down,grouped", True, "", "down", {"S1", "S2"}, {"S1", "S2"}),
        ("down,grouped", True, "", "flapping", {"S1"}, None),
        ("down", False, "S1 S3", "down", {"S1", "S2"}, {"S1"}),
        ("down", False, "S3", "down", {"S1", "S2"}, None),
        ("grouped, flapping", False, "S1,S2", "grouped", {"S2", "S9"}, {"S2"}),
    ],
)
def test_routing_by_event_and_site(events, all_sites, codes, event, sites, expected):
    got = routed(events=events, all_sites=all_sites, site_codes=codes, event=event, sites=sites)
    assert got == expected


def test_events_and_site_codes_are_read_strictly():
    assert parse_events(" Down ; grouped,down") == ("down", "grouped")
    with pytest.raises(ChannelError, match="unknown event 'outage'"):
        parse_events("down,outage")
    with pytest.raises(ChannelError, match="at least one event"):
        parse_events(" , ")
    assert parse_site_codes("S1, S2  S1") == ("S1", "S2")


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        (None, False),
        (200, False),
        (400, True),
        (401, True),
        (404, True),
        (408, False),
        (429, False),
        (500, False),
        (503, False),
    ],
)
def test_which_answers_are_worth_retrying(status, permanent):
    assert is_permanent(status) is permanent


@pytest.mark.parametrize(
    ("url", "said", "expected"),
    [
        (
            "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567",
            "POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/x",
            "POST https://api.telegram.org/bot•••/x",
        ),
        (
            "line://AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/C1234567890abcdef",
            "Failed to send Line notification to C1234567890abcdef: error=400.",
            "Failed to send Line notification to •••: error=400.",
        ),
        (
            "json://127.0.0.1:8080/hook",
            "Sent JSON POST notification.",
            "Sent JSON POST notification.",
        ),
    ],
)
def test_answers_are_kept_without_the_channel_token(url, said, expected):
    assert redact(said, url) == expected


@pytest.mark.parametrize(
    ("contact", "lang", "expected"),
    [
        (None, "th", []),
        (ContactFacts(), "th", []),
        (
            ContactFacts("ครูสมชาย", "081-234-5678", "somchai.k", "TOT", "BB-1234", "1100"),
            "th",
            [
                "📞 ครูสมชาย 081-234-5678 · LINE somchai.k",
                "🌐 TOT วงจร BB-1234 สายด่วนผู้ให้บริการ 1100",
            ],
        ),
        (
            ContactFacts(phone="081", isp="3BB", isp_hotline="1530"),
            "en",
            ["📞 081", "🌐 3BB ISP hotline 1530"],
        ),
        (ContactFacts(line_id="x\nforged"), "en", ["📞 LINE x forged"]),
    ],
)
def test_contact_lines(contact, lang, expected):
    assert texts.contact_lines(contact, lang) == expected


def test_an_outage_tells_whom_to_call():
    school = DeviceFacts(
        7,
        "router",
        "10.1.1.1",
        "S001",
        "โรงเรียนบ้านหนองบัว",
        ContactFacts("ครูสมชาย", "081-234-5678", isp="TOT", isp_hotline="1100"),
    )
    text = texts.incident_text(incident(device=school), "th", recovered=False, limit=5000)
    assert text.splitlines()[3:] == [
        "📞 ครูสมชาย 081-234-5678",
        "🌐 TOT สายด่วนผู้ให้บริการ 1100",
        LINK,
    ]
