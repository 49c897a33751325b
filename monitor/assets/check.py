"""The annual asset check's rules (PURE: values in, values out; no database, no web).

Who may mark an asset seen in a round, and the rows and sums of the round's report in the order of
the office's form (ลำดับ, เลขครุภัณฑ์, รายการ, ที่ตั้ง, สภาพ, ผลการตรวจ, หมายเหตุ).

Checkers: any signed-in user (viewer, operator or admin) the admin assigned to a site of the round
may mark that site's assets; an admin may mark any site of the round (the officer walking the
office). Nobody marks in a closed round: closing freezes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

CONDITIONS = ("usable", "damaged", "awaiting_disposal", "disposed")
SEEN, ANSWERED = "seen", "answered"  # how an asset was marked: by a person, or by its pings


def fiscal_year_of(day: date) -> int:
    """The Thai fiscal year (Christian era) a day falls in: 1 October starts the next one."""
    return day.year + 1 if day.month >= 10 else day.year


class Refusal(Enum):
    """Why a mark is refused; the page says it in the reader's words."""

    CLOSED = "closed"
    NOT_IN_ROUND = "not_in_round"
    NOT_ASSIGNED = "not_assigned"
    BAD_CONDITION = "bad_condition"


@dataclass(frozen=True)
class RoundView:
    """What the rules need of a round."""

    id: int
    closed: bool
    site_ids: frozenset[int]
    checkers: frozenset[tuple[int, int]]  # (site id, user id)


def may_mark(
    round_: RoundView, site_id: int, user_id: int, is_admin: bool, condition: str | None = None
) -> Refusal | None:
    """None when the user may mark an asset of `site_id` in the round, else why not."""
    if round_.closed:
        return Refusal.CLOSED
    if site_id not in round_.site_ids:
        return Refusal.NOT_IN_ROUND
    if not is_admin and (site_id, user_id) not in round_.checkers:
        return Refusal.NOT_ASSIGNED
    if condition is not None and condition not in CONDITIONS:
        return Refusal.BAD_CONDITION
    return None


def markable_sites(round_: RoundView, user_id: int, is_admin: bool) -> frozenset[int]:
    if round_.closed:
        return frozenset()
    if is_admin:
        return round_.site_ids
    return frozenset(s for s, u in round_.checkers if u == user_id)


# --- the report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetInRound:
    """An asset of a round's site and its mark, if any."""

    device_id: int
    site_code: str
    site_name: str
    asset_number: str | None
    name: str
    kind: str
    room: str | None
    condition: str | None  # the register's
    found: str | None = None  # the condition the checker found; None: not seen
    condition_before: str | None = None
    note: str = ""
    how: str | None = None


@dataclass(frozen=True)
class ReportRow:
    """One line of the office's form."""

    order: int
    asset_number: str
    name: str
    kind: str
    place: str
    condition: str | None  # found when seen, else the register's
    seen: bool
    condition_changed: bool
    proposed_for_disposal: bool
    note: str
    how: str | None


@dataclass
class SiteTotals:
    assets: int = 0
    seen: int = 0
    not_seen: int = 0
    condition_changed: int = 0
    proposed_for_disposal: int = 0

    def add(self, row: ReportRow) -> None:
        self.assets += 1
        self.seen += row.seen
        self.not_seen += not row.seen
        self.condition_changed += row.condition_changed
        self.proposed_for_disposal += row.proposed_for_disposal


@dataclass
class SiteReport:
    code: str
    name: str
    rows: list[ReportRow] = field(default_factory=list)
    totals: SiteTotals = field(default_factory=SiteTotals)


@dataclass
class CheckReport:
    sites: list[SiteReport]
    totals: SiteTotals


def report(assets: Iterable[AssetInRound]) -> CheckReport:
    """The report per site (by site code), each site's assets by asset number then name, numbered
    from 1 in each site as the form is. Disposed assets that were not seen stay off the form:
    they left the books before the round."""
    by_site: dict[str, SiteReport] = {}
    ordered = sorted(assets, key=lambda a: (a.site_code, a.asset_number or "\uffff", a.name))
    total = SiteTotals()
    for a in ordered:
        if a.found is None and a.condition == "disposed":
            continue
        site = by_site.setdefault(a.site_code, SiteReport(a.site_code, a.site_name))
        before = a.condition_before if a.found is not None else a.condition
        row = ReportRow(
            order=len(site.rows) + 1,
            asset_number=a.asset_number or "",
            name=a.name,
            kind=a.kind,
            place=a.room or "",
            condition=a.found or a.condition,
            seen=a.found is not None,
            condition_changed=a.found is not None and before is not None and a.found != before,
            proposed_for_disposal=a.found == "awaiting_disposal",
            note=a.note,
            how=a.how,
        )
        site.rows.append(row)
        site.totals.add(row)
        total.add(row)
    return CheckReport(list(by_site.values()), total)
