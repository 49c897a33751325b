"""The officer's own Excel register, imported through a column mapping.

An office's ทะเบียนครุภัณฑ์ is not the importer's file: its header is Thai ("เลขครุภัณฑ์",
"ปีงบประมาณ", "ราคา"...), merged title rows stand above it, dates are Buddhist era and may be written
with Thai month names, numbers may use Thai digits and thousands separators, and the school is
often the whole sheet rather than a column. This module turns such a table into the importer's
rows, and the importer does the rest exactly as for its own files (every bad row named with the
sheet's row number; nothing written unless every row is good).

1. `guess_header` finds the header row under the title rows; `guess_mapping` proposes which
   column holds which field from the header's words. The officer corrects both on the import
   page (`Mapping`).
2. `mapped_rows` (pure) gives the importer's header and rows: the mapped cells, the school
   (site code and name) when no column holds it, the name (the asset number when no column holds
   one), kinds from Thai words (the kind column, else the item's description, else the sheet's
   kind), the description into the notes, Thai dates and digits normalised. Problems of the mapping itself
   (no kind, two columns for one field) are line-0 errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from monitor.assets.fields import AssetRules
from monitor.devices import importer
from monitor.devices.importer import ImportRejected, ImportReport, RowError
from monitor.domain import DeviceKind
from monitor.localtime import THAI_MONTHS, THAI_MONTHS_SHORT
from monitor.secrets import Vault

Table = list[tuple[int, list[str]]]

# What a register's column may be mapped to, in the order the mapping page lists them.
FIELDS = (
    "asset_number",
    "description",
    "name",
    "kind",
    "model",
    "serial",
    "budget_year",
    "purchase_date",
    "acquisition_method",
    "fund_source",
    "price",
    "supplier",
    "responsible_person",
    "room",
    "location",
    "condition",
    "disposed_on",
    "disposal_reference",
    "warranty_end",
    "eol_date",
    "address",
    "site",
    "site_name",
    "notes",
)
# The rows above the header that are searched for it (title, office, date lines).
HEADER_SEARCH_ROWS = 30

# Header words per field, compared without spaces and case; the longest match wins, so
# "วันที่จำหน่าย" is disposed_on even though "วันที่" alone would suggest a purchase date.
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "asset_number": ("เลขครุภัณฑ์", "เลขที่ครุภัณฑ์", "รหัสครุภัณฑ์", "หมายเลขครุภัณฑ์", "assetnumber"),
    # The item as the register describes it ("เครื่องคอมพิวเตอร์โน้ตบุ๊ก"): repeated across rows, so
    # it is not the device name (unique in a school); it gives the kind and goes to the notes.
    "description": ("ชื่อครุภัณฑ์", "รายการ", "ชื่อรายการ", "description"),
    "name": ("ชื่อเครื่อง", "ชื่ออุปกรณ์", "hostname", "name"),
    "kind": ("ประเภท", "ชนิด", "kind"),
    "model": ("ยี่ห้อ", "รุ่น", "ยี่ห้อ/รุ่น", "model"),
    "serial": ("หมายเลขเครื่อง", "serial", "s/n", "หมายเลขประจำเครื่อง"),
    "budget_year": ("ปีงบประมาณ", "ปีงบ", "budgetyear"),
    "purchase_date": ("วันที่ได้มา", "วันที่ซื้อ", "วันที่ตรวจรับ", "วันเดือนปีที่ได้มา", "purchasedate"),
    "acquisition_method": ("วิธีการได้มา", "วิธีได้มา", "วิธีการจัดหา"),
    "fund_source": ("แหล่งเงิน", "ประเภทเงิน", "แหล่งงบประมาณ", "fundsource"),
    "price": ("ราคา", "ราคาต่อหน่วย", "มูลค่า", "ราคา(บาท)", "price"),
    "supplier": ("ผู้ขาย", "ผู้รับจ้าง", "ชื่อผู้ขาย", "บริษัท", "supplier"),
    "responsible_person": ("ผู้รับผิดชอบ", "ผู้ใช้", "ผู้ครอบครอง"),
    "room": ("ห้อง", "อาคาร", "สถานที่ตั้ง", "ห้อง/อาคาร", "room"),
    "location": ("ที่ตั้ง", "location"),
    "condition": ("สภาพ", "สถานะ", "condition"),
    "disposed_on": ("วันที่จำหน่าย",),
    "disposal_reference": ("เลขที่หนังสือจำหน่าย", "หนังสืออนุมัติจำหน่าย", "เลขที่อนุมัติจำหน่าย"),
    "warranty_end": ("วันหมดประกัน", "สิ้นสุดประกัน", "หมดประกัน"),
    "eol_date": ("eol", "วันสิ้นสุดการสนับสนุน"),
    "address": ("ip", "ipaddress", "ที่อยู่ip", "address"),
    "site": ("รหัสหน่วยงาน", "รหัสโรงเรียน", "site"),
    "site_name": ("หน่วยงาน", "โรงเรียน", "sitename"),
    "notes": ("หมายเหตุ", "notes"),
}

# A kind in the words registers use; the first entry found in the cell wins, so the narrower
# words stand before "คอมพิวเตอร์" (a notebook is often "เครื่องคอมพิวเตอร์โน้ตบุ๊ก").
KIND_WORDS: tuple[tuple[str, DeviceKind], ...] = (
    ("โน้ตบุ๊ก", DeviceKind.NOTEBOOK),
    ("โน๊ตบุ๊ค", DeviceKind.NOTEBOOK),
    ("โน้ตบุ๊ค", DeviceKind.NOTEBOOK),
    ("notebook", DeviceKind.NOTEBOOK),
    ("laptop", DeviceKind.NOTEBOOK),
    ("แท็บเล็ต", DeviceKind.TABLET),
    ("แทบเล็ต", DeviceKind.TABLET),
    ("tablet", DeviceKind.TABLET),
    ("ipad", DeviceKind.TABLET),
    ("โปรเจกเตอร์", DeviceKind.PROJECTOR),
    ("โปรเจคเตอร์", DeviceKind.PROJECTOR),
    ("เครื่องฉาย", DeviceKind.PROJECTOR),
    ("projector", DeviceKind.PROJECTOR),
    ("เครื่องพิมพ์", DeviceKind.PRINTER),
    ("ปริ้นเตอร์", DeviceKind.PRINTER),
    ("พริ้นเตอร์", DeviceKind.PRINTER),
    ("printer", DeviceKind.PRINTER),
    ("เครื่องสำรองไฟ", DeviceKind.UPS),
    ("ups", DeviceKind.UPS),
    ("เซิร์ฟเวอร์", DeviceKind.SERVER),
    ("เครื่องแม่ข่าย", DeviceKind.SERVER),
    ("server", DeviceKind.SERVER),
    ("ไฟร์วอลล์", DeviceKind.FIREWALL),
    ("firewall", DeviceKind.FIREWALL),
    ("เราเตอร์", DeviceKind.ROUTER),
    ("router", DeviceKind.ROUTER),
    ("สวิตช์", DeviceKind.SWITCH),
    ("สวิทช์", DeviceKind.SWITCH),
    ("switch", DeviceKind.SWITCH),
    ("แอคเซสพอยต์", DeviceKind.AP),
    ("accesspoint", DeviceKind.AP),
    ("คอมพิวเตอร์", DeviceKind.COMPUTER),
    ("computer", DeviceKind.COMPUTER),
)

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_MONTHS = {
    **{name: number for number, name in enumerate(THAI_MONTHS, start=1)},
    **{name: number for number, name in enumerate(THAI_MONTHS_SHORT, start=1)},
    **{name.replace(".", ""): number for number, name in enumerate(THAI_MONTHS_SHORT, start=1)},
}
_THAI_DATE = re.compile(r"^(\d{1,2})\s*([^\d\s]+)\s*(?:พ\.ศ\.)?\s*(\d{4})$")


@dataclass(frozen=True)
class ColumnMapping:
    """What the officer chose on the import page.

    `header_line` is the physical line of the header (rows above it are ignored, rows below are
    data); `columns` maps a column position (0-based) to a field of FIELDS; `site_code`,
    `site_name` and `kind` stand in for columns the sheet does not have.
    """

    header_line: int
    columns: Mapping[int, str] = field(default_factory=dict)
    site_code: str = ""
    site_name: str = ""
    kind: str = ""

    def as_note(self) -> dict:
        """JSON-safe form, kept with the upload between the preview and the confirmation."""
        return {
            "header_line": self.header_line,
            "columns": {str(k): v for k, v in self.columns.items()},
            "site_code": self.site_code,
            "site_name": self.site_name,
            "kind": self.kind,
        }

    @classmethod
    def from_note(cls, note: Mapping) -> ColumnMapping:
        return cls(
            int(note["header_line"]),
            {int(k): str(v) for k, v in note["columns"].items()},
            str(note.get("site_code", "")),
            str(note.get("site_name", "")),
            str(note.get("kind", "")),
        )


def _words(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def is_importer_file(table: Table) -> bool:
    """True when the first row names the importer's own columns: no mapping needed."""
    if not table:
        return True
    header = [importer.normalise_column(c) for c in table[0][1] if c.strip()]
    return bool(header) and all(c in importer.COLUMNS for c in header)


