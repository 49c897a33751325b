"""What an import would do, before it does it: the sites and devices it would create or change.

The browser's import shows this plan and asks for a confirmation; the confirmation computes the
plan again from the same file and writes only when it is still the one shown (`digest`), so the
officer never confirms one thing and gets another (someone may have changed a device meanwhile).
`plan_rows` is pure and mirrors what `importer.apply_row` and the importer's writing compare.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from monitor.assets.fields import AssetRules
from monitor.devices import importer
from monitor.secrets import SecretsError, Vault

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass(frozen=True)
class PlannedSite:
    code: str
    name: str
    action: str


@dataclass(frozen=True)
class PlannedDevice:
    line: int
    site_code: str
    name: str
    address: str | None  # None: an asset nothing polls, or the stored address kept
    kind: str
    action: str
    changes: tuple[str, ...]  # the columns an update changes (credentials named, never shown)


@dataclass(frozen=True)
class ImportPlan:
    sites: tuple[PlannedSite, ...]
    devices: tuple[PlannedDevice, ...]

    def count(self, rows: tuple, action: str) -> int:
        return sum(1 for row in rows if row.action == action)

    @property
    def report(self) -> importer.ImportReport:
        """What the importer's report will say once this plan is written."""
        return importer.ImportReport(
            sites_created=self.count(self.sites, CREATE),
            sites_updated=self.count(self.sites, UPDATE),
            devices_created=self.count(self.devices, CREATE),
            devices_updated=self.count(self.devices, UPDATE),
        )

    @property
    def digest(self) -> str:
        body = json.dumps(
            [[asdict(s) for s in self.sites], [asdict(d) for d in self.devices]],
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CurrentDevice:
    """A stored device as the comparison needs it (credentials still encrypted)."""

    values: Mapping[str, Any]
    parent: importer.DeviceKey | None


def plan_rows(
    rows: list[importer.DeviceRow],
    site_names: Mapping[str, str],
    current: Mapping[importer.DeviceKey, CurrentDevice],
    decrypt: Callable[[bytes], str | None],
) -> ImportPlan:
    """Pure: the plan for validated rows against the stored sites ({code: name}) and devices."""
    sites: dict[str, PlannedSite] = {}
    for row in rows:
        if row.site_code in sites:
            continue
        stored = site_names.get(row.site_code)
        action = CREATE if stored is None else (UNCHANGED if stored == row.site_name else UPDATE)
        sites[row.site_code] = PlannedSite(row.site_code, row.site_name, action)
    devices = []
    for row in rows:
        device = current.get(row.key)
        if device is None:
            action, changes = CREATE, ()
        else:
            changes = tuple(_changed_columns(row, device, decrypt))
            action = UPDATE if changes else UNCHANGED
        devices.append(
            PlannedDevice(row.line, row.site_code, row.name, row.address, row.kind, action, changes)
        )
    return ImportPlan(tuple(sites.values()), tuple(devices))


def _changed_columns(
    row: importer.DeviceRow, device: CurrentDevice, decrypt: Callable[[bytes], str | None]
):
    for column, value in {"kind": row.kind, **row.values}.items():
        if device.values.get(column) != value:
            yield column
    for column, plain in row.credentials.items():
        stored = device.values.get(column)
        try:
            if stored is not None and decrypt(stored) == plain:
                continue
        except SecretsError:
            pass  # encrypted with an old key: the import replaces it
        yield column
    if row.parent is not None and row.parent != device.parent:
        yield "parent"


def plan_import(
    session: Session,
    header: list[str],
    rows: Sequence[tuple[int, Mapping[str, str]]],
    vault: Vault,
    rules: AssetRules | None = None,
) -> ImportPlan:
    """Validate the file against the database and plan it; ImportRejected on any error."""
    sites, devices = importer.load_existing(session)
    existing = [
        importer.ExistingDevice(code, d.name, d.id, d.parent_id, d.asset_number)
        for (code, _), d in devices.items()
    ]
    valid, errors = importer.validate_rows(header, rows, existing, rules)
    if errors:
        raise importer.ImportRejected(errors)
    key_of: dict[int | None, importer.DeviceKey] = {d.id: key for key, d in devices.items()}
    columns = ("address", "kind", *importer.OPTIONAL_COLUMNS)
    current = {
        key: CurrentDevice(
            {c: getattr(d, c) for c in columns if c != "parent"}, key_of.get(d.parent_id)
        )
        for key, d in devices.items()
    }
    return plan_rows(valid, {code: s.name for code, s in sites.items()}, current, vault.decrypt)
