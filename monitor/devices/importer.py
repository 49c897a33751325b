"""Sites and devices from a CSV file or an .xlsx workbook: all of the file, or nothing.

The file has one row per device; the columns are named in the first line (case and surrounding
spaces do not matter, values may be Thai):

    required  site, site_name, name, kind
    optional  address, parent, snmp_version, snmp_community, snmp_port, ssh_device_type,
              ssh_username, ssh_password, ssh_port, model, serial, location, purchase_date,
              warranty_end, eol_date, notes, enabled,
              asset_number, budget_year, acquisition_method, fund_source, price, supplier,
              responsible_person, room, condition, disposed_on, disposal_reference

A device without an address is an asset of the register that nothing polls (a notebook, a
projector). The register's columns are checked by `monitor.assets.fields`; the office's rules
(asset number pattern, lists of acquisition methods and fund sources) apply when the caller
passes them (`rules=`). An asset number is unique across the office: in the file and against
the database.

CSV files are UTF-8 (Excel's "CSV UTF-8", with its BOM, is fine), separated by `,` (or `;` or a
tab: whichever the header line uses). For a workbook the first sheet is read.

How an import goes:

1. The whole file is read and checked first (`validate_rows`, pure apart from the list of devices
   already in the database, loaded with one query). Every problem becomes a `RowError` with the
   physical line of the file (the header is line 1; in a workbook, the sheet's row number).
2. If there is any error, nothing is written and `ImportRejected` carries every error.
3. Otherwise everything is written in one transaction and an `ImportReport` counts what changed.

Re-importing updates rather than duplicates: a device is identified by (site code, name) and a
site by its code. For an existing device only the columns present in the file are written, and
**an empty cell in an optional column means "leave it as it is"**: it never clears a stored value
(an empty `parent` keeps the current parent; an empty `ssh_password` keeps the stored password).
Clear values in the web UI. A new device gets nothing (NULL) for an empty optional cell, and
`enabled` defaults to yes. Site names are updated from `site_name`.

`parent` names another device: first in the same site, then as a name that is unique across all
sites (the file plus the database). `SITECODE/name` names a device of another site explicitly and
is needed when the plain name exists in several other sites. A parent in another site is normal
(a school's router hangs off the office core switch).

Dates may be written `2024-05-31` or `31/05/2024`; Buddhist-era years (`31/05/2567`,
`2567-05-31`: any year above 2400) are converted to the Christian era.

Credentials (`snmp_community`, `ssh_password`) are stored encrypted with the `Vault` and never
appear in an error, a report or a log line: errors quote only the value of the column at fault,
and those two columns have no check that could fail.

Device states are not created here; the poller creates them.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from types import SimpleNamespace
from typing import cast
from zipfile import BadZipFile, ZipFile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.assets import fields as asset_fields
from monitor.assets.fields import AssetRules
from monitor.credentials import holds
from monitor.db import audit
from monitor.db.engine import transaction
from monitor.db.models import DEVICE_KINDS, Device, Site
from monitor.localtime import common_era_year, utcnow
from monitor.secrets import SecretsError, Vault

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("site", "site_name", "name", "kind")
ASSET_COLUMNS = (
    "asset_number",
    "budget_year",
    "acquisition_method",
    "fund_source",
    "price",
    "supplier",
    "responsible_person",
    "room",
    "condition",
    "disposed_on",
    "disposal_reference",
)
OPTIONAL_COLUMNS = (
    "address",
    "parent",
    "snmp_version",
    "snmp_community",
    "snmp_port",
    "ssh_device_type",
    "ssh_username",
    "ssh_password",
    "ssh_port",
    "model",
    "serial",
    "location",
    "purchase_date",
    "warranty_end",
    "eol_date",
    "notes",
    "enabled",
    *ASSET_COLUMNS,
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

CREDENTIAL_COLUMNS = ("snmp_community", "ssh_password")
TEXT_COLUMNS = {
    "ssh_device_type": 64,
    "ssh_username": 128,
    "model": 200,
    "serial": 200,
    "location": 200,
    "notes": None,
    "asset_number": 64,
    "acquisition_method": 100,
    "fund_source": 100,
    "supplier": 200,
    "responsible_person": 200,
    "room": 200,
    "disposal_reference": 200,
}
PORT_COLUMNS = ("snmp_port", "ssh_port")
DATE_COLUMNS = ("purchase_date", "warranty_end", "eol_date", "disposed_on")
MAX_LENGTH = {"site": 32, "site_name": 200, "name": 200, "address": 255}

SNMP_VERSIONS = {"1": "1", "2c": "2c", "2": "2c", "3": "3"}
TRUE_WORDS = {"yes", "y", "true", "1"}
FALSE_WORDS = {"no", "n", "false", "0"}
DATE_FORMATS_HELP = "use YYYY-MM-DD or DD/MM/YYYY (Buddhist-era years such as 2567 are fine)"

_HOST_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_SITE_CODE = re.compile(r"^[^\s/]+$")
MAX_ERRORS_SHOWN = 10
# What a workbook may hold, so that reading one takes bounded memory whatever it claims: cells right
# of MAX_COLUMNS are never read (the known columns are far fewer), more than MAX_ROWS rows with
# values is refused, and so is an archive that would unpack to more than MAX_XLSX_UNPACKED bytes.
MAX_COLUMNS = 64
MAX_ROWS = 20_000
MAX_XLSX_UNPACKED = 100 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    """One problem in the file. line 0 is the file as a whole (it could not be read)."""

    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        if self.line == 0:
            return self.reason if self.column is None else f"{self.column}: {self.reason}"
        where = f"line {self.line}" if self.column is None else f"line {self.line}, {self.column}"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class ImportReport:
    """What the import changed. An existing row counts as updated only if a value changed."""

    sites_created: int
    sites_updated: int
    devices_created: int
    devices_updated: int


class ImportRejected(Exception):
    """The file has errors; nothing was written. `errors` lists every one, in file order."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors, key=lambda e: e.line)
        super().__init__(self.errors)

    def __str__(self) -> str:
        count = len(self.errors)
        lines = [f"{count} error{'' if count == 1 else 's'}, nothing imported"]
        lines += [str(error) for error in self.errors[:MAX_ERRORS_SHOWN]]
        if count > MAX_ERRORS_SHOWN:
            lines.append(f"... and {count - MAX_ERRORS_SHOWN} more")
        return "\n".join(lines)


