"""GET /api/v1/risks: the view, routed on the api blueprint (web.api.read) so tokens work here too.

GET /api/v1/risks[?status=open|mitigating|accepted|closed&level=low|medium|high|very_high]
    id, title, category, device, site, likelihood, impact, score, level, status,
    rule (null for a hand-made risk), evidence, mitigation, owner, review_date,
    proposed_close, updated_at, updated_by
A rule's title and evidence summary are in the request's language (?lang=th|en).
"""

from __future__ import annotations

from flask import current_app, jsonify, request

from monitor.db.models import RISK_STATUSES
from monitor.localtime import iso_local
from monitor.risks import register as core
from web.database import db
from web.i18n import current_language


def _evidence(row: core.RiskRow, lang: str) -> dict | None:
    if row.evidence is None:
        return None
    shown = {k: v for k, v in row.evidence.items() if k != "title"}
    if "summary" in shown:
        shown["summary"] = row.summary_in(lang)
    return shown


def risk_json(row: core.RiskRow) -> dict:
    lang = current_language()
    return {
        "id": row.id,
        "title": row.title_in(lang),
        "category": row.category,
        "device": row.device_name,
        "site": row.site_code,
        "likelihood": row.likelihood,
        "impact": row.impact,
        "score": row.score,
        "level": row.level,
        "status": row.status,
        "rule": row.rule,
        "evidence": _evidence(row, lang),
        "mitigation": row.mitigation,
        "owner": row.owner,
        "review_date": row.review_date.isoformat() if row.review_date else None,
        "proposed_close": row.proposed_close,
        "updated_at": iso_local(row.updated_at),
        "updated_by": row.updated_by,
    }


def risks():
    status = request.args.get("status")
    level = request.args.get("level")
    where = core.RiskFilter(
        status=status if status in RISK_STATUSES else None,
        level=level if level in core.LEVELS else None,
    )
    rows = core.risk_rows(db(), current_app.config["ICTMON_SETTINGS"].risks, where)
    return jsonify([risk_json(r) for r in rows])
