"""The messages about an edge collector (monitor.edge.summary): Bangkok times, Thai and English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.domain import Status
from monitor.edge import summary

T0 = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # 14:00 in Bangkok


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def reconnection(spells=(), dropped=0, window_to=None) -> summary.Reconnection:
    return summary.Reconnection(
        collector="S012-pi",
        site="Ban Nong Bua School (S012)",
        lost_contact_at=at(0),
        back_at=at(123),
        window_from=at(0),
        window_to=window_to or at(123),
        spells=tuple(spells),
        dropped=dropped,
        link="https://ictmon.example/manage/collectors",
    )


def test_spells_keep_what_was_not_up_inside_the_window_clipped_to_it():
    rows = [
        ("sw-1", "up", at(-60), None),
        ("sw-2", "down", at(2), at(31)),
        ("ap", "unknown", at(-5), at(5)),
        ("old", "down", at(-50), at(-1)),
        ("late", "down", at(200), None),
        ("still", "unreachable", at(100), None),
    ]
    found = summary.spells(rows, at(0), at(123))
    assert found == [
        summary.Spell("ap", Status.UNKNOWN, at(0), at(5)),
        summary.Spell("sw-2", Status.DOWN, at(2), at(31)),
        summary.Spell("still", Status.UNREACHABLE, at(100), None),
    ]


def test_the_summary_names_the_outage_in_bangkok_time_in_english():
    mail = summary.reconnection_mail(
        reconnection([summary.Spell("sw-2", Status.DOWN, at(2), at(31))]), "en"
    )
    assert mail.subject == "[ictmon] Collector S012-pi back after 2 h 3 min"
    assert "sw-2 was down 14:02–14:31" in mail.text
    assert "Everything else stayed up." in mail.text
    assert "https://ictmon.example/manage/collectors" in mail.text
    assert "sw-2 was down 14:02–14:31" in mail.html


def test_the_summary_in_thai_by_default():
    mail = summary.reconnection_mail(
        reconnection([summary.Spell("sw-2", Status.DOWN, at(2), at(31))]), "th"
    )
    assert "ตัวเก็บข้อมูล S012-pi" in mail.subject
    assert "2 ชั่วโมง 3 นาที" in mail.subject
    assert "sw-2 ขัดข้อง 14:02–14:31" in mail.text
    assert "2569" in mail.text  # Buddhist-era dates


def test_nothing_happened_says_so():
    mail = summary.reconnection_mail(reconnection(), "en")
    assert "Inside the school, everything stayed up." in mail.text


def test_a_device_still_down_and_dropped_results_are_told():
    text = summary.reconnection_mail(
        reconnection([summary.Spell("sw-2", Status.DOWN, at(100), None)], dropped=40), "en"
    ).text
    assert "sw-2 down since 15:40, still" in text
    assert "40 results were dropped" in text


def test_a_window_across_midnight_shows_dates():
    spell = summary.Spell("sw-2", Status.DOWN, at(2), at(31))
    text = summary.reconnection_mail(reconnection([spell], window_to=at(60 * 12)), "en").text
    assert "sw-2 was down 7 Dec 2026 14:02–7 Dec 2026 14:31" in text


def test_the_chat_text_fits_the_channel():
    many = [summary.Spell(f"ap-{n}", Status.DOWN, at(n), at(n + 1)) for n in range(60)]
    text = summary.reconnection_chat(reconnection(many), "en", limit=400)
    assert len(text) <= 400
    assert text.startswith("Collector S012-pi back after 2 h 3 min")
    assert text.endswith("https://ictmon.example/manage/collectors")


def test_offline_message_and_title():
    facts = summary.Offline("S012-pi", "Ban Nong Bua School (S012)", at(0), 3, "https://x/i/4")
    mail = summary.offline_mail(facts, "en")
    assert mail.subject == "[ictmon] Collector S012-pi offline: Ban Nong Bua School (S012)"
    assert "since 7 Dec 2026 14:00" in mail.text
    assert "3 devices show as unknown (collector offline)" in mail.text
    assert len(summary.offline_chat(facts, "th", limit=200)) <= 200
    assert (
        summary.offline_title("S012-pi", "Ban Nong Bua School (S012)", "en")
        == "Ban Nong Bua School (S012) — collector S012-pi offline"
    )


def test_names_cannot_forge_lines():
    facts = summary.Offline("pi\nBcc: x", "School", at(0), 1)
    assert "\n" not in summary.offline_mail(facts, "en").subject
