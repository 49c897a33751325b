"""Reports kept in the database (`generated_reports`): saved once per period, listed, served."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.db.models import GeneratedReport


@dataclass(frozen=True)
class StoredReport:
    id: int
    period_key: str
    period_label: str
    created_at: datetime
    created_by: str
    mailed_to: str
    pdf_bytes: int
    xlsx_bytes: int


def list_reports(session: Session, limit: int = 60) -> list[StoredReport]:
    """Newest period first; the files themselves are not read."""
    rows = session.execute(
        select(
            GeneratedReport.id,
            GeneratedReport.period_key,
            GeneratedReport.period_label,
            GeneratedReport.created_at,
            GeneratedReport.created_by,
            GeneratedReport.mailed_to,
            func.length(GeneratedReport.pdf).label("pdf_bytes"),
            func.length(GeneratedReport.xlsx).label("xlsx_bytes"),
        )
        .order_by(GeneratedReport.period_key.desc())
        .limit(limit)
    ).all()
    return [
        StoredReport(
            r.id,
            r.period_key,
            r.period_label,
            r.created_at,
            r.created_by,
            r.mailed_to,
            r.pdf_bytes or 0,
            r.xlsx_bytes or 0,
        )
        for r in rows
    ]


def get_file(session: Session, report_id: int, fmt: str) -> tuple[str, bytes] | None:
    column = {"pdf": GeneratedReport.pdf, "xlsx": GeneratedReport.xlsx}[fmt]
    row = session.execute(
        select(GeneratedReport.period_key, column).where(GeneratedReport.id == report_id)
    ).first()
    return None if row is None else (row[0], row[1])


def exists(session: Session, period_key: str) -> bool:
    return (
        session.execute(
            select(GeneratedReport.id).where(GeneratedReport.period_key == period_key)
        ).first()
        is not None
    )
