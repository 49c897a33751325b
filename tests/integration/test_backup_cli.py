"""`ictmon backup` as an officer's script runs it: a real process, devices imported from CSV,
real SSH servers on loopback, one line per device, the exit code, and no password anywhere."""

from __future__ import annotations

import pytest

from tests.integration.test_cli import ictmon
from tests.support.fake_switch import FakeSwitch

PASSWORD = "Cli-Pa55-word"
ENABLE = "Cli-En4ble"


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "ictmon.toml"
    path.write_text(
        '[database]\nurl = "sqlite:///ictmon.db"\n[paths]\ndata_dir = "data"\n'
        "[ssh]\ntimeout = 6\nworkers = 4\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def district(config, tmp_path):
    good = FakeSwitch(password=PASSWORD, enable_secret=ENABLE).start()
    locked = FakeSwitch(password="another-password", enable_secret=ENABLE).start()
    csv = tmp_path / "district.csv"
    csv.write_text(
        "site,site_name,name,address,kind,parent,ssh_device_type,ssh_username,ssh_password,"
        "ssh_port\n"
        f"S01,โรงเรียนหนึ่ง,sw-good,127.0.0.1,switch,,cisco_ios,backup,{PASSWORD},{good.port}\n"
        f"S01,โรงเรียนหนึ่ง,sw-locked,127.0.0.1,switch,,cisco_ios,backup,{PASSWORD},"
        f"{locked.port}\n"
        "S01,โรงเรียนหนึ่ง,ap-1,127.0.0.1,ap,,,,,\n",
        encoding="utf-8",
    )
    assert ictmon("init", "--admin-password", "long-enough-1", config=config).returncode == 0
    assert ictmon("import", str(csv), config=config).returncode == 0
    for name in ("sw-good", "sw-locked"):
        done = ictmon(
            "ssh",
            "device",
            f"S01/{name}",
            "--enable-secret-env",
            "SECRET",
            config=config,
            env={"SECRET": ENABLE},
        )
        assert done.returncode == 0, done.stderr
    yield good, locked
    good.stop()
    locked.stop()


def line_for(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(f"S01/{name} "))


def test_backup_prints_one_line_per_device_and_fails_when_one_did(config, district):
    good, _ = district

    first = ictmon("-v", "backup", config=config)

    assert first.returncode == 1
    assert "first backup (version" in line_for(first.stdout, "sw-good")
    assert "auth_failed: authentication failed" in line_for(first.stdout, "sw-locked")
    assert "ap-1" not in first.stdout, "devices without an SSH type are not backed up"
    assert first.stderr.strip().splitlines()[-1] == "ictmon: 1 of 2 backups failed"
    assert PASSWORD not in first.stdout + first.stderr and ENABLE not in first.stdout + first.stderr

    again = ictmon("backup", "--device", "sw-good", config=config)
    assert again.returncode == 0, again.stderr
    assert "unchanged (version" in line_for(again.stdout, "sw-good")
    assert len(again.stdout.strip().splitlines()) == 1

    good.config.insert(-1, "vlan 20")
    changed = ictmon("backup", "--device", "S01/sw-good", config=config)
    assert "changed (new version" in line_for(changed.stdout, "sw-good")


def test_backup_of_an_unknown_or_unconfigured_device(config, district):
    unknown = ictmon("backup", "--device", "no-such-switch", config=config)
    assert unknown.returncode != 0
    assert unknown.stderr.strip() == "ictmon: no device named 'no-such-switch'"

    bare = ictmon("backup", "--device", "ap-1", config=config)
    assert bare.returncode == 1
    assert "not_configured: no SSH device type set" in line_for(bare.stdout, "ap-1")


def test_a_credential_profile_logs_a_device_in(config, district, tmp_path):
    good, _ = district
    csv = tmp_path / "more.csv"
    csv.write_text(
        "site,site_name,name,address,kind,parent,ssh_device_type,ssh_port\n"
        f"S01,โรงเรียนหนึ่ง,sw-shared,127.0.0.1,switch,,cisco_ios,{good.port}\n",
        encoding="utf-8",
    )
    assert ictmon("import", str(csv), config=config).returncode == 0
    before = ictmon("backup", "--device", "sw-shared", config=config)
    assert "not_configured: no SSH username set" in line_for(before.stdout, "sw-shared")

    made = ictmon(
        "ssh",
        "profile",
        "school-switches",
        "--username",
        "backup",
        "--password-env",
        "PW",
        "--enable-secret-env",
        "SECRET",
        config=config,
        env={"PW": PASSWORD, "SECRET": ENABLE},
    )
    assert made.returncode == 0, made.stderr
    assert (
        ictmon(
            "ssh", "device", "sw-shared", "--profile", "school-switches", config=config
        ).returncode
        == 0
    )

    after = ictmon("backup", "--device", "sw-shared", config=config)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "first backup (version" in line_for(after.stdout, "sw-shared")
    missing = ictmon("ssh", "device", "sw-shared", "--profile", "nobody", config=config)
    assert missing.stderr.strip() == "ictmon: no SSH credential profile named 'nobody'"


def test_backup_of_a_device_under_a_revoked_collector_says_what_it_waits_for(config, district):
    created = ictmon("collector", "create", "S01-pi", "--site", "S01", config=config)
    assert created.returncode == 0, created.stderr
    assert ictmon("collector", "revoke", "S01-pi", config=config).returncode == 0
    done = ictmon("backup", "--device", "S01/sw-good", config=config)
    assert done.returncode == 0, done.stderr
    assert (
        "S01-pi was revoked: the request waits for the collector created for the school next"
        in (done.stdout)
    )
    good, _ = district
    assert good.calls == 0  # the office did not try a device behind a school's NAT
