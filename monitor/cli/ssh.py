"""`ictmon backup` and `ictmon ssh …`: configuration backups and the SSH credentials they use.

Secrets are never taken from the command line (it shows in `ps` and shell history): they come
from an environment variable or a hidden prompt, and go straight into the Vault.
"""

from __future__ import annotations

import os

import click
from sqlalchemy import select

from collectors.ssh import DEVICE_TYPES
from monitor.cli.context import Failure
from monitor.configs import requests as backup_requests
from monitor.configs.backup_job import find_device, run_backups
from monitor.credentials import keys
from monitor.db.engine import transaction
from monitor.db.models import Device, SshAccess, SshCredentialProfile
from monitor.devices import profiles as profile_rules
from monitor.devices.admin import Invalid, as_text
from monitor.localtime import utcnow
from monitor.secrets import Vault


@click.command()
@click.option(
    "--device",
    "device_name",
    metavar="NAME",
    help="Only this device (NAME or SITE/NAME); default: every device with SSH set up.",
)
@click.pass_obj
def backup(obj, device_name):
    """Back up device configurations over SSH now; one line per device.

    A device an edge collector measures (behind a school's NAT) is that collector's to back up:
    with --device it is asked of the collector, which backs it up at its next configuration
    pull; without, it is left out."""
    sessions = obj.sessions()
    device_ids = None
    if device_name:
        with transaction(sessions) as session:
            device_id = find_device(session, device_name)
            collector = backup_requests.ask_collector(session, device_id, "cli", utcnow())
        if collector is not None and collector.revoked_at is not None:
            click.echo(
                f"{device_name} is backed up by its school's collector, and {collector.name} was "
                "revoked: the request waits for the collector created for the school next "
                "(ictmon collector create NAME --site CODE)"
            )
            return
        if collector is not None:
            click.echo(
                f"{device_name} is backed up by collector {collector.name} (the office cannot "
                "reach it): asked it to back up at its next configuration pull; the version "
                "appears on the device page once its upload arrives"
            )
            return
        device_ids = [device_id]
    outcomes = run_backups(
        sessions,
        obj.settings.ssh,
        Vault.from_settings(obj.settings),
        device_ids=device_ids,
        trigger="cli",
    )
    if not outcomes:
        click.echo(
            "no device the office backs up has an SSH device type set; nothing to back up "
            "(edge collectors back up their schools' devices themselves)"
        )
        return
    for line in format_outcomes(outcomes):
        click.echo(line)
    failed = [o for o in outcomes if o.version_id is None]
    if failed:
        raise Failure(f"{len(failed)} of {len(outcomes)} backups failed")


def format_outcomes(outcomes) -> list[str]:
    width = max(len(f"{o.site_code}/{o.name}") for o in outcomes)
    lines = []
    for o in outcomes:
        who = f"{o.site_code}/{o.name}".ljust(width)
        if o.version_id is None:
            lines.append(f"{who}  {o.state}: {o.message}")
            continue
        if o.first:
            what = f"first backup (version {o.version_id})"
        elif o.changed:
            what = f"changed (new version {o.version_id})"
        else:
            what = f"unchanged (version {o.version_id})"
        if o.host_key_changed:
            what += "  WARNING: host key changed; accept it on the device page once checked"
        lines.append(f"{who}  {what}  {o.seconds:.1f} s")
    return lines


@click.group()
def ssh():
    """SSH credentials for configuration backups."""


def _secret(env_name: str | None, ask: bool, label: str) -> str | None:
    if env_name:
        value = os.environ.get(env_name)
        if value is None:
            raise Failure(f"environment variable {env_name} is not set")
        return value
    if ask:
        return click.prompt(label, hide_input=True, confirmation_prompt=True)
    return None


