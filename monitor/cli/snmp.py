"""`ictmon snmp …`: SNMP credentials — named profiles shared by many devices, or a device's own.

Secrets (community, SNMPv3 keys) are never taken as command-line arguments (they would show in
`ps` and shell history): they are prompted for without echo, or read from ICTMON_SNMP_COMMUNITY,
ICTMON_SNMP_AUTH_KEY and ICTMON_SNMP_PRIV_KEY for scripts. They are stored encrypted and never
printed.

    ictmon snmp profile schools-v3 --version 3 --user monitor --auth-protocol SHA --priv-protocol AES
    ictmon snmp assign schools-v3 --kind switch --kind router
    ictmon snmp device S001/router --version 2c
    ictmon snmp profiles
"""

from __future__ import annotations

import os

import click
from sqlalchemy import func, select

from collectors.snmp import AUTH_PROTOCOLS, PRIV_PROTOCOLS
from monitor.cli.context import Failure
from monitor.db.engine import transaction
from monitor.db.models import Device, Site, SnmpProfile
from monitor.devices import profiles as profile_rules
from monitor.devices.admin import Invalid, as_text
from monitor.localtime import utcnow
from monitor.secrets import Vault

VERSIONS = ("1", "2c", "3")


def _secrets(version: str, auth_protocol: str | None, priv_protocol: str | None):
    """(community, auth key, priv key) from the environment or a hidden prompt."""
    if version in ("1", "2c"):
        return _env("COMMUNITY") or click.prompt("community", hide_input=True), None, None
    auth = _env("AUTH_KEY") or (
        click.prompt("SNMPv3 authentication key", hide_input=True) if auth_protocol else None
    )
    priv = _env("PRIV_KEY") or (
        click.prompt("SNMPv3 privacy key", hide_input=True) if priv_protocol else None
    )
    for name, key in (("authentication", auth), ("privacy", priv)):
        if key is not None and len(key) < 8:
            raise click.ClickException(f"the SNMPv3 {name} key must be at least 8 characters")
    return None, auth, priv


def _env(name: str) -> str | None:
    return os.environ.get(f"ICTMON_SNMP_{name}") or None


def _check_v3(version, user, auth_protocol, priv_protocol):
    if version == "3" and not user:
        raise click.ClickException("--user is required for SNMPv3")
    if priv_protocol and not auth_protocol:
        raise click.ClickException("--priv-protocol needs --auth-protocol (authPriv)")


@click.group()
def snmp():
    """SNMP credentials: profiles and per-device settings."""


@snmp.command("profile")
@click.argument("name")
@click.option("--version", "version", type=click.Choice(VERSIONS), required=True)
@click.option("--user", help="SNMPv3 user name.")
@click.option("--auth-protocol", type=click.Choice(AUTH_PROTOCOLS, case_sensitive=False))
@click.option("--priv-protocol", type=click.Choice(PRIV_PROTOCOLS, case_sensitive=False))
@click.option("--port", type=click.IntRange(1, 65535), help="UDP port (default 161).")
@click.pass_obj
def profile(obj, name, version, user, auth_protocol, priv_protocol, port):
    """Create or replace the credential profile NAME."""
    name = as_text(name)
    problem = profile_rules.name_problem(name, profile_rules.SNMP_NAME_LIMIT)
    if problem:  # before asking for secrets that would then be thrown away
        raise Failure(f"SNMP profile not saved: name: {problem}")
    _check_v3(version, user, auth_protocol, priv_protocol)
    community, auth, priv = _secrets(version, auth_protocol, priv_protocol)
    vault = Vault.from_settings(obj.settings)
    # Every value is given, so the web's rules replace the whole profile, as this command says.
    data = {
        "name": name,
        "version": version,
        "port": str(port or ""),
        "v3_user": user or "",
        "v3_auth_protocol": auth_protocol or "",
        "v3_priv_protocol": priv_protocol or "",
    }
    for column, secret in (("community", community), ("v3_auth_key", auth), ("v3_priv_key", priv)):
        if secret is not None:
            data[column] = secret
    with transaction(obj.sessions(audited=True)) as session:
        row_id = session.scalar(select(SnmpProfile.id).where(SnmpProfile.name == name))
        try:
            profile_rules.save_snmp_profile(session, row_id, data, vault)
        except Invalid as exc:
            raise Failure(f"SNMP profile not saved: {exc}") from None
    click.echo(f"profile {name!r} saved (SNMP v{version})")


