"""Sites and devices created and changed by people one at a time (the web forms, the JSON API) or
a selection at a time (the devices table's bulk actions).

A device's values are checked exactly as an import row is (`monitor.devices.importer`): the same
columns, the same messages, Buddhist-era dates, parents named "SITE/name" or by name, parent
loops refused. Every bad field is reported at once in `Invalid.errors`, and on any error nothing
is changed. Nothing here commits: changes are flushed in the caller's transaction, and
`monitor.db.audit` records them when the session has an actor.

`data` maps the import file's column names to values, strings from a form or JSON types from the
API. Besides those columns a device takes `parent_id` (an id, or None for no parent),
`snmp_profile_id` and `ssh_profile_id` (an id, or None), and `clear_snmp_community` /
`clear_ssh_password`. On an update only the keys present change; an empty value clears an
optional field (the form shows every field, so emptying one means "remove it") except a
credential: credentials are write-only, an empty value keeps the stored one and only the clear
flag removes it. Nothing here ever returns a credential (see `public_fields`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.assets.fields import AssetRules
from monitor.credentials import holds
from monitor.db.models import (
    MAX_ROW_ID,
    Device,
    Site,
    SnmpProfile,
    SshAccess,
    SshCredentialProfile,
)
from monitor.devices import importer
from monitor.discovery import ranges as discovery_ranges
from monitor.localtime import utcnow
from monitor.secrets import Vault

CLEAR_FLAGS = {f"clear_{column}": column for column in importer.CREDENTIAL_COLUMNS}
DEVICE_KEYS = frozenset(
    {
        "site",
        "name",
        "address",
        "kind",
        "parent_id",
        "snmp_profile_id",
        "ssh_profile_id",
        *importer.OPTIONAL_COLUMNS,
        *CLEAR_FLAGS,
    }
)
SITE_KEYS = frozenset({"code", "name", "enabled", "address_ranges"})
# What an update may clear with an empty value; the rest keep their value when left empty.
CLEARABLE = frozenset(
    c
    for c in importer.OPTIONAL_COLUMNS
    if c not in importer.CREDENTIAL_COLUMNS and c not in ("parent", "enabled")
)
_TRUE = importer.TRUE_WORDS | {"on"}


class Invalid(ValueError):
    """The values were refused; nothing was changed. `errors` is {field: message} (English,
    naming the problem and quoting the value at fault, never a credential)."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__(self.errors)

    def __str__(self) -> str:
        return "; ".join(f"{field}: {message}" for field, message in self.errors.items())


# --- values from forms and JSON -------------------------------------------------------------------


def as_text(value: Any) -> str:
    """A form string or a JSON value as the text an import cell would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, date)):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, str):
        return value.strip()
    raise ValueError("must be text")


def as_flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in _TRUE)


def _optional_id(value: Any) -> int | None:
    """None for "none chosen"; ValueError for anything that is not an id."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("not an id")
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        number = int(value)
        if not 0 <= number <= MAX_ROW_ID:
            # No row has such an id, and the database driver would fail on the number itself.
            raise ValueError(f"no profile with id {number}")
        return number
    raise ValueError("not an id")


def _unknown_keys(data: Mapping[str, Any], allowed: frozenset[str]) -> dict[str, str]:
    return {key: "unknown field" for key in data if key not in allowed}


# --- devices ----------------------------------------------------------------------------------


def create_device(
    session: Session,
    data: Mapping[str, Any],
    vault: Vault | None = None,
    rules: AssetRules | None = None,
    *,
    by_admin: bool = False,
) -> Device:
    """A new device in an existing site (`site`, `name`, `kind` required; no `address`: an
    asset nothing polls). `rules`: the office's asset-register rules (monitor.assets.fields).
    `by_admin`: made by an admin; otherwise a profile's secrets wait for one (devices.holds)."""
    return _save_device(session, None, data, vault, rules, by_admin=by_admin)


def update_device(
    session: Session,
    device_id: int,
    data: Mapping[str, Any],
    vault: Vault | None = None,
    rules: AssetRules | None = None,
    *,
    by_admin: bool = False,
) -> Device:
    """Change the keys present in `data`; LookupError when there is no such device. Unless
    `by_admin`, a new address or profile holds the stored credentials (monitor.devices.holds)."""
    device = session.get(Device, device_id)
    if device is None:
        raise LookupError(f"no device with id {device_id}")
    return _save_device(session, device, data, vault, rules, by_admin=by_admin)


