"""A rule's title and evidence are stored as keys and arguments and read in either language: in
Thai word for word as the rules always wrote them, in English without a Thai character."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from monitor import i18n
from monitor.risks.rules import DeviceFact, Facts, SiteFact, evaluate, parse_rules
from monitor.risks.texts import is_text, render, text
from monitor.risks.windows import HealthPoint

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
TODAY = date(2026, 11, 24)
THAI = re.compile(r"[\u0E00-\u0E7F]")


def device(**kw):
    base = dict(id=7, name="core", kind="router", site_id=1, site_code="S01")
    return DeviceFact(**{**base, "observed_days": {30: 30.0}, **kw})


SITE = SiteFact(
    1,
    "S01",
    "Hill School",
    availability={30: 98.25},
    device_count=3,
    uplinks=(7,),
    observed_days={30: 30.0},
)
HOURS = tuple(NOW - timedelta(hours=h) for h in range(1, 30))


def points(field, value, count):
    """`count` health samples 5 minutes apart up to NOW, all with `field` = value."""
    return tuple(
        HealthPoint(NOW - timedelta(minutes=5 * i), **{field: value}) for i in range(count)
    )


# check, its fields, the facts, the Thai title and summary as the rules wrote them before.
CASES = [
    ("availability", {}, [], [SITE],
     "ความพร้อมใช้งานต่ำกว่าเป้าหมาย: Hill School",
     "98.25% ใน 30 วัน (มีข้อมูล 30.0 วัน กฎนี้ต้องการอย่างน้อย 7 วัน; เป้าหมาย 99.5%)"),
    ("repeated_outages", {}, [device(incidents=((1, NOW), (2, NOW), (3, NOW)))], [],
     "ขัดข้องซ้ำหลายครั้ง: core (S01)",
     "ขัดข้อง 3 ครั้งใน 30 วัน (มีข้อมูล 30.0 วัน กฎนี้ต้องการอย่างน้อย 3 วัน)"),
    ("warranty", {}, [device(warranty_end=date(2026, 11, 1))], [],
     "หมดประกันแล้ว: core (S01)", "ประกันสิ้นสุด 2026-11-01"),
    ("warranty", {}, [device(warranty_end=date(2026, 12, 1))], [],
     "ประกันใกล้หมด: core (S01)", "ประกันสิ้นสุด 2026-12-01"),
    ("end_of_life", {}, [device(eol_date=date(2026, 1, 1))], [],
     "สิ้นสุดการสนับสนุนแล้ว: core (S01)", "EOL 2026-01-01"),
    ("end_of_life", {}, [device(eol_date=date(2027, 1, 1))], [],
     "ใกล้สิ้นสุดการสนับสนุน: core (S01)", "EOL 2027-01-01"),
    ("device_age", {}, [device(purchase_date=date(2016, 11, 24))], [],
     "อุปกรณ์ใช้งานมานาน: core (S01)", "อายุ 10.0 ปี (ซื้อ 2016-11-24)"),
    ("backup_missing", {}, [device(backup_tracked=True)], [],
     "ไม่มีการสำรองค่าการตั้งค่าสำเร็จ: core (S01)", "ไม่เคยสำรองสำเร็จ"),
    ("backup_missing", {},
     [device(backup_tracked=True, last_backup_success=NOW - timedelta(days=9))], [],
     "ไม่มีการสำรองค่าการตั้งค่าสำเร็จ: core (S01)", "สำรองสำเร็จครั้งล่าสุด 9 วันก่อน"),
    ("config_outside_maintenance", {}, [device(config_changes=((4, NOW, False),))], [],
     "การตั้งค่าถูกเปลี่ยนนอกช่วงปิดปรับปรุง: core (S01)", "เปลี่ยน 1 ครั้งใน 30 วัน"),
    ("single_uplink", {}, [], [SITE],
     "จุดเสี่ยงเดียว (อัปลิงก์เดียว): Hill School", "อุปกรณ์ 3 เครื่องต่อผ่านอัปลิงก์เดียว"),
    ("uplink_latency", {"min_hours": 2},
     [device(is_uplink=True, latency_hours=tuple((h, 250.0, 0.0) for h in HOURS[:3]))], [],
     "อัปลิงก์ช้าหรือสูญหายของแพ็กเก็ตต่อเนื่อง: core (S01)",
     "3 ชั่วโมงใน 7 วัน ที่ RTT ≥ 200 ms หรือสูญหาย ≥ 5%"),
    ("utilisation", {"min_hours": 2},
     [device(utilisation_hours=tuple(("wan", h, 90.0) for h in HOURS[:2]))], [],
     "ลิงก์ใช้งานเกือบเต็มต่อเนื่อง: core (S01) wan", "wan: 2 ชั่วโมงที่ใช้งาน ≥ 80%"),
    ("cpu_high", {}, [device(health=points("cpu_pct", 97.0, 25))], [], "CPU สูง: core (S01)",
     "CPU ≥ 90% ต่อเนื่อง 120 นาที (เกณฑ์ 120 นาทีภายใน 24 ชั่วโมง; สูงสุด 97%)"),
    ("memory_high", {}, [device(health=points("memory_pct", 95.0, 25))], [],
     "หน่วยความจำ สูง: core (S01)",
     "หน่วยความจำ ≥ 90% ต่อเนื่อง 120 นาที (เกณฑ์ 120 นาทีภายใน 24 ชั่วโมง; สูงสุด 95%)"),
    ("temperature_high", {}, [device(health=points("temperature_c", 78.0, 7))], [],
     "อุณหภูมิสูง: core (S01)",
     "อุณหภูมิ ≥ 70 °C ต่อเนื่อง 30 นาที (เกณฑ์ 30 นาทีภายใน 24 ชั่วโมง; สูงสุด 78 °C)"),
    ("hardware", {}, [device(sensors=(("fan", "Fan 1", "critical"), ("psu", "PS2", "critical")))],
     [], "พัดลมหรือแหล่งจ่ายไฟเสีย: core (S01)", "พัดลม Fan 1 เสีย, แหล่งจ่ายไฟ PS2 เสีย"),
    ("storage_high", {}, [device(storage_pct=99.0)], [],
     "พื้นที่จัดเก็บ สูง: core (S01)", "พื้นที่จัดเก็บ  99% (เกณฑ์ 90%)"),
    ("ups", {}, [device(kind="ups", health=tuple(
        HealthPoint(p.at, ups_on_battery=True, ups_charge_pct=20.0, ups_minutes=5.0)
        for p in points("cpu_pct", 0.0, 4)))], [],
     "เครื่องสำรองไฟมีปัญหา: core (S01)",
     "ใช้ไฟจากแบตเตอรี่ต่อเนื่อง 15 นาที, ประจุ 20%, สำรองไฟได้อีก 5 นาที"),
]  # fmt: skip


@pytest.mark.parametrize(("check", "fields", "devices", "sites", "title", "summary"), CASES)
def test_thai_reads_as_before_and_english_has_no_thai(
    check, fields, devices, sites, title, summary
):
    rules = parse_rules({"rules": {"r": {"check": check, **fields}}})
    [risk] = evaluate(rules, Facts(NOW, TODAY, tuple(devices), tuple(sites)))
    stored_title, stored_summary = risk.evidence["title"], risk.evidence["summary"]
    assert is_text(stored_title) and is_text(stored_summary)
    assert risk.title == title
    assert render(stored_title, "th") == title and render(stored_summary, "th") == summary
    for value in (stored_title, stored_summary):
        english = render(value, "en")
        assert english and not THAI.search(english.replace("core (S01)", ""))
        assert i18n.catalogue("en").get(value["key"]), value["key"]


def test_a_plain_string_is_shown_as_it_is():
    assert render("ขัดข้อง 3 ครั้งใน 30 วัน", "en") == "ขัดข้อง 3 ครั้งใน 30 วัน"
    assert render(None, "en") == ""
    assert render(text("no_such_key"), "en") == "no_such_key"
