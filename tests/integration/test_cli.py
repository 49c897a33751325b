"""The `ictmon` command as a user runs it: real processes, real exit codes, what lands on stderr."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.requirements import require_root


def ictmon(
    *args: str, config: Path | None = None, env: dict | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    import os

    command = [sys.executable, "-m", "monitor"]
    if config:
        command += ["--config", str(config)]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ICTMON_")}
    environment.update(env or {})
    return subprocess.run(
        command + list(args), capture_output=True, text=True, timeout=120, env=environment, cwd=cwd
    )


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "ictmon.toml"
    path.write_text(
        '[database]\nurl = "sqlite:///ictmon.db"\n[paths]\ndata_dir = "data"\n'
        "[ping]\ntimeout = 0.5\ncount = 2\nspacing = 0.05\n",
        encoding="utf-8",
    )
    return path


GOOD = """site,site_name,name,address,kind,parent,ssh_password
OFFICE,สำนักงานเขต,core-switch,127.50.0.1,switch,,s3cret-pass
S001,โรงเรียนบ้านหนองบัว,router,127.50.1.1,router,OFFICE/core-switch,
S001,โรงเรียนบ้านหนองบัว,ap-1,127.50.1.2,ap,router,
"""


def test_init_creates_schema_keys_and_a_generated_admin_password(config):
    done = ictmon("init", config=config)
    assert done.returncode == 0, done.stderr
    assert "created admin user 'admin'" in done.stdout
    assert "password:" in done.stdout
    assert (config.parent / "data" / "secret.key").exists()
    again = ictmon("init", config=config)
    assert again.returncode == 0 and "none created" in again.stdout


def test_bad_setting_exits_non_zero_naming_the_key(config):
    done = ictmon("check-config", config=config, env={"ICTMON_PING_INTERVAL": "soon"})
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "ictmon: [ping] interval: expected float, got 'soon' (from ICTMON_PING_INTERVAL)"
    ]


def test_unreachable_database_is_one_line_on_stderr(config):
    done = ictmon(
        "check-config",
        config=config,
        env={"ICTMON_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("ictmon: database not reachable")


def test_import_then_reimport_updates_instead_of_duplicating(config, tmp_path):
    ictmon("init", "--admin-password", "long-enough-1", config=config)
    csv = tmp_path / "district.csv"
    csv.write_text(GOOD, encoding="utf-8-sig")  # as Excel saves "CSV UTF-8"
    first = ictmon("import", str(csv), config=config)
    assert first.returncode == 0, first.stderr
    assert "devices 3 new, 0 updated" in first.stdout
    csv.write_text(GOOD.replace("127.50.1.2,ap", "127.50.1.9,ap"), encoding="utf-8")
    second = ictmon("import", str(csv), config=config)
    assert "devices 0 new, 1 updated" in second.stdout
    with sqlite3.connect(tmp_path / "ictmon.db") as db:
        assert db.execute("SELECT count(*) FROM devices").fetchone() == (3,)
        assert db.execute("SELECT address FROM devices WHERE name='ap-1'").fetchone() == (
            "127.50.1.9",
        )
    assert "s3cret-pass" not in first.stdout + first.stderr + second.stdout


def test_bad_import_lists_each_line_and_writes_nothing(config, tmp_path):
    ictmon("init", "--admin-password", "long-enough-1", config=config)
    csv = tmp_path / "bad.csv"
    csv.write_text(
        GOOD + "S001,โรงเรียนบ้านหนองบัว,sw-9,127.50.1.300,switch,router,\n"
        "S001,โรงเรียนบ้านหนองบัว,sw-10,127.50.1.10,toaster,router,\n",
        encoding="utf-8",
    )
    done = ictmon("import", str(csv), config=config)
    assert done.returncode != 0
    assert "line 5, address" in done.stderr
    assert "line 6, kind" in done.stderr
    assert "nothing imported" in done.stderr
    with sqlite3.connect(tmp_path / "ictmon.db") as db:
        assert db.execute("SELECT count(*) FROM devices").fetchone() == (0,)


def test_commands_on_an_uninitialised_database_say_to_run_init(config):
    done = ictmon("poll", "--once", config=config)
    assert done.returncode != 0
    assert "run `ictmon init`" in done.stderr


def test_a_report_without_a_database_leaves_no_empty_file_behind(tmp_path):
    # Run where no config is (as when the demo's --config is forgotten): the default var/ictmon.db.
    done = ictmon("report", "--month", "2569-11", cwd=tmp_path)
    assert done.returncode != 0
    assert "run `ictmon init`" in done.stderr and "--config var/demo/ictmon.toml" in done.stderr
    assert not (tmp_path / "var").exists()


def test_poll_once_prints_a_table_of_real_pings(config, tmp_path):
    require_root()
    ictmon("init", "--admin-password", "long-enough-1", config=config)
    csv = tmp_path / "district.csv"
    csv.write_text(GOOD, encoding="utf-8")
    ictmon("import", str(csv), config=config)
    done = ictmon("poll", "--once", config=config)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["site", "device", "address"]
    router = next(line for line in lines if "127.50.1.1 " in line)
    assert router.split()[:5] == ["S001", "router", "127.50.1.1", "2", "2"]
    assert "(unknown → up)" in router
    assert lines[-1].startswith("3 devices, 3 answered, 0 silent")


def test_token_create_for_unknown_user_fails(config):
    ictmon("init", "--admin-password", "long-enough-1", config=config)
    done = ictmon("token", "create", "nobody", config=config)
    assert done.returncode != 0
    assert done.stderr.strip() == "ictmon: no user named 'nobody'"


def test_check_config_says_a_weak_session_key_before_run_would(config):
    from collectors.ping import icmp_permission_problem
    from tests.support.requirements import require

    # check-config stops at a missing ICMP permission before it reaches the key.
    require(icmp_permission_problem() is None, "needs ICMP permission (root or ping_group_range)")
    assert ictmon("init", "--admin-password", "long-enough-1", config=config).returncode == 0
    good = ictmon("check-config", config=config)
    assert "web session key: acceptable" in good.stdout, good.stderr
    weak = ictmon("check-config", config=config, env={"ICTMON_WEB_SECRET_KEY": "change-me"})
    assert weak.returncode != 0
    assert weak.stderr.startswith("ictmon: [web] secret_key is a known placeholder")


@pytest.mark.parametrize(
    "text, env, line",
    [
        (
            '[alerts]\nrecipients = ["oncall@district.example", "boss.school.go.th"]\n',
            {},
            "[alerts] recipients: 'boss.school.go.th' is not an email address (from {path})",
        ),
        (
            "[ping]\ncount = 100000\n",
            {},
            "[ping] count: must be at most 10, got 100000 (from {path})",
        ),
        (
            "",
            {"ICTMON_DATABASE_URL": "mysql://ictmon:s3cret@127.0.0.1/ictmon"},
            "[database] url: expected sqlite:///<file> or postgresql+psycopg://..., "
            "got 'mysql://ictmon:***@127.0.0.1/ictmon' (from ICTMON_DATABASE_URL)",
        ),
        (
            '[web]\nhost = "0.0.0.0:8080"\n',
            {},
            "[web] host: expected an IP address or a host name (no port, no scheme), "
            "got '0.0.0.0:8080' (from {path})",
        ),
    ],
)
def test_check_config_refuses_what_run_would_fail_on_in_one_line(tmp_path, text, env, line):
    path = tmp_path / "ictmon.toml"
    path.write_text('[database]\nurl = "sqlite:///ictmon.db"\n' + text, encoding="utf-8")
    done = ictmon("check-config", config=path, env=env)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == ["ictmon: " + line.format(path=path)]


def test_check_config_names_a_config_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "ictmon.toml"
    path.write_bytes('[office]\nname = "สำนักงานเขต"\n'.encode("tis-620"))
    done = ictmon("check-config", config=path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"ictmon: {path}: line 2 is not UTF-8 text (a Thai file saved as TIS-620 or "
        "Windows-874?): save the file as UTF-8"
    ]