def _destination(session: Session, device: Device | None) -> dict[str, Any]:
    if device is None:
        return dict.fromkeys(holds.DESTINATION_FIELDS)
    access = session.get(SshAccess, device.id)
    return {
        "address": device.address,
        "snmp_profile_id": device.snmp_profile_id,
        "ssh_profile_id": access.profile_id if access is not None else None,
    }


def _save_device(
    session: Session,
    device: Device | None,
    data: Mapping[str, Any],
    vault: Vault | None,
    rules: AssetRules | None = None,
    *,
    by_admin: bool = False,
) -> Device:
    errors = _unknown_keys(data, DEVICE_KEYS)
    sites, devices = importer.load_existing(session)
    by_id = {d.id: key for key, d in devices.items()}
    old_key = by_id.get(device.id) if device is not None else None

    cells: dict[str, str] = {}
    for key, value in data.items():
        if key in errors or key in CLEAR_FLAGS or key.endswith("_id"):
            continue
        try:
            cells[key] = as_text(value)
        except ValueError as exc:
            errors[key] = str(exc)
    if device is not None and old_key is not None:  # required columns not given keep their value
        for column, current in (
            ("site", old_key[0]),
            ("name", device.name),
            ("address", device.address or ""),
            ("kind", device.kind),
        ):
            cells.setdefault(column, current)
    else:  # a new device: a missing required column is that field's error, like an empty one
        for column in importer.REQUIRED_COLUMNS:
            cells.setdefault(column, "")

    site = sites.get(cells.get("site", ""))
    if cells.get("site") and site is None and "site" not in errors:
        errors["site"] = f"no site with code '{cells['site']}'"
    cells["site_name"] = site.name if site is not None else "-"

    parent_field = "parent"
    if "parent_id" in data:
        parent_field = "parent_id"
        try:
            parent_id = _optional_id(data["parent_id"])
        except ValueError as exc:
            errors["parent_id"] = str(exc)
        else:
            if parent_id is not None and parent_id not in by_id:
                errors["parent_id"] = f"no device with id {parent_id}"
            else:
                cells["parent"] = "/".join(by_id[parent_id]) if parent_id else ""

    profiles = _profile_ids(session, data, errors)
    for flag, column in CLEAR_FLAGS.items():
        if as_flag(data.get(flag)) and cells.get(column):
            errors[column] = "give a new value or clear the stored one, not both"

    new_key = (cells.get("site", ""), cells.get("name", ""))
    if new_key != old_key and new_key in devices:
        errors.setdefault(
            "name", f"a device named '{new_key[1]}' already exists in site {new_key[0]}"
        )
    # Validation sees the device under its new key, so a loop through its children is caught.
    existing = [
        importer.ExistingDevice(
            *((new_key if key == old_key else key) + (d.id, d.parent_id, d.asset_number))
        )
        for key, d in devices.items()
    ]
    header = [c for c in importer.COLUMNS if c in cells]
    rows, row_errors = importer.validate_rows(header, [(1, cells)], existing, rules)
    for error in row_errors:
        column = parent_field if error.column == "parent" else (error.column or "?")
        reason = "required" if error.reason.startswith("required") else error.reason
        errors.setdefault(column, reason)
    if errors:
        raise Invalid(errors)

    row = rows[0]
    if site is None:  # an empty or unknown site code was reported above
        raise Invalid({"site": "required"})
    if row.credentials and vault is None:
        raise TypeError("credentials given but no vault to encrypt them with")
    now = utcnow()
    before = _destination(session, device)
    if device is None:
        device = Device(
            site_id=site.id, name=row.name, enabled=True, created_at=now, updated_at=now
        )
        session.add(device)
    device.site_id, device.name = site.id, row.name
    importer.apply_row(device, row, vault)
    for column in CLEARABLE:
        if column in data and column not in row.values:
            setattr(device, column, None)
    for flag, column in CLEAR_FLAGS.items():
        if as_flag(data.get(flag)):
            setattr(device, column, None)
    if "parent" in cells:
        device.parent_id = devices[row.parent].id if row.parent else None
    if "snmp_profile_id" in profiles:
        device.snmp_profile_id = profiles["snmp_profile_id"]
    if "ssh_profile_id" in profiles:
        _ssh_access(session, device).profile_id = profiles["ssh_profile_id"]
    if not by_admin:
        session.flush()  # the device's SSH access row, for the secrets it would use
        after = _destination(session, device)
        moved = [field for field, value in after.items() if before[field] != value]
        holds.hold_if_redirected(session, device, moved, row.credentials, now)
    if device.id is None or session.is_modified(device, include_collections=False):
        device.updated_at = now
    session.flush()
    return device