DeviceKey = tuple[str, str]  # (site code, device name)


@dataclass(frozen=True)
class ExistingDevice:
    """A device already in the database, as much of it as validation needs."""

    site_code: str
    name: str
    id: int
    parent_id: int | None
    asset_number: str | None = None


@dataclass(frozen=True)
class DeviceRow:
    """One validated row. `values` holds only the optional columns the row gives a value for."""

    line: int
    site_code: str
    site_name: str
    name: str
    kind: str
    parent: DeviceKey | None = None  # resolved; None: no parent given (keep the current one)
    values: Mapping[str, object] = field(default_factory=dict)
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False)  # plain text

    @property
    def key(self) -> DeviceKey:
        return (self.site_code, self.name)

    @property
    def address(self) -> str | None:
        """The address the row gives; None: none given (an asset nothing polls, or keep it)."""
        value = self.values.get("address")
        return value if isinstance(value, str) else None


# --- reading files ----------------------------------------------------------------------------


def read_rows(path: str | Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the non-empty rows (physical line, {header cell: value}) of a CSV or .xlsx.

    Cells beyond the header's last column are kept under the key "" so validation can report
    them. A file that cannot be read raises ImportRejected with one error.
    """
    return _rows_from_table(Path(path).name, read_table(path))


def read_table(path: str | Path) -> list[tuple[int, list[str]]]:
    """(physical line, cells) of every record of a CSV or the first sheet, no header chosen yet:
    the asset register's column mapping (monitor.devices.register_import) picks its own."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        table = _xlsx_table(path)
    elif suffix in (".csv", ".txt"):
        table = _csv_table(path)
    else:
        raise ImportRejected(
            [
                RowError(
                    0,
                    None,
                    f"{path.name}: unsupported file type "
                    f"'{suffix or '(none)'}': use .csv (CSV UTF-8) "
                    "or .xlsx",
                )
            ]
        )
    return table


def _csv_table(path: Path) -> list[tuple[int, list[str]]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportRejected(
            [RowError(0, None, f"cannot read {path.name}: {exc.strerror}")]
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportRejected(
            [
                RowError(
                    line,
                    None,
                    "the file is not UTF-8 text: in Excel use "
                    "Save As > 'CSV UTF-8', or upload the .xlsx",
                )
            ]
        ) from None
    return csv_table(text)


def csv_table(text: str) -> list[tuple[int, list[str]]]:
    """(first physical line, cells) for every record of CSV text; the separator is guessed."""
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = []
    start = 1
    try:
        for cells in reader:
            table.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportRejected([RowError(start, None, f"not valid CSV: {exc}")]) from None
    return table


def _too_many_rows() -> ImportRejected:
    return ImportRejected(
        [
            RowError(
                0,
                None,
                f"the file has more than {MAX_ROWS:,} rows of devices: split it into several "
                f"files of at most {MAX_ROWS:,} rows each",
            )
        ]
    )


def _xlsx_table(path: Path) -> list[tuple[int, list[str]]]:
    """The non-empty rows of the first sheet, each cut to its first MAX_COLUMNS cells.

    Read-only mode streams the sheet, and asking for at most MAX_COLUMNS columns keeps openpyxl
    from padding a row out to its furthest cell: a row with one cell in column XFD would
    otherwise become 16,384 values.
    """
    try:
        with ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except OSError as exc:
        raise ImportRejected(
            [RowError(0, None, f"cannot read {path.name}: {exc.strerror}")]
        ) from None
    except BadZipFile:
        unpacked = 0  # load_workbook below says what is wrong with it
    if unpacked > MAX_XLSX_UNPACKED:
        reason = (
            f"the workbook unpacks to more than {MAX_XLSX_UNPACKED // (1024 * 1024)} MB: "
            "save only the device list (one sheet, the columns named in the first line) "
            "or use a .csv file"
        )
        raise ImportRejected([RowError(0, None, f"cannot read {path.name}: {reason}")])
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:
        raise ImportRejected(
            [RowError(0, None, f"cannot read {path.name}: {exc.strerror}")]
        ) from None
    except (BadZipFile, InvalidFileException, KeyError, ValueError):
        reason = "not an .xlsx workbook (in Excel use Save As > 'Excel Workbook (.xlsx)')"
        raise ImportRejected([RowError(0, None, f"cannot read {path.name}: {reason}")]) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong size; read to the real end
        table: list[tuple[int, list[str]]] = []
        rows = sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
        for number, values in enumerate(rows, start=1):
            if all(v is None or v == "" for v in values):
                continue  # blank rows are dropped later anyway; do not hold them
            if len(table) > MAX_ROWS:  # the header line plus MAX_ROWS rows of devices
                raise _too_many_rows()
            table.append((number, [_cell_text(v) for v in values]))
        return table
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_from_table(
    name: str, table: list[tuple[int, list[str]]]
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    nonempty = [(line, cells) for line, cells in table if any(c.strip() for c in cells)]
    if not nonempty:
        raise ImportRejected(
            [RowError(0, None, f"{name} is empty: the first line must name the columns")]
        )
    (_, header), body = nonempty[0], nonempty[1:]
    if len(body) > MAX_ROWS:
        raise _too_many_rows()
    while header and not header[-1].strip():
        header = header[:-1]
    rows = []
    for line, cells in body:
        values = dict.fromkeys(header, "")
        for position, cell in enumerate(cells):
            column = header[position] if position < len(header) else ""
            if cell.strip() or column not in values:
                values[column] = cell
        rows.append((line, values))
    return list(header), rows


# --- validation (pure) ------------------------------------------------------------------------


def normalise_column(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def validate_header(header: list[str]) -> list[RowError]:
    errors = []
    seen = set()
    for raw in header:
        column = normalise_column(raw)
        if not column:
            continue
        if column not in COLUMNS:
            errors.append(
                RowError(
                    1,
                    None,
                    f"unknown column '{raw.strip()}' (the columns are: {', '.join(COLUMNS)})",
                )
            )
        elif column in seen:
            errors.append(RowError(1, None, f"column '{column}' appears twice"))
        seen.add(column)
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        errors.append(
            RowError(
                1,
                None,
                f"missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
            )
        )
    return errors


def validate_rows(
    header: list[str],
    rows: Iterable[tuple[int, Mapping[str, str]]],
    existing: Iterable[ExistingDevice] = (),
    rules: AssetRules | None = None,
) -> tuple[list[DeviceRow], list[RowError]]:
    """Check every row; ([valid rows], []) when the whole file is good, else ([], [errors]).
    `rules` adds the office's asset number pattern and lists (monitor.assets.fields)."""
    errors = validate_header(header)
    if errors:
        return [], errors
    columns = {raw: normalise_column(raw) for raw in header if normalise_column(raw)}
    parsed: list[_Parsed] = []
    for line, raw_values in rows:
        values = {}
        for raw, value in raw_values.items():
            value = (value or "").strip()
            if raw in columns:
                values[columns[raw]] = value
            elif value:
                # Never quote the value: it could be a password in a misplaced cell.
                errors.append(
                    RowError(line, None, "a value in a column that has no name in the header line")
                )
        row = _parse_row(line, values, rules)
        errors += row.errors
        parsed.append(row)
    errors += _check_file(parsed)
    existing = list(existing)
    errors += _check_asset_numbers(parsed, existing)
    resolved, parent_errors = _resolve_parents(parsed, existing)
    errors += parent_errors
    if errors:
        return [], sorted(errors, key=lambda e: e.line)
    return [row.device_row(resolved.get(row.line)) for row in parsed], []


@dataclass
class _Parsed:
    line: int
    fields: dict[str, object] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def text(self, column: str) -> str | None:
        """A column that parses to text (site, names, address, kind, credentials), if given."""
        value = self.fields.get(column)
        return value if isinstance(value, str) else None

    def _required(self, column: str) -> str:
        value = self.text(column)
        if value is None:  # device_row is only called for rows that passed validation
            raise ValueError(f"line {self.line}: {column} is missing")
        return value

    @property
    def key(self) -> DeviceKey | None:
        site, name = self.text("site"), self.text("name")
        return (site, name) if site and name else None

    def device_row(self, parent: DeviceKey | None) -> DeviceRow:
        f = self.fields
        optional = {
            c: f[c]
            for c in OPTIONAL_COLUMNS
            if c in f and c not in CREDENTIAL_COLUMNS and c != "parent"
        }
        credentials = {c: self._required(c) for c in CREDENTIAL_COLUMNS if c in f}
        return DeviceRow(
            line=self.line,
            site_code=self._required("site"),
            site_name=self._required("site_name"),
            name=self._required("name"),
            kind=self._required("kind"),
            parent=parent,
            values=optional,
            credentials=credentials,
        )


def _parse_row(line: int, values: Mapping[str, str], rules: AssetRules | None = None) -> _Parsed:
    """Check each cell of one row on its own; empty optional cells are left out of `fields`."""
    row = _Parsed(line)
    for column in COLUMNS:
        value = values.get(column, "")
        if not value:
            if column in REQUIRED_COLUMNS:
                row.errors.append(RowError(line, column, "required, but the cell is empty"))
            continue
        try:
            row.fields[column] = parse_value(column, value)
            if rules is not None:
                row.fields[column] = _office_rule(column, value, rules, row.fields[column])
        except ValueError as exc:
            row.errors.append(RowError(line, column, str(exc)))
    if "condition" in row.fields:
        for problem in asset_fields.disposal_problems(
            str(row.fields["condition"]),
            row.fields.get("disposed_on"),
            row.fields.get("disposal_reference"),
        ):
            row.errors.append(RowError(line, "condition", problem))
    return row


def _office_rule(column: str, value: str, rules: AssetRules, parsed: object) -> object:
    """The office's own rules on a register column that already parsed."""
    if column == "asset_number":
        return asset_fields.parse_asset_number(value, rules)
    if column == "acquisition_method":
        return asset_fields.parse_choice(value, rules.acquisition_methods, "acquisition methods")
    if column == "fund_source":
        return asset_fields.parse_choice(value, rules.fund_sources, "fund sources")
    return parsed


def parse_value(column: str, value: str) -> object:
    """One non-empty cell of `column`, checked and converted; ValueError says what is wrong."""
    if column not in CREDENTIAL_COLUMNS:
        refuse_control_characters(value, allow_lines=column == "notes")
    limit = MAX_LENGTH.get(column) or TEXT_COLUMNS.get(column)
    if limit and len(value) > limit:
        raise ValueError(f"'{value[:20]}...' is longer than {limit} characters")
    if column == "site":
        if not _SITE_CODE.match(value):
            raise ValueError(f"site code '{value}' must not contain spaces or '/'")
        return value
    if column == "address":
        return parse_address(value)
    if column == "kind":
        kind = value.lower()
        if kind not in DEVICE_KINDS:
            raise ValueError(f"unknown kind '{value}': use one of {', '.join(DEVICE_KINDS)}")
        return kind
    if column == "budget_year":
        return asset_fields.parse_budget_year(value)
    if column == "price":
        return asset_fields.parse_price(value)
    if column == "condition":
        return asset_fields.parse_condition(value)
    if column == "snmp_version":
        version = SNMP_VERSIONS.get(value.lower().removeprefix("v"))
        if version is None:
            raise ValueError(f"unknown SNMP version '{value}': use 1, 2c or 3")
        return version
    if column in PORT_COLUMNS:
        return parse_port(value)
    if column in DATE_COLUMNS:
        return parse_date(value)
    if column == "enabled":
        word = value.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"'{value}' is not yes or no (use yes/no, true/false or 1/0)")
    return value


def refuse_control_characters(value: str, *, allow_lines: bool = False) -> None:
    """ValueError naming the first control character: names and labels end up in Excel, PDF and
    mail, and Excel refuses a workbook holding one. Notes may keep tabs and line breaks."""
    for char in value:
        if unicodedata.category(char) == "Cc" and not (allow_lines and char in "\t\n\r"):
            raise ValueError(
                f"contains a control character (U+{ord(char):04X}), which is not allowed here: "
                "remove it (it is often pasted in invisibly)"
            )


def parse_address(value: str) -> str:
    """An IPv4/IPv6 literal or a DNS host name; raises ValueError saying which it is not."""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    host = value[:-1] if value.endswith(".") else value
    labels = host.split(".")
    # An all-numeric last label means someone meant an IP address (10.0.0.300), not a name.
    if (
        len(host) <= 253
        and all(_HOST_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
    ):
        return value
    raise ValueError(f"'{value}' is not an IP address or host name")


def parse_port(value: str) -> int:
    if value.isdigit() and 1 <= int(value) <= 65535:
        return int(value)
    raise ValueError(f"'{value}' is not a port number (1-65535)")


def parse_date(value: str) -> date:
    """2024-05-31 or 31/05/2024; years above 2400 are Buddhist era and lose 543."""
    iso, dmy = _ISO_DATE.match(value), _DMY_DATE.match(value)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif dmy:
        day, month, year = (int(part) for part in dmy.groups())
    else:
        raise ValueError(f"'{value}' is not a date: {DATE_FORMATS_HELP}")
    try:
        return date(common_era_year(year), month, day)
    except ValueError:
        raise ValueError(f"'{value}' is not a real date: {DATE_FORMATS_HELP}") from None


def _check_file(rows: list[_Parsed]) -> list[RowError]:
    """Rules across rows: one row per (site, name); one name per site code."""
    errors = []
    first_line: dict[DeviceKey, int] = {}
    site_names: dict[str, tuple[str, int]] = {}
    for row in rows:
        key = row.key
        if key is not None:
            if key in first_line:
                errors.append(
                    RowError(
                        row.line,
                        "name",
                        f"device '{key[1]}' of site {key[0]} is already on line {first_line[key]}",
                    )
                )
            else:
                first_line[key] = row.line
        site, site_name = row.text("site"), row.text("site_name")
        if site and site_name:
            if site not in site_names:
                site_names[site] = (site_name, row.line)
            elif site_names[site][0] != site_name:
                name, line = site_names[site]
                errors.append(
                    RowError(
                        row.line,
                        "site_name",
                        f"site {site} is named '{name}' on line {line} but "
                        f"'{site_name}' here: one site code, one name",
                    )
                )
    return errors


def _check_asset_numbers(rows: list[_Parsed], existing: list[ExistingDevice]) -> list[RowError]:
    """One asset number, one asset: across the file, and against other devices in the database."""
    errors = []
    owner: dict[str, tuple[DeviceKey, str]] = {
        d.asset_number: ((d.site_code, d.name), "the database") for d in existing if d.asset_number
    }
    in_file: dict[str, int] = {}
    for row in rows:
        number = row.text("asset_number")
        if number is None or row.key is None:
            continue
        if number in in_file:
            errors.append(
                RowError(
                    row.line,
                    "asset_number",
                    f"asset number '{number}' is already on line {in_file[number]}",
                )
            )
            continue
        in_file[number] = row.line
        holder = owner.get(number)
        if holder is not None and holder[0] != row.key:
            errors.append(
                RowError(
                    row.line,
                    "asset_number",
                    f"asset number '{number}' belongs to {holder[0][0]}/{holder[0][1]} in "
                    f"{holder[1]}",
                )
            )
    return errors


def _resolve_parents(
    rows: list[_Parsed], existing: list[ExistingDevice]
) -> tuple[dict[int, DeviceKey], list[RowError]]:
    """{line: parent key} for rows naming a parent, and the errors (unknown, ambiguous, loops)."""
    by_id: dict[int | None, DeviceKey] = {d.id: (d.site_code, d.name) for d in existing}
    parent_of: dict[DeviceKey, DeviceKey | None] = {
        (d.site_code, d.name): by_id.get(d.parent_id) for d in existing
    }
    for row in rows:
        if row.key is not None:
            parent_of.setdefault(row.key, None)
    sites_by_name: dict[str, set[str]] = {}
    for site, name in parent_of:
        sites_by_name.setdefault(name, set()).add(site)

    errors = []
    resolved: dict[int, DeviceKey] = {}
    row_by_key: dict[DeviceKey, _Parsed] = {}
    for row in rows:
        reference, key = row.text("parent"), row.key
        if reference is None or key is None:
            continue
        row_by_key.setdefault(key, row)
        parent, reason = _find_parent(reference, key[0], parent_of, sites_by_name)
        if parent is None:
            errors.append(RowError(row.line, "parent", reason))
        elif parent == row.key:
            errors.append(RowError(row.line, "parent", "a device cannot be its own parent"))
        else:
            resolved[row.line] = parent

    for row in rows:
        key = row.key
        if key is not None and row.line in resolved and row_by_key.get(key) is row:
            parent_of[key] = resolved[row.line]
    for key, row in row_by_key.items():
        if row.line not in resolved:
            continue
        chain = [key]
        current = parent_of.get(key)
        while current is not None and current not in chain:
            chain.append(current)
            current = parent_of.get(current)
        if current == key:
            loop = " → ".join(f"{site}/{name}" for site, name in [*chain, key])
            errors.append(RowError(row.line, "parent", f"parent loop: {loop}"))
    return resolved, errors


def _find_parent(
    reference: str,
    own_site: str,
    known: Mapping[DeviceKey, object],
    sites_by_name: Mapping[str, set[str]],
) -> tuple[DeviceKey | None, str]:
    site, slash, name = reference.partition("/")
    if slash and (site, name) in known:
        return (site, name), ""
    if (own_site, reference) in known:
        return (own_site, reference), ""
    sites = sites_by_name.get(reference, set())
    if len(sites) == 1:
        return (next(iter(sites)), reference), ""
    if sites:
        listed = sorted(sites)
        return None, (
            f"parent '{reference}' is a device in several sites "
            f"({', '.join(listed)}): write it as SITE/name, e.g. "
            f"{listed[0]}/{reference}"
        )
    return None, f"parent '{reference}' is not a device in this file or in the database"


# --- writing ----------------------------------------------------------------------------------


def import_file(
    session_factory: sessionmaker[Session],
    path: str | Path,
    vault: Vault,
    rules: AssetRules | None = None,
) -> ImportReport:
    """Import a .csv or .xlsx file; raises ImportRejected (and writes nothing) on any error."""
    header, rows = read_rows(path)
    return import_rows(session_factory, header, rows, vault, rules)


def import_rows(
    session_factory: sessionmaker[Session],
    header: list[str],
    rows: Sequence[tuple[int, Mapping[str, str]]],
    vault: Vault,
    rules: AssetRules | None = None,
) -> ImportReport:
    """Validate every row, then write them all in one transaction; ImportRejected on any error."""
    with transaction(session_factory) as session:
        report = import_into(session, header, rows, vault, rules)
    log.info(
        "import: %d sites created, %d updated; %d devices created, %d updated",
        report.sites_created,
        report.sites_updated,
        report.devices_created,
        report.devices_updated,
    )
    return report


def import_into(
    session: Session,
    header: list[str],
    rows: Sequence[tuple[int, Mapping[str, str]]],
    vault: Vault,
    rules: AssetRules | None = None,
    *,
    by_admin: bool = True,
) -> ImportReport:
    """Validate every row and write them in the caller's transaction (flushed, not committed);
    ImportRejected, with nothing written, on any error. The web's import uses it so the changes
    are made (and audited) in the signed-in user's session; unless `by_admin`, a new address for
    a device with stored credentials holds them (monitor.devices.holds). The command line is
    trusted as an admin: whoever runs it can read the database and its key already."""
    sites, devices = load_existing(session)
    existing = [
        ExistingDevice(code, device.name, device.id, device.parent_id, device.asset_number)
        for (code, _), device in devices.items()
    ]
    valid, errors = validate_rows(header, rows, existing, rules)
    if errors:
        raise ImportRejected(errors)
    return _write(session, valid, sites, devices, vault, by_admin=by_admin)


def load_existing(session: Session) -> tuple[dict[str, Site], dict[DeviceKey, Device]]:
    """Every site by code and every device by (site code, name): one query each."""
    sites = {site.code: site for site in session.scalars(select(Site))}
    loaded = session.execute(select(Device, Site.code).join(Device.site)).all()
    return sites, {(code, device.name): device for device, code in loaded}


# How an import writes. Working out the changes (encrypting credentials, comparing with what is
# stored, the audit log's rows) takes seconds for thousands of rows, and on SQLite whoever writes
# holds the one writer's lock until commit: the poller's sweeps wait for it. So the changes are
# worked out before the first write, and the writes are a handful of batched Core statements (an
# INSERT per table and page of rows, an executemany UPDATE per set of changed columns), all in the
# caller's one transaction: a failure still writes nothing. (The ORM's unit of work inserts
# self-referencing devices one row at a time, and its flush listener builds the audit rows while
# the lock is held; here the same audit rows are built from the values written.)

_DEVICES = cast(Table, Device.__table__)
_SITES = cast(Table, Site.__table__)
_DEVICE_COLUMNS = tuple(c.key for c in _DEVICES.columns if c.key != "id")


@dataclass
class _DevicePlan:
    """One row of the file, worked out: every column of a new device, or the changed columns of
    a stored one with the audit changes the ORM's flushes recorded for it, in their order."""

    key: DeviceKey
    new: bool
    id: int | None  # a new device's comes from its INSERT
    label: str
    values: dict[str, object]
    changed: bool = False  # a stored device that changes: counted as updated, gets updated_at
    events: list[dict] = field(default_factory=list)
    parent: DeviceKey | None = None  # the row's parent, when it differs from the stored one
    parent_before: int | None = None
    parent_id: int | None = None  # the parent's id, once every row has one
    created: dict | None = None  # a new device's audit changes, its site's id filled in late


def _write(
    session: Session,
    rows: list[DeviceRow],
    sites: dict[str, Site],
    devices: dict[DeviceKey, Device],
    vault: Vault,
    *,
    by_admin: bool = True,
) -> ImportReport:
    now = utcnow()
    new_sites: dict[str, dict[str, object]] = {}
    renamed: dict[str, tuple[int, str, str]] = {}  # code → (id, old name, new name)
    for row in rows:
        site = sites.get(row.site_code)
        if site is None:
            new_sites.setdefault(
                row.site_code,
                {"code": row.site_code, "name": row.site_name, "enabled": True, "created_at": now},
            )
        elif site.name != row.site_name:
            renamed.setdefault(row.site_code, (site.id, site.name, row.site_name))
    site_ids = {code: site.id for code, site in sites.items()}
    ids = {key: device.id for key, device in devices.items()}
    with session.no_autoflush:  # nothing may reach the database before the writes below
        plans = [
            _plan_device(session, row, devices.get(row.key), ids, vault, now, by_admin=by_admin)
            for row in rows
        ]
    # The loaded objects were changed only to work the plans out: they must not be flushed.
    for device in devices.values():
        session.expire(device)

    new = [plan for plan in plans if plan.new]
    for plan in new:
        # A stored parent goes in with the row; one that is new in this file is linked below.
        plan.values["parent_id"] = ids.get(plan.parent) if plan.parent is not None else None
        # A new site's id comes with its INSERT: 0 holds the place (in the audit rows too).
        plan.values["site_id"] = site_ids.get(plan.key[0], 0)
    actor = audit.actor_of(session)
    log_rows = _audit_rows(actor, new_sites, renamed, plans) if actor is not None else []

    # The writes. New rows' ids are read back by their keys (SQLite cannot return the ids of a
    # batched INSERT in the order given: asked to, SQLAlchemy inserts one row at a time).
    if new_sites:
        _insert(session, _SITES, list(new_sites.values()))
        site_ids.update(
            (code, site_id) for code, site_id in session.execute(select(Site.code, Site.id))
        )
        for plan in new:
            if plan.values["site_id"] == 0:
                plan.values["site_id"] = site_ids[plan.key[0]]
                if plan.created is not None:
                    plan.created["site_id"] = [None, plan.values["site_id"]]
    _update(session, _SITES, [(i, {"name": name}) for i, _, name in renamed.values()])
    if new:
        _insert(session, _DEVICES, [plan.values for plan in new])
        stored = session.execute(select(Site.code, Device.name, Device.id).join(Device.site))
        ids.update(((code, name), device_id) for code, name, device_id in stored)
        for plan in new:
            plan.id = ids[plan.key]
    updates: list[tuple[int, dict[str, object]]] = []
    for plan in plans:
        if plan.parent is not None:
            plan.parent_id = ids[plan.parent]
        if plan.new and plan.parent is not None and plan.values["parent_id"] is None:
            updates.append((cast(int, plan.id), {"parent_id": plan.parent_id}))
        elif plan.changed:
            values = {**plan.values, "updated_at": now}
            if plan.parent is not None:
                values["parent_id"] = plan.parent_id
            updates.append((cast(int, plan.id), values))
    _update(session, _DEVICES, updates)
    if actor is not None:
        audit.write(session, log_rows + _parent_rows(actor, plans))
    return ImportReport(
        sites_created=len(new_sites),
        sites_updated=len(renamed),
        devices_created=len(new),
        devices_updated=sum(plan.changed for plan in plans),
    )


def _plan_device(
    session: Session,
    row: DeviceRow,
    device: Device | None,
    ids: Mapping[DeviceKey, int],
    vault: Vault,
    now: datetime,
    *,
    by_admin: bool,
) -> _DevicePlan:
    """What the row does to its device. A stored device's object is changed in memory to compare
    (and to let `holds` decide); the caller expires it before anything is written."""
    if device is None:
        # A plain record rather than an ORM object: thousands of those cost seconds.
        blank = SimpleNamespace(**dict.fromkeys(_DEVICE_COLUMNS))
        blank.__dict__.update(name=row.name, enabled=True, created_at=now, updated_at=now)
        apply_row(cast(Device, blank), row, vault)
        return _DevicePlan(
            row.key, True, None, audit.label_of(blank), dict(vars(blank)), parent=row.parent
        )
    before = _column_values(device)
    changed = apply_row(device, row, vault)
    after = _column_values(device)
    events = [audit.updated_changes(before, after)] if changed else []
    if changed and not by_admin and after["address"] != before["address"]:
        holds.hold_if_redirected(session, device, ["address"], row.credentials, now)
        held = _column_values(device)
        events.append(audit.updated_changes(after, held))
        after = held
    parent = row.parent
    if parent is not None and parent in ids and ids[parent] == before["parent_id"]:
        parent = None  # the parent it has already
    return _DevicePlan(
        row.key,
        False,
        device.id,
        audit.label_of(device),
        {column: value for column, value in after.items() if value != before[column]},
        changed=changed or parent is not None,
        events=[changes for changes in events if changes],
        parent=parent,
        parent_before=cast(int | None, before["parent_id"]),
    )


def _column_values(device: Device) -> dict[str, object]:
    return {column: getattr(device, column) for column in _DEVICE_COLUMNS}


def _insert(session: Session, table: Table, rows: list[dict[str, object]]) -> None:
    """INSERT the rows: one executemany (or a few pages of it), whatever their number. Columns
    empty in every row are left out, so their defaults apply as the ORM's would."""
    columns = [column for column in rows[0] if any(row[column] is not None for row in rows)]
    session.connection().execute(
        insert(table), [{column: row[column] for column in columns} for row in rows]
    )


def _update(session: Session, table: Table, rows: list[tuple[int, dict[str, object]]]) -> None:
    """UPDATE rows by id: one executemany per set of columns changed."""
    batches: dict[tuple[str, ...], list[dict[str, object]]] = {}
    for row_id, values in rows:
        columns = tuple(sorted(values))
        named = {f"new_{column}": value for column, value in values.items()}
        batches.setdefault(columns, []).append({"row_id": row_id, **named})
    for columns, params in batches.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({column: bindparam(f"new_{column}") for column in columns})
        )
        session.connection().execute(statement, params)


def _audit_rows(
    actor: audit.Actor,
    new_sites: Mapping[str, Mapping[str, object]],
    renamed: Mapping[str, tuple[int, str, str]],
    plans: list[_DevicePlan],
) -> list[dict]:
    """The audit rows the flush listener wrote for the ORM's flushes of an import, but the parents
    set last (`_parent_rows`): the sites', the stored devices' changes, then the new devices. (A
    created row has no object_id there: the listener runs before the flush gives it its identity.)
    """
    rows = [
        audit.entry(
            actor,
            "create",
            "site",
            None,
            audit.label_of(Site(code=code, name=values["name"])),
            audit.created_changes(values),
        )
        for code, values in new_sites.items()
    ]
    for code, (site_id, old, name) in renamed.items():
        label = audit.label_of(Site(code=code, name=name))
        changes = audit.updated_changes({"name": old}, {"name": name})
        rows.append(audit.entry(actor, "update", "site", str(site_id), label, changes))
    for plan in plans:
        for changes in plan.events:
            rows.append(audit.entry(actor, "update", "device", str(plan.id), plan.label, changes))
    for plan in plans:
        if plan.new:
            # The listener saw the row before its parent was set (by the next flush).
            plan.created = audit.created_changes({**plan.values, "parent_id": None})
            rows.append(audit.entry(actor, "create", "device", None, plan.label, plan.created))
    return rows


def _parent_rows(actor: audit.Actor, plans: list[_DevicePlan]) -> list[dict]:
    """The audit rows of the parents set, once every device has its id."""
    return [
        audit.entry(
            actor,
            "update",
            "device",
            str(plan.id),
            plan.label,
            {"parent_id": [plan.parent_before, plan.parent_id]},
        )
        for plan in plans
        if plan.parent is not None
    ]


def apply_row(device: Device, row: DeviceRow, vault: Vault | None) -> bool:
    """Set the row's values on the device; True if anything changed. Credentials need a vault."""
    changed = False
    values = {"kind": row.kind, **row.values}
    for column, value in values.items():
        if getattr(device, column) != value:
            setattr(device, column, value)
            changed = True
    for column, plain in row.credentials.items():
        if vault is None:
            raise TypeError("credentials given but no vault to encrypt them with")
        stored = getattr(device, column)
        if stored is not None:
            try:
                if vault.decrypt(stored) == plain:
                    continue
            except SecretsError:
                pass  # encrypted with an old key: replace it
        setattr(device, column, vault.encrypt(plain))
        changed = True
    return changed