def guess_header(table: Table) -> int:
    """The physical line of the header: the first row, among the top ones, that fills at least
    as many cells as most rows below it (title rows above fill one or two)."""
    top = table[:HEADER_SEARCH_ROWS]
    if not top:
        return 1
    filled = [sum(1 for c in cells if c.strip()) for _, cells in top]
    widest = max(filled)
    for (line, _), count in zip(top, filled, strict=True):
        if count >= max(2, widest * 0.6):
            return line
    return top[0][0]


def header_cells(table: Table, header_line: int) -> list[str]:
    for line, cells in table:
        if line == header_line:
            return cells
    return []


def guess_mapping(header: Sequence[str]) -> dict[int, str]:
    """Column position → field, from the header's words; each field to one column at most."""
    chosen: dict[int, str] = {}
    taken: set[str] = set()
    scored = []
    for position, cell in enumerate(header):
        words = _words(cell)
        if not words:
            continue
        best, length = None, 0
        for name, phrases in HEADER_WORDS.items():
            for phrase in phrases:
                if phrase in words and len(phrase) > length:
                    best, length = name, len(phrase)
        if best is not None:
            # An exact header beats one that only contains the words.
            scored.append((0 if words in HEADER_WORDS[best] else 1, -length, position, best))
    for _, _, position, name in sorted(scored):
        if name not in taken:
            chosen[position] = name
            taken.add(name)
    return dict(sorted(chosen.items()))


