"""The command line of a school's collector alone: `ictmon collector enrol | run | status`.

The office's `ictmon` (monitor.cli.main) loads Flask, SQLAlchemy, the report renderers and every
feature: ~120 MB resident before it does anything. A collector on a Raspberry Pi needs none of
it, so monitor.cli.launch sends these three commands here, where only the collector's modules
load. Same options, same one-line failures, same commands (monitor.cli.collector_agent).
"""

from __future__ import annotations

from dataclasses import dataclass

import click

from monitor.cli import collector_agent
from monitor.cli.options import common_options, set_up_logging
from monitor.secrets import SecretsError
from monitor.settings import ConfigError, Settings, load_settings


@dataclass
class AgentContext:
    """What the collector's commands use of monitor.cli.context.Context: the settings."""

    config_path: str | None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings


class AgentGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (ConfigError, SecretsError) as exc:
            raise collector_agent.Failure(str(exc)) from None


@click.group(cls=AgentGroup)
@common_options(verbose_help="Log what the collector does.")
@click.pass_context
def main(ctx, config_path, verbose):
    """ictmon — the collector of a school's network."""
    set_up_logging(verbose)
    ctx.obj = AgentContext(config_path)


@main.group(cls=AgentGroup)
def collector():
    """Edge collectors: measure a school's network from inside it, upload to the central."""


for _command in collector_agent.COMMANDS:
    collector.add_command(_command)
