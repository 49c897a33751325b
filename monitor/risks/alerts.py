"""Risks that became high: a chat notice to the channels routed for "risk_high".

The rule engine's reconcile reports each risk it created or raised with its score before and
after; a risk whose level crosses into high or very high (by the [risks] bounds) is announced
once, in the same transaction as the change, with a dedupe key per risk and moment. A risk
created already high counts as having become high. Risks of a school go to the channels routed
for that school; district-wide risks only to the channels for all sites.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from monitor.channels import store as channels
from monitor.channels import texts as chat
from monitor.channels.kinds import DISTRICT
from monitor.db.models import Device, Risk, Site
from monitor.domain import RiskLevel
from monitor.risks.register import Change
from monitor.risks.rules import level_of
from monitor.risks.texts import is_text, render
from monitor.settings import RiskSettings

HIGH = (RiskLevel.HIGH, RiskLevel.VERY_HIGH)


def became_high(changes: list[Change], settings: RiskSettings) -> list[tuple[Change, RiskLevel]]:
    """The changes whose level rose into high or very high, with that level (PURE)."""

    def level(score: int) -> RiskLevel:
        return level_of(score, settings.low_max, settings.medium_max, settings.high_max)

    out = []
    for c in changes:
        if c.score_after is None:
            continue
        after = level(c.score_after)
        before = None if c.score_before is None else level(c.score_before)
        if after in HIGH and before not in HIGH:
            out.append((c, after))
    return out


def _where(session: Session, risk: Risk) -> tuple[str, str]:
    """(site code or DISTRICT, the words for where): the device's site wins."""
    site = None
    device = session.get(Device, risk.device_id) if risk.device_id else None
    if device is not None:
        site = session.get(Site, device.site_id)
    elif risk.site_id:
        site = session.get(Site, risk.site_id)
    if site is None:
        return DISTRICT, device.name if device else ""
    words = f"{site.name} ({site.code})" + (f" · {device.name}" if device else "")
    return site.code, words


def queue_became_high(
    session: Session,
    changes: list[Change],
    settings: RiskSettings,
    *,
    now: datetime,
    base_url: str = "",
) -> int:
    """Queue the notices in the caller's transaction; returns outbox rows written."""
    written = 0
    for change, level in became_high(changes, settings):
        risk = session.get(Risk, change.risk_id)
        if risk is None:
            continue
        code, where = _where(session, risk)
        evidence = risk.evidence or {}
        title_words = evidence.get("title")
        link = f"{base_url.rstrip('/')}/risks/{risk.id}" if base_url else ""

        def text(
            channel: channels.ChannelView,
            sites: set[str],
            risk: Risk = risk,
            where: str = where,
            title_words: object = title_words,
            level: RiskLevel = level,
            link: str = link,
        ) -> str:
            lang = channel.language
            # The rule's words in the channel's language, unless a person retyped the title
            # (the column then differs from the rule's Thai words).
            ruled = is_text(title_words) and risk.title == render(title_words, "th")
            title = render(title_words, lang) if ruled else risk.title
            return chat.risk_high_text(
                title,
                lang,
                level=str(level),
                where=where,
                summary=render((risk.evidence or {}).get("summary"), lang),
                limit=channel.limit,
                link=link,
            )

        written += channels.queue(
            session,
            event="risk_high",
            sites={code},
            text_for=text,
            dedupe_key=f"risk-{risk.id}-{level}-{now.strftime('%Y%m%dT%H%M%S')}",
            now=now,
            kind="risk",
        )
    return written
