"""The annual check's reads and writes: rounds, their sites and checkers, marks, the report.

Writes are audited with `audit.record` (who opened, assigned, marked, closed); the report is one
query of plain columns over the round's sites, so a round over 30,000 assets is reported in
seconds (bench/asset_register.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from monitor.assets import check
from monitor.db import audit
from monitor.db.models import (
    AssetCheckChecker,
    AssetCheckMark,
    AssetCheckRound,
    AssetCheckSite,
    Device,
    DeviceState,
    PingSample,
    Site,
    User,
)
from monitor.domain import Status

AUDIT_TYPE = "asset_check"


class CheckError(ValueError):
    """A write the rules refuse; `refusal` says why."""

    def __init__(self, refusal: check.Refusal):
        super().__init__(refusal.value)
        self.refusal = refusal


@dataclass(frozen=True)
class RoundInfo:
    id: int
    fiscal_year: int
    title: str
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    closed_by: str | None
    view: check.RoundView

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


@dataclass(frozen=True)
class Checker:
    site_code: str
    user_id: int
    username: str
    display_name: str


def open_round(
    session: Session, fiscal_year: int, site_ids: Iterable[int], title: str, by: str, now: datetime
) -> int:
    row = AssetCheckRound(fiscal_year=fiscal_year, title=title[:200], opened_at=now, opened_by=by)
    session.add(row)
    session.flush()
    sites = sorted(set(site_ids))
    session.add_all(AssetCheckSite(round_id=row.id, site_id=s) for s in sites)
    session.flush()
    audit.record(
        session,
        "open",
        AUDIT_TYPE,
        object_id=row.id,
        label=title or str(fiscal_year),
        changes={"fiscal_year": fiscal_year, "sites": len(sites)},
    )
    return row.id


def load_round(session: Session, round_id: int) -> RoundInfo | None:
    row = session.get(AssetCheckRound, round_id)
    if row is None:
        return None
    sites = session.scalars(
        select(AssetCheckSite.site_id).where(AssetCheckSite.round_id == round_id)
    ).all()
    checkers = session.execute(
        select(AssetCheckChecker.site_id, AssetCheckChecker.user_id).where(
            AssetCheckChecker.round_id == round_id
        )
    ).all()
    view = check.RoundView(
        row.id,
        row.closed_at is not None,
        frozenset(sites),
        frozenset((s, u) for s, u in checkers),
    )
    return RoundInfo(
        row.id,
        row.fiscal_year,
        row.title,
        row.opened_at,
        row.opened_by,
        row.closed_at,
        row.closed_by,
        view,
    )


def rounds(session: Session) -> list[RoundInfo]:
    ids = session.scalars(select(AssetCheckRound.id).order_by(AssetCheckRound.id.desc())).all()
    return [r for r in (load_round(session, i) for i in ids) if r is not None]


def open_rounds_for_site(session: Session, site_id: int) -> list[RoundInfo]:
    """The open rounds that cover a site: the asset page offers to mark in them."""
    ids = session.scalars(
        select(AssetCheckRound.id)
        .join(AssetCheckSite, AssetCheckSite.round_id == AssetCheckRound.id)
        .where(AssetCheckSite.site_id == site_id, AssetCheckRound.closed_at.is_(None))
        .order_by(AssetCheckRound.id)
    ).all()
    return [r for r in (load_round(session, i) for i in ids) if r is not None]


def round_sites(session: Session, round_id: int) -> list[tuple[int, str, str]]:
    """(id, code, name) of the round's sites."""
    rows = session.execute(
        select(Site.id, Site.code, Site.name)
        .join(AssetCheckSite, AssetCheckSite.site_id == Site.id)
        .where(AssetCheckSite.round_id == round_id)
        .order_by(Site.code)
    ).all()
    return [(i, c, n) for i, c, n in rows]


def checkers(session: Session, round_id: int) -> list[Checker]:
    rows = session.execute(
        select(Site.code, User.id, User.username, User.display_name)
        .join(AssetCheckChecker, AssetCheckChecker.site_id == Site.id)
        .join(User, User.id == AssetCheckChecker.user_id)
        .where(AssetCheckChecker.round_id == round_id)
        .order_by(Site.code, User.username)
    ).all()
    return [Checker(*r) for r in rows]


def users(session: Session) -> list[tuple[int, str, str, str]]:
    """(id, username, display name, role) of active users, for the assignment form."""
    rows = session.execute(
        select(User.id, User.username, User.display_name, User.role)
        .where(User.active.is_(True))
        .order_by(User.username)
    ).all()
    return [(i, u, d, r) for i, u, d, r in rows]


def _require_open(info: RoundInfo) -> None:
    if info.closed:
        raise CheckError(check.Refusal.CLOSED)


def assign(session: Session, info: RoundInfo, site_id: int, user_ids: Iterable[int]) -> None:
    """The site's checkers become exactly `user_ids`."""
    _require_open(info)
    if site_id not in info.view.site_ids:
        raise CheckError(check.Refusal.NOT_IN_ROUND)
    wanted = sorted(set(user_ids))
    session.execute(
        delete(AssetCheckChecker).where(
            AssetCheckChecker.round_id == info.id, AssetCheckChecker.site_id == site_id
        )
    )
    session.add_all(AssetCheckChecker(round_id=info.id, site_id=site_id, user_id=u) for u in wanted)
    session.flush()
    names = (
        session.scalars(select(User.username).where(User.id.in_(wanted))).all() if wanted else []
    )
    audit.record(
        session,
        "assign",
        AUDIT_TYPE,
        object_id=info.id,
        label=str(site_id),
        changes={"site_id": site_id, "checkers": sorted(names)},
    )


