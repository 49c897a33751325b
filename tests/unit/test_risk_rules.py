"""The risk rules engine from hand-made facts: each rule fires at its threshold and not below,
evidence raises the likelihood, and a bad rules file names the rule and the field."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from monitor.risks.rules import (
    DEFAULT_RULES_FILE,
    DeviceFact,
    Facts,
    RuleError,
    SiteFact,
    evaluate,
    level_of,
    load_rules,
    parse_rules,
)
from monitor.risks.windows import HealthPoint

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
TODAY = date(2026, 11, 24)


def rule(check, **fields):
    return parse_rules({"rules": {"r": {"check": check, **fields}}})


def device(**kw):
    base = dict(id=7, name="core", kind="router", site_id=1, site_code="S01")
    return DeviceFact(**{**base, "observed_days": {30: 30.0}, **kw})


def run(rules, devices=(), sites=()):
    return evaluate(rules, Facts(NOW, TODAY, tuple(devices), tuple(sites)))


def test_shipped_rules_file_is_valid():
    keys = {r.check for r in load_rules(DEFAULT_RULES_FILE)}
    assert {
        "availability",
        "repeated_outages",
        "warranty",
        "end_of_life",
        "device_age",
        "backup_missing",
        "config_outside_maintenance",
        "single_uplink",
    } <= keys


def test_availability_fires_below_target_only():
    rules = rule("availability", subject="site", likelihood=3, impact=4, escalate_pct=1.0)
    seen = {30: 30.0}
    at_target = SiteFact(
        1, "S01", "โรงเรียน ก", target=99.0, availability={30: 99.0}, observed_days=seen
    )
    below = SiteFact(
        2, "S02", "โรงเรียน ข", target=99.0, availability={30: 96.5}, observed_days=seen
    )
    unmeasured = SiteFact(
        3, "S03", "โรงเรียน ค", target=99.0, availability={30: None}, observed_days=seen
    )
    [risk] = run(rules, sites=[at_target, below, unmeasured])
    assert (risk.subject_key, risk.site_id, risk.device_id) == ("site:2", 2, None)
    assert risk.likelihood == 3 + 2  # 2.5 points below target, one per full percent
    assert risk.evidence["figures"]["availability_pct"] == 96.5


def test_availability_needs_the_minimum_observed_time_before_judging():
    rules = rule("availability", subject="site", likelihood=3, impact=4, min_observed_days=7)
    # The first 15 minutes of monitoring with a 6-minute outage: 60 % of almost nothing.
    early = SiteFact(1, "S01", "โรงเรียน ก", availability={30: 60.0}, observed_days={30: 0.01})
    assert run(rules, sites=[early]) == []
    week = SiteFact(1, "S01", "โรงเรียน ก", availability={30: 60.0}, observed_days={30: 7.0})
    [risk] = run(rules, sites=[week])
    assert risk.evidence["figures"]["observed_days"] == 7.0
    assert risk.evidence["figures"]["min_observed_days"] == 7.0


def test_a_site_never_observed_raises_nothing():
    rules = rule("availability", subject="site")
    assert run(rules, sites=[SiteFact(1, "S01", "โรงเรียน ก", availability={30: 50.0})]) == []


def test_repeated_outages_need_the_minimum_observed_time():
    rules = rule("repeated_outages", count=3, min_observed_days=3)
    burst = tuple((i, NOW - timedelta(minutes=i)) for i in range(1, 4))
    assert run(rules, [device(incidents=burst, observed_days={30: 0.1})]) == []
    assert len(run(rules, [device(incidents=burst, observed_days={30: 3.0})])) == 1


def test_the_shipped_period_rules_ask_for_observed_time():
    by_check = {r.check: r for r in load_rules(DEFAULT_RULES_FILE)}
    assert by_check["availability"].params["min_observed_days"] == 7
    assert by_check["repeated_outages"].params["min_observed_days"] == 3


def test_minimum_observed_time_cannot_exceed_the_window():
    with pytest.raises(RuleError, match="min_observed_days: must be at most window_days"):
        rule("availability", window_days=7, min_observed_days=8)


def test_repeated_outages_counts_incidents_in_window_and_links_them():
    rules = rule(
        "repeated_outages",
        count=3,
        window_days=30,
        likelihood=3,
        impact=3,
        impact_by_kind={"router": 5},
    )
    old = NOW - timedelta(days=31)
    two = device(incidents=((1, NOW - timedelta(days=1)), (2, NOW - timedelta(days=2)), (3, old)))
    assert run(rules, [two]) == []
    three = device(
        incidents=(
            (1, NOW - timedelta(days=1)),
            (2, NOW - timedelta(days=2)),
            (4, NOW - timedelta(days=29)),
            (3, old),
        )
    )
    [risk] = run(rules, [three])
    assert risk.evidence["incidents"] == [1, 2, 4]
    assert (risk.likelihood, risk.impact) == (3, 5)
    six = device(incidents=tuple((i, NOW - timedelta(hours=i)) for i in range(1, 7)))
    assert run(rules, [six])[0].likelihood == 4


def test_warranty_expired_or_ending_soon():
    rules = rule("warranty", within_days=90, likelihood=2)
    assert run(rules, [device(warranty_end=TODAY + timedelta(days=91))]) == []
    [soon] = run(rules, [device(warranty_end=TODAY + timedelta(days=90))])
    assert soon.likelihood == 2 and "ใกล้หมด" in soon.title
    [gone] = run(rules, [device(warranty_end=TODAY - timedelta(days=1))])
    assert gone.likelihood == 3 and "หมดประกันแล้ว" in gone.title
    assert run(rules, [device()]) == []


def test_end_of_life_passed_or_near():
    rules = rule("end_of_life", within_days=180)
    assert run(rules, [device(eol_date=TODAY + timedelta(days=181))]) == []
    assert len(run(rules, [device(eol_date=TODAY + timedelta(days=180))])) == 1
    assert "ใกล้สิ้นสุด" in run(rules, [device(eol_date=TODAY)])[0].title
    [passed] = run(rules, [device(eol_date=TODAY - timedelta(days=3))])
    assert "แล้ว" in passed.title


def test_device_age():
    rules = rule("device_age", years=7, likelihood=2)
    assert run(rules, [device(purchase_date=TODAY - timedelta(days=int(6.9 * 365.25)))]) == []
    [old] = run(rules, [device(purchase_date=TODAY - timedelta(days=int(7.01 * 365.25)))])
    assert old.likelihood == 2
    [older] = run(rules, [device(purchase_date=TODAY - timedelta(days=int(11.5 * 365.25)))])
    assert older.likelihood == 4


def test_backup_missing_only_for_tracked_devices():
    rules = rule("backup_missing", days=7, likelihood=2)
    assert run(rules, [device(backup_tracked=False)]) == []
    assert (
        run(
            rules,
            [device(backup_tracked=True, last_backup_success=NOW - timedelta(days=6, hours=23))],
        )
        == []
    )
    [late] = run(rules, [device(backup_tracked=True, last_backup_success=NOW - timedelta(days=7))])
    assert late.likelihood == 2
    [never] = run(rules, [device(backup_tracked=True)])
    assert never.likelihood == 3 and never.evidence["figures"]["days_since_success"] is None


def test_config_changed_outside_maintenance():
    rules = rule("config_outside_maintenance", window_days=30, count=1)
    inside = device(config_changes=((1, NOW - timedelta(days=1), True),))
    assert run(rules, [inside]) == []
    outside = device(
        config_changes=(
            (1, NOW - timedelta(days=1), True),
            (2, NOW - timedelta(days=2), False),
            (3, NOW - timedelta(days=40), False),
        )
    )
    [risk] = run(rules, [outside])
    assert risk.evidence["config_changes"] == [2] and risk.category == "configuration"


def test_single_uplink():
    rules = rule("single_uplink", min_devices=2)
    one_device = SiteFact(1, "S01", "ก", device_count=1, uplinks=(7,))
    two_roots = SiteFact(2, "S02", "ข", device_count=3, uplinks=(8, 9))
    single = SiteFact(3, "S03", "ค", device_count=3, uplinks=(10,))
    [risk] = run(rules, sites=[one_device, two_roots, single])
    assert risk.subject_key == "site:3"


def test_likelihood_and_impact_per_device_kind():
    rules = rule(
        "warranty",
        likelihood=2,
        impact=2,
        likelihood_by_kind={"ap": 1},
        impact_by_kind={"router": 4},
    )
    [router] = run(rules, [device(kind="router", warranty_end=TODAY)])
    [ap] = run(rules, [device(kind="ap", warranty_end=TODAY)])
    assert (router.likelihood, router.impact) == (2, 4)
    assert (ap.likelihood, ap.impact) == (1, 2)


def test_disabled_rule_finds_nothing_and_likelihood_caps_at_5():
    assert (
        run(rule("device_age", years=1, enabled=False), [device(purchase_date=date(2000, 1, 1))])
        == []
    )
    assert (
        run(rule("device_age", years=1, likelihood=4), [device(purchase_date=date(2000, 1, 1))])[
            0
        ].likelihood
        == 5
    )


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"check": "nonsense"}, "[rules.r] check: unknown check 'nonsense'"),
        ({"check": "warranty", "within": 3}, "[rules.r] within: unknown field"),
        (
            {"check": "warranty", "within_days": -1},
            "[rules.r] within_days: must be a whole number ≥ 0",
        ),
        (
            {"check": "warranty", "within_days": "90"},
            "[rules.r] within_days: must be a whole number",
        ),
        (
            {"check": "warranty", "likelihood": 6},
            "[rules.r] likelihood: must be a whole number 1-5",
        ),
        (
            {"check": "warranty", "impact_by_kind": {"toaster": 2}},
            "[rules.r] impact_by_kind.toaster: unknown device kind",
        ),
        (
            {"check": "warranty", "impact_by_kind": {"router": 0}},
            "[rules.r] impact_by_kind.router: must be a whole number 1-5",
        ),
        (
            {"check": "warranty", "likelihood_by_kind": {"ap": 9}},
            "[rules.r] likelihood_by_kind.ap: must be a whole number 1-5",
        ),
        ({"check": "warranty", "category": "weather"}, "[rules.r] category: must be one of"),
        ({"check": "availability", "subject": "school"}, "[rules.r] subject: must be one of site"),
        ({"check": "warranty", "enabled": "yes"}, "[rules.r] enabled: must be true or false"),
    ],
)
def test_validation_names_rule_and_field(fields, message):
    with pytest.raises(RuleError) as error:
        parse_rules({"rules": {"r": fields}}, "rules.toml")
    assert str(error.value).startswith("rules.toml: ") and message in str(error.value)


def test_rules_file_errors(tmp_path):
    broken = tmp_path / "rules.toml"
    broken.write_text("[rules.x\n", encoding="utf-8")
    with pytest.raises(RuleError, match="not valid TOML"):
        load_rules(broken)
    with pytest.raises(RuleError, match="not found"):
        load_rules(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    "score, level",
    [
        (1, "low"),
        (4, "low"),
        (5, "medium"),
        (9, "medium"),
        (10, "high"),
        (16, "high"),
        (17, "very_high"),
        (25, "very_high"),
    ],
)
def test_default_matrix(score, level):
    assert level_of(score) == level


def test_configured_matrix():
    assert level_of(5, low_max=5, medium_max=10, high_max=15) == "low"
    assert level_of(16, low_max=5, medium_max=10, high_max=15) == "very_high"


def test_uplink_latency_counts_bad_hours_on_uplinks_only():
    rules = rule("uplink_latency", window_days=7, rtt_ms=200, loss_pct=5, min_hours=3)
    hour = lambda h: NOW - timedelta(hours=h)  # noqa: E731
    two_bad = (
        (hour(1), 250.0, 0.0),
        (hour(2), 20.0, 10.0),
        (hour(3), 199.9, 4.9),
        (hour(24 * 8), 900.0, 50.0),
    )  # last one outside the window
    assert run(rules, [device(is_uplink=True, latency_hours=two_bad)]) == []
    three_bad = (*two_bad, (hour(4), None, 100.0))
    [risk] = run(rules, [device(is_uplink=True, latency_hours=three_bad)])
    assert risk.evidence["figures"]["bad_hours"] == 3
    assert run(rules, [device(is_uplink=False, latency_hours=three_bad)]) == []


def test_utilisation_counts_busy_hours_per_interface():
    rules = rule("utilisation", window_days=7, threshold_pct=80, min_hours=2)
    hours = (
        ("wan", NOW - timedelta(hours=1), 85.0),
        ("lan", NOW - timedelta(hours=1), 95.0),
        ("wan", NOW - timedelta(hours=2), 79.9),
    )
    assert run(rules, [device(utilisation_hours=hours)]) == []
    [risk] = run(
        rules, [device(utilisation_hours=(*hours, ("wan", NOW - timedelta(hours=3), 80.0)))]
    )
    assert risk.evidence["figures"]["interface"] == "wan" and risk.category == "capacity"


def test_storage_judges_the_latest_poll():
    rules = rule("storage_high", threshold_pct=90, likelihood=2)
    assert run(rules, [device(storage_pct=89.9)]) == []
    assert run(rules, [device()]) == []
    assert run(rules, [device(storage_pct=90.0)])[0].likelihood == 2
    assert run(rules, [device(storage_pct=100.0)])[0].likelihood == 4


def samples(field, values, every=5, end=NOW):
    """Health samples `every` minutes apart ending at `end`, one per value (None: not measured)."""
    start = end - timedelta(minutes=every * (len(values) - 1))
    return tuple(
        HealthPoint(start + timedelta(minutes=every * i), **{field: v})
        for i, v in enumerate(values)
    )


HIGH = 95.0
# (case, check, field, rule fields, sample values every 5 minutes, fires)
SUSTAINED = [
    ("one spike", "cpu_high", "cpu_pct", {}, [20.0] * 30 + [HIGH] + [20.0] * 5, False),
    ("an hour of spikes", "cpu_high", "cpu_pct", {}, [HIGH] * 13, False),
    ("just under 2 h", "cpu_high", "cpu_pct", {}, [20.0] + [HIGH] * 24 + [20.0], False),
    ("2 h on end", "cpu_high", "cpu_pct", {}, [20.0] + [HIGH] * 25 + [20.0], True),
    ("2 h broken once", "cpu_high", "cpu_pct", {}, [HIGH] * 15 + [50.0] + [HIGH] * 15, False),
    ("2 h with a sample missing", "cpu_high", "cpu_pct", {}, [HIGH] * 15 + [None] + [HIGH] * 15,
     False),
    ("at the threshold", "cpu_high", "cpu_pct", {}, [90.0] * 25, True),
    ("ended 20 h ago", "cpu_high", "cpu_pct", {}, [HIGH] * 25 + [10.0] * 240, True),
    ("ended 30 h ago", "cpu_high", "cpu_pct", {}, [HIGH] * 25 + [10.0] * 360, False),
    ("memory 2 h", "memory_high", "memory_pct", {}, [HIGH] * 25, True),
    ("memory spike", "memory_high", "memory_pct", {}, [HIGH, 40.0] * 20, False),
    ("hot 30 min", "temperature_high", "temperature_c", {}, [75.0] * 7, True),
    ("hot 25 min", "temperature_high", "temperature_c", {}, [75.0] * 6, False),
    ("warm for days", "temperature_high", "temperature_c", {}, [65.0] * 200, False),
    ("own threshold", "temperature_high", "temperature_c", {"threshold_c": 60}, [65.0] * 7,
     True),
    ("own window", "cpu_high", "cpu_pct", {"window_minutes": 30}, [HIGH] * 7, True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "check", "field", "fields", "values", "fires"),
    SUSTAINED,
    ids=[c[0] for c in SUSTAINED],
)
def test_sustained_windows_not_single_readings(case, check, field, fields, values, fires):
    rules = rule(check, likelihood=2, **fields)
    found = run(rules, [device(health=samples(field, values))])
    assert bool(found) == fires, case
    if fires:
        figures = found[0].evidence["figures"]
        assert figures["minutes"] >= figures["window_minutes"]


def test_a_gap_in_polling_breaks_the_window():
    """Two stretches of 1 h 15 min with an hour unpolled between them are not 2 h on end."""
    before = samples("cpu_pct", [HIGH] * 16, end=NOW - timedelta(hours=2, minutes=15))
    after = samples("cpu_pct", [HIGH] * 16)
    assert run(rule("cpu_high"), [device(health=before + after)]) == []
    assert run(rule("cpu_high", max_gap_minutes=90), [device(health=before + after)])


def test_sustained_likelihood_from_the_runs_lowest_value():
    rules = rule("cpu_high", threshold_pct=80, likelihood=2)
    [risk] = run(rules, [device(health=samples("cpu_pct", [91.0] * 24 + [100.0]))])
    assert risk.likelihood == 4  # 91 is two steps of 5 above 80
    assert risk.evidence["figures"]["cpu_pct_peak"] == 100.0


def test_ups_on_battery_for_minutes_not_a_self_test():
    rules = rule("ups", on_battery_minutes=5, charge_pct=50, minutes=10, likelihood=3)
    ups = dict(kind="ups")
    test_minute = samples("ups_on_battery", [False, True, False])
    assert run(rules, [device(**ups, health=test_minute)]) == []
    [battery] = run(rules, [device(**ups, health=samples("ups_on_battery", [False, True, True]))])
    assert battery.likelihood == 3 and battery.category == "power"
    assert battery.evidence["figures"]["on_battery_minutes"] == 5


def test_ups_low_charge_and_minutes_when_they_last():
    rules = rule("ups", charge_pct=50, minutes=10, window_minutes=15, likelihood=3)
    low = tuple(
        HealthPoint(p.at, ups_on_battery=True, ups_charge_pct=20.0, ups_minutes=5.0)
        for p in samples("cpu_pct", [0.0] * 4)
    )
    [all_three] = run(rules, [device(kind="ups", health=low)])
    assert all_three.likelihood == 5
    dip = samples("ups_charge_pct", [100.0, 30.0, 100.0, 100.0])
    assert run(rules, [device(kind="ups", health=dip)]) == []


def test_failed_fan_or_power_supply():
    rules = rule("hardware", likelihood=2, impact=4)
    fine = (("fan", "Fan 1", "normal"), ("psu", "PS2", "not_present"), ("fan", "Fan 2", "warning"))
    assert run(rules, [device(sensors=fine)]) == []
    [risk] = run(
        rules,
        [device(sensors=(*fine, ("psu", "PS1", "critical"), ("fan", "Fan 3", "critical")))],
    )
    assert risk.likelihood == 3 and risk.impact == 4
    assert risk.evidence["figures"]["failed"] == [
        {"kind": "psu", "name": "PS1"},
        {"kind": "fan", "name": "Fan 3"},
    ]
