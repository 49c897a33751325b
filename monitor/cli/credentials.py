"""`ictmon credentials …`: the devices whose stored credentials wait for an admin's confirmation
(monitor.credentials.holds), and the confirmation itself. Whoever runs the command line can read
the database and its key already, so it is trusted as an admin."""

from __future__ import annotations

import click

from monitor.cli.context import Failure
from monitor.configs.backup_job import find_device
from monitor.credentials import holds
from monitor.db.engine import transaction
from monitor.localtime import iso_local


@click.group("credentials")
def credentials():
    """Devices whose credentials are held until an admin confirms where they now point."""


@credentials.command("held")
@click.pass_obj
def held(obj):
    """List the held devices: SITE/NAME, what changed, since when."""
    with transaction(obj.sessions()) as session:
        rows = [
            (d.site.code, d.name, d.credentials_held_for or "", d.credentials_held_at)
            for d in holds.held_devices(session)
        ]
    if not rows:
        click.echo("no device waits for a confirmation")
    for code, name, what, since in rows:
        click.echo(f"{code}/{name}\t{what}\tsince {iso_local(since) if since else '?'}")


@credentials.command("confirm")
@click.argument("names", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Confirm every held device.")
@click.pass_obj
def confirm(obj, names, every):
    """Let the stored credentials of devices NAMES (or SITE/NAME) go where they now point."""
    if not names and not every:
        raise Failure("name the devices to confirm, or give --all")
    with transaction(obj.sessions(audited=True)) as session:
        if every:
            ids = [d.id for d in holds.held_devices(session)]
        else:
            ids = [find_device(session, name) for name in names]
        confirmed = holds.confirm(session, ids)
        labels = [f"{d.site.code}/{d.name}" for d in confirmed]
    click.echo(f"confirmed {len(labels)}: {', '.join(labels)}" if labels else "nothing was held")
