"""Are alerts able to go out? The "never silently unalerted" check behind the red banner,
`ictmon check-config` and /metrics.

`delivery_facts` reads everything in one statement in the common case (one more only when
something is failing, to name the route and its answer); `assess` (pure) turns the facts into
problems: no route for down events, a route failing for more than FAILING_MINUTES, messages
never tried for that long (the sender is not running, or no mail server is set), messages that
failed for good in the last day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from monitor import i18n
from monitor.channels.kinds import KINDS
from monitor.db.models import AlertChannel, OutboxMessage
from monitor.domain import OutboxStatus
from monitor.localtime import format_datetime
from monitor.mail import server as mail_server
from monitor.settings import Settings

FAILING_MINUTES = 10
FAILED_WITHIN = timedelta(days=1)
UNSENT = (OutboxStatus.PENDING, OutboxStatus.SENDING)


@dataclass(frozen=True)
class Failing:
    route: str  # "mail" or the channel's kind label and name
    since: datetime
    answer: str


@dataclass(frozen=True)
class DeliveryFacts:
    mail_route: bool  # a mail server and on-call recipients for every site
    channel_routes: int  # enabled channels taking down events for every site
    failing: list[Failing] = field(default_factory=list)
    never_tried: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Problem:
    key: str  # a catalogue key: "alerts_no_route", ...
    values: dict[str, object]


def assess(facts: DeliveryFacts) -> list[Problem]:
    """What the officer must be told (PURE): empty when alerts can go out."""
    problems = []
    if not facts.mail_route and not facts.channel_routes:
        problems.append(Problem("alerts_no_route", {}))
    for f in facts.failing:
        problems.append(
            Problem("alerts_failing", {"route": f.route, "since": f.since, "answer": f.answer})
        )
    if facts.never_tried:
        problems.append(
            Problem("alerts_stuck", {"n": facts.never_tried, "minutes": FAILING_MINUTES})
        )
    if facts.failed:
        problems.append(Problem("alerts_failed", {"n": facts.failed}))
    return problems


def describe(problem: Problem, lang: str) -> str:
    """The problem in words, for the banner and `ictmon check-config`."""
    values = {
        k: format_datetime(v, lang) if isinstance(v, datetime) else v
        for k, v in problem.values.items()
    }
    return i18n.translate(problem.key, lang, **values)


def delivery_facts(session: Session, settings: Settings, now: datetime) -> DeliveryFacts:
    cut = now - timedelta(minutes=FAILING_MINUTES)
    m = OutboxMessage
    old_unsent = and_(m.status.in_(UNSENT), m.created_at < cut)
    row = session.execute(
        select(
            select(func.count(AlertChannel.id))
            .where(
                AlertChannel.enabled.is_(True),
                AlertChannel.all_sites.is_(True),
                AlertChannel.events.like("%down%"),
            )
            .scalar_subquery(),
            select(func.count(m.id)).where(old_unsent, m.attempts > 0).scalar_subquery(),
            select(func.count(m.id)).where(old_unsent, m.attempts == 0).scalar_subquery(),
            select(func.count(m.id))
            .where(m.status == OutboxStatus.FAILED, m.created_at >= now - FAILED_WITHIN)
            .scalar_subquery(),
        )
    ).one()
    routes, failing_count, never_tried, failed = (int(v or 0) for v in row)
    # The host the browser may have set (monitor.mail.server); no password is needed to know.
    smtp = mail_server.effective_smtp(session, None, settings.smtp)
    mail_route = bool(smtp.host and settings.alerts.recipients.strip())
    failing = _failing(session, cut) if failing_count else []
    return DeliveryFacts(mail_route, routes, failing, never_tried, failed)


def _failing(session: Session, cut: datetime) -> list[Failing]:
    """The oldest failing message of each route (mail, or a channel), with its last answer."""
    m = OutboxMessage
    rows = session.execute(
        select(m.channel_id, m.created_at, m.last_error, AlertChannel.kind, AlertChannel.name)
        .outerjoin(AlertChannel, AlertChannel.id == m.channel_id)
        .where(m.status.in_(UNSENT), m.created_at < cut, m.attempts > 0)
        .order_by(m.created_at, m.id)
        .limit(200)
    ).all()
    seen: dict[int | None, Failing] = {}
    for r in rows:
        if r.channel_id in seen:
            continue
        route = "mail" if r.channel_id is None else f"{KINDS[r.kind].label}: {r.name}"
        seen[r.channel_id] = Failing(route, r.created_at, (r.last_error or "")[:200])
    return list(seen.values())


def counts_by_route(session: Session) -> dict[tuple[str, str], int]:
    """Outbox messages per (route, status), route "mail" or the channel's name: /metrics reads
    the outbox by status and the failures per channel from this one query."""
    m = OutboxMessage
    rows = session.execute(
        select(AlertChannel.name, m.status, func.count(m.id))
        .select_from(m)
        .outerjoin(AlertChannel, AlertChannel.id == m.channel_id)
        .group_by(AlertChannel.name, m.status)
    ).all()
    return {("mail" if name is None else name, status): int(n) for name, status, n in rows}
