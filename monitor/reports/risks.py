"""The monthly report's risks section: open or mitigating risks at level high or very
high, as the register stands when the report is made (the register keeps no month-by-month
snapshot, so a re-generated past month shows today's open risks)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from monitor.risks.register import open_high_risks
from monitor.risks.texts import render
from monitor.settings import Settings


@dataclass(frozen=True)
class RiskRow:
    title: str
    level: str
    owner: str = ""
    mitigation: str = ""
    # The rule's words for the title (monitor.risks.texts), None when a person typed it.
    rule_title: dict | None = None
    where: str = ""  # "school / device", added to a rule's title that does not name it

    def title_in(self, lang: str) -> str:
        if self.rule_title is None:
            return self.title
        return _with_where(render(self.rule_title, lang), self.where)


def _with_where(title: str, where: str) -> str:
    return title + (f" ({where})" if where and where not in title else "")


def report_risks(session: Session, settings: Settings) -> list[RiskRow]:
    """RiskRow.level holds the level key (high / very_high); the renderers put it in words."""
    rows = []
    for r in open_high_risks(session, settings.risks):
        where = " / ".join(x for x in (r.site_name, r.device_name) if x)
        rows.append(
            RiskRow(
                _with_where(r.title, where),
                r.level,
                r.owner,
                r.mitigation,
                r.rule_title,
                where,
            )
        )
    return rows
