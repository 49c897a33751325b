"""Settings: one TOML file, ICTMON_<SECTION>_<KEY> overrides, errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.settings import ConfigError, Settings, describe, load_settings, mask_url_password


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ictmon.toml"
    path.write_text(text, encoding="utf-8")
    return path


def rows(settings: Settings) -> dict[tuple[str, str], str]:
    return {(section, key): shown for section, key, shown in describe(settings)}


def test_defaults_without_a_file():
    settings = load_settings(None, {})
    assert settings == Settings()
    assert settings.ping.interval == 60.0
    assert settings.ping.confirmations == 3
    assert settings.source == "(defaults)"


def test_values_come_from_the_toml_file(tmp_path):
    path = write_config(tmp_path, "[ping]\ninterval = 30\nconfirmations = 5\n[web]\nport = 9000\n")
    settings = load_settings(path, {})
    assert (settings.ping.interval, settings.ping.confirmations, settings.web.port) == (
        30.0,
        5,
        9000,
    )
    assert settings.source == str(path)


def test_keys_not_in_the_file_keep_their_defaults(tmp_path):
    settings = load_settings(write_config(tmp_path, "[ping]\ninterval = 30\n"), {})
    assert settings.ping.timeout == 1.0
    assert settings.web == Settings().web


def test_config_path_can_come_from_ictmon_config(tmp_path):
    path = write_config(tmp_path, "[ping]\ncount = 7\n")
    assert load_settings(None, {"ICTMON_CONFIG": str(path)}).ping.count == 7


def test_environment_beats_the_file(tmp_path):
    path = write_config(tmp_path, "[ping]\ninterval = 30\n")
    assert load_settings(path, {"ICTMON_PING_INTERVAL": "5"}).ping.interval == 5.0


def test_environment_overrides_the_database_url():
    url = "postgresql+psycopg://ictmon@127.0.0.1/ictmon"
    assert load_settings(None, {"ICTMON_DATABASE_URL": url}).database.url == url


def test_bad_value_in_the_file_names_key_and_file(tmp_path):
    path = write_config(tmp_path, '[ping]\ninterval = "often"\n')
    with pytest.raises(ConfigError, match=r"\[ping\] interval") as error:
        load_settings(path, {})
    assert str(path) in str(error.value)
    assert "'often'" in str(error.value)


def test_bad_value_in_the_environment_names_key_and_variable():
    with pytest.raises(ConfigError, match=r"\[ping\] interval.*ICTMON_PING_INTERVAL"):
        load_settings(None, {"ICTMON_PING_INTERVAL": "often"})


def test_fractional_count_is_rejected():
    with pytest.raises(ConfigError, match=r"\[ping\] count"):
        load_settings(None, {"ICTMON_PING_COUNT": "2.5"})


def test_boolean_port_is_rejected(tmp_path):
    with pytest.raises(ConfigError, match=r"\[web\] port"):
        load_settings(write_config(tmp_path, "[web]\nport = true\n"), {})


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_interval_is_rejected(value):
    with pytest.raises(ConfigError, match=r"\[ping\] interval.*ICTMON_PING_INTERVAL"):
        load_settings(None, {"ICTMON_PING_INTERVAL": value})


def test_unknown_section_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"\[pinng\]: unknown section"):
        load_settings(write_config(tmp_path, "[pinng]\ninterval = 5\n"), {})


def test_unknown_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"\[ping\] intervall: unknown key"):
        load_settings(write_config(tmp_path, "[ping]\nintervall = 5\n"), {})


def test_section_given_as_a_plain_value_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"ping: must be a \[section\] table"):
        load_settings(write_config(tmp_path, "ping = 5\n"), {})


@pytest.mark.parametrize(
    "key, value",
    [
        ("ICTMON_PING_INTERVAL", "0"),
        ("ICTMON_PING_INTERVAL", "-1"),
        ("ICTMON_PING_CONFIRMATIONS", "0"),
        ("ICTMON_PING_COUNT", "-3"),
        ("ICTMON_RETENTION_RAW_HOURS", "0"),
        ("ICTMON_WEB_PORT", "0"),
    ],
)
def test_zero_or_negative_is_rejected_with_the_key(key, value):
    section_key = key.removeprefix("ICTMON_").lower().split("_", 1)
    with pytest.raises(
        ConfigError, match=rf"\[{section_key[0]}\] {section_key[1]}: must be greater"
    ):
        load_settings(None, {key: value})


def test_zero_spacing_is_allowed_but_negative_is_not():
    assert load_settings(None, {"ICTMON_PING_SPACING": "0"}).ping.spacing == 0.0
    with pytest.raises(ConfigError, match=r"\[ping\] spacing: must not be negative"):
        load_settings(None, {"ICTMON_PING_SPACING": "-0.1"})


def test_language_must_be_thai_or_english():
    with pytest.raises(ConfigError, match=r"\[web\] default_language: must be one of th, en"):
        load_settings(None, {"ICTMON_WEB_DEFAULT_LANGUAGE": "fr"})


def test_invalid_toml_names_the_file(tmp_path):
    path = write_config(tmp_path, "[ping\ninterval = 5\n")
    with pytest.raises(ConfigError, match="not valid TOML") as error:
        load_settings(path, {})
    assert str(path) in str(error.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"config file not found: .*nowhere\.toml"):
        load_settings(tmp_path / "nowhere.toml", {})


def test_relative_data_dir_is_relative_to_the_config_file(tmp_path):
    path = write_config(tmp_path, '[paths]\ndata_dir = "data"\n')
    assert load_settings(path, {}).data_dir == tmp_path.resolve() / "data"


def test_relative_sqlite_path_is_relative_to_the_config_file(tmp_path):
    path = write_config(tmp_path, '[database]\nurl = "sqlite:///var/ictmon.db"\n')
    assert load_settings(path, {}).database.url == f"sqlite:///{tmp_path.resolve()}/var/ictmon.db"


def test_relative_sqlite_path_is_resolved_even_with_an_absolute_data_dir(tmp_path):
    path = write_config(
        tmp_path,
        f'[paths]\ndata_dir = "{tmp_path}/keys"\n[database]\nurl = "sqlite:///ictmon.db"\n',
    )
    assert load_settings(path, {}).database.url == f"sqlite:///{tmp_path.resolve()}/ictmon.db"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////srv/ictmon/ictmon.db",
        "sqlite:///:memory:",
        "postgresql+psycopg://ictmon@127.0.0.1/ictmon",
    ],
)
def test_absolute_and_server_urls_are_left_alone(tmp_path, url):
    path = write_config(tmp_path, f'[database]\nurl = "{url}"\n')
    assert load_settings(path, {}).database.url == url


def test_describe_shows_that_secrets_are_set_but_not_their_values():
    settings = load_settings(
        None,
        {
            "ICTMON_WEB_SECRET_KEY": "flask-secret-123",
            "ICTMON_SECURITY_ENCRYPTION_KEY": "fernet-key-456",
        },
    )
    shown = rows(settings)
    assert shown[("web", "secret_key")] == "(set)"
    assert shown[("security", "encryption_key")] == "(set)"
    text = repr(describe(settings))
    assert "flask-secret-123" not in text and "fernet-key-456" not in text


def test_describe_says_where_unset_secrets_come_from():
    assert rows(Settings())[("web", "secret_key")] == "(generated in data dir)"


def test_describe_masks_the_password_in_a_postgresql_url():
    url = "postgresql+psycopg://ictmon:s3cret-pw@db.example:5432/ictmon"
    shown = rows(load_settings(None, {"ICTMON_DATABASE_URL": url}))[("database", "url")]
    assert shown == "postgresql+psycopg://ictmon:***@db.example:5432/ictmon"


def test_describe_shows_every_setting_once():
    keys = [(section, key) for section, key, _ in describe(Settings())]
    assert len(keys) == len(set(keys))
    assert ("ping", "interval") in keys and ("office", "timezone") in keys


@pytest.mark.parametrize(
    "url",
    ["postgresql://ictmon:p@ss:w@rd@db/ictmon", "postgresql://ictmon:s3cret@db:notaport/ictmon"],
)
def test_a_password_is_masked_even_in_a_url_that_does_not_parse(url):
    masked = mask_url_password(url)
    assert "p@ss" not in masked and "s3cret" not in masked
    assert masked.startswith("postgresql://ictmon:***@")


def test_port_above_65535_names_the_key():
    with pytest.raises(ConfigError, match=r"\[web\] port: must be a port number 1-65535"):
        load_settings(None, environ={"ICTMON_WEB_PORT": "70000"})


def test_a_file_saved_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "ictmon.toml"
    path.write_bytes("\ufeff[ping]\ninterval = 30\n".encode())  # Windows Notepad's UTF-8
    assert load_settings(path, {}).ping.interval == 30.0


def test_a_thai_file_not_in_utf8_names_the_file_the_line_and_the_fix(tmp_path):
    path = tmp_path / "ictmon.toml"
    path.write_bytes('[ping]\ncount = 3\n[office]\nname = "สำนักงานเขต"\n'.encode("tis-620"))
    with pytest.raises(ConfigError) as error:
        load_settings(path, {})
    assert str(error.value) == (
        f"{path}: line 4 is not UTF-8 text (a Thai file saved as TIS-620 or Windows-874?): "
        "save the file as UTF-8"
    )


@pytest.mark.parametrize(
    "url, shown",
    [
        ("mysql://ictmon:s3cret@127.0.0.1/ictmon", "mysql://ictmon:***@127.0.0.1/ictmon"),
        (
            "postgresql+psycopg2://ictmon@127.0.0.1/ictmon",
            "postgresql+psycopg2://ictmon@127.0.0.1/ictmon",
        ),
        ("ictmon.db", "ictmon.db"),
    ],
)
def test_a_database_ictmon_cannot_use_is_refused_at_load(url, shown):
    with pytest.raises(ConfigError) as error:
        load_settings(None, {"ICTMON_DATABASE_URL": url})
    assert str(error.value) == (
        "[database] url: expected sqlite:///<file> or postgresql+psycopg://..., "
        f"got {shown!r} (from ICTMON_DATABASE_URL)"
    )
    assert "s3cret" not in str(error.value)


@pytest.mark.parametrize(
    "setting, value, bound",
    [("count", "100000", "10"), ("timeout", "3600", "30"), ("spacing", "60", "5")],
)
def test_a_ping_probe_that_would_stall_the_service_is_refused(tmp_path, setting, value, bound):
    path = write_config(tmp_path, f"[ping]\n{setting} = {value}\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path, {})
    assert str(error.value) == (
        f"[ping] {setting}: must be at most {bound}, got {int(value)!r} (from {path})"
    )


def test_the_largest_allowed_ping_probe_loads():
    settings = load_settings(
        None, {"ICTMON_PING_COUNT": "10", "ICTMON_PING_TIMEOUT": "30", "ICTMON_PING_SPACING": "5"}
    )
    assert (settings.ping.count, settings.ping.timeout, settings.ping.spacing) == (10, 30.0, 5.0)


@pytest.mark.parametrize("host", ["0.0.0.0:8080", "http://monitor", "my host", "", "-bad-"])
def test_a_web_host_waitress_cannot_listen_on_is_refused(host):
    with pytest.raises(ConfigError) as error:
        load_settings(None, {"ICTMON_WEB_HOST": host})
    assert str(error.value) == (
        "[web] host: expected an IP address or a host name (no port, no scheme), "
        f"got {host!r} (from ICTMON_WEB_HOST)"
    )


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "0.0.0.0", "::", "::1", "localhost", "ictmon.school"]
)
def test_addresses_and_host_names_are_accepted_as_web_host(host):
    assert load_settings(None, {"ICTMON_WEB_HOST": host}).web.host == host


def test_recipients_may_be_a_toml_array(tmp_path):
    path = write_config(
        tmp_path,
        '[alerts]\nrecipients = ["oncall@district.example", "noc@district.example"]\n'
        'site_recipients = ["S001=head@s1.example deputy@s1.example", "S002=head@s2.example"]\n'
        '[reports]\nrecipients = ["director@obec.go.th", "plan@obec.go.th"]\n'
        'kind_targets = ["router=99.9", "ap=98"]\n',
    )
    settings = load_settings(path, {})
    assert settings.alerts.recipients == "oncall@district.example, noc@district.example"
    assert settings.alerts.site_recipients == (
        "S001=head@s1.example deputy@s1.example; S002=head@s2.example"
    )
    assert settings.reports.recipients == "director@obec.go.th, plan@obec.go.th"
    assert settings.reports.kind_targets == "router=99.9, ap=98"


def test_recipients_as_a_string_still_load(tmp_path):
    path = write_config(
        tmp_path, '[alerts]\nrecipients = "a@district.example, b@district.example"\n'
    )
    assert load_settings(path, {}).alerts.recipients == "a@district.example, b@district.example"


def test_an_array_of_non_strings_is_refused_with_the_key(tmp_path):
    path = write_config(tmp_path, "[alerts]\nrecipients = [1, 2]\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path, {})
    assert str(error.value) == (
        f"[alerts] recipients: expected a string or a list of strings, got [1, 2] (from {path})"
    )


def test_an_alert_recipient_without_at_is_refused_naming_it_and_the_file(tmp_path):
    path = write_config(
        tmp_path, '[alerts]\nrecipients = ["oncall@district.example", "boss.school.go.th"]\n'
    )
    with pytest.raises(ConfigError) as error:
        load_settings(path, {})
    assert str(error.value) == (
        f"[alerts] recipients: 'boss.school.go.th' is not an email address (from {path})"
    )


def test_a_site_recipient_entry_without_equals_is_refused_naming_the_variable():
    with pytest.raises(ConfigError) as error:
        load_settings(
            None,
            {"ICTMON_ALERTS_SITE_RECIPIENTS": "S001 head@s1.example; S002=head@s2.example"},
        )
    assert str(error.value) == (
        "[alerts] site_recipients: expected entries like 'S001=head@school.ac.th', "
        "got 'S001 head@s1.example' (from ICTMON_ALERTS_SITE_RECIPIENTS)"
    )


def test_a_bad_site_recipient_address_is_refused():
    with pytest.raises(ConfigError, match=r"\[alerts\] site_recipients: 'head-at-s1' is not an"):
        load_settings(None, {"ICTMON_ALERTS_SITE_RECIPIENTS": "S001=head-at-s1"})


def test_a_report_check_names_where_the_value_came_from(tmp_path):
    path = write_config(tmp_path, '[reports]\nsend_time = "25:00"\n')
    with pytest.raises(ConfigError) as error:
        load_settings(path, {})
    assert str(error.value) == (
        f"[reports] send_time: expected HH:MM (Bangkok time), got '25:00' (from {path})"
    )