@snmp.command("profiles")
@click.pass_obj
def profiles(obj):
    """List the profiles and how many devices use each (secrets are never shown)."""
    with transaction(obj.sessions(audited=True)) as session:
        counts = dict(
            session.execute(
                select(Device.snmp_profile_id, func.count()).group_by(Device.snmp_profile_id)
            ).all()
        )
        rows = session.execute(select(SnmpProfile).order_by(SnmpProfile.name)).scalars().all()
        for p in rows:
            security = (
                "community"
                if p.version != "3"
                else f"user {p.v3_user}, {p.v3_auth_protocol or 'noAuth'}"
                f"/{p.v3_priv_protocol or 'noPriv'}"
            )
            click.echo(
                f"{p.name:<24} v{p.version:<3} {security:<36} "
                f"port {p.port or 161:<6} devices {counts.get(p.id, 0)}"
            )
    if not rows:
        click.echo("no SNMP profiles yet (ictmon snmp profile NAME --version ...)")


@snmp.command("assign")
@click.argument("name")
@click.option("--site", "sites", multiple=True, help="Site code (repeatable).")
@click.option("--kind", "kinds", multiple=True, help="Device kind (repeatable).")
@click.option("--device", "devices", multiple=True, help="SITE/NAME (repeatable).")
@click.pass_obj
def assign(obj, name, sites, kinds, devices):
    """Use profile NAME for the matching devices ('-' as NAME: their own settings again)."""
    if not (sites or kinds or devices):
        raise click.ClickException("say which devices: --site, --kind and/or --device")
    with transaction(obj.sessions(audited=True)) as session:
        profile_id = None
        if name != "-":
            profile_id = session.execute(
                select(SnmpProfile.id).where(SnmpProfile.name == name)
            ).scalar()
            if profile_id is None:
                raise click.ClickException(f"no SNMP profile named {name!r}")
        query = select(Device).join(Site, Site.id == Device.site_id)
        if sites:
            query = query.where(Site.code.in_(sites))
        if kinds:
            query = query.where(Device.kind.in_(kinds))
        chosen = session.execute(query).scalars().all()
        if devices:
            wanted = {tuple(d.split("/", 1)) for d in devices}
            chosen = [d for d in chosen if (d.site.code, d.name) in wanted]
        for device in chosen:
            device.snmp_profile_id = profile_id
            device.updated_at = utcnow()
    click.echo(
        f"{len(chosen)} devices now use "
        + (f"profile {name!r}" if profile_id else "their own SNMP settings")
    )


@snmp.command("device")
@click.argument("device")
@click.option("--version", "version", type=click.Choice(VERSIONS), required=True)
@click.option("--user", help="SNMPv3 user name.")
@click.option("--auth-protocol", type=click.Choice(AUTH_PROTOCOLS, case_sensitive=False))
@click.option("--priv-protocol", type=click.Choice(PRIV_PROTOCOLS, case_sensitive=False))
@click.option("--port", type=click.IntRange(1, 65535))
@click.pass_obj
def device_(obj, device, version, user, auth_protocol, priv_protocol, port):
    """Set DEVICE's own SNMP settings (SITE/NAME)."""
    _check_v3(version, user, auth_protocol, priv_protocol)
    site_code, _, name = device.partition("/")
    community, auth, priv = _secrets(version, auth_protocol, priv_protocol)
    vault = Vault.from_settings(obj.settings)
    with transaction(obj.sessions(audited=True)) as session:
        row = session.execute(
            select(Device)
            .join(Site, Site.id == Device.site_id)
            .where(Site.code == site_code, Device.name == name)
        ).scalar()
        if row is None:
            raise click.ClickException(f"no device {device!r} (give SITE/NAME)")
        row.snmp_version, row.snmp_port = version, port or row.snmp_port
        row.snmp_community = vault.encrypt(community)
        row.snmp_v3_user = user if version == "3" else None
        row.snmp_v3_auth_protocol = auth_protocol.upper() if auth_protocol else None
        row.snmp_v3_priv_protocol = priv_protocol.upper() if priv_protocol else None
        row.snmp_v3_auth_key, row.snmp_v3_priv_key = vault.encrypt(auth), vault.encrypt(priv)
        row.updated_at = utcnow()
    click.echo(f"{device}: SNMP v{version} saved")
