"""The monthly report's risks section (issue 7): open or mitigating risks at level high or very
high, as the register stands when the report is made (the register keeps no month-by-month
snapshot, so a re-generated past month shows today's open risks)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from monitor.reports.data import RiskRow
from monitor.risks.register import open_high_risks
from monitor.settings import Settings


def report_risks(session: Session, settings: Settings) -> list[RiskRow]:
    """RiskRow.level holds the level key (high / very_high); the renderers put it in words."""
    rows = []
    for r in open_high_risks(session, settings.risks):
        where = " / ".join(x for x in (r.site_name, r.device_name) if x)
        rows.append(
            RiskRow(
                f"{r.title}" + (f" ({where})" if where and where not in r.title else ""),
                r.level,
                r.owner,
                r.mitigation,
            )
        )
    return rows
