"""[reports] settings: targets, recipients and the send time are checked when loaded, with errors
that name the key."""

from __future__ import annotations

import pytest

from monitor.availability.targets import Targets, met
from monitor.settings import ConfigError, load_settings, parse_recipients


def test_defaults():
    reports = load_settings(None, {}).reports
    assert reports.target == 99.5 and reports.send_day == 1 and reports.send_time == "07:00"
    assert reports.site_rule == "uplink" and reports.recipients == ""


def test_environment_overrides_and_targets():
    reports = load_settings(
        None,
        {
            "ICTMON_REPORTS_TARGET": "99.9",
            "ICTMON_REPORTS_KIND_TARGETS": "ap=98, router = 99.95",
            "ICTMON_REPORTS_SITE_TARGETS": "S01=99",
            "ICTMON_REPORTS_RECIPIENTS": "director@obec.go.th; plan@obec.go.th",
        },
    ).reports
    targets = Targets.from_settings(reports)
    assert targets.for_kind("ap") == 98.0 and targets.for_kind("router") == 99.95
    assert targets.for_kind("switch") == 99.9 and targets.for_site("S01") == 99.0
    assert parse_recipients(reports.recipients) == ["director@obec.go.th", "plan@obec.go.th"]


def test_toml_section(tmp_path):
    path = tmp_path / "ictmon.toml"
    path.write_text(
        '[reports]\ntarget = 99\nsend_day = 2\nsend_time = "08:15"\nprepared_by = "นายสมชาย ใจดี"\n',
        encoding="utf-8",
    )
    reports = load_settings(path, {}).reports
    assert (reports.target, reports.send_day, reports.send_time) == (99.0, 2, "08:15")
    assert reports.prepared_by == "นายสมชาย ใจดี"


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("TARGET", "101", "[reports] target"),
        ("KIND_TARGETS", "toaster=99", "[reports] kind_targets: unknown kind 'toaster'"),
        ("KIND_TARGETS", "router:99", "[reports] kind_targets"),
        ("SITE_TARGETS", "S01=abc", "[reports] site_targets"),
        ("RECIPIENTS", "director at obec", "[reports] recipients"),
        ("SEND_TIME", "7 o'clock", "[reports] send_time"),
        ("SEND_DAY", "31", "[reports] send_day"),
        ("SITE_RULE", "any", "[reports] site_rule"),
    ],
)
def test_bad_values_name_the_key(key, value, message):
    with pytest.raises(ConfigError) as caught:
        load_settings(None, {f"ICTMON_REPORTS_{key}": value})
    assert message in str(caught.value)


def test_met_is_unknown_without_measurement():
    assert met(None, 99.5) is None
    assert met(99.5, 99.5) is True and met(99.49, 99.5) is False
