"""`ictmon db-backup` and `ictmon db-restore` on real databases, while something keeps writing.

The writers are real: a thread committing ping samples through SQLAlchemy exactly as the poller's
second transaction does, and `ictmon run` itself sweeping loopback devices. PostgreSQL goes
through the machine's pg_dump into a database this test creates and drops.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from monitor.cli.main import main
from monitor.db import backup as db_backup
from monitor.db import engine as dbmod
from monitor.db.models import AuditEvent, PingSample
from monitor.localtime import utcnow
from monitor.status.store import beat
from tests.conftest import NOW, POSTGRES_ADMIN_URL, add_device, add_site
from tests.support.requirements import require, require_commands

HEAD = ScriptDirectory.from_config(dbmod.alembic_config(None)).get_current_head()
# Enough rows (~25 MB) that the copy takes long enough for the writer to commit during it.
PRELOAD_DEVICES, PRELOAD_SWEEPS = 40, 12_000


def _config(tmp_path: Path, settings, extra: str = "") -> Path:
    path = tmp_path / "ictmon.toml"
    path.write_text(
        f'[database]\nurl = "{settings.database.url}"\n'
        f'[paths]\ndata_dir = "{settings.paths.data_dir}"\n{extra}',
        encoding="utf-8",
    )
    return path


def cli(config: Path, *args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["--config", str(config), *args], env=env)


def _count(path: Path, table: str = "ping_samples") -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
        return c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _revision(path: Path) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
        return c.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def _integrity(path: Path) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
        return c.execute("PRAGMA integrity_check").fetchone()[0]


def _database(settings) -> Path:
    return Path(make_url(settings.database.url).database)


class Writer(threading.Thread):
    """Commits one ping sample per transaction until stopped (bounded), timing each commit."""

    MAX_COMMITS = 50_000

    def __init__(self, factory, device_id: int):
        super().__init__(daemon=True)
        self.factory, self.device_id = factory, device_id
        self.stop = threading.Event()
        self.commits: list[tuple[float, float]] = []  # (started, finished), perf_counter
        self.error: BaseException | None = None

    def run(self):
        try:
            for n in range(self.MAX_COMMITS):
                if self.stop.is_set():
                    return
                started = time.perf_counter()
                with dbmod.transaction(self.factory) as s:
                    s.execute(
                        insert(PingSample),
                        [
                            {
                                "device_id": self.device_id,
                                "at": NOW + timedelta(days=1, seconds=n),
                                "sent": 1,
                                "received": 1,
                                "rtt_avg_ms": 0.1,
                                "rtt_max_ms": 0.1,
                            }
                        ],
                    )
                self.commits.append((started, time.perf_counter()))
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc

    def wait_for(self, n: int, within: float = 20.0) -> None:
        deadline = time.monotonic() + within
        while len(self.commits) < n and time.monotonic() < deadline and self.is_alive():
            time.sleep(0.01)
        assert len(self.commits) >= n, self.error

    def finish(self) -> None:
        self.stop.set()
        self.join(timeout=30)
        assert not self.is_alive()
        assert self.error is None, self.error


@pytest.fixture
def busy(settings, db):
    """A district-ish database with a writer committing into it."""
    with dbmod.transaction(db) as s:
        site = add_site(s)
        devices = [
            add_device(s, site, f"d{i}", address=f"127.40.0.{i + 1}")
            for i in range(PRELOAD_DEVICES)
        ]
    path = _database(settings)
    with sqlite3.connect(path) as c:
        c.executemany(
            "INSERT INTO ping_samples VALUES (?, ?, 3, 3, 1.5, 2.5)",
            (
                (d.id, f"2026-11-{1 + n // 3600:02d} {n // 60 % 60:02d}:{n % 60:02d}:00.{n:06d}")
                for d in devices
                for n in range(PRELOAD_SWEEPS)
            ),
        )
    writer = Writer(db, devices[0].id)
    writer.start()
    writer.wait_for(5)
    yield writer
    writer.finish()


def test_the_copy_is_one_snapshot_taken_while_the_writer_keeps_committing(settings, busy, tmp_path):
    source, copy = _database(settings), tmp_path / "copy.sqlite3"
    before = _count(source)
    started = time.perf_counter()
    revision = db_backup.copy_sqlite(source, copy)
    finished = time.perf_counter()
    busy.wait_for(len(busy.commits) + 3)
    after = _count(source)

    # WAL: the copy's read snapshot does not hold the writer back (hundreds of commits land inside
    # the copy here); a copy that blocked writers (rollback journal, a write lock) lets one or two
    # slip in before it takes the lock, no more.
    during = [c for c in busy.commits if started < c[0] and c[1] < finished]
    assert len(during) >= 10, f"{len(during)} commits during a {finished - started:.3f} s copy"
    assert before <= _count(copy) < after
    assert _integrity(copy) == "ok"
    assert revision == _revision(copy) == HEAD


def test_db_backup_command_while_writing_prints_a_checked_copy(settings, busy, tmp_path):
    config, out = _config(tmp_path, settings), tmp_path / "nightly.sqlite3"
    before = _count(_database(settings))
    result = cli(config, "db-backup", "--out", str(out))
    busy.wait_for(len(busy.commits) + 3)
    after = _count(_database(settings))

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"database backup: {out}"
    assert "integrity_check ok" in lines[1] and f"schema revision {HEAD}" in lines[1]
    assert "MB" in lines[1] and " s," in lines[1]
    assert "keys NOT included" in result.output and "secret.key" in result.output
    assert before <= _count(out) < after
    assert _integrity(out) == "ok" and _revision(out) == HEAD
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not list(tmp_path.glob("*.partial"))


def test_default_name_is_a_bangkok_timestamp_under_the_data_dir(settings, db, tmp_path):
    result = cli(_config(tmp_path, settings), "db-backup")
    assert result.exit_code == 0, result.output
    [made] = (Path(settings.paths.data_dir) / "backups").iterdir()
    assert result.output.startswith(f"database backup: {made}\n")
    # The stamp is Bangkok wall time: UTC + 7 h, within the minute the command ran.
    stamped = made.name.removeprefix("ictmon-db-").removesuffix(".sqlite3")
    local = (utcnow() + timedelta(hours=7)).strftime("%Y%m%d-%H%M")
    earlier = (utcnow() + timedelta(hours=7, minutes=-1)).strftime("%Y%m%d-%H%M")
    assert stamped[:13] in (local, earlier), stamped


def test_with_keys_writes_one_private_archive_with_the_copy_and_both_key_files(
    settings, db, tmp_path
):
    with dbmod.transaction(db) as s:
        add_site(s, "S07", "โรงเรียนเจ็ด")
    out = tmp_path / "full.tar.gz"
    result = cli(_config(tmp_path, settings), "db-backup", "--with-keys", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "keys in the archive: secret.key, web-secret.key" in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    data_dir = Path(settings.paths.data_dir)
    with tarfile.open(out) as tar:
        members = {m.name: m for m in tar.getmembers()}
        [database] = [n for n in members if n.endswith(".sqlite3")]
        assert set(members) == {database, "secret.key", "web-secret.key"}
        assert all(m.mode == 0o600 for m in members.values())
        assert tar.extractfile("secret.key").read() == (data_dir / "secret.key").read_bytes()
        assert (
            tar.extractfile("web-secret.key").read() == (data_dir / "web-secret.key").read_bytes()
        )
        (tmp_path / "inside.sqlite3").write_bytes(tar.extractfile(database).read())
    assert _integrity(tmp_path / "inside.sqlite3") == "ok"
    with sqlite3.connect(tmp_path / "inside.sqlite3") as c:
        assert c.execute("SELECT name FROM sites").fetchall() == [("โรงเรียนเจ็ด",)]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_an_existing_file_is_never_overwritten(settings, db, tmp_path):
    out = tmp_path / "keep.sqlite3"
    out.write_bytes(b"yesterday's backup")
    result = cli(_config(tmp_path, settings), "db-backup", "--out", str(out))
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"ictmon: {out} already exists: choose another --out (nothing was written)"
    )
    assert out.read_bytes() == b"yesterday's backup"


def test_a_database_without_schema_fails_in_one_line_and_leaves_no_file(settings, tmp_path):
    _database(settings).parent.mkdir(parents=True, exist_ok=True)
    sqlite3.connect(_database(settings)).close()  # an empty file: `ictmon init` never ran
    out = tmp_path / "out" / "copy.sqlite3"
    result = cli(_config(tmp_path, settings), "db-backup", "--out", str(out))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"ictmon: {_database(settings)} has no ictmon schema (no alembic_version table)"
    ]
    assert list(out.parent.iterdir()) == []


def test_backup_while_ictmon_run_sweeps_loopback(tmp_path):
    """The real service (scheduler + web) writing every second while the backup runs."""
    from collectors.ping import icmp_permission_problem

    require(icmp_permission_problem() is None, "needs ICMP permission (root or ping_group_range)")
    with socket.socket() as probe:  # a free port on loopback for the service's web server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "ictmon.toml"
    config.write_text(
        '[database]\nurl = "sqlite:///ictmon.db"\n[paths]\ndata_dir = "data"\n'
        f"[web]\nport = {port}\n"
        "[ping]\ninterval = 1.0\ntimeout = 0.3\ncount = 1\n",
        encoding="utf-8",
    )
    (tmp_path / "district.csv").write_text(
        "site,site_name,name,address,kind,parent\n"
        + "".join(f"S01,โรงเรียน,d{i},127.41.0.{i},router,\n" for i in range(1, 21)),
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "monitor", "--config", str(config)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICTMON_")}
    for args in (
        ["init", "--admin-password", "long-enough-1"],
        ["import", str(tmp_path / "district.csv")],
    ):
        done = subprocess.run(command + args, capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 0, done.stderr
    database = tmp_path / "ictmon.db"
    service = subprocess.Popen(
        [*command, "run"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env
    )
    try:
        deadline = time.monotonic() + 30
        while _count(database) < 60 and time.monotonic() < deadline:  # three sweeps
            assert service.poll() is None, service.stdout.read().decode(errors="replace")
            time.sleep(0.2)
        before = _count(database)
        assert before >= 60
        out = tmp_path / "while-running.sqlite3"
        done = subprocess.run(
            [*command, "db-backup", "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        deadline = time.monotonic() + 30
        while _count(database) <= before + 20 and time.monotonic() < deadline:
            time.sleep(0.2)
        after = _count(database)
    finally:
        service.terminate()
        try:
            service.wait(timeout=30)
        finally:
            if service.poll() is None:
                service.kill()
                service.wait(timeout=10)
    assert done.returncode == 0, done.stderr
    assert "integrity_check ok" in done.stdout
    assert _integrity(out) == "ok" and _revision(out) == HEAD
    assert before <= _count(out) <= after and after > before
    assert _count(out, "devices") == 20


# ---------------------------------------------------------------------------------------------
# PostgreSQL


@pytest.fixture
def pg_database():
    """A database of this test's own on the machine's PostgreSQL, migrated, dropped after."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        require(False, f"PostgreSQL at {POSTGRES_ADMIN_URL} not reachable: {exc}")
    name = f"ictmon_backup_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        engine = dbmod.make_engine(url)
        dbmod.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_postgres_backup_is_a_pg_dump_that_pg_restore_can_read(settings, pg_database, tmp_path):
    require_commands("pg_dump", "pg_restore")
    engine = dbmod.make_engine(pg_database)
    with dbmod.transaction(dbmod.session_factory(engine)) as s:
        add_site(s, "S09", "โรงเรียนเก้า")
    engine.dispose()
    out = tmp_path / "district.pgdump"
    result = cli(
        _config(tmp_path, settings),
        "db-backup",
        "--out",
        str(out),
        env={"ICTMON_DATABASE_URL": pg_database},
    )
    assert result.exit_code == 0, result.output
    assert f"schema revision {HEAD}" in result.output and "pg_restore --list:" in result.output
    listed = subprocess.run(
        ["pg_restore", "--list", str(out)], capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    assert "TABLE public sites" in listed.stdout
    data = subprocess.run(
        ["pg_restore", "--data-only", "--table=sites", "--file=-", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "โรงเรียนเก้า" in data.stdout


@pytest.mark.postgres
def test_postgres_failure_is_one_line_and_leaves_no_file(settings, tmp_path):
    require_commands("pg_dump", "pg_restore")
    missing = make_url(POSTGRES_ADMIN_URL).set(database=f"ictmon_absent_{uuid.uuid4().hex[:8]}")
    out = tmp_path / "none.pgdump"
    result = cli(
        _config(tmp_path, settings),
        "db-backup",
        "--out",
        str(out),
        env={"ICTMON_DATABASE_URL": missing.render_as_string(hide_password=False)},
    )
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith("ictmon: database not reachable")
    assert list(tmp_path.glob("none.pgdump*")) == []


def test_the_password_goes_to_the_child_environment_not_its_command_line():
    conninfo, env = db_backup.libpq_target(
        "postgresql+psycopg://ictmon:s3cret-pw@127.0.0.1:5432/ictmon?sslmode=require"
    )
    assert conninfo == "postgresql://ictmon@127.0.0.1:5432/ictmon?sslmode=require"
    assert env["PGPASSWORD"] == "s3cret-pw"
    assert "s3cret-pw" not in db_backup.pg_restore_command(
        "postgresql://ictmon:s3cret-pw@db/ictmon", Path("x.pgdump")
    )


# ---------------------------------------------------------------------------------------------
# restore


def _site_codes(path: Path) -> list[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
        return [r[0] for r in c.execute("SELECT code FROM sites ORDER BY code")]


@pytest.fixture
def backed_up(settings, db, tmp_path):
    """A backup holding site S01; the live database has since gained S02."""
    with dbmod.transaction(db) as s:
        add_site(s, "S01")
    out = tmp_path / "monday.sqlite3"
    assert cli(_config(tmp_path, settings), "db-backup", "--out", str(out)).exit_code == 0
    with dbmod.transaction(db) as s:
        add_site(s, "S02")
    return out


def test_restore_is_refused_while_the_heartbeat_is_fresh(settings, db, backed_up, tmp_path):
    with dbmod.transaction(db) as s:
        beat(s, utcnow() - timedelta(seconds=20), started=True)
    result = cli(_config(tmp_path, settings), "db-restore", str(backed_up))
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert "stop ictmon first" in line and "heartbeat 2" in line
    assert _site_codes(_database(settings)) == ["S01", "S02"]
    assert not list(_database(settings).parent.glob("*before-restore*"))


def test_restore_puts_the_copy_in_place_and_keeps_the_previous_database(
    settings, db, backed_up, tmp_path
):
    with dbmod.transaction(db) as s:
        beat(s, utcnow() - timedelta(hours=2), started=True)  # ictmon stopped two hours ago
    db.kw["bind"].dispose()
    result = cli(_config(tmp_path, settings), "db-restore", str(backed_up))
    assert result.exit_code == 0, result.output
    database = _database(settings)
    [kept] = database.parent.glob(f"{database.name}.before-restore-*")
    assert f"previous database kept as {kept}" in result.output
    assert f"schema revision {HEAD} → {HEAD}" in result.output
    assert _site_codes(database) == ["S01"]
    assert _site_codes(kept) == ["S01", "S02"]
    assert _integrity(kept) == "ok"
    with db() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "restore")).one()
    assert (event.object_type, event.object_label) == ("database", "monday.sqlite3")
    assert event.actor.startswith("cli:")


def test_restore_of_a_keys_archive_brings_the_keys_back(settings, db, tmp_path):
    config, archive = _config(tmp_path, settings), tmp_path / "full.tar.gz"
    assert cli(config, "db-backup", "--with-keys", "--out", str(archive)).exit_code == 0
    key = Path(settings.paths.data_dir) / "secret.key"
    original = key.read_bytes()
    key.write_bytes(b"a key made after the backup")
    db.kw["bind"].dispose()
    result = cli(config, "db-restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "key file secret.key restored from the archive" in result.output
    assert key.read_bytes() == original and stat.S_IMODE(key.stat().st_mode) == 0o600
    [aside] = key.parent.glob("secret.key.before-restore-*")
    assert aside.read_bytes() == b"a key made after the backup"


def test_a_file_that_is_not_a_database_is_refused_and_nothing_changes(settings, db, tmp_path):
    with dbmod.transaction(db) as s:
        add_site(s, "S01")
    junk = tmp_path / "photo.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 not a database at all" * 100)
    result = cli(_config(tmp_path, settings), "db-restore", str(junk))
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"ictmon: {junk}: not a usable SQLite database (file is not a database)"
    )
    assert _site_codes(_database(settings)) == ["S01"]
    assert sorted(p.name for p in _database(settings).parent.iterdir() if "restor" in p.name) == []


def test_postgres_restore_prints_the_pg_restore_command_and_changes_nothing(settings, tmp_path):
    result = cli(
        _config(tmp_path, settings),
        "db-restore",
        str(tmp_path / "x.pgdump"),
        env={"ICTMON_DATABASE_URL": "postgresql://ictmon:pw@127.0.0.1:5432/ictmon"},
    )
    assert result.exit_code == 1
    assert "pg_restore --clean --if-exists --no-owner" in result.output
    assert "--dbname='postgresql://ictmon@127.0.0.1:5432/ictmon'" in result.output
    assert ":pw@" not in result.output
    assert result.output.strip().endswith("ictmon: nothing was restored: run the command above")