def kind_of(text: str) -> str | None:
    """A kind from a register's words ("เครื่องคอมพิวเตอร์โน้ตบุ๊ก" → notebook), or None."""
    words = _words(text)
    if words in {k.value for k in DeviceKind}:
        return words
    for phrase, kind in KIND_WORDS:
        if phrase in words:
            return kind.value
    return None


def normalise_date(text: str) -> str:
    """'15 มี.ค. 2567' or '15 มีนาคม 2567' → '15/03/2567'; anything else unchanged (the
    importer's date parser says what is wrong with it)."""
    match = _THAI_DATE.match(text.strip())
    if match:
        month = _MONTHS.get(match.group(2)) or _MONTHS.get(match.group(2).replace(".", ""))
        if month:
            return f"{int(match.group(1)):02d}/{month:02d}/{match.group(3)}"
    return text


def mapped_rows(
    table: Table, mapping: ColumnMapping
) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[RowError]]:
    """The importer's header and rows for the data below the header, and the mapping's own
    errors (line 0). Every cell is kept under its field; rows without any value are skipped."""
    errors = _mapping_errors(mapping)
    fields = set(mapping.columns.values()) - {"description"}
    header = [f for f in FIELDS if f in fields]
    for fixed in ("site", "site_name", "name", "kind", "notes"):
        if fixed not in header:
            header.append(fixed)
    rows = []
    for line, cells in table:
        if line <= mapping.header_line:
            continue
        values = {
            name: cells[position].translate(_THAI_DIGITS).strip()
            for position, name in mapping.columns.items()
            if position < len(cells)
        }
        if not any(values.values()):
            continue
        rows.append((line, _fill(values, mapping)))
    return header, rows, errors


def _fill(values: dict[str, str], mapping: ColumnMapping) -> dict[str, str]:
    if not values.get("site"):
        values["site"] = mapping.site_code
    if not values.get("site_name"):
        values["site_name"] = mapping.site_name or values["site"]
    if not values.get("name"):
        values["name"] = values.get("asset_number", "")
    description = values.pop("description", "")
    if values.get("kind"):
        # An unknown word stays as written: the importer names the line and the word.
        values["kind"] = kind_of(values["kind"]) or values["kind"]
    else:
        values["kind"] = kind_of(description) or mapping.kind
    if description and not values.get("notes"):
        values["notes"] = description
    for name in importer.DATE_COLUMNS:
        if values.get(name):
            values[name] = normalise_date(values[name])
    return values


def _mapping_errors(mapping: ColumnMapping) -> list[RowError]:
    errors = []
    fields = list(mapping.columns.values())
    unknown = sorted({f for f in fields if f not in FIELDS})
    if unknown:
        errors.append(RowError(0, None, f"unknown field in the mapping: {', '.join(unknown)}"))
    twice = sorted({f for f in fields if fields.count(f) > 1})
    if twice:
        errors.append(
            RowError(0, None, f"one column per field: {', '.join(twice)} is chosen more than once")
        )
    if "name" not in fields and "asset_number" not in fields:
        errors.append(
            RowError(0, None, "choose the column of the asset number or of the name of each item")
        )
    if "site" not in fields and not mapping.site_code:
        errors.append(
            RowError(0, None, "choose the school (site) of the whole sheet, or its code's column")
        )
    if "kind" not in fields and mapping.kind not in {k.value for k in DeviceKind}:
        errors.append(RowError(0, None, "choose the kind of the whole sheet, or its column"))
    return errors


# --- reading and importing ----------------------------------------------------------------------


def register_rows(
    path: str | Path, mapping: ColumnMapping
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The importer's header and rows of a register file; ImportRejected for a bad mapping."""
    header, rows, errors = mapped_rows(importer.read_table(path), mapping)
    if errors:
        raise ImportRejected(errors)
    return header, rows


def import_register(
    session_factory: sessionmaker[Session],
    path: str | Path,
    mapping: ColumnMapping,
    vault: Vault,
    rules: AssetRules | None = None,
) -> ImportReport:
    """Import a register through a mapping: all of it in one transaction, or nothing."""
    header, rows = register_rows(path, mapping)
    return importer.import_rows(session_factory, header, rows, vault, rules)
