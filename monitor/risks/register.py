"""The risk register: storing what the rules found (reconcile), edits by people, and reads.

How rule results and people's decisions meet (reconcile):

- One row per (rule, subject) ever — the unique (rule_key, subject_key). A rule that fires again
  updates that row; it never adds a second one.
- A row that is **open** or **mitigating** follows the rule: its evidence is replaced by the
  latest, and its likelihood is raised when the rule's is higher (never lowered: a person may have
  raised it on purpose). Title, impact, mitigation, owner and review date are the officer's after
  creation and are never overwritten.
- When the condition no longer holds the row records `cleared_since`; once it has stayed clear
  for the rule's close_after_days it is marked `proposed_close`. ictmon never closes a risk itself.
  If the condition comes back first, both are reset.
- A row a person set to **accepted** or **closed** is never touched by the rules again: not its
  status, likelihood, evidence, nothing. To let the rules follow it again, set it back to open.
- Rules that are disabled or removed from the file leave their rows as they are.

Every change is a RiskEvent (who — "ictmon" for the rules —, when, {field: [old, new]}).

A rule's words are stored as keys and arguments (monitor.risks.texts): `evidence["title"]` and
`evidence["summary"]`, so the register reads in the reader's language. The title column holds the
Thai text (the default language) for whatever reads the row as it is; once a person changes the
title, their text is shown as typed (RiskRow.title_in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.db.models import RISK_CATEGORIES, RISK_STATUSES, Device, Risk, RiskEvent, Site
from monitor.domain import RiskLevel, RiskStatus
from monitor.risks.rules import DesiredRisk, Rule, level_of
from monitor.risks.texts import is_text, render
from monitor.settings import RiskSettings

ACTOR = "ictmon"
HUMAN_FINAL = (RiskStatus.ACCEPTED, RiskStatus.CLOSED)
LEVELS = tuple(level.value for level in RiskLevel)


class RiskError(ValueError):
    """A risk edit was refused; the message is the field at fault."""


@dataclass(frozen=True)
class Change:
    risk_id: int
    title: str
    action: str  # created / raised / returned / proposed_close
    detail: str = ""
    # likelihood × impact before and after (None before: new); what monitor.risks.alerts reads
    # to tell a risk that became high.
    score_before: int | None = None
    score_after: int | None = None


def _event(
    session: Session, risk: Risk, at: datetime, actor: str, action: str, changes: dict | None
) -> None:
    session.add(RiskEvent(risk_id=risk.id, at=at, actor=actor, action=action, changes=changes))


def _summary(d: DesiredRisk) -> str:
    return render(d.evidence.get("summary"), "th")


def reconcile(
    session: Session, rules: list[Rule], desired: list[DesiredRisk], now: datetime
) -> list[Change]:
    enabled = {r.key: r for r in rules if r.enabled}
    existing = {
        (r.rule_key, r.subject_key): r
        for r in session.scalars(select(Risk).where(Risk.rule_key.in_(list(enabled))))
        if r.rule_key is not None
    }
    changes: list[Change] = []
    for d in desired:
        risk = existing.pop((d.rule_key, d.subject_key), None)
        if risk is None:
            risk = Risk(
                title=d.title,
                category=d.category,
                site_id=d.site_id,
                device_id=d.device_id,
                likelihood=d.likelihood,
                impact=d.impact,
                score=d.likelihood * d.impact,
                mitigation="",
                owner="",
                status=RiskStatus.OPEN,
                rule_key=d.rule_key,
                subject_key=d.subject_key,
                evidence=d.evidence,
                proposed_close=False,
                evaluated_at=now,
                created_at=now,
                created_by=ACTOR,
                updated_at=now,
                updated_by=ACTOR,
            )
            session.add(risk)
            session.flush()
            _event(
                session,
                risk,
                now,
                ACTOR,
                "created",
                {
                    "likelihood": [None, d.likelihood],
                    "impact": [None, d.impact],
                    "evidence": [None, d.evidence.get("summary")],
                },
            )
            changes.append(Change(risk.id, risk.title, "created", _summary(d), None, risk.score))
            continue
        if risk.status in HUMAN_FINAL:
            continue
        diff: dict = {}
        score_before = risk.score
        if d.likelihood > risk.likelihood:
            diff["likelihood"] = [risk.likelihood, d.likelihood]
            risk.likelihood = d.likelihood
            risk.score = risk.likelihood * risk.impact
        if risk.proposed_close:
            diff["proposed_close"] = [True, False]
        risk.proposed_close = False
        risk.cleared_since = None
        if risk.evidence != d.evidence:
            risk.evidence = d.evidence
        risk.evaluated_at = now
        if diff:
            diff["evidence"] = [None, d.evidence.get("summary")]
            risk.updated_at, risk.updated_by = now, ACTOR
            action = "raised" if "likelihood" in diff else "returned"
            _event(session, risk, now, ACTOR, action, diff)
            changes.append(
                Change(risk.id, risk.title, action, _summary(d), score_before, risk.score)
            )
    for (rule_key, _), risk in existing.items():
        if risk.status in HUMAN_FINAL:
            continue
        risk.evaluated_at = now
        if risk.cleared_since is None:
            risk.cleared_since = now
        wait = timedelta(days=enabled[rule_key].close_after_days)
        if not risk.proposed_close and now - risk.cleared_since >= wait:
            risk.proposed_close = True
            risk.updated_at, risk.updated_by = now, ACTOR
            _event(
                session,
                risk,
                now,
                ACTOR,
                "proposed_close",
                {
                    "proposed_close": [False, True],
                    "cleared_since": [None, risk.cleared_since.isoformat()],
                },
            )
            changes.append(Change(risk.id, risk.title, "proposed_close"))
    return changes


# --- Edits by people ---------------------------------------------------------------------------

EDITABLE = (
    "title",
    "category",
    "site_id",
    "device_id",
    "likelihood",
    "impact",
    "mitigation",
    "owner",
    "review_date",
    "status",
)


def _clean(values: dict) -> dict:
    clean: dict = {}
    for name, value in values.items():
        if name not in EDITABLE:
            raise RiskError(name)
        if name in ("likelihood", "impact"):
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise RiskError(name) from None
            if not 1 <= value <= 5:
                raise RiskError(name)
        elif (name == "category" and value not in RISK_CATEGORIES) or (
            name == "status" and value not in RISK_STATUSES
        ):
            raise RiskError(name)
        elif name == "title":
            value = (value or "").strip()
            if not value or len(value) > 300:
                raise RiskError(name)
        elif name in ("mitigation", "owner"):
            value = (value or "").strip()
            if name == "owner" and len(value) > 200:
                raise RiskError(name)
        elif name == "review_date" and value is not None and not isinstance(value, date):
            raise RiskError(name)
        clean[name] = value
    return clean


def _check_subject(session: Session, site_id: int | None, device_id: int | None):
    if device_id is not None:
        device = session.get(Device, device_id)
        if device is None:
            raise RiskError("device_id")
        return device.site_id, device_id
    if site_id is not None and session.get(Site, site_id) is None:
        raise RiskError("site_id")
    return site_id, None


def create_risk(session: Session, values: dict, actor: str, now: datetime) -> Risk:
    values = _clean({"status": RiskStatus.OPEN, **values})
    for required in ("title", "category", "likelihood", "impact"):
        if required not in values:
            raise RiskError(required)
    site_id, device_id = _check_subject(
        session, values.pop("site_id", None), values.pop("device_id", None)
    )
    risk = Risk(
        **{"mitigation": "", "owner": "", **values},
        site_id=site_id,
        device_id=device_id,
        score=values["likelihood"] * values["impact"],
        proposed_close=False,
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
    )
    session.add(risk)
    session.flush()
    _event(
        session,
        risk,
        now,
        actor,
        "created",
        {k: [None, _plain(v)] for k, v in values.items() if v not in ("", None)},
    )
    return risk


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def update_risk(session: Session, risk: Risk, values: dict, actor: str, now: datetime) -> dict:
    """Apply a person's edit; returns {field: [old, new]} (empty: nothing changed)."""
    values = _clean(values)
    if "site_id" in values or "device_id" in values:
        values["site_id"], values["device_id"] = _check_subject(
            session, values.get("site_id", risk.site_id), values.get("device_id", risk.device_id)
        )
    diff = {}
    for name, value in values.items():
        old = getattr(risk, name)
        if old != value:
            diff[name] = [_plain(old), _plain(value)]
            setattr(risk, name, value)
    if not diff:
        return diff
    risk.score = risk.likelihood * risk.impact
    if "status" in diff:
        # A person decided: a proposal to close is answered either way.
        risk.proposed_close = False
    risk.updated_at, risk.updated_by = now, actor
    _event(session, risk, now, actor, "edited", diff)
    return diff


