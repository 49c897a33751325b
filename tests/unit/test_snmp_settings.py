"""The [snmp] settings section: defaults, TOML, ICTMON_SNMP_* overrides, errors naming the key."""

from __future__ import annotations

import pytest

from monitor.settings import ConfigError, load_settings


def test_defaults_are_five_minutes_and_daily():
    snmp = load_settings(environ={}).snmp
    assert (snmp.interval, snmp.inventory_interval, snmp.timeout, snmp.retries) == (
        300,
        86400,
        2.0,
        1,
    )


def test_environment_overrides_the_file(tmp_path):
    path = tmp_path / "ictmon.toml"
    path.write_text("[snmp]\ninterval = 60\nretries = 3\n", encoding="utf-8")
    snmp = load_settings(
        path, environ={"ICTMON_SNMP_INTERVAL": "10", "ICTMON_SNMP_TIMEOUT": "0.5"}
    ).snmp
    assert (snmp.interval, snmp.timeout, snmp.retries) == (10, 0.5, 3)


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("ICTMON_SNMP_INTERVAL", "0", "[snmp] interval: must be greater than 0"),
        ("ICTMON_SNMP_TIMEOUT", "-1", "[snmp] timeout: must be greater than 0"),
        ("ICTMON_SNMP_RETRIES", "-1", "[snmp] retries: must not be negative"),
        ("ICTMON_SNMP_MAX_CONCURRENCY", "many", "[snmp] max_concurrency: expected int"),
    ],
)
def test_bad_values_name_the_key(key, value, message):
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={key: value})
    assert message in str(caught.value) and key in str(caught.value)


def test_zero_retries_is_allowed():
    assert load_settings(environ={"ICTMON_SNMP_RETRIES": "0"}).snmp.retries == 0
