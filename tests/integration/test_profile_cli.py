"""`ictmon snmp profile` and `ictmon ssh profile` apply the rules the web and the API apply
(monitor.devices.profiles): a name too long for its column, a name of spaces, an empty name or one
holding a control character is refused with one line naming the field, nothing is stored, and on
PostgreSQL too the answer is that line, never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from monitor.cli.main import main
from monitor.db.models import SnmpProfile, SshCredentialProfile
from monitor.secrets import Vault

ENV = {"ICTMON_SNMP_COMMUNITY": "s3cret-community", "ICTMON_TEST_SSH_PASSWORD": "s3cret-pass"}


@pytest.fixture
def cli(any_db, settings, tmp_path):
    url = any_db.kw["bind"].url.render_as_string(hide_password=False)
    config = tmp_path / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "{url}"\n[paths]\ndata_dir = "{settings.paths.data_dir}"\n',
        encoding="utf-8",
    )

    def run(*args: str, env: dict[str, str] | None = None):
        return CliRunner().invoke(
            main, ["--config", str(config), *args], env={**ENV, **(env or {})}
        )

    return run


def names(db, model) -> list[str]:
    with db() as s:
        return list(s.scalars(select(model.name).order_by(model.name)))


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("p" * 70, "name: longer than 64 characters"),
        ("     ", "name: required"),
        ("", "name: required"),
        ("schools\x07v2", "name: contains a control character (U+0007)"),
    ],
)
def test_snmp_profile_refuses_a_bad_name(cli, any_db, name, reason):
    done = cli("snmp", "profile", name, "--version", "2c")
    assert done.exit_code == 1, done.output
    assert isinstance(done.exception, SystemExit)  # a handled failure, not a traceback
    assert f"ictmon: SNMP profile not saved: {reason}" in done.output
    assert "Traceback" not in done.output and "s3cret" not in done.output
    assert names(any_db, SnmpProfile) == []


@pytest.mark.parametrize(
    ("name", "extra", "reason"),
    [
        ("", (), "name: required"),
        ("   ", (), "name: required"),
        ("s" * 101, (), "name: longer than 100 characters"),
        ("switches", ("--username", "u" * 129), "username: longer than 128 characters"),
    ],
)
def test_ssh_profile_refuses_a_bad_name_or_username(cli, any_db, name, extra, reason):
    done = cli("ssh", "profile", name, *extra, "--password-env", "ICTMON_TEST_SSH_PASSWORD")
    assert done.exit_code == 1, done.output
    assert isinstance(done.exception, SystemExit)
    assert f"ictmon: SSH profile not saved: {reason}" in done.output
    assert "Traceback" not in done.output and "s3cret" not in done.output
    assert names(any_db, SshCredentialProfile) == []


def test_good_profiles_are_saved_with_the_name_trimmed_as_on_the_web(cli, any_db, settings):
    made = cli("snmp", "profile", "  schools  ", "--version", "2c", "--port", "1161")
    assert made.exit_code == 0, made.output
    assert "profile 'schools' saved (SNMP v2c)" in made.output
    # Run again as version 3: the whole profile is replaced, the community removed.
    replaced = cli(
        "snmp",
        "profile",
        "schools",
        "--version",
        "3",
        "--user",
        "monitor",
        "--auth-protocol",
        "sha",
        env={"ICTMON_SNMP_AUTH_KEY": "auth-key-123"},
    )
    assert replaced.exit_code == 0, replaced.output
    ssh = cli("ssh", "profile", " switches ", "--username", "backup")
    assert ssh.exit_code == 0 and "created SSH credential profile 'switches'" in ssh.output
    assert cli("ssh", "profile", "switches", "--username", "").exit_code == 0
    vault = Vault.from_settings(settings)
    with any_db() as s:
        snmp = s.scalars(select(SnmpProfile)).one()
        assert (snmp.name, snmp.version, snmp.port, snmp.v3_user) == (
            "schools",
            "3",
            None,
            "monitor",
        )
        assert snmp.community is None and vault.decrypt(snmp.v3_auth_key) == "auth-key-123"
        assert snmp.v3_auth_protocol == "SHA"
        ssh_row = s.scalars(select(SshCredentialProfile)).one()
        assert (ssh_row.name, ssh_row.username) == ("switches", None)
        assert s.scalar(select(func.count()).select_from(SshCredentialProfile)) == 1