# --- Reads -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskRow:
    id: int
    title: str
    category: str
    site_id: int | None
    site_code: str | None
    site_name: str | None
    device_id: int | None
    device_name: str | None
    likelihood: int
    impact: int
    score: int
    level: str
    status: str
    rule: str | None
    evidence: dict | None
    mitigation: str
    owner: str
    review_date: date | None
    proposed_close: bool
    updated_at: datetime
    updated_by: str
    title_typed: bool = False  # a person changed a rule-made risk's title

    @property
    def rule_title(self) -> dict | None:
        """The rule's words for the title, or None: typed by a person (or stored as text)."""
        title = (self.evidence or {}).get("title")
        return title if self.rule and not self.title_typed and is_text(title) else None

    def title_in(self, lang: str) -> str:
        """The title in the reader's language; a title a person typed stays as typed."""
        rule_title = self.rule_title
        return self.title if rule_title is None else render(rule_title, lang)

    def summary_in(self, lang: str) -> str:
        return render((self.evidence or {}).get("summary"), lang)


@dataclass(frozen=True)
class RiskFilter:
    status: str | None = None  # a status, "active" (all but closed) or None (all)
    level: str | None = None
    likelihood: int | None = None
    impact: int | None = None
    category: str | None = None
    site: str | None = None  # site code


