"""`ictmon user add|passwd|disable|enable|list`: people and their roles from the command line.

Passwords are prompted for without echo (twice) or read from $ICTMON_USER_PASSWORD, never taken as
an argument (the shell history and `ps` would show them). Changes are audited as `cli:<os user>`.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import click

from monitor.accounts.users import (
    UserError,
    all_users,
    create_user,
    set_active,
    set_password,
    user_named,
)
from monitor.db import audit
from monitor.db.engine import transaction
from monitor.db.models import ROLES
from monitor.localtime import format_datetime

PASSWORD_ENV = "ICTMON_USER_PASSWORD"


class _Refused(click.ClickException):
    def show(self, file=None):
        click.echo(f"ictmon: {self.format_message()}", err=True)


def _password() -> str:
    given = os.environ.get(PASSWORD_ENV)
    if given is not None:
        return given
    return click.prompt("password", hide_input=True, confirmation_prompt=True, err=True)


@contextmanager
def _transaction(obj):
    """One unit of work whose changes the audit log records as `cli:<os user>`."""
    with transaction(obj.sessions()) as session:
        audit.act_as(session, audit.cli_actor())
        yield session


def _user(session, username):
    user = user_named(session, username)
    if user is None:
        raise _Refused(f"no user named {username!r}")
    return user


def _refusing(call):
    """Run `call`; a refused change becomes the one-line reason, naming the field."""
    try:
        return call()
    except UserError as exc:
        raise _Refused(f"{exc.field}: {exc}") from None


@click.group()
def user():
    """People who sign in, and their roles (viewer, operator, admin)."""


@user.command("add")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    required=True,
    help="viewer: read only; operator: devices, sites, incidents, maintenance, risks; "
    "admin: everything.",
)
@click.option("--display-name", default="", help="The name shown on pages and in histories.")
@click.pass_obj
def add(obj, username, role, display_name):
    """Add USERNAME (password prompted twice, or $ICTMON_USER_PASSWORD)."""
    password = _password()
    with _transaction(obj) as session:
        created = _refusing(
            lambda: create_user(session, username, password, role=role, display_name=display_name)
        )
        click.echo(f"added {created.username} ({created.role})")


@user.command("passwd")
@click.argument("username")
@click.pass_obj
def passwd(obj, username):
    """Set a new password for USERNAME; every session and API token of theirs ends."""
    password = _password()
    with _transaction(obj) as session:
        person = _user(session, username)
        _refusing(lambda: set_password(session, person, password))
        click.echo(
            f"password of {person.username} changed; their sessions were ended"
            " and their API tokens revoked"
        )


@user.command("disable")
@click.argument("username")
@click.pass_obj
def disable(obj, username):
    """Disable USERNAME: no more sign-ins, every session ends, every API token is revoked."""
    with _transaction(obj) as session:
        person = _user(session, username)
        _refusing(lambda: set_active(session, person, False))
        click.echo(f"disabled {person.username}")


@user.command("enable")
@click.argument("username")
@click.pass_obj
def enable(obj, username):
    """Enable USERNAME again."""
    with _transaction(obj) as session:
        person = _user(session, username)
        _refusing(lambda: set_active(session, person, True))
        click.echo(f"enabled {person.username}")


@user.command("list")
@click.pass_obj
def list_users(obj):
    """Every user: role, active or disabled, last sign-in (Bangkok time)."""
    with obj.sessions()() as session:
        people = all_users(session)
        width = max([len(p.username) for p in people] + [8])
        click.echo(f"{'username':<{width}}  {'role':<8}  {'state':<8}  {'last sign-in':<17}  name")
        for p in people:
            click.echo(
                f"{p.username:<{width}}  {p.role:<8}  "
                f"{'active' if p.active else 'disabled':<8}  "
                f"{format_datetime(p.last_login_at, 'en'):<17}  {p.display_name}"
            )
