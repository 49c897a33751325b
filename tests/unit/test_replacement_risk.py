"""Assets past the useful life of their kind feed the risk register as a replacement risk."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from monitor.risks.rules import (
    DEFAULT_RULES_FILE,
    DeviceFact,
    Facts,
    evaluate,
    load_rules,
    parse_rules,
)

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
TODAY = date(2026, 11, 24)
RULES = parse_rules({"rules": {"r": {"check": "replacement", "likelihood": 2, "impact": 2}}})


def asset(**kw):
    return DeviceFact(
        **{"id": 7, "name": "nb-01", "kind": "notebook", "site_id": 1, "site_code": "S01", **kw}
    )


def run(*devices):
    return evaluate(RULES, Facts(NOW, TODAY, tuple(devices), ()))


def test_the_shipped_rules_carry_the_replacement_rule():
    assert "replacement" in {r.check for r in load_rules(DEFAULT_RULES_FILE)}


def test_an_asset_fires_from_the_day_its_life_ends_and_not_before():
    assert run(asset(useful_life_end=TODAY + timedelta(days=1))) == []
    [risk] = run(asset(useful_life_end=TODAY))
    assert risk.subject_key == "device:7" and "ครบอายุการใช้งาน" in risk.title
    assert risk.evidence["figures"] == {"useful_life_end": TODAY.isoformat(), "days_past": 0}


def test_every_two_years_past_its_life_adds_one_likelihood():
    [risk] = run(asset(useful_life_end=TODAY - timedelta(days=4 * 365)))
    assert risk.likelihood == 2 + 2


def test_an_asset_without_a_life_to_count_raises_nothing():
    assert run(asset(useful_life_end=None)) == []