def _title_typed():
    """Whether a person changed the risk's title (then it is shown as typed from then on)."""
    return (
        select(RiskEvent.id)
        .where(
            RiskEvent.risk_id == Risk.id,
            RiskEvent.action == "edited",
            RiskEvent.changes["title"].as_string().is_not(None),
        )
        .exists()
    )


def risk_rows(
    session: Session, settings: RiskSettings, where: RiskFilter = RiskFilter()
) -> list[RiskRow]:
    query = (
        select(Risk, Site.code, Site.name, Device.name, _title_typed())
        .outerjoin(Site, Site.id == Risk.site_id)
        .outerjoin(Device, Device.id == Risk.device_id)
    )
    if where.status == "active":
        query = query.where(Risk.status != RiskStatus.CLOSED)
    elif where.status:
        query = query.where(Risk.status == where.status)
    if where.likelihood:
        query = query.where(Risk.likelihood == where.likelihood)
    if where.impact:
        query = query.where(Risk.impact == where.impact)
    if where.category:
        query = query.where(Risk.category == where.category)
    if where.site:
        query = query.where(Site.code == where.site)
    rows = []
    for risk, code, site_name, device_name, typed in session.execute(query):
        level = level_of(risk.score, settings.low_max, settings.medium_max, settings.high_max)
        if where.level and level != where.level:
            continue
        rows.append(
            RiskRow(
                risk.id,
                risk.title,
                risk.category,
                risk.site_id,
                code,
                site_name,
                risk.device_id,
                device_name,
                risk.likelihood,
                risk.impact,
                risk.score,
                level,
                risk.status,
                risk.rule_key,
                risk.evidence,
                risk.mitigation,
                risk.owner,
                risk.review_date,
                risk.proposed_close,
                risk.updated_at,
                risk.updated_by,
                bool(typed),
            )
        )
    rows.sort(key=lambda r: (-r.score, r.status == RiskStatus.CLOSED, r.title, r.id))
    return rows


def heatmap(rows: list[RiskRow]) -> dict[tuple[int, int], int]:
    """(likelihood, impact) → how many of these risks sit in that cell."""
    counts: dict[tuple[int, int], int] = {}
    for r in rows:
        counts[(r.likelihood, r.impact)] = counts.get((r.likelihood, r.impact), 0) + 1
    return counts


def open_high_risks(session: Session, settings: RiskSettings) -> list[RiskRow]:
    """Open or mitigating risks at level high or very high: the status page and the report."""
    return [
        r
        for r in risk_rows(session, settings)
        if r.status in (RiskStatus.OPEN, RiskStatus.MITIGATING)
        and r.level in (RiskLevel.HIGH, RiskLevel.VERY_HIGH)
    ]


def history(session: Session, risk_id: int) -> list[RiskEvent]:
    return list(
        session.scalars(
            select(RiskEvent)
            .where(RiskEvent.risk_id == risk_id)
            .order_by(RiskEvent.at.desc(), RiskEvent.id.desc())
        )
    )
