"""`ictmon collector enrol | run | status`: the commands on the school's machine.

The collector's own configuration file (ICTMON_CONFIG) needs only [paths] data_dir and, if the
school's network wants them, [collector] state_dir and proxy; everything else comes from the
central. See monitor.agent for what each command drives.
"""

from __future__ import annotations

import json
import socket
from typing import Protocol

import click

from monitor.agent.client import CentralClient, CentralError, check_central_url
from monitor.agent.runner import AlreadyRunning, Runner, version
from monitor.agent.state import Enrolled, NotEnrolled, StateDir, state_dir
from monitor.agent.status import as_json, gather, lines
from monitor.settings import Settings

ENROL_TIMEOUT = 30.0


class Failure(click.ClickException):
    """A one-line reason on stderr and exit 1, as every `ictmon` command fails (this module
    does not import monitor.cli.context: it loads the office's whole core)."""

    def show(self, file=None):
        click.echo(f"ictmon: {self.format_message()}", err=True)


class Settled(Protocol):
    """The click context object: monitor.cli.context.Context, or agent_main's lighter one."""

    @property
    def settings(self) -> Settings: ...


@click.command("enrol")
@click.argument("url")
@click.option("--code", required=True, help="The enrolment code `ictmon collector create` gave.")
@click.pass_obj
def enrol(obj: Settled, url: str, code: str):
    """Enrol this machine with the central at URL (https://…), using a single-use code."""
    settings = obj.settings
    try:
        central = check_central_url(url)
    except ValueError as bad:
        raise Failure(str(bad)) from None
    state = StateDir(state_dir(settings))
    client = CentralClient(
        central, proxy=settings.collector.proxy, timeout=ENROL_TIMEOUT, version=version()
    )
    try:
        answer = client.enrol(code.strip(), socket.gethostname())
    except CentralError as failure:
        raise Failure(f"enrolment failed: {failure}") from None
    state.save_enrolment(
        Enrolled(
            central=central,
            name=answer.name,
            collector_id=answer.collector_id,
            sites=answer.sites,
            token=answer.token,
        )
    )
    click.echo(f"enrolled as {answer.name} for sites {', '.join(answer.sites) or '(none yet)'}")
    click.echo(f"state kept in {state.path}; start measuring with `ictmon collector run`")


@click.command("run")
@click.pass_obj
def run(obj: Settled):
    """Measure this school's devices and upload to the central, until SIGTERM or Ctrl-C."""
    settings = obj.settings
    state = StateDir(state_dir(settings))
    try:
        runner = Runner(settings, state)
        enrolled = runner.enrolled
        click.echo(
            f"collector {enrolled.name} for {', '.join(enrolled.sites)}: uploading to "
            f"{enrolled.central} (state in {state.path})"
        )
        runner.run()
    except (NotEnrolled, AlreadyRunning, ValueError) as failure:
        raise Failure(str(failure)) from None
    if runner.failure:  # a non-zero exit, so systemd restarts it and its journal says why
        raise Failure(runner.failure)


@click.command("status")
@click.option("--json", "as_json_output", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status(obj: Settled, as_json_output: bool):
    """What this collector measured, queued and uploaded (from its state dir only)."""
    state = StateDir(state_dir(obj.settings))
    try:
        report = gather(state)
    except NotEnrolled as failure:
        raise Failure(str(failure)) from None
    if as_json_output:
        click.echo(json.dumps(as_json(report), ensure_ascii=False, indent=2))
    else:
        for line in lines(report):
            click.echo(line)


COMMANDS = (enrol, run, status)