@ssh.command("profile")
@click.argument("name")
@click.option("--username")
@click.option("--password-env", metavar="VAR", help="Read the password from this variable.")
@click.option("--ask-password", is_flag=True, help="Prompt for the password (hidden).")
@click.option("--enable-secret-env", metavar="VAR", help="Read the enable secret from VAR.")
@click.option("--ask-enable-secret", is_flag=True, help="Prompt for the enable secret (hidden).")
@click.option("--key-path", help="Private key file for key authentication.")
@click.pass_obj
def profile(
    obj, name, username, password_env, ask_password, enable_secret_env, ask_enable_secret, key_path
):
    """Create or update the credential profile NAME (shared by many devices)."""
    name = as_text(name)
    problem = profile_rules.name_problem(name, profile_rules.SSH_NAME_LIMIT)
    if problem:  # before asking for secrets that would then be thrown away
        raise Failure(f"SSH profile not saved: name: {problem}")
    vault = Vault.from_settings(obj.settings)
    password = _secret(password_env, ask_password, "SSH password")
    secret = _secret(enable_secret_env, ask_enable_secret, "Enable secret")
    # Only what was given changes (an empty --username or --key-path removes it), as on the web.
    data = {"name": name}
    for key, value in (
        ("username", username),
        ("key_path", key_path),
        ("password", password),
        ("enable_secret", secret),
    ):
        if value is not None:
            data[key] = value
    with transaction(obj.sessions(audited=True)) as session:
        row_id = session.scalar(
            select(SshCredentialProfile.id).where(SshCredentialProfile.name == name)
        )
        try:
            profile_rules.save_ssh_profile(session, row_id, data, vault, obj.settings.ssh.key_dir)
        except Invalid as exc:
            raise Failure(f"SSH profile not saved: {exc}") from None
    click.echo(f"{'created' if row_id is None else 'updated'} SSH credential profile {name!r}")


@ssh.command("device")
@click.argument("name")
@click.option(
    "--type", "device_type", help="Device type: cisco_ios, mikrotik_routeros, hp_procurve, linux."
)
@click.option("--port", type=click.IntRange(1, 65535))
@click.option("--username")
@click.option("--password-env", metavar="VAR", help="Read the password from this variable.")
@click.option("--ask-password", is_flag=True, help="Prompt for the password (hidden).")
@click.option("--enable-secret-env", metavar="VAR", help="Read the enable secret from VAR.")
@click.option("--ask-enable-secret", is_flag=True, help="Prompt for the enable secret (hidden).")
@click.option("--key-path", help="Private key file for key authentication.")
@click.option("--config-path", help="linux: the file whose content is the configuration.")
@click.option("--profile", "profile_name", help="Use this credential profile ('' for none).")
@click.pass_obj
def device(
    obj,
    name,
    device_type,
    port,
    username,
    password_env,
    ask_password,
    enable_secret_env,
    ask_enable_secret,
    key_path,
    config_path,
    profile_name,
):
    """Set how device NAME (or SITE/NAME) is reached over SSH; unset options stay as they are."""
    if device_type and device_type not in DEVICE_TYPES:
        raise Failure(f"unknown device type {device_type!r} (supported: {', '.join(DEVICE_TYPES)})")
    key_problem = keys.key_problem(key_path, obj.settings.ssh.key_dir)
    if key_problem:
        raise Failure(f"SSH settings not saved: {key_problem}")
    vault = Vault.from_settings(obj.settings)
    password = _secret(password_env, ask_password, "SSH password")
    secret = _secret(enable_secret_env, ask_enable_secret, "Enable secret")
    with transaction(obj.sessions(audited=True)) as session:
        row = session.get_one(Device, find_device(session, name))
        access = session.get(SshAccess, row.id) or SshAccess(device_id=row.id)
        session.add(access)
        if device_type is not None:
            row.ssh_device_type = device_type or None
        if port is not None:
            row.ssh_port = port
        if username is not None:
            row.ssh_username = username or None
        if password is not None:
            row.ssh_password = vault.encrypt(password)
        if secret is not None:
            access.enable_secret = vault.encrypt(secret)
        if key_path is not None:
            access.key_path = key_path or None
        if config_path is not None:
            access.config_path = config_path or None
        if profile_name is not None:
            if profile_name == "":
                access.profile_id = None
            else:
                found = session.execute(
                    select(SshCredentialProfile.id).where(SshCredentialProfile.name == profile_name)
                ).scalar_one_or_none()
                if found is None:
                    raise Failure(f"no SSH credential profile named {profile_name!r}")
                access.profile_id = found
        row.updated_at = utcnow()
    click.echo(f"SSH settings of {name} saved")
