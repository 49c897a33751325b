"""`ictmon db-backup`, `ictmon db-restore`, `ictmon upgrade`: running an installation.

`ictmon backup` is taken (SSH configuration backups), hence the `db-` prefix. The work is
in monitor.db.backup; these commands parse, call it, print, and turn its errors into one line.
"""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli.context import Failure
from monitor.db import audit
from monitor.db import backup as db_backup
from monitor.db.engine import transaction


def _failure(exc: Exception):
    if isinstance(exc, OSError):  # a full disk, a permission: say which file, not a traceback
        return Failure(f"{exc.filename or 'file'}: {exc.strerror or exc}")
    return Failure(str(exc))


def _size(n: float) -> str:  # bytes; whole numbers print without decimals
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


@click.command("db-backup")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: <data_dir>/backups/ictmon-db-<Bangkok time>.sqlite3, "
    ".pgdump for PostgreSQL, .tar.gz with --with-keys). Never overwritten.",
)
@click.option(
    "--with-keys",
    is_flag=True,
    help="Write one tar.gz (mode 0600) holding the copy AND secret.key + web-secret.key.",
)
@click.pass_obj
def db_backup_command(obj, out, with_keys):
    """Copy the database while ictmon runs, check the copy, print where it is."""
    try:
        result = db_backup.backup_database(obj.settings, out, with_keys=with_keys)
    except (db_backup.BackupError, OSError) as exc:
        raise _failure(exc) from None
    click.echo(f"database backup: {result.path}")
    click.echo(
        f"  size {_size(result.size)}, {result.seconds:.2f} s, {result.check}, "
        f"schema revision {result.revision}"
    )
    if with_keys:
        click.echo(f"  keys in the archive: {', '.join(result.keys_included) or 'none'}")
    else:
        files = ", ".join(
            str(obj.settings.data_dir / name)
            for name in db_backup.KEY_FILES
            if name not in result.keys_elsewhere
        )
        if files:
            click.echo(
                f"  keys NOT included: keep a copy of {files} with it (or use --with-keys); "
                "without secret.key the stored passwords cannot be decrypted"
            )
    for name in result.keys_elsewhere:
        click.echo(f"  {name}: set in the configuration, not a file; keep a copy of that setting")
    for path in result.keys_missing:
        click.echo(f"  warning: {path} does not exist")


@click.command("db-restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Restore even though a recent heartbeat says ictmon runs (only once it is "
    "stopped: a running ictmon would keep writing to the replaced file).",
)
@click.pass_obj
def db_restore_command(obj, file, force):
    """Replace the SQLite database with a backup (the previous one is kept), then migrate.

    FILE is a copy from `ictmon db-backup` or its --with-keys archive (then the key files come
    back too; a different current key is kept beside). Stop ictmon first. For PostgreSQL this
    prints the pg_restore command to use and changes nothing.
    """
    settings = obj.settings
    if db_backup.sqlite_path(settings.database.url) is None:
        click.echo(
            "PostgreSQL is restored with pg_restore into an emptied or new database. "
            "Stop ictmon, then (password in the environment, not on the command line):"
        )
        click.echo(f"  {db_backup.pg_restore_command(settings.database.url, file)}")
        click.echo("then: ictmon upgrade, and start ictmon")
        raise _failure(RuntimeError("nothing was restored: run the command above"))
    try:
        result = db_backup.restore_database(settings, file, force=force)
    except (db_backup.BackupError, OSError) as exc:
        raise _failure(exc) from None
    _audit(obj, "restore", file.name, result.revision_restored, result.revision_now)
    click.echo(f"restored {file} into {result.database}")
    if result.kept_as:
        click.echo(f"  previous database kept as {result.kept_as}")
    click.echo(f"  schema revision {result.revision_restored} → {result.revision_now}")
    for name in result.keys_restored:
        click.echo(f"  key file {name} restored from the archive")
    for path in result.keys_kept_as:
        click.echo(f"  previous key kept as {path}")
    click.echo("start ictmon again (systemctl start ictmon)")


@click.command("upgrade")
@click.pass_obj
def upgrade_command(obj):
    """Apply pending database migrations and print the revision before → after."""
    before, after = db_backup.upgrade_schema(obj.settings.database.url)
    if before == after:
        click.echo(f"schema revision {after}: already up to date")
        return
    _audit(obj, "upgrade", "schema", before, after)
    click.echo(f"schema revision {before or '(empty database)'} → {after}")
    if before is None:
        click.echo("new database: run `ictmon init` to create the key files and the first admin")


def _audit(obj, action: str, label: str, before, after) -> None:
    """The audit log says who replaced or migrated the database, and when."""
    with transaction(obj.sessions(audited=True)) as session:
        audit.record(
            session, action, "database", label=label, changes={"revision": [before, after]}
        )
