"""What every `ictmon` command shares: the settings and sessions it works on, and how it fails.

A failure the user can act on (a bad setting, a rejected import, a missing permission) ends the
command with a one-line reason on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from collectors.ping import IcmpNotPermitted
from monitor.availability.periods import PeriodError
from monitor.configs.backup_job import DeviceNotFound
from monitor.db import audit
from monitor.db import engine as dbmod
from monitor.devices.importer import ImportRejected
from monitor.risks.rules import RuleError
from monitor.secrets import SecretsError
from monitor.settings import ConfigError, Settings, load_settings

# Errors whose message is already what the user must read.
KNOWN_FAILURES = (
    ConfigError,
    dbmod.DatabaseError,
    SecretsError,
    ImportRejected,
    IcmpNotPermitted,
    PeriodError,
    DeviceNotFound,
    RuleError,
)


@dataclass
class Context:
    config_path: str | None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    def sessions(self, *, require_schema: bool = True, audited: bool = False):
        """Sessions on the configured database. `audited`: a person is changing things from the
        command line, so the audit log records their changes as `cli:<os user>`."""
        if require_schema:
            missing = _missing_sqlite_file(self.settings.database.url)
            if missing:
                # Opening it would leave an empty file behind, e.g. var/ictmon.db beside a demo.
                raise click.ClickException(
                    f"no database at {missing} (settings: {self.settings.source}): run "
                    "`ictmon init`, "
                    "or name the configuration you meant, e.g. "
                    "`ictmon --config var/demo/ictmon.toml ...` for the demo"
                )
        engine = dbmod.make_engine(self.settings.database.url)
        if require_schema and not dbmod.is_initialised(engine):
            raise click.ClickException("the database has no ictmon schema yet: run `ictmon init`")
        factory = dbmod.session_factory(engine)
        if audited:
            factory.configure(info={"audit_actor": audit.cli_actor()})
        return factory


def _missing_sqlite_file(url: str) -> str | None:
    """The path of an SQLite database file that does not exist, else None."""
    try:
        parsed = make_url(url)
    except ArgumentError:  # a bad URL is make_engine's to report, with its own message
        return None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return None if Path(database).exists() else database


class Failure(click.ClickException):
    """A failure whose message is already what the user must read."""

    def show(self, file=None):
        click.echo(f"ictmon: {self.format_message()}", err=True)


class Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KNOWN_FAILURES as exc:
            raise Failure(str(exc)) from None
