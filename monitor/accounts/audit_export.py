"""The audit log as a spreadsheet: CSV (UTF-8 with BOM, for Excel) and XLSX.

A person reads the export as they read the page: the time in Bangkok with the reader's calendar
(พ.ศ. in Thai), who did it, the action, the object type, each changed field and value in the
reader's language. Those words are given by the caller (`Wording`; the web passes the audit
page's own, web.audit_display), so the file and the page cannot drift apart. Words change with the
language and with the catalogue, and a Bangkok time is ambiguous to a program, so two columns at
the end keep what a script or an auditor's tool needs: the moment as ISO 8601 UTC and the action
code as stored (old acknowledgements stay "update" there while the words say "acknowledge").

The cell rules are every export's (monitor.reports.spreadsheet): text that looks like a formula stays
text, characters Excel rejects are replaced. Secrets never reach here: the log holds only "•••".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC

from monitor.db.models import AuditEvent
from monitor.localtime import format_datetime, to_local
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
    ("at_utc", "เวลา UTC (ISO 8601)", "Time UTC (ISO 8601)"),
    ("action_code", "รหัสการกระทำ", "Action code"),
)
# More than an office ever needs in one file, far below Excel's 1,048,576 rows.
EXPORT_LIMIT = 100_000


def _code(value) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Wording:
    """How an event's parts read in one language. The defaults are the stored codes."""

    lang: str = "th"
    action: Callable[[AuditEvent], str] = lambda e: e.action
    actor: Callable[[AuditEvent], str] = lambda e: e.actor
    object_type: Callable[[str], str] = _code
    field: Callable[[str], str] = _code
    value: Callable[[str, str, object], str] = lambda _type, _field, v: _shown(v)

    def when(self, event: AuditEvent) -> str:
        moment = to_local(event.at)
        return f"{format_datetime(event.at, self.lang)}:{moment:%S}"


def _shown(value) -> str:
    return "—" if value is None or value == "" else str(value)


def changes_text(changes: dict | None, object_type: str = "", words: Wording | None = None) -> str:
    """'role: viewer → operator; password_hash: ••• → •••' (secrets were masked when recorded),
    each field and value in `words`' language."""
    if not changes:
        return ""
    words = words or Wording()
    parts = []
    for field, pair in changes.items():
        label = words.field(field)
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            before = words.value(object_type, field, pair[0])
            after = words.value(object_type, field, pair[1])
            parts.append(f"{label}: {before} → {after}")
        else:
            parts.append(f"{label}: {words.value(object_type, field, pair)}")
    return "; ".join(parts)


def export_values(
    event: AuditEvent, labels: Mapping[int, str] | None = None, words: Wording | None = None
) -> list[object]:
    """`labels`: an event's object label as the reader should see it, where it is not the stored
    one (a rule-made risk's title, in the reader's language)."""
    words = words or Wording()
    return [
        words.when(event),
        words.actor(event),
        event.address,
        words.action(event),
        words.object_type(event.object_type),
        event.object_id,
        (labels or {}).get(event.id, event.object_label),
        changes_text(event.changes, event.object_type, words),
        event.at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        event.action,
    ]


def _headers(lang: str) -> list[str]:
    return [th if lang == "th" else en for _, th, en in COLUMNS]


def audit_csv(
    events: Iterable[AuditEvent],
    lang: str = "th",
    labels: Mapping[int, str] | None = None,
    words: Wording | None = None,
) -> bytes:
    words = words or Wording(lang=lang)
    return spreadsheet.csv_bytes(_headers(lang), (export_values(e, labels, words) for e in events))


def audit_xlsx(
    events: Iterable[AuditEvent],
    lang: str = "th",
    labels: Mapping[int, str] | None = None,
    words: Wording | None = None,
) -> bytes:
    words = words or Wording(lang=lang)
    return spreadsheet.xlsx_bytes(
        "บันทึกการเปลี่ยนแปลง" if lang == "th" else "Audit log",
        _headers(lang),
        (export_values(e, labels, words) for e in events),
        (22, 18, 16, 16, 18, 10, 30, 80, 22, 14),
        datetime_format="yyyy-mm-dd hh:mm:ss",
    )
