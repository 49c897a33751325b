"""Named credential profiles shared by many devices, edited from the browser: SNMP (v1/v2c
community, or v3 user with authentication and privacy protocols and keys) and SSH (username,
password, enable secret, key file).

The rules are the ones `ictmon snmp profile` and `ictmon ssh profile` apply (protocols from
collectors.snmp, SNMPv3 keys of at least 8 characters, privacy needs authentication). Secrets are
write-only as for devices (monitor.devices.admin): an empty value keeps the stored one, a
`clear_<field>` flag removes it, and nothing here returns one. A profile still used by devices is
not deleted. Changes are flushed in the caller's transaction (and audited by monitor.db.audit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collectors.snmp import AUTH_PROTOCOLS, PRIV_PROTOCOLS
from monitor.credentials import keys
from monitor.db.models import Device, SnmpProfile, SshAccess, SshCredentialProfile
from monitor.devices.admin import Invalid, as_flag, as_text
from monitor.devices.importer import parse_port, refuse_control_characters
from monitor.localtime import utcnow
from monitor.secrets import Vault

SNMP_VERSIONS = ("1", "2c", "3")
SNMP_SECRETS = ("community", "v3_auth_key", "v3_priv_key")
SSH_SECRETS = ("password", "enable_secret")
MIN_V3_KEY = 8
SNMP_NAME_LIMIT, SSH_NAME_LIMIT = 64, 100  # the columns' lengths


@dataclass(frozen=True)
class ProfileRow:
    """A profile as the list shows it: what it is, never its secrets, and how many use it."""

    id: int
    kind: str  # "snmp" or "ssh"
    name: str
    summary: str  # "v2c", "v3 monitor SHA/AES", "user backup"
    secrets: tuple[str, ...]  # the secret fields that hold a value
    devices: int


def _texts(data: Mapping[str, Any], keys, errors: dict[str, str]) -> dict[str, str]:
    out = {}
    for key in keys:
        if key in data:
            try:
                out[key] = as_text(data[key])
            except ValueError as exc:
                errors[key] = str(exc)
    return out


def name_problem(value: str, limit: int) -> str | None:
    """What is wrong with a profile name (as stripped by `as_text`), or None: the one rule the
    web, the API and `ictmon snmp/ssh profile` share (the CLI asks before prompting for secrets)."""
    if not value:
        return "required"
    if len(value) > limit:
        return f"longer than {limit} characters"
    try:
        refuse_control_characters(value)
    except ValueError as exc:
        return str(exc)
    return None


def _name(
    session: Session, model, row, value: str | None, limit: int, errors: dict[str, str]
) -> None:
    if value is None:
        if row is None:
            errors["name"] = "required"
        return
    problem = name_problem(value, limit)
    if problem:
        errors["name"] = problem
    elif (row is None or row.name != value) and session.scalar(
        select(func.count()).select_from(model).where(model.name == value)
    ):
        errors["name"] = f"a profile named '{value}' already exists"


def _secrets(
    row, data: Mapping[str, Any], texts: dict[str, str], columns, errors: dict[str, str]
) -> dict[str, str | None]:
    """{column: new plain value, or None to clear} for the secrets that change."""
    out: dict[str, str | None] = {}
    for column in columns:
        clear = as_flag(data.get(f"clear_{column}"))
        if texts.get(column) and clear:
            errors[column] = "give a new value or clear the stored one, not both"
        elif texts.get(column):
            out[column] = texts[column]
        elif clear:
            out[column] = None
    return out


def _stored(row, column: str, changes: Mapping[str, str | None]) -> bool:
    """Whether `column` will hold a value once `changes` are made."""
    if column in changes:
        return changes[column] is not None
    return row is not None and getattr(row, column) is not None


# --- SNMP ---------------------------------------------------------------------------------------

SNMP_KEYS = frozenset(
    {
        "name",
        "version",
        "port",
        "v3_user",
        "v3_auth_protocol",
        "v3_priv_protocol",
        *SNMP_SECRETS,
        *(f"clear_{c}" for c in SNMP_SECRETS),
    }
)


def save_snmp_profile(
    session: Session, profile_id: int | None, data: Mapping[str, Any], vault: Vault
) -> SnmpProfile:
    """Create (profile_id None) or change an SNMP profile; Invalid with every bad field."""
    row = None
    if profile_id is not None:
        row = session.get(SnmpProfile, profile_id)
        if row is None:
            raise LookupError(f"no SNMP profile with id {profile_id}")
    errors = {key: "unknown field" for key in data if key not in SNMP_KEYS}
    texts = _texts(
        data,
        (
            "name",
            "version",
            "port",
            "v3_user",
            "v3_auth_protocol",
            "v3_priv_protocol",
            *SNMP_SECRETS,
        ),
        errors,
    )
    _name(session, SnmpProfile, row, texts.get("name"), SNMP_NAME_LIMIT, errors)

    version = texts.get("version", row.version if row else "").lower().removeprefix("v")
    version = {"2": "2c"}.get(version, version)
    if version not in SNMP_VERSIONS:
        errors["version"] = (
            f"unknown SNMP version '{texts.get('version', '')}': use 1, 2c or 3"
            if version
            else "required"
        )
    port = row.port if row else None
    if "port" in texts:
        try:
            port = parse_port(texts["port"]) if texts["port"] else None
        except ValueError as exc:
            errors["port"] = str(exc)
    protocols = {}
    for key, allowed in (
        ("v3_auth_protocol", AUTH_PROTOCOLS),
        ("v3_priv_protocol", PRIV_PROTOCOLS),
    ):
        value = texts[key].upper() if key in texts else (getattr(row, key) if row else None)
        if value and value not in allowed:
            errors[key] = f"unknown protocol '{value}': use one of {', '.join(allowed)}"
        protocols[key] = value or None
    secrets = _secrets(row, data, texts, SNMP_SECRETS, errors)
    for column in ("v3_auth_key", "v3_priv_key"):
        new_key = secrets.get(column)
        if new_key is not None and len(new_key) < MIN_V3_KEY:
            errors[column] = f"must be at least {MIN_V3_KEY} characters"
    user = texts.get("v3_user", row.v3_user if row else None)
    if version == "3":
        if not user:
            errors.setdefault("v3_user", "required for SNMPv3")
        if protocols["v3_priv_protocol"] and not protocols["v3_auth_protocol"]:
            errors.setdefault("v3_priv_protocol", "privacy needs an authentication protocol")
        for protocol, key in (
            ("v3_auth_protocol", "v3_auth_key"),
            ("v3_priv_protocol", "v3_priv_key"),
        ):
            if protocols[protocol] and not _stored(row, key, secrets):
                errors.setdefault(key, f"required with {protocols[protocol]}")
    elif version in ("1", "2c") and not _stored(row, "community", secrets):
        errors.setdefault("community", "required for SNMP v1/v2c")
    if errors:
        raise Invalid(errors)

    if row is None:
        row = SnmpProfile(name=texts["name"], version=version, created_at=utcnow())
        session.add(row)
    if "name" in texts:
        row.name = texts["name"]
    row.version, row.port = version, port
    v3 = version == "3"
    row.v3_user = (user or None) if v3 else None
    row.v3_auth_protocol = protocols["v3_auth_protocol"] if v3 else None
    row.v3_priv_protocol = protocols["v3_priv_protocol"] if v3 and row.v3_auth_protocol else None
    for column, plain in secrets.items():
        setattr(row, column, vault.encrypt(plain))
    # Secrets the chosen version does not use are removed rather than kept unseen.
    unused: tuple[str, ...] = ("v3_auth_key", "v3_priv_key") if not v3 else ("community",)
    unused += () if not v3 or row.v3_auth_protocol else ("v3_auth_key",)
    unused += () if not v3 or row.v3_priv_protocol else ("v3_priv_key",)
    for column in unused:
        setattr(row, column, None)
    session.flush()
    return row


def delete_snmp_profile(session: Session, profile_id: int) -> None:
    _delete_unused(session, SnmpProfile, profile_id, "SNMP", Device.snmp_profile_id)


def _delete_unused(session: Session, model, profile_id: int, kind: str, used_by) -> None:
    """Delete a profile no device uses; one still in use is refused, saying by how many."""
    row = session.get(model, profile_id)
    if row is None:
        raise LookupError(f"no {kind} profile with id {profile_id}")
    used = session.scalar(
        select(func.count()).select_from(used_by.class_).where(used_by == profile_id)
    )
    if used:
        raise Invalid(
            {
                "profile": f"'{row.name}' is used by {used} device"
                f"{'' if used == 1 else 's'}: choose another profile for "
                "them first"
            }
        )
    session.delete(row)
    session.flush()


# --- SSH ----------------------------------------------------------------------------------------

SSH_KEYS = frozenset(
    {"name", "username", "key_path", *SSH_SECRETS, *(f"clear_{c}" for c in SSH_SECRETS)}
)


def save_ssh_profile(
    session: Session,
    profile_id: int | None,
    data: Mapping[str, Any],
    vault: Vault,
    key_dir: str = "",
) -> SshCredentialProfile:
    """Create (profile_id None) or change an SSH credential profile. A key file must be inside
    `key_dir` ([ssh] key_dir; none allowed when it is empty: monitor.credentials.keys)."""
    row = None
    if profile_id is not None:
        row = session.get(SshCredentialProfile, profile_id)
        if row is None:
            raise LookupError(f"no SSH profile with id {profile_id}")
    errors = {key: "unknown field" for key in data if key not in SSH_KEYS}
    texts = _texts(data, ("name", "username", "key_path", *SSH_SECRETS), errors)
    _name(session, SshCredentialProfile, row, texts.get("name"), SSH_NAME_LIMIT, errors)
    for key, limit in (("username", 128), ("key_path", 500)):
        if len(texts.get(key, "")) > limit:
            errors[key] = f"longer than {limit} characters"
    if "key_path" not in errors:
        problem = keys.key_problem(texts.get("key_path"), key_dir)
        if problem:
            errors["key_path"] = problem
    secrets = _secrets(row, data, texts, SSH_SECRETS, errors)
    if errors:
        raise Invalid(errors)
    if row is None:
        row = SshCredentialProfile(name=texts["name"], created_at=utcnow())
        session.add(row)
    for key in ("name", "username", "key_path"):
        if key in texts:
            setattr(row, key, texts[key] or (None if key != "name" else row.name))
    for column, plain in secrets.items():
        setattr(row, column, vault.encrypt(plain))
    session.flush()
    return row


def delete_ssh_profile(session: Session, profile_id: int) -> None:
    _delete_unused(session, SshCredentialProfile, profile_id, "SSH", SshAccess.profile_id)


# --- reads ----------------------------------------------------------------------------------------


def profile_rows(session: Session) -> list[ProfileRow]:
    """Every profile, SNMP first, by name, with its device count (four queries)."""
    snmp_use = dict(
        session.execute(
            select(Device.snmp_profile_id, func.count()).group_by(Device.snmp_profile_id)
        ).all()
    )
    ssh_use = dict(
        session.execute(
            select(SshAccess.profile_id, func.count()).group_by(SshAccess.profile_id)
        ).all()
    )
    rows = []
    for p in session.scalars(select(SnmpProfile).order_by(SnmpProfile.name)):
        summary = f"v{p.version}" + (
            f" {p.v3_user} {p.v3_auth_protocol or 'noAuth'}/{p.v3_priv_protocol or 'noPriv'}"
            if p.version == "3"
            else ""
        )
        rows.append(
            ProfileRow(
                p.id,
                "snmp",
                p.name,
                summary,
                tuple(c for c in SNMP_SECRETS if getattr(p, c) is not None),
                snmp_use.get(p.id, 0),
            )
        )
    for ssh in session.scalars(select(SshCredentialProfile).order_by(SshCredentialProfile.name)):
        rows.append(
            ProfileRow(
                ssh.id,
                "ssh",
                ssh.name,
                ssh.username or "",
                tuple(c for c in SSH_SECRETS if getattr(ssh, c) is not None),
                ssh_use.get(ssh.id, 0),
            )
        )
    return rows


def profile_values(row: SnmpProfile | SshCredentialProfile) -> dict[str, Any]:
    """The form's values of a stored profile: secrets only as `has_<field>`."""
    plain: tuple[str, ...]
    secrets: tuple[str, ...]
    if isinstance(row, SnmpProfile):
        plain = ("name", "version", "port", "v3_user", "v3_auth_protocol", "v3_priv_protocol")
        secrets = SNMP_SECRETS
    else:
        plain, secrets = ("name", "username", "key_path"), SSH_SECRETS
    values = {key: getattr(row, key) for key in plain}
    values.update({f"has_{c}": getattr(row, c) is not None for c in secrets})
    return values
