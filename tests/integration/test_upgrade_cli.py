"""`ictmon upgrade` (and a restore of an older backup) brings an old database to the newest
schema, keeps its rows and says which revisions it went between."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from monitor.db import engine as dbmod
from tests.integration.test_db_backup import _config, cli

OLD = "0007"


def _head() -> str:
    [head] = ScriptDirectory.from_config(dbmod.alembic_config(None)).get_heads()
    return head


def _at_old_revision(settings) -> Path:
    """The database as the previous release left it: migrated to 0007, one school in it."""
    engine = dbmod.make_engine(settings.database.url)
    command.upgrade(dbmod.alembic_config(engine), OLD)
    engine.dispose()
    path = Path(make_url(settings.database.url).database)
    with sqlite3.connect(path) as c:
        c.execute(
            "INSERT INTO sites (code, name, enabled, created_at) "
            "VALUES ('S01', 'โรงเรียนบ้านหนองบัว', 1, '2026-01-05 03:00:00.000000')"
        )
    return path


def _version(path: Path) -> str:
    with sqlite3.connect(path) as c:
        return c.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_upgrade_applies_pending_migrations_and_prints_before_and_after(settings, tmp_path):
    path = _at_old_revision(settings)
    assert _version(path) == OLD
    result = cli(_config(tmp_path, settings), "upgrade")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"schema revision {OLD} → {_head()}"]
    assert _version(path) == _head() != OLD
    with sqlite3.connect(path) as c:
        assert c.execute("SELECT code, name FROM sites").fetchall() == [("S01", "โรงเรียนบ้านหนองบัว")]
        # 0008's tables now exist, and the audit log says who upgraded.
        [(action, kind, actor)] = c.execute(
            "SELECT action, object_type, actor FROM audit_events"
        ).fetchall()
    assert (action, kind) == ("upgrade", "database") and actor.startswith("cli:")


def test_a_second_upgrade_has_nothing_to_do(settings, db, tmp_path):
    result = cli(_config(tmp_path, settings), "upgrade")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"schema revision {_head()}: already up to date"]


def test_upgrade_of_an_empty_database_creates_the_schema_and_points_at_init(settings, tmp_path):
    result = cli(_config(tmp_path, settings), "upgrade")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"schema revision (empty database) → {_head()}",
        "new database: run `ictmon init` to create the key files and the first admin",
    ]


def test_upgrade_of_an_unreachable_database_is_one_line(settings, tmp_path):
    result = cli(
        _config(tmp_path, settings),
        "upgrade",
        env={"ICTMON_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith("ictmon: database not reachable")


def test_restoring_a_backup_from_the_previous_release_migrates_it(settings, tmp_path):
    path = _at_old_revision(settings)
    config = _config(tmp_path, settings)
    backup = tmp_path / "old-release.sqlite3"
    made = cli(config, "db-backup", "--out", str(backup))
    assert made.exit_code == 0, made.output
    assert f"schema revision {OLD}" in made.output
    result = cli(config, "db-restore", str(backup))
    assert result.exit_code == 0, result.output
    assert f"schema revision {OLD} → {_head()}" in result.output
    assert _version(path) == _head()
    assert _version(backup) == OLD  # the backup itself is never changed
