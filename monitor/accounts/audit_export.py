"""The audit log as a spreadsheet: CSV (UTF-8 with BOM, for Excel) and XLSX.

The cell rules are every export's (monitor.reports.spreadsheet): text that looks like a formula stays
text, characters Excel rejects are replaced. Secrets never reach here: the log holds only "•••".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from monitor.db.models import AuditEvent
from monitor.localtime import to_local
from monitor.reports import spreadsheet

# (column, Thai header, English header)
COLUMNS = (
    ("at", "เวลา (กรุงเทพฯ)", "When (Bangkok)"),
    ("actor", "ผู้ดำเนินการ", "Who"),
    ("address", "จากเครื่อง", "From address"),
    ("action", "การกระทำ", "Action"),
    ("object_type", "ประเภท", "Object type"),
    ("object_id", "รหัส", "Object id"),
    ("object_label", "รายการ", "Object"),
    ("changes", "ก่อน → หลัง", "Before → after"),
)
# More than an office ever needs in one file, far below Excel's 1,048,576 rows.
EXPORT_LIMIT = 100_000


def _shown(value) -> str:
    return "—" if value is None or value == "" else str(value)


def changes_text(changes: dict | None) -> str:
    """'role: viewer → operator; password_hash: ••• → •••' (secrets were masked when recorded)."""
    if not changes:
        return ""
    parts = []
    for field, pair in changes.items():
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            parts.append(f"{field}: {_shown(pair[0])} → {_shown(pair[1])}")
        else:
            parts.append(f"{field}: {_shown(pair)}")
    return "; ".join(parts)


def export_values(event: AuditEvent, labels: Mapping[int, str] | None = None) -> list[object]:
    """`labels`: an event's object label as the reader should see it, where it is not the stored
    one (a rule-made risk's title, in the reader's language)."""
    return [
        to_local(event.at).replace(tzinfo=None, microsecond=0),
        event.actor,
        event.address,
        event.action,
        event.object_type,
        event.object_id,
        (labels or {}).get(event.id, event.object_label),
        changes_text(event.changes),
    ]


def _headers(lang: str) -> list[str]:
    return [th if lang == "th" else en for _, th, en in COLUMNS]


def audit_csv(
    events: Iterable[AuditEvent], lang: str = "th", labels: Mapping[int, str] | None = None
) -> bytes:
    return spreadsheet.csv_bytes(_headers(lang), (export_values(e, labels) for e in events))


def audit_xlsx(
    events: Iterable[AuditEvent], lang: str = "th", labels: Mapping[int, str] | None = None
) -> bytes:
    return spreadsheet.xlsx_bytes(
        "บันทึกการเปลี่ยนแปลง" if lang == "th" else "Audit log",
        _headers(lang),
        (export_values(e, labels) for e in events),
        (20, 18, 16, 12, 16, 10, 30, 80),
        datetime_format="yyyy-mm-dd hh:mm:ss",
    )
