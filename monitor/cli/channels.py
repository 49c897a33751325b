"""`ictmon channel add|list|set|test|remove`: alert channels (LINE, Telegram, Teams, webhooks).

The channel URL holds the service's token, so it is never an argument (the shell history and
`ps` would show it): it is read from $ICTMON_CHANNEL_URL or prompted for without echo. Changes are
audited as `cli:<os user>`, the URL only as "set".
"""

from __future__ import annotations

import os

import click

from monitor.channels import store
from monitor.channels.kinds import EVENTS, KINDS, ChannelError
from monitor.channels.texts import probe_text
from monitor.channels.transport import notify
from monitor.db.engine import transaction
from monitor.i18n import LANGUAGES
from monitor.localtime import format_datetime, utcnow
from monitor.secrets import Vault

URL_ENV = "ICTMON_CHANNEL_URL"


class _Refused(click.ClickException):
    def show(self, file=None):
        click.echo(f"ictmon: {self.format_message()}", err=True)


def _url() -> str:
    given = os.environ.get(URL_ENV)
    if given is not None:
        return given
    examples = "; ".join(f"{k.label}: {k.example}" for k in KINDS.values())
    click.echo(f"Apprise URL ({examples})", err=True)
    return click.prompt("URL", hide_input=True, err=True)


def _named(session, name: str) -> store.ChannelView:
    for channel in store.channels(session):
        if channel.name == name:
            return channel
    raise _Refused(f"no channel named {name!r}")


@click.group()
def channel():
    """Alert channels besides mail: LINE groups, Telegram chats, Teams, Discord, Slack, webhooks."""


@channel.command("add")
@click.argument("name")
@click.option("--language", type=click.Choice(LANGUAGES), default="th", show_default=True)
@click.option(
    "--events",
    default="down,grouped",
    show_default=True,
    help=f"Comma separated: {', '.join(EVENTS)}.",
)
@click.option("--sites", default="", help="Site codes (space or comma separated); none: all.")
@click.pass_obj
def add(obj, name, language, events, sites):
    """Add a channel; the URL comes from $ICTMON_CHANNEL_URL or a hidden prompt."""
    vault = Vault.from_settings(obj.settings)
    url = _url()
    try:
        with transaction(obj.sessions(audited=True)) as session:
            view = store.add(
                session,
                vault,
                name=name,
                url=url,
                now=utcnow(),
                language=language,
                events=events,
                sites=sites,
            )
    except ChannelError as exc:
        raise _Refused(str(exc)) from None
    click.echo(f"channel {view.id} {view.name!r} added ({KINDS[view.kind].label})")


@channel.command("list")
@click.pass_obj
def list_(obj):
    """The channels, their routing, and never their URL."""
    with obj.sessions()() as session:
        for c in store.channels(session):
            sites = " ".join(c.site_codes) if not c.all_sites else "all sites"
            state = "enabled" if c.enabled else "disabled"
            click.echo(
                f"{c.id}\t{c.name}\t{c.kind}\t{c.language}\t{state}\t{','.join(c.events)}\t{sites}"
            )


@channel.command("set")
@click.argument("name")
@click.option("--language", type=click.Choice(LANGUAGES))
@click.option("--events", help=f"Comma separated: {', '.join(EVENTS)}.")
@click.option("--sites", help="Site codes; an empty string: all sites.")
@click.option("--enable/--disable", "enabled", default=None)
@click.option("--new-url", is_flag=True, help="Read a new URL ($ICTMON_CHANNEL_URL or a prompt).")
@click.pass_obj
def set_(obj, name, language, events, sites, enabled, new_url):
    """Change a channel's routing, language, URL, or switch it off and on."""
    vault = Vault.from_settings(obj.settings)
    url = _url() if new_url else None
    try:
        with transaction(obj.sessions(audited=True)) as session:
            view = store.change(
                session,
                vault,
                _named(session, name).id,
                url=url,
                language=language,
                events=events,
                sites=sites,
                enabled=enabled,
            )
    except ChannelError as exc:
        raise _Refused(str(exc)) from None
    click.echo(f"channel {view.name!r} changed")


@channel.command("remove")
@click.argument("name")
@click.pass_obj
def remove(obj, name):
    """Delete a channel and the messages still queued for it."""
    with transaction(obj.sessions(audited=True)) as session:
        store.remove(session, _named(session, name).id)
    click.echo(f"channel {name!r} removed")


@channel.command("test")
@click.argument("name")
@click.pass_obj
def test(obj, name):
    """Send a test message now (not through the outbox) and print what the service answered."""
    vault = Vault.from_settings(obj.settings)
    with obj.sessions()() as session:
        view = _named(session, name)
        url = store.url_of(session, vault, view.id)
    text = probe_text(view.name, view.language, at=format_datetime(utcnow(), view.language))
    outcome = notify(url, text)
    click.echo(outcome.reply)
    if not outcome.ok:
        raise _Refused(f"channel {name!r} did not accept the test message")
