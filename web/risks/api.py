"""GET /api/v1/risks (issue 7), on the api blueprint so tokens work here too.

GET /api/v1/risks[?status=open|mitigating|accepted|closed&level=low|medium|high|very_high]
    id, title, category, device, site, likelihood, impact, score, level, status,
    rule (null for a hand-made risk), evidence, mitigation, owner, review_date,
    proposed_close, updated_at, updated_by
"""

from __future__ import annotations

from flask import current_app, jsonify, request

from monitor.db.models import RISK_STATUSES
from monitor.localtime import iso_local
from monitor.risks import register as core
from web.api.read import bp
from web.database import db


def risk_json(row: core.RiskRow) -> dict:
    return {
        "id": row.id,
        "title": row.title,
        "category": row.category,
        "device": row.device_name,
        "site": row.site_code,
        "likelihood": row.likelihood,
        "impact": row.impact,
        "score": row.score,
        "level": row.level,
        "status": row.status,
        "rule": row.rule,
        "evidence": row.evidence,
        "mitigation": row.mitigation,
        "owner": row.owner,
        "review_date": row.review_date.isoformat() if row.review_date else None,
        "proposed_close": row.proposed_close,
        "updated_at": iso_local(row.updated_at),
        "updated_by": row.updated_by,
    }


@bp.get("/risks")
def risks():
    status = request.args.get("status")
    level = request.args.get("level")
    where = core.RiskFilter(
        status=status if status in RISK_STATUSES else None,
        level=level if level in core.LEVELS else None,
    )
    rows = core.risk_rows(db(), current_app.config["ICTMON_SETTINGS"].risks, where)
    return jsonify([risk_json(r) for r in rows])
