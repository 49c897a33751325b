"""The [risks] section: the level matrix is validated, the rules file sits beside the config."""

from __future__ import annotations

import pytest

from monitor.settings import ConfigError, load_settings


def test_defaults_and_env_override(tmp_path):
    settings = load_settings(None, environ={"ICTMON_RISKS_HIGH_MAX": "15"})
    assert (settings.risks.low_max, settings.risks.medium_max, settings.risks.high_max) == (
        4,
        9,
        15,
    )
    assert settings.risks.rules_file == "" and settings.risks.evaluate_interval == 3600


def test_matrix_must_rise(tmp_path):
    with pytest.raises(ConfigError, match=r"\[risks\] low_max, medium_max, high_max: must rise"):
        load_settings(None, environ={"ICTMON_RISKS_MEDIUM_MAX": "3"})
    with pytest.raises(ConfigError, match=r"\[risks\] evaluate_interval: must be greater than 0"):
        load_settings(None, environ={"ICTMON_RISKS_EVALUATE_INTERVAL": "0"})


def test_relative_rules_file_is_beside_the_config(tmp_path):
    config = tmp_path / "ictmon.toml"
    config.write_text('[risks]\nrules_file = "my-rules.toml"\n', encoding="utf-8")
    assert load_settings(config, environ={}).risks.rules_file == str(tmp_path / "my-rules.toml")
