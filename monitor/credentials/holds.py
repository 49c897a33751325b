"""Stored credentials go only where an admin meant them to.

Credentials are write-only: nobody reads them back. But a device's address and its profiles say
where ictmon sends them, and operators may edit both. So when someone other than an admin points
a device that uses stored secrets somewhere new — another address, another SNMP or SSH profile —
the device's credentials are held: the SNMP round and the SSH backup skip it (saying why) until
an admin confirms the change (`confirm`). Secrets the editor typed in the same change are theirs
to send and do not count; a profile's secrets and ones stored earlier do.

Changing a profile's key file is not held: key files come only from the admins' key directory
([ssh] key_dir, monitor.credentials.keys), and the destinations a profile's key is offered to are
its devices' approved addresses. Publickey authentication sends a signature bound to that one
session, never the key.

Nothing here commits; changes are flushed in the caller's transaction and audited there.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.db.models import Device, SnmpProfile, SshAccess, SshCredentialProfile

# The parts of a device that decide where its credentials are sent, or (config_path: the file a
# `linux` backup reads with them) what they are used to fetch.
DESTINATION_FIELDS = ("address", "snmp_profile_id", "ssh_profile_id", "config_path")
_OWN_SECRETS = ("snmp_community", "snmp_v3_auth_key", "snmp_v3_priv_key", "ssh_password")


def stored_secrets(session: Session, device: Device) -> set[str]:
    """Which secrets ictmon would send to this device: its own and its profiles'."""
    found = {column for column in _OWN_SECRETS if getattr(device, column) is not None}
    access = session.get(SshAccess, device.id) if device.id is not None else None
    if access is not None:
        if access.enable_secret is not None:
            found.add("ssh_enable_secret")
        if access.key_path:
            found.add("ssh_key_file")
        ssh_profile = (
            session.get(SshCredentialProfile, access.profile_id) if access.profile_id else None
        )
        if ssh_profile is not None and (
            ssh_profile.password is not None
            or ssh_profile.enable_secret is not None
            or ssh_profile.key_path
        ):
            found.add("ssh_profile")
    snmp_profile = (
        session.get(SnmpProfile, device.snmp_profile_id) if device.snmp_profile_id else None
    )
    if snmp_profile is not None and (
        snmp_profile.community is not None
        or snmp_profile.v3_auth_key is not None
        or snmp_profile.v3_priv_key is not None
    ):
        found.add("snmp_profile")
    return found


def hold_if_redirected(
    session: Session,
    device: Device,
    changed: Iterable[str],
    typed: Iterable[str],
    now: datetime,
) -> bool:
    """Hold `device`'s credentials when a non-admin's change of `changed` (of
    DESTINATION_FIELDS) points secrets other than the `typed` ones somewhere new; True if held."""
    moved = [field for field in DESTINATION_FIELDS if field in set(changed)]
    if not moved:
        return False
    at_stake = stored_secrets(session, device) - set(typed)
    if not at_stake:
        return False
    device.credentials_held_at = now
    device.credentials_held_for = ", ".join(moved)[:300]
    return True


def confirm(session: Session, device_ids: Iterable[int]) -> list[Device]:
    """An admin's confirmation: the held devices among `device_ids` may be sent credentials
    again. Returns the devices that were held."""
    ids = list(device_ids)
    if not ids:
        return []
    held = list(
        session.scalars(
            select(Device).where(Device.id.in_(ids), Device.credentials_held_at.is_not(None))
        )
    )
    for device in held:
        device.credentials_held_at = None
        device.credentials_held_for = None
    session.flush()
    return held


def held_devices(session: Session) -> list[Device]:
    """Every device waiting for an admin's confirmation, oldest hold first."""
    return list(
        session.scalars(
            select(Device)
            .where(Device.credentials_held_at.is_not(None))
            .order_by(Device.credentials_held_at, Device.id)
        )
    )


def waiting_message(held_at: datetime | None, held_for: str | None) -> str | None:
    """Why a device is skipped, for the SNMP and SSH status; None when nothing is held."""
    if held_at is None:
        return None
    return (
        f"credentials held: {held_for or 'destination'} changed by a non-admin; "
        "an admin must confirm"
    )
