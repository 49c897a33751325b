"""`ictmon user …` with click's CliRunner against a real SQLite database: people added, given a new
password, disabled and enabled, listed; the web accepts them; the audit log says `cli:<os user>`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from monitor.accounts.users import create_user
from monitor.cli.main import main
from monitor.db.models import AuditEvent, User
from tests.web.conftest import PASSWORD, make_app, sign_in

NEW_PASSWORD = "another long password"


@pytest.fixture
def ictmon(settings, db, tmp_path, monkeypatch):
    """Run `ictmon ARGS` on the test database as the OS user somchai."""
    config = tmp_path / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "{settings.database.url}"\n'
        f'[paths]\ndata_dir = "{settings.paths.data_dir}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("USER", "somchai")
    monkeypatch.setenv("LOGNAME", "somchai")
    monkeypatch.delenv("ICTMON_USER_PASSWORD", raising=False)

    def run(*args, env=None, input=None):
        return CliRunner().invoke(main, ["--config", str(config), *args], env=env, input=input)

    return run


@pytest.fixture
def admin(db):
    with db.begin() as s:
        create_user(s, "admin", PASSWORD, role="admin")


def user(db, username) -> User:
    with db() as s:
        return s.scalar(select(User).where(User.username == username))


def test_add_with_the_password_from_the_environment_then_sign_in(ictmon, settings, db):
    done = ictmon(
        "user",
        "add",
        "somsri",
        "--role",
        "operator",
        "--display-name",
        "ครูสมศรี",
        env={"ICTMON_USER_PASSWORD": PASSWORD},
    )
    assert done.exit_code == 0, done.output
    assert "added somsri (operator)" in done.output
    row = user(db, "somsri")
    assert (row.role, row.display_name, row.active) == ("operator", "ครูสมศรี", True)
    assert PASSWORD not in row.password_hash
    assert sign_in(make_app(settings, db).test_client(), "somsri").status_code == 302


def test_add_prompts_twice_without_echo(ictmon, db):
    done = ictmon(
        "user", "add", "viewer1", "--role", "viewer", input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    )
    assert done.exit_code == 0, done.output
    assert NEW_PASSWORD not in done.output  # hidden input is not echoed
    assert "Repeat for confirmation" in done.output
    assert user(db, "viewer1").role == "viewer"


def test_bad_input_is_one_line_naming_the_field_and_writes_nothing(ictmon, db, admin):
    short = ictmon("user", "add", "x1", "--role", "viewer", env={"ICTMON_USER_PASSWORD": "short"})
    assert short.exit_code == 1
    assert "ictmon: password: password must be at least 8 characters" in short.output
    taken = ictmon(
        "user", "add", "admin", "--role", "viewer", env={"ICTMON_USER_PASSWORD": PASSWORD}
    )
    assert taken.exit_code == 1 and "username: user 'admin' already exists" in taken.output
    role = ictmon("user", "add", "x2", "--role", "root", env={"ICTMON_USER_PASSWORD": PASSWORD})
    assert role.exit_code == 2 and "'root' is not one of" in role.output
    assert user(db, "x1") is None and user(db, "x2") is None


def test_the_password_is_never_an_argument(ictmon, db):
    done = ictmon("user", "add", "x3", "--role", "viewer", "--password", PASSWORD)
    assert done.exit_code == 2 and "No such option '--password'" in done.output
    assert user(db, "x3") is None


def test_passwd_from_the_environment_ends_sessions(ictmon, settings, db, admin):
    app = make_app(settings, db)
    browser = app.test_client()
    assert sign_in(browser, "admin").status_code == 302
    done = ictmon("user", "passwd", "admin", env={"ICTMON_USER_PASSWORD": NEW_PASSWORD})
    assert done.exit_code == 0, done.output
    assert browser.get("/account").status_code == 302  # the old session is over
    assert sign_in(app.test_client(), "admin", PASSWORD).status_code == 401
    assert sign_in(app.test_client(), "admin", NEW_PASSWORD).status_code == 302


def test_disable_enable_and_list(ictmon, settings, db, admin):
    ictmon("user", "add", "somsri", "--role", "operator", env={"ICTMON_USER_PASSWORD": PASSWORD})
    disabled = ictmon("user", "disable", "somsri")
    assert disabled.exit_code == 0 and "disabled somsri" in disabled.output
    app = make_app(settings, db)
    assert sign_in(app.test_client(), "somsri").status_code == 401
    listing = ictmon("user", "list")
    assert listing.exit_code == 0
    lines = {line.split()[0]: line.split() for line in listing.output.splitlines()[1:]}
    assert lines["somsri"][:3] == ["somsri", "operator", "disabled"]
    assert lines["admin"][:3] == ["admin", "admin", "active"]
    assert ictmon("user", "enable", "somsri").exit_code == 0
    assert sign_in(app.test_client(), "somsri").status_code == 302
    listing = ictmon("user", "list").output
    somsri = next(line for line in listing.splitlines() if line.startswith("somsri"))
    assert somsri.split()[:3] == ["somsri", "operator", "active"]
    assert "24 Nov 2026 10:00" in somsri  # the sign-in, Bangkok time (the test app's clock)


def test_the_last_admin_is_not_disabled_from_the_command_line_either(ictmon, db, admin):
    done = ictmon("user", "disable", "admin")
    assert done.exit_code == 1 and "last active admin" in done.output
    assert user(db, "admin").active


def test_an_unknown_user_is_named(ictmon, db):
    done = ictmon("user", "disable", "ghost")
    assert done.exit_code == 1 and "ictmon: no user named 'ghost'" in done.output


def test_changes_are_audited_as_the_os_user(ictmon, db, admin):
    ictmon("user", "add", "somsri", "--role", "viewer", env={"ICTMON_USER_PASSWORD": PASSWORD})
    ictmon("user", "passwd", "somsri", env={"ICTMON_USER_PASSWORD": NEW_PASSWORD})
    ictmon("user", "disable", "somsri")
    with db() as s:
        events = [
            (e.actor, e.action, e.object_label, e.changes)
            for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]
    assert [e[:3] for e in events] == [
        ("cli:somchai", "create", "somsri"),
        ("cli:somchai", "update", "somsri"),
        ("cli:somchai", "update", "somsri"),
    ]
    assert events[1][3]["password_hash"] == ["•••", "•••"]
    assert events[2][3]["active"] == [True, False]
