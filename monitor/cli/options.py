"""What both command lines share (the office's, monitor.cli.main, and a school collector's,
monitor.cli.agent_main): the --config and --verbose options and the logging they set up.
Light on purpose: the collector's command line must not load the office's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import click


def common_options(verbose_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        function = click.option("-v", "--verbose", is_flag=True, help=verbose_help)(function)
        return click.option(
            "--config",
            "config_path",
            envvar="ICTMON_CONFIG",
            type=click.Path(dir_okay=False),
            help="TOML settings file (default: $ICTMON_CONFIG, else built-in defaults).",
        )(function)

    return decorate


def set_up_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
