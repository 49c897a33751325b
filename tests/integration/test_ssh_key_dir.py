"""SSH private keys only from [ssh] key_dir (monitor.credentials.keys): a profile's or a device's
key path cannot make ictmon offer any key the service can read — not by an absolute path, not by
`..`, not by a symbolic link planted in the directory — on the web, the API's core, the command
line, and again when a backup is about to use a path stored earlier."""

from __future__ import annotations

from dataclasses import replace

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from monitor.accounts.users import create_user
from monitor.cli.main import main
from monitor.configs.backup_job import plan
from monitor.credentials import keys
from monitor.db.models import SshAccess, SshCredentialProfile
from monitor.devices import profiles
from monitor.devices.admin import Invalid
from monitor.secrets import Vault
from monitor.settings import ConfigError, SshSettings, load_settings
from tests.conftest import add_device, add_site
from tests.web.conftest import PASSWORD, make_app, sign_in


@pytest.fixture
def key_dir(tmp_path):
    directory = tmp_path / "ssh-keys"
    directory.mkdir()
    (directory / "schools.key").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    secret = tmp_path / "service-secret.key"
    secret.write_text("not for devices")
    (directory / "planted.key").symlink_to(secret)
    return directory


def test_only_files_inside_the_directory_are_key_files(key_dir):
    assert keys.key_file("schools.key", str(key_dir)) == str(key_dir / "schools.key")
    assert keys.key_file(str(key_dir / "schools.key"), str(key_dir)) == str(key_dir / "schools.key")
    for outside in ("/etc/ssh/ssh_host_ed25519_key", "../service-secret.key", "planted.key", "."):
        with pytest.raises(keys.KeyOutsideDirectory, match="outside \\[ssh\\] key_dir"):
            keys.key_file(outside, str(key_dir))
    with pytest.raises(keys.KeyOutsideDirectory, match="set \\[ssh\\] key_dir"):
        keys.key_file("schools.key", "")
    assert keys.key_file("", "") is None


def test_a_profile_s_key_path_outside_the_directory_is_refused(db, settings, key_dir):
    vault = Vault.from_settings(settings)
    with db.begin() as s:
        with pytest.raises(Invalid) as refused:
            profiles.save_ssh_profile(
                s, None, {"name": "p", "key_path": "../service-secret.key"}, vault, str(key_dir)
            )
        assert "outside [ssh] key_dir" in refused.value.errors["key_path"]
        row = profiles.save_ssh_profile(
            s, None, {"name": "p", "key_path": "schools.key"}, vault, str(key_dir)
        )
        assert row.key_path == "schools.key"


def test_the_web_form_refuses_a_key_outside_the_directory(settings, db, key_dir):
    with db.begin() as s:
        create_user(s, "op", PASSWORD, role="operator")
    app = make_app(replace(settings, ssh=SshSettings(key_dir=str(key_dir))), db)
    client = app.test_client()
    sign_in(client, "op")
    answer = client.post(
        "/manage/profiles/ssh/new", data={"name": "grab", "key_path": "/etc/shadow"}
    )
    assert answer.status_code == 400
    assert "outside [ssh] key_dir" in answer.get_data(as_text=True)
    with db() as s:
        assert s.scalar(select(SshCredentialProfile)) is None


def test_a_stored_path_that_leads_out_is_not_used_by_the_backup(db, settings, key_dir):
    vault = Vault.from_settings(settings)
    with db.begin() as s:
        device = add_device(s, add_site(s), "sw", "127.0.0.1", "switch")
        device.ssh_device_type = "cisco_ios"
        # Saved before the rule existed, or through a link changed since.
        s.add(SshAccess(device_id=device.id, key_path="planted.key"))
    with db() as s:
        [planned] = plan(s, vault, None, str(key_dir))
    assert planned.target.key_file is None
    assert planned.problem is not None and "outside [ssh] key_dir" in planned.problem


def test_the_command_line_refuses_a_key_outside_the_directory(settings, db, key_dir, tmp_path):
    config = tmp_path / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "{settings.database.url}"\n'
        f'[paths]\ndata_dir = "{settings.paths.data_dir}"\n'
        f'[ssh]\nkey_dir = "{key_dir}"\n',
        encoding="utf-8",
    )
    refused = CliRunner().invoke(
        main, ["--config", str(config), "ssh", "profile", "p", "--key-path", "/etc/shadow"]
    )
    assert refused.exit_code != 0
    assert "outside [ssh] key_dir" in refused.output
    with db.begin() as s:
        add_device(s, add_site(s), "sw", "127.0.0.1", "switch")
    refused = CliRunner().invoke(
        main, ["--config", str(config), "ssh", "device", "sw", "--key-path", "planted.key"]
    )
    assert refused.exit_code != 0 and "outside [ssh] key_dir" in refused.output
    accepted = CliRunner().invoke(
        main, ["--config", str(config), "ssh", "profile", "p", "--key-path", "schools.key"]
    )
    assert accepted.exit_code == 0, accepted.output


def test_a_key_dir_that_is_not_a_directory_is_refused_at_load(tmp_path):
    with pytest.raises(ConfigError, match=r"\[ssh\] key_dir: no such directory"):
        load_settings(environ={"ICTMON_SSH_KEY_DIR": str(tmp_path / "missing")})