def _profile_ids(
    session: Session, data: Mapping[str, Any], errors: dict[str, str]
) -> dict[str, int | None]:
    chosen = {}
    for key, model in (("snmp_profile_id", SnmpProfile), ("ssh_profile_id", SshCredentialProfile)):
        if key not in data:
            continue
        try:
            profile_id = _optional_id(data[key])
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        if profile_id is not None and session.get(model, profile_id) is None:
            errors[key] = f"no profile with id {profile_id}"
        else:
            chosen[key] = profile_id
    return chosen


def set_ssh_config_path(
    session: Session, device_id: int, path: str | None, *, by_admin: bool, now: datetime
) -> None:
    """The file a `linux` backup reads (checked by the caller: monitor.configs.setup). The stored
    SSH login reads it and the page shows what it read, so a non-admin's new path holds the
    credentials until an admin confirms, as a new address does."""
    device = session.get_one(Device, device_id)
    access = _ssh_access(session, device)
    if access.config_path != path:
        access.config_path = path
        if not by_admin:
            holds.hold_if_redirected(session, device, ["config_path"], [], now)
        session.flush()


def _ssh_access(session: Session, device: Device) -> SshAccess:
    if device.id is None:
        session.flush()
    access = session.get(SshAccess, device.id)
    if access is None:
        access = SshAccess(device_id=device.id)
        session.add(access)
    return access


def public_fields(session: Session, device: Device) -> dict[str, Any]:
    """A device's editable values as a form or the API shows them: credentials only as
    `has_snmp_community` / `has_ssh_password`, never their value."""
    values: dict[str, Any] = {
        "id": device.id,
        "site": device.site.code,
        "name": device.name,
        "address": device.address,
        "kind": device.kind,
        "parent_id": device.parent_id,
        "enabled": device.enabled,
        "snmp_profile_id": device.snmp_profile_id,
    }
    for column in importer.OPTIONAL_COLUMNS:
        if column in CLEARABLE:
            values[column] = getattr(device, column)
    access = session.get(SshAccess, device.id)
    values["ssh_profile_id"] = access.profile_id if access is not None else None
    for column in importer.CREDENTIAL_COLUMNS:
        values[f"has_{column}"] = getattr(device, column) is not None
    # Waiting for an admin before any credential goes to the device (monitor.credentials.holds).
    values["credentials_held"] = device.credentials_held_at is not None
    held_for = device.credentials_held_for or ""
    values["credentials_held_for"] = held_for.split(", ") if held_for else []
    return values


# --- sites ------------------------------------------------------------------------------------


def create_site(session: Session, data: Mapping[str, Any]) -> Site:
    """A new site (`code`, `name` required; `enabled` defaults to yes)."""
    return _save_site(session, None, data)


def update_site(session: Session, site_id: int, data: Mapping[str, Any]) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise LookupError(f"no site with id {site_id}")
    return _save_site(session, site, data)


