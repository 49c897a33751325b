"""`ictmon collector create|list|revoke|code`: the central's side of edge collectors.

`create` and `code` print a single-use enrolment code, and as their last line the exact command
to run on the school's machine: `ictmon collector enrol <URL> --code <CODE>`. The URL is --url,
else [web] base_url, else http://<[web] host>:<[web] port>. Changes are audited as
`cli:<os user>` (monitor.edge.enrolment).
"""

from __future__ import annotations

from contextlib import contextmanager

import click

from monitor.db import audit
from monitor.db.engine import transaction
from monitor.db.models import Collector
from monitor.edge import enrolment, queries, standing
from monitor.localtime import format_datetime, utcnow
from monitor.settings import Settings


class _Refused(click.ClickException):
    def show(self, file=None):
        click.echo(f"ictmon: {self.format_message()}", err=True)


@contextmanager
def _transaction(obj):
    with transaction(obj.sessions()) as session:
        audit.act_as(session, audit.cli_actor())
        yield session


def central_url(settings: Settings, given: str | None) -> str:
    if given:
        return given.rstrip("/")
    if settings.web.base_url:
        return settings.web.base_url.rstrip("/")
    return f"http://{settings.web.host}:{settings.web.port}"


def _refusing(call):
    try:
        return call()
    except enrolment.CollectorError as exc:
        raise _Refused(str(exc)) from None


def _named(session, name: str) -> Collector:
    found = enrolment.collector_named(session, name)
    if found is None:
        raise _Refused(f"no collector named {name!r}")
    return found


def _print_code(issued: enrolment.Issued, url: str) -> None:
    click.echo(
        f"enrolment code (single use, valid until {format_datetime(issued.expires_at, 'en')}"
        " Bangkok time):"
    )
    click.echo(f"  {issued.code}")
    click.echo("on the school's machine, run:")
    click.echo(standing.enrol_command(url, issued.code))


@click.command("create")
@click.argument("name")
@click.option("--site", "sites", multiple=True, required=True, help="A site code (repeatable).")
@click.option("--url", default=None, help="This central's URL as the school's machine reaches it.")
@click.pass_obj
def create(obj, name, sites, url):
    """Create collector NAME for the given sites and print its enrolment code."""
    settings = obj.settings
    with _transaction(obj) as session:
        issued = _refusing(
            lambda: enrolment.create_collector(
                session,
                name,
                sites,
                now=utcnow(),
                enrolment_hours=settings.collector.enrolment_hours,
            )
        )
        codes = enrolment.site_codes(session, issued.collector.id)
    click.echo(f"created collector {name} for sites {', '.join(codes)}")
    _print_code(issued, central_url(settings, url))


@click.command("code")
@click.argument("name")
@click.option("--url", default=None, help="This central's URL as the school's machine reaches it.")
@click.pass_obj
def code(obj, name, url):
    """A new enrolment code for NAME (the previous one stops working)."""
    settings = obj.settings
    with _transaction(obj) as session:
        issued = _refusing(
            lambda: enrolment.issue_code(
                session,
                _named(session, name),
                now=utcnow(),
                enrolment_hours=settings.collector.enrolment_hours,
            )
        )
    _print_code(issued, central_url(settings, url))


@click.command("revoke")
@click.argument("name")
@click.pass_obj
def revoke(obj, name):
    """Revoke NAME: its token stops working at once and the office measures its sites again."""
    with _transaction(obj) as session:
        found = _named(session, name)
        _refusing(lambda: enrolment.revoke(session, found, now=utcnow()))
    click.echo(f"revoked collector {name}")


@click.command("list")
@click.pass_obj
def list_collectors(obj):
    """Every collector: state, last contact (Bangkok time), queue, clock offset, sites."""
    settings = obj.settings
    with obj.sessions()() as session:
        rows = queries.collector_rows(session, utcnow(), settings.collector)
    width = max([len(r.name) for r in rows] + [4])
    click.echo(
        f"{'name':<{width}}  {'state':<8}  {'last contact':<17}  {'queue':>7}  "
        f"{'clock':>8}  {'dropped':>7}  sites"
    )
    for r in rows:
        offset = "—" if r.clock_offset_seconds is None else f"{r.clock_offset_seconds:+.1f}s"
        queue = "—" if r.queue_length is None else str(r.queue_length)
        click.echo(
            f"{r.name:<{width}}  {r.state:<8}  {format_datetime(r.last_contact_at, 'en'):<17}  "
            f"{queue:>7}  {offset:>8}  {r.dropped_total:>7}  {', '.join(r.sites) or '—'}"
        )


COMMANDS = (create, code, revoke, list_collectors)
