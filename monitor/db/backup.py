"""Database backup, restore and schema upgrade for a running installation.

SQLite is copied with `VACUUM INTO`, not the online backup API:
- ictmon's SQLite is always in WAL mode (monitor.db.engine), where a reader's snapshot never blocks the
  writer: `VACUUM INTO` reads one snapshot (a consistent copy) while the scheduler keeps
  committing. The backup API gives the same in one step; in small steps it would buy nothing
  here, and a commit from another connection between two steps restarts the copy from page 1,
  so on a busy database it might never finish.
- The live file is fragmented by design (every sweep appends to each device's range of the
  samples and rollups trees, pruning empties pages at their other end). `VACUUM INTO` writes
  only the live rows, packed: on a district-sized database (600 devices, 600 MB) the copy is
  about half the size of a page-for-page copy, written in about the same time (2-3 s either
  way on the shared test machine; bench/db_backup.py prints both). Fourteen nightly copies
  then cost half the disk.
The copy is written beside its final name as `*.partial` (mode 0600: it holds password hashes and
encrypted credentials; a rollback-journal file, self-contained), checked (`PRAGMA
integrity_check` and the Alembic revision) and only then renamed into place; any failure removes
it. PostgreSQL is dumped by `pg_dump --format=custom`, the password passed in the child's
environment (PGPASSWORD), never on its command line, and checked with `pg_restore --list`.

The key files (`secret.key`, `web-secret.key`) are not in the database: without `secret.key` the
stored credentials cannot be decrypted. `with_keys` writes one tar.gz (0600) holding the copy and
the key files; `restore_database` takes either form.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO
from urllib.parse import quote

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from monitor.db import engine as dbmod
from monitor.db import installation
from monitor.db.models import POLLER_HEARTBEAT, ServiceHeartbeat
from monitor.localtime import BANGKOK, as_utc, utcnow
from monitor.secrets import KEY_FILE, WEB_KEY_FILE
from monitor.settings import Settings

BACKUP_DIR = "backups"
KEY_FILES = (KEY_FILE, WEB_KEY_FILE)


class BackupError(RuntimeError):
    """A backup, restore or upgrade could not be done; the message says why in one line."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    seconds: float
    check: str  # what the check of the copy found
    revision: str  # the copy's Alembic revision
    keys_included: tuple[str, ...] = ()  # key files in the archive
    keys_elsewhere: tuple[str, ...] = ()  # keys set in the configuration, not in files
    keys_missing: tuple[Path, ...] = ()  # expected key files that do not exist


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    kept_as: Path | None  # the previous database, renamed
    revision_restored: str
    revision_now: str
    keys_restored: tuple[str, ...] = ()
    keys_kept_as: tuple[Path, ...] = field(default_factory=tuple)


class DatabaseInUse(BackupError):
    pass


# ---------------------------------------------------------------------------------------------
# where things are