def _save_site(session: Session, site: Site | None, data: Mapping[str, Any]) -> Site:
    errors = _unknown_keys(data, SITE_KEYS)
    values: dict[str, Any] = {}
    for key, column in (("code", "site"), ("name", "site_name"), ("enabled", "enabled")):
        if key not in data:
            if site is None and key != "enabled":
                errors[key] = "required"
            continue
        try:
            text = as_text(data[key])
            if not text:
                if key != "enabled":
                    errors[key] = "required"
                continue
            values[key] = importer.parse_value(column, text)
        except ValueError as exc:
            errors[key] = str(exc)
    if "address_ranges" in data:  # what discovery may sweep (monitor.discovery.ranges)
        try:
            values["address_ranges"] = discovery_ranges.clean(as_text(data["address_ranges"]))
            values["address_ranges"] = values["address_ranges"] or None
        except ValueError as exc:
            errors["address_ranges"] = str(exc)
    code = values.get("code")
    if (
        code is not None
        and (site is None or code != site.code)
        and session.scalar(select(func.count()).select_from(Site).where(Site.code == code))
    ):
        errors["code"] = f"a site with code '{code}' already exists"
    if errors:
        raise Invalid(errors)
    if site is None:
        site = Site(code=code, name=values["name"], enabled=True, created_at=utcnow())
        session.add(site)
    for key, value in values.items():
        setattr(site, key, value)
    session.flush()
    return site


# --- bulk actions on a selection of devices -----------------------------------------------------


def _selection(session: Session, device_ids: Iterable[int]) -> list[Device]:
    ids = sorted(set(device_ids))
    if not ids:
        raise Invalid({"devices": "no device selected"})
    found = {d.id: d for d in session.scalars(select(Device).where(Device.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid({"devices": f"no device with id {', '.join(map(str, missing))}"})
    return [found[i] for i in ids]


def _label(device: Device) -> str:
    return f"{device.site.code}/{device.name}"


def _touch(devices: list[Device], column: str, value: Any) -> list[Device]:
    now = utcnow()
    changed = [d for d in devices if getattr(d, column) != value]
    for device in changed:
        setattr(device, column, value)
        device.updated_at = now
    return changed


def set_enabled(session: Session, device_ids: Iterable[int], enabled: bool) -> list[Device]:
    """Enable or disable the devices (never delete them: their history matters); the changed."""
    changed = _touch(_selection(session, device_ids), "enabled", bool(enabled))
    session.flush()
    return changed


def move_to_site(session: Session, device_ids: Iterable[int], site_id: int) -> list[Device]:
    """Move the devices to another site, refused when a name would then appear twice there."""
    devices = _selection(session, device_ids)
    site = session.get(Site, site_id)
    if site is None:
        raise Invalid({"site": f"no site with id {site_id}"})
    taken = set(
        session.scalars(
            select(Device.name).where(
                Device.site_id == site.id, Device.id.not_in([d.id for d in devices])
            )
        )
    )
    errors = {}
    for device in devices:
        if device.name in taken:
            errors[_label(device)] = f"site {site.code} already has a device named '{device.name}'"
        taken.add(device.name)
    if errors:
        raise Invalid(errors)
    changed = _touch(devices, "site_id", site.id)
    session.flush()
    return changed


def set_parent(session: Session, device_ids: Iterable[int], parent_id: int | None) -> list[Device]:
    """Give the devices one parent (None: no parent), refused when it would make a loop."""
    devices = _selection(session, device_ids)
    parent_of = dict(session.execute(select(Device.id, Device.parent_id)).all())
    if parent_id is not None and parent_id not in parent_of:
        raise Invalid({"parent_id": f"no device with id {parent_id}"})
    loops = parent_loops(parent_of, {d.id: parent_id for d in devices})
    if loops:
        names = dict(
            session.execute(
                select(Device.id, Site.code + "/" + Device.name).join(Device.site)
            ).all()
        )
        raise Invalid(
            {
                names[device_id]: "parent loop: " + " → ".join(names[i] for i in chain)
                for device_id, chain in loops.items()
            }
        )
    changed = _touch(devices, "parent_id", parent_id)
    session.flush()
    return changed


def parent_loops(
    parent_of: Mapping[int, int | None], changes: Mapping[int, int | None]
) -> dict[int, list[int]]:
    """Pure: {device: the chain back to itself} for each changed device that would be its own
    ancestor once `changes` ({device: new parent}) are applied to `parent_of`."""
    after = {**parent_of, **changes}
    loops = {}
    for start in changes:
        chain = [start]
        current = after.get(start)
        while current is not None and current not in chain:  # bounded: each id once
            chain.append(current)
            current = after.get(current)
        if current == start:
            loops[start] = [*chain, start]
    return loops