def mark(
    session: Session,
    info: RoundInfo,
    device_id: int,
    condition: str,
    note: str,
    *,
    user_id: int,
    is_admin: bool,
    by: str,
    now: datetime,
) -> None:
    """The asset was seen, in this condition. Marking again replaces the mark (a second look)."""
    found = session.execute(
        select(Device.site_id, Device.condition, Device.asset_number, Device.name).where(
            Device.id == device_id
        )
    ).first()
    if found is None:
        raise CheckError(check.Refusal.NOT_IN_ROUND)
    site_id, before, number, name = found
    refusal = check.may_mark(info.view, site_id, user_id, is_admin, condition)
    if refusal is not None:
        raise CheckError(refusal)
    previous = session.get(AssetCheckMark, (info.id, device_id))
    if previous is None:
        session.add(
            AssetCheckMark(
                round_id=info.id,
                device_id=device_id,
                condition=condition,
                condition_before=before,
                note=note[:500],
                how=check.SEEN,
                marked_at=now,
                marked_by=by[:64],
            )
        )
    else:
        previous.condition, previous.note, previous.how = condition, note[:500], check.SEEN
        previous.marked_at, previous.marked_by = now, by[:64]
    session.flush()
    audit.record(
        session,
        "mark",
        AUDIT_TYPE,
        object_id=info.id,
        label=number or name,
        changes={"device_id": device_id, "condition": condition, "note": note[:500]},
    )


def confirm_answered(
    session: Session, info: RoundInfo, *, user_id: int, is_admin: bool, by: str, now: datetime
) -> int:
    """Marks seen, in their register condition, the not yet marked polled assets of the sites the
    user may mark that answered since the round opened (a ping sample with a reply, or the device
    up at a check after the opening). Returns how many."""
    sites = check.markable_sites(info.view, user_id, is_admin)
    if not sites:
        raise CheckError(check.Refusal.CLOSED if info.closed else check.Refusal.NOT_ASSIGNED)
    replied = exists().where(
        PingSample.device_id == Device.id,
        PingSample.at >= info.opened_at,
        PingSample.received > 0,
    )
    up = exists().where(
        DeviceState.device_id == Device.id,
        DeviceState.status == Status.UP.value,
        DeviceState.last_check_at >= info.opened_at,
    )
    marked = exists().where(
        AssetCheckMark.round_id == info.id, AssetCheckMark.device_id == Device.id
    )
    rows = session.execute(
        select(Device.id, Device.condition).where(
            Device.site_id.in_(sorted(sites)),
            Device.address.is_not(None),
            or_(Device.condition.is_(None), Device.condition != "disposed"),
            or_(replied, up),
            ~marked,
        )
    ).all()
    session.add_all(
        AssetCheckMark(
            round_id=info.id,
            device_id=device_id,
            condition=condition or "usable",
            condition_before=condition,
            note="",
            how=check.ANSWERED,
            marked_at=now,
            marked_by=by[:64],
        )
        for device_id, condition in rows
    )
    session.flush()
    audit.record(
        session,
        "confirm_answered",
        AUDIT_TYPE,
        object_id=info.id,
        label=str(len(rows)),
        changes={"assets": len(rows), "sites": len(sites)},
    )
    return len(rows)


def close_round(session: Session, info: RoundInfo, by: str, now: datetime) -> None:
    _require_open(info)
    row = session.get(AssetCheckRound, info.id)
    assert row is not None
    row.closed_at, row.closed_by = now, by[:64]
    session.flush()
    audit.record(session, "close", AUDIT_TYPE, object_id=info.id, label=row.title)


def assets_in_round(
    session: Session, round_id: int, site_code: str | None = None, q: str = ""
) -> list[check.AssetInRound]:
    """Every asset of the round's sites (or of one), with its mark: one query of plain columns.
    `q` finds assets by asset number, name or serial (the phone's search when a label is gone)."""
    query = (
        select(
            Device.id,
            Site.code,
            Site.name,
            Device.asset_number,
            Device.name,
            Device.kind,
            Device.room,
            Device.condition,
            AssetCheckMark.condition,
            AssetCheckMark.condition_before,
            func.coalesce(AssetCheckMark.note, ""),
            AssetCheckMark.how,
        )
        .join(Site, Site.id == Device.site_id)
        .join(
            AssetCheckSite,
            and_(AssetCheckSite.site_id == Site.id, AssetCheckSite.round_id == round_id),
        )
        .outerjoin(
            AssetCheckMark,
            and_(AssetCheckMark.device_id == Device.id, AssetCheckMark.round_id == round_id),
        )
    )
    if site_code:
        query = query.where(Site.code == site_code)
    needle = q.strip()
    if needle:
        # "%" and "_" in what was typed are letters, not wildcards.
        escaped = needle.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        query = query.where(
            or_(
                func.lower(Device.asset_number).like(like, escape="\\"),
                func.lower(Device.name).like(like, escape="\\"),
                func.lower(Device.serial).like(like, escape="\\"),
            )
        )
    return [check.AssetInRound(*r) for r in session.execute(query)]


def round_report(
    session: Session, round_id: int, site_code: str | None = None
) -> check.CheckReport:
    return check.report(assets_in_round(session, round_id, site_code))


@dataclass(frozen=True)
class Mark:
    condition: str
    note: str
    how: str
    marked_at: datetime
    marked_by: str


def mark_of(session: Session, round_id: int, device_id: int) -> Mark | None:
    row = session.get(AssetCheckMark, (round_id, device_id))
    if row is None:
        return None
    return Mark(row.condition, row.note, row.how, row.marked_at, row.marked_by)
