"""The `ictmon` command line. Each command parses options, calls one core function, prints.

Failures end with a one-line reason on stderr and a non-zero exit code (import errors list every
bad line), never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from collectors.ping import icmp_permission_problem
from monitor.accounts.users import create_token
from monitor.assets.fields import AssetRules
from monitor.channels.health import assess as assess_delivery
from monitor.channels.health import delivery_facts
from monitor.channels.health import describe as describe_delivery
from monitor.cli.channels import channel as channel_group
from monitor.cli.collector import collector as collector_group
from monitor.cli.context import Context, Failure, Group
from monitor.cli.credentials import credentials as credentials_group
from monitor.cli.deploy import db_backup_command, db_restore_command, upgrade_command
from monitor.cli.discover import discover as discover_command
from monitor.cli.options import common_options, set_up_logging
from monitor.cli.risks import risks as risks_group
from monitor.cli.snmp import snmp as snmp_group
from monitor.cli.ssh import backup as backup_command
from monitor.cli.ssh import ssh as ssh_group
from monitor.cli.users import user as user_group
from monitor.db import engine as dbmod
from monitor.db.engine import transaction
from monitor.db.models import User
from monitor.demo.district import LIVE_OUTAGE_ADDRESS, prepare_demo
from monitor.demo.guide import guide_lines
from monitor.demo.mailbox import mail_catcher
from monitor.demo.outage import live_outage
from monitor.demo.snmp import running_agents
from monitor.devices.importer import import_file
from monitor.incidents import ack_tokens
from monitor.localtime import utcnow
from monitor.mail import server as mail_server
from monitor.mail.smtp import send_test
from monitor.reports.produce import choose_period, file_name, render, report_for
from monitor.runtime.bootstrap import initialise
from monitor.runtime.service import serve
from monitor.secrets import Vault, web_secret_key
from monitor.settings import describe, load_settings
from monitor.snmp.round_table import print_snmp_round
from monitor.status.poller import Poller
from monitor.status.store import device_names
from web.app import create_app


@click.group(cls=Group)
@common_options(verbose_help="Log what the scheduler does.")
@click.pass_context
def main(ctx, config_path, verbose):
    """ictmon — network and ICT-asset monitoring for a school district office."""
    set_up_logging(verbose)
    ctx.obj = Context(config_path)


@main.command("check-config")
@click.pass_obj
def check_config(obj: Context):
    """Validate the settings, the database and ICMP permission."""
    settings = obj.settings
    click.echo(f"settings from {settings.source}")
    for section, key, value in describe(settings):
        click.echo(f"  [{section}] {key} = {value}")
    engine = dbmod.make_engine(settings.database.url)
    initialised = dbmod.is_initialised(engine)
    click.echo(f"database: reachable, {'schema present' if initialised else 'no schema yet'}")
    problem = icmp_permission_problem()
    if problem:
        raise Failure(problem)
    click.echo("ICMP: permitted")
    web_secret_key(settings)  # the same refusal `ictmon run` would give, said before it is run
    click.echo("web session key: acceptable")
    if not initialised:
        raise Failure("the database has no ictmon schema yet: run `ictmon init`")
    with dbmod.session_factory(engine)() as session:
        alerts = assess_delivery(delivery_facts(session, settings, utcnow()))
    for alert in alerts:
        click.echo(f"alerts: WARNING {describe_delivery(alert, 'en')}")
    if not alerts:
        click.echo("alerts: a route for outages exists and nothing is failing")
    click.echo("configuration OK")


@main.command()
@click.option("--admin-user", default="admin", show_default=True)
@click.option(
    "--admin-password",
    envvar="ICTMON_ADMIN_PASSWORD",
    help="Password of the first admin (or $ICTMON_ADMIN_PASSWORD). "
    "Generated and printed once when omitted.",
)
@click.pass_obj
def init(obj: Context, admin_user, admin_password):
    """Create or upgrade the database, generate keys, create the first admin."""
    outcome = initialise(obj.settings, admin_user, admin_password)
    for path in outcome.keys_created:
        click.echo(f"created key file {path}")
    click.echo(f"database ready: {outcome.database}")
    if outcome.admin_created:
        click.echo(f"created admin user {admin_user!r}")
        if outcome.generated_password:
            click.echo(
                f"  password: {outcome.generated_password}   (shown once; change it after login)"
            )
    else:
        click.echo("users already exist; none created")


@main.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def import_(obj: Context, path):
    """Import sites and devices from CSV (UTF-8, with or without BOM) or .xlsx — all or nothing."""
    report = import_file(
        obj.sessions(audited=True),
        path,
        Vault.from_settings(obj.settings),
        AssetRules.from_settings(obj.settings.assets),
    )
    click.echo(
        f"imported {path}: sites {report.sites_created} new, {report.sites_updated} updated; "
        f"devices {report.devices_created} new, {report.devices_updated} updated"
    )


@main.command()
@click.option("--once", is_flag=True, required=True, help="One sweep, then exit.")
@click.option(
    "--snmp",
    "snmp",
    is_flag=True,
    help="One SNMP round instead (interfaces, health; inventory where due).",
)
@click.pass_obj
def poll(obj: Context, once, snmp):
    """Ping every enabled device once and print the results as a table."""
    if snmp:
        print_snmp_round(obj.settings, obj.sessions(), click.echo)
        return
    sessions = obj.sessions()
    # With alerts: a state change seen here opens/resolves incidents like a scheduled sweep.
    summary = Poller(
        obj.settings.ping,
        sessions,
        alerts=obj.settings.alerts,
        base_url=obj.settings.web.base_url,
        ack_key=ack_tokens.key_or_none(obj.settings),
    ).sweep()
    with transaction(sessions) as session:
        names = device_names(session, [r.key for r in summary.results])
    changed = {c.device: c for c in summary.changes}
    click.echo(
        f"{'site':<10} {'device':<28} {'address':<16} {'sent':>4} {'recv':>4} {'rtt ms':>8}  result"
    )
    for r in summary.results:
        site, name = names.get(r.key, ("?", "?"))
        rtt = f"{r.rtt_avg_ms:.2f}" if r.rtt_avg_ms is not None else "-"
        note = "ok" if r.ok else (r.error or "no reply")
        if r.key in changed:
            note += f"  ({changed[r.key].old} → {changed[r.key].new})"
        click.echo(
            f"{site:<10} {name[:28]:<28} {r.address[:16]:<16} {r.sent:>4} {r.received:>4} "
            f"{rtt:>8}  {note}"
        )
    answered = sum(r.ok for r in summary.results)
    click.echo(
        f"{len(summary.results)} devices, {answered} answered, "
        f"{len(summary.results) - answered} silent, {summary.seconds:.2f} s"
    )


@main.command()
@click.option(
    "--only",
    type=click.Choice(["all", "web", "poller"]),
    default="all",
    show_default=True,
    help="Run one part: the web front (as many as you like) or the scheduler (exactly "
    "one), for a larger office on PostgreSQL.",
)
@click.pass_obj
def run(obj: Context, only):
    """Run the scheduler and the web application (one process by default)."""
    serve(obj.settings, create_app, announce=click.echo, only=only)


@main.command()
@click.option(
    "--dir",
    "directory",
    default="var/demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where the demo keeps its config and database.",
)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option(
    "--mail-port",
    default=8025,
    show_default=True,
    type=int,
    help="The demo's mail catcher on 127.0.0.1 (its mail at /demo/mail).",
)
@click.option("--no-outage", is_flag=True, help="No scripted live outage (it needs root).")
@click.option("--setup-only", is_flag=True, help="Prepare the demo district, do not start.")
def demo(directory, port, mail_port, no_outage, setup_only):
    """Monitor a simulated district on loopback (office + 5 schools) with 60 days of history."""
    prepared = prepare_demo(Path(directory), port=port, mail_port=mail_port)
    click.echo(
        f"demo district: {prepared.sites} sites, {prepared.devices} devices on 127.20.x.x "
        f"(config {prepared.config_path})"
    )
    for line in guide_lines(prepared, port, live_outage=not no_outage and not setup_only):
        click.echo(line)
    if setup_only:
        return
    with (
        running_agents(Path(directory), announce=click.echo),
        mail_catcher(prepared.mail_dir, mail_port),
        live_outage(LIVE_OUTAGE_ADDRESS, click.echo, enabled=not no_outage),
    ):
        serve(
            load_settings(prepared.config_path),
            create_app,
            announce=click.echo,
            login_hint=f"log in as {prepared.username!r} with password {prepared.password!r}",
        )


@main.command()
@click.option("--month", help="A month: 2569-10 (Buddhist era) or 2026-10.")
@click.option("--fiscal-year", "fiscal_year", help="A Thai fiscal year (Oct-Sep): 2569 or 2026.")
@click.option("--from", "first", help="First day of a range: 2026-10-01 or 01/10/2569.")
@click.option("--to", "last", help="Last day of a range (included).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "xlsx", "html"]),
    help="Default: from the --out file's extension, else pdf.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    help="File to write (default: ictmon-report-<period>.<format> here).",
)
@click.option("--lang", type=click.Choice(["th", "en"]), default="th", show_default=True)
@click.pass_obj
def report(obj: Context, month, fiscal_year, first, last, fmt, out, lang):
    """Write the availability report for a month, a fiscal year or a date range."""
    period = choose_period(month=month, fiscal_year=fiscal_year, first=first, last=last)
    if fmt is None:
        suffix = Path(out).suffix.lower().lstrip(".") if out else ""
        fmt = suffix if suffix in ("pdf", "xlsx", "html") else "pdf"
    made = report_for(obj.sessions(), obj.settings, period, utcnow())
    path = Path(out or file_name(period, fmt))
    try:
        path.write_bytes(render(made, fmt, lang))
    except OSError as exc:
        raise Failure(f"cannot write {path}: {exc.strerror}") from None
    d = made.district
    click.echo(
        f"{path}: {period.label(lang)}, {len(made.sites)} sites, district availability "
        f"{'-' if d.availability_pct is None else f'{d.availability_pct:.2f}%'}, "
        f"{made.sites_met}/{made.sites_measured} sites met {made.target:g}%"
    )


@main.command("test-email")
@click.argument("address")
@click.pass_obj
def test_email(obj: Context, address):
    """Send one test mail to ADDRESS now and print what the SMTP server answered."""
    settings = obj.settings
    try:
        sessions = obj.sessions()
    except click.ClickException:
        # Before `ictmon init` there is no server set in the browser: [smtp] is the one to test.
        smtp = settings.smtp
    else:
        with sessions() as session:
            # The server set at /admin/notifications, else [smtp].
            smtp = mail_server.smtp_for_sending(session, settings)
    if not smtp.host:
        raise Failure("[smtp] host is not set: nothing to send through")
    click.echo(f"SMTP {smtp.host}:{smtp.port} ({smtp.security}), from {smtp.from_address}")
    ok, dialogue = send_test(
        smtp,
        address,
        subject="ictmon: ทดสอบการส่งอีเมล / test email",
        text=f"{settings.office.name}\n\nictmon test email.\n",
    )
    for line in dialogue:
        click.echo(f"  {line}")
    if not ok:
        raise Failure(f"the mail was not accepted: {dialogue[-1] if dialogue else 'no answer'}")
    click.echo(f"accepted for {address}")


@main.group()
def token():
    """API tokens."""


@token.command("create")
@click.argument("username")
@click.option("--label", default="", help="What the token is for.")
@click.pass_obj
def token_create(obj: Context, username, label):
    """Create an API token for USERNAME and print it (only now; it is stored hashed)."""
    with transaction(obj.sessions(audited=True)) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            raise Failure(f"no user named {username!r}")
        click.echo(create_token(session, user, label))


# One module per command group beside the commands above.
main.add_command(backup_command)
main.add_command(discover_command)
main.add_command(channel_group)
main.add_command(collector_group)
main.add_command(credentials_group)
main.add_command(ssh_group)
main.add_command(snmp_group)
main.add_command(risks_group)
main.add_command(db_backup_command)
main.add_command(db_restore_command)
main.add_command(upgrade_command)
main.add_command(user_group)