def stamp(now: datetime) -> str:
    """A Bangkok-time stamp for file names: 20261124-100500 (sorts in time order)."""
    return as_utc(now).astimezone(BANGKOK).strftime("%Y%m%d-%H%M%S")


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL; None for other databases."""
    parsed = _parse(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("[database] url: an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


def default_backup_path(settings: Settings, now: datetime, *, with_keys: bool) -> Path:
    kind = "sqlite3" if sqlite_path(settings.database.url) else "pgdump"
    suffix = "tar.gz" if with_keys else kind
    return settings.data_dir / BACKUP_DIR / f"ictmon-db-{stamp(now)}.{suffix}"


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except Exception:
        raise BackupError(f"[database] url: cannot parse {url!r}") from None


# ---------------------------------------------------------------------------------------------
# backup


def backup_database(
    settings: Settings,
    out: Path | None = None,
    *,
    with_keys: bool = False,
    now: datetime | None = None,
) -> BackupResult:
    """A verified copy of the configured database at `out` (default under <data_dir>/backups)."""
    now = now or utcnow()
    target = Path(out) if out else default_backup_path(settings, now, with_keys=with_keys)
    if target.exists():
        raise BackupError(f"{target} already exists: choose another --out (nothing was written)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise BackupError(f"cannot create {target.parent}: {exc.strerror}") from None
    started = time.perf_counter()
    source = sqlite_path(settings.database.url)
    if not with_keys:
        copy = target
    else:
        inner = f"ictmon-db-{stamp(now)}.{'sqlite3' if source else 'pgdump'}"
        copy = target.with_name(f".{target.name}.{inner}")
    with _partial(copy) as partial:
        if source:
            check, revision = backup_sqlite(source, partial)
        else:
            check, revision = backup_postgres(settings.database.url, partial)
        if not with_keys:
            os.replace(partial, target)
            return BackupResult(
                target,
                target.stat().st_size,
                time.perf_counter() - started,
                check,
                revision,
                *_key_reminders(settings),
            )
        with _partial(target) as archive:
            included = _write_archive(archive, partial, inner, settings)
            os.replace(archive, target)
    _, elsewhere, missing = _key_reminders(settings)
    return BackupResult(
        target,
        target.stat().st_size,
        time.perf_counter() - started,
        check,
        revision,
        included,
        elsewhere,
        missing,
    )


class _partial:
    """A 0600 file beside `final` that is removed unless it was renamed away."""

    def __init__(self, final: Path):
        self.path = final.with_name(final.name + ".partial")

    def __enter__(self) -> Path:
        try:
            self.path.unlink(missing_ok=True)  # left by a killed run: never ours to keep
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError as exc:
            raise BackupError(f"cannot write {self.path}: {exc.strerror}") from None
        return self.path

    def __exit__(self, *_exc) -> None:
        self.path.unlink(missing_ok=True)


def backup_sqlite(source: Path, copy: Path) -> tuple[str, str]:
    """Copy the live database `source` into the (empty) file `copy`, check the copy; return
    (check, revision)."""
    revision = copy_sqlite(source, copy)
    integrity, copied = verify_sqlite(copy)
    if copied != revision:
        raise BackupError(f"the copy carries schema revision {copied}, the database {revision}")
    return f"integrity_check {integrity}", revision


def copy_sqlite(source: Path, copy: Path) -> str:
    """The copy itself (one read snapshot of `source`, into the empty file `copy`); return the
    source's revision."""
    if not source.is_file():
        raise BackupError(f"database file {source} does not exist")
    try:
        # mode=rw: never create an empty database where the real one was expected.
        src = sqlite3.connect(f"file:{quote(str(source))}?mode=rw", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {source}: {exc}") from None
    try:
        revision = _revision(src, source)
        # Into the empty 0600 file _partial made (VACUUM INTO accepts an empty file, no other).
        src.execute("VACUUM INTO ?", (str(copy),))
    except sqlite3.Error as exc:
        raise BackupError(f"backup of {source} failed: {exc}") from None
    finally:
        src.close()
    return revision


def verify_sqlite(path: Path, shown: Path | None = None) -> tuple[str, str]:
    """('ok', revision) for a sound ictmon database file; BackupError naming the problem (and
    the file as the user knows it, `shown`)."""
    shown = shown or path
    try:
        connection = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {shown}: {exc}") from None
    try:
        rows = [r[0] for r in connection.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            raise BackupError(f"{shown}: integrity check failed: {'; '.join(rows[:3])}")
        return "ok", _revision(connection, shown)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{shown}: not a usable SQLite database ({exc})") from None
    finally:
        connection.close()


def _revision(connection: sqlite3.Connection, path: Path) -> str:
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError:
        raise BackupError(f"{path} has no ictmon schema (no alembic_version table)") from None
    if not rows:
        raise BackupError(f"{path} has no schema revision recorded")
    return ",".join(sorted(r[0] for r in rows))


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """(conninfo URI without the password, environment for the child) for pg_dump/pg_restore."""
    parsed = _parse(url)
    env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    # URL.set() ignores None, so the password is dropped with _replace (URL is a named tuple).
    plain = parsed.set(drivername="postgresql")._replace(password=None)
    return plain.render_as_string(hide_password=False), env


def backup_postgres(url: str, dump: Path) -> tuple[str, str]:
    """pg_dump --format=custom into `dump`; return (check, revision)."""
    pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if not pg_dump or not pg_restore:
        raise BackupError(
            "pg_dump/pg_restore not found on PATH: install the PostgreSQL client "
            "tools (apt install postgresql-client) of the server's version"
        )
    revision = database_revision(url)
    if revision is None:
        raise BackupError("the database has no ictmon schema (no alembic_version table)")
    conninfo, env = libpq_target(url)
    done = subprocess.run(
        [pg_dump, "--format=custom", "--no-password", f"--file={dump}", f"--dbname={conninfo}"],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {_last_line(done.stderr)}")
    listed = subprocess.run([pg_restore, "--list", str(dump)], capture_output=True, text=True)
    if listed.returncode != 0:
        raise BackupError(f"pg_restore --list cannot read the dump: {_last_line(listed.stderr)}")
    entries = sum(1 for line in listed.stdout.splitlines() if line and not line.startswith(";"))
    return f"pg_restore --list: {entries} entries", revision


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def _key_reminders(settings: Settings) -> tuple[tuple[str, ...], tuple[str, ...], tuple[Path, ...]]:
    """(key files present, keys held in the configuration instead, key files missing)."""
    present, elsewhere, missing = [], [], []
    for name, configured in (
        (KEY_FILE, settings.security.encryption_key),
        (WEB_KEY_FILE, settings.web.secret_key),
    ):
        if configured:
            elsewhere.append(name)
        elif (settings.data_dir / name).is_file():
            present.append(name)
        else:
            missing.append(settings.data_dir / name)
    return tuple(present), tuple(elsewhere), tuple(missing)


def _write_archive(archive: Path, copy: Path, inner: str, settings: Settings) -> tuple[str, ...]:
    present, _, _ = _key_reminders(settings)

    def private(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
        return info

    try:
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(copy, arcname=inner, filter=private)
            for name in present:
                tar.add(settings.data_dir / name, arcname=name, filter=private)
    except OSError as exc:
        raise BackupError(f"cannot write {archive}: {exc.strerror}") from None
    return tuple(present)


# ---------------------------------------------------------------------------------------------
# restore


def in_use_window(settings: Settings) -> timedelta:
    """A heartbeat younger than this means the scheduler is (probably) still running: two sweep
    intervals and a margin, the same reasoning as the poller's own gap check."""
    return timedelta(seconds=2 * settings.ping.interval + 30)


def last_heartbeat(url: str) -> datetime | None:
    engine = dbmod.make_engine(url)
    try:
        if not inspect(engine).has_table("service_heartbeats"):
            return None
        with dbmod.session_factory(engine)() as session:
            row = session.get(ServiceHeartbeat, POLLER_HEARTBEAT)
            return row.beat_at if row else None
    finally:
        engine.dispose()


def restore_database(
    settings: Settings, file: Path, *, now: datetime | None = None, force: bool = False
) -> RestoreResult:
    """Put the backup `file` (a .sqlite3 copy or a --with-keys archive) in place of the configured
    SQLite database; the previous one is kept as <name>.before-restore-<stamp>."""
    now = now or utcnow()
    database = sqlite_path(settings.database.url)
    if database is None:
        raise BackupError(
            "restore of PostgreSQL is done with pg_restore (see `ictmon db-restore --help`)"
        )
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"{file} does not exist")
    if database.exists() and not force:
        beat = last_heartbeat(settings.database.url)
        if beat is not None and now - as_utc(beat) < in_use_window(settings):
            age = max(0, int((now - as_utc(beat)).total_seconds()))
            raise DatabaseInUse(
                f"ictmon is using {database} (heartbeat {age} s ago): stop ictmon "
                "first (systemctl stop ictmon), then run this again"
            )
    database.parent.mkdir(parents=True, exist_ok=True)
    suffix = f".before-restore-{stamp(now)}"
    with _partial(database.with_name(database.name + ".restoring")) as incoming:
        keys = _unpack(file, incoming)
        _single_file(incoming, file)
        _, revision = verify_sqlite(incoming, file)
        _known_revision(revision)
        kept = _set_aside(database, suffix)
        _same_owner(incoming, kept or database.parent)
        try:
            os.replace(incoming, database)
        except OSError as exc:
            if kept:
                os.replace(kept, database)
            raise BackupError(f"cannot put the copy in place: {exc.strerror}") from None
    restored_keys, keys_kept = _restore_keys(settings, keys, suffix)
    try:
        after = upgrade_schema(settings.database.url)[1]
    except dbmod.DatabaseError as exc:
        raise BackupError(
            f"the copy is in place but its migration failed: {exc} (previous "
            f"database kept as {kept})"
        ) from None
    _renew_life(settings.database.url, now)
    return RestoreResult(database, kept, revision, after, restored_keys, keys_kept)


def _renew_life(url: str, now: datetime) -> None:
    """The restored copy starts a new life: rows made from here reuse ids the copy had not yet
    given out, and must not be taken for the ones made before (monitor.db.installation)."""
    engine = dbmod.make_engine(url)
    try:
        with dbmod.transaction(dbmod.session_factory(engine)) as session:
            installation.renew(session, now)
    finally:
        engine.dispose()


def _unpack(file: Path, incoming: Path) -> dict[str, bytes]:
    """Write the database of `file` into `incoming`; return the key files an archive holds."""
    if not tarfile.is_tarfile(file):
        with open(file, "rb") as src, open(incoming, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        return {}
    keys: dict[str, bytes] = {}
    found = False
    try:
        with tarfile.open(file, "r:*") as tar:
            # Only the names we write, read as data: nothing in an archive decides a path here.
            for member in tar.getmembers():
                if not member.isfile():
                    continue
                if member.name in KEY_FILES:
                    keys[member.name] = _member_file(tar, member).read()
                elif (
                    member.name.startswith("ictmon-db-")
                    and member.name.endswith(".sqlite3")
                    and "/" not in member.name
                    and not found
                ):
                    with _member_file(tar, member) as src, open(incoming, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                    found = True
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{file}: cannot read the archive ({exc})") from None
    if not found:
        raise BackupError(
            f"{file}: the archive holds no ictmon-db-*.sqlite3 database "
            "(a PostgreSQL dump is restored with pg_restore)"
        )
    return keys


def _member_file(tar: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    data = tar.extractfile(member)
    if data is None:  # only a member that is not a regular file has none; those are skipped
        raise tarfile.TarError(f"{member.name}: not a regular file")
    return data


def _single_file(path: Path, shown: Path) -> None:
    """A copy taken with `cp` of a live database may still say WAL in its header; make it a plain
    rollback-journal file so it opens read-only and never looks for a -wal beside it."""
    try:
        connection = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True)
        try:
            connection.execute("PRAGMA journal_mode=DELETE")
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{shown}: not a usable SQLite database ({exc})") from None


def _known_revision(revision: str) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(dbmod.alembic_config(None))
    known = {r.revision for r in script.walk_revisions()}
    unknown = [r for r in revision.split(",") if r not in known]
    if unknown:
        raise BackupError(
            f"the backup's schema revision {','.join(unknown)} is newer than this "
            "ictmon knows: install the version it was made with first"
        )


def _set_aside(database: Path, suffix: str) -> Path | None:
    """Rename the current database (with any WAL files, so it stays whole) out of the way."""
    if not database.exists():
        return None
    try:
        # Fold the WAL into the main file: the kept copy is then one file, and no stale -wal
        # can ever be paired with the restored database.
        connection = sqlite3.connect(f"file:{quote(str(database))}?mode=rw", uri=True, timeout=30)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
    except sqlite3.Error:
        pass  # a damaged current database is exactly when one restores: keep it as it is
    kept = database.with_name(database.name + suffix)
    os.replace(database, kept)
    for extra in ("-wal", "-shm"):
        leftover = database.with_name(database.name + extra)
        if leftover.exists():
            os.replace(leftover, kept.with_name(kept.name + extra))
    return kept


def _same_owner(path: Path, like: Path) -> None:
    """Give `path` the owner (and, for a file, the mode) of `like`: a restore run by root must
    leave a database the service's own user can still write."""
    st = like.stat()
    if os.geteuid() == 0:
        os.chown(path, st.st_uid, st.st_gid)
    if like.is_file():
        os.chmod(path, st.st_mode & 0o777)


def _restore_keys(
    settings: Settings, keys: dict[str, bytes], suffix: str
) -> tuple[tuple[str, ...], tuple[Path, ...]]:
    """Put an archive's key files in the data dir; a different current key is kept beside."""
    restored, kept = [], []
    for name, content in keys.items():
        path = settings.data_dir / name
        if path.is_file() and path.read_bytes() == content:
            continue
        if path.exists():
            aside = path.with_name(name + suffix)
            os.replace(path, aside)
            kept.append(aside)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        if os.geteuid() == 0:
            st = path.parent.stat()
            os.chown(path, st.st_uid, st.st_gid)
        restored.append(name)
    return tuple(restored), tuple(kept)


def pg_restore_command(url: str, file: Path) -> str:
    """The command that restores a `--format=custom` dump into the configured database."""
    conninfo, _ = libpq_target(url)
    return (
        f"PGPASSWORD=… pg_restore --clean --if-exists --no-owner --single-transaction "
        f"--dbname='{conninfo}' '{file}'"
    )


# ---------------------------------------------------------------------------------------------
# upgrade


def database_revision(url: str) -> str | None:
    """The database's Alembic revision(s), None when it has no ictmon schema."""
    from alembic.migration import MigrationContext

    engine = dbmod.make_engine(url)
    try:
        dbmod.check_reachable(engine)
        with engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()
    return ",".join(sorted(heads)) or None


def upgrade_schema(url: str) -> tuple[str | None, str]:
    """Apply pending migrations; (revision before, revision after)."""
    before = database_revision(url)
    engine = dbmod.make_engine(url)
    try:
        dbmod.upgrade(engine)
    finally:
        engine.dispose()
    return before, database_revision(url) or "?"
