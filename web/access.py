"""Who may do what: one table, every endpoint, enforced before any view runs.

Roles are ranked: viewer (read-only: a director, a school) < operator (devices, sites, incidents,
maintenance, risks) < admin (everything, users, settings). A rule names the lowest role allowed;
`PUBLIC` needs no sign-in. A rule is either one role for every method or a {method: role} map, so a
page can be read by viewers while its form posts need an operator.

An endpoint missing from the table is refused for everyone (and logged): a new route must be
given a rule here, and tests/web/test_authorization_matrix.py fails until it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app, jsonify, render_template, request
from flask_login import current_user

from web.routing import for_machines

PUBLIC = "public"
VIEWER = "viewer"
OPERATOR = "operator"
ADMIN = "admin"

RANK = {PUBLIC: 0, VIEWER: 1, OPERATOR: 2, ADMIN: 3}

# Not a person's role: an enrolled edge collector's token, which the view itself checks
# (web.api.collector). Every signed-in person, and every user's API token, is refused (403).
COLLECTOR = "collector"

Rule = str | dict[str, str]

RULES: dict[str, Rule] = {
    # --- open to everyone: the login page and the files it needs --------------------------------
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,  # signing out what is not signed in is harmless
    # --- the pages every signed-in person reads -------------------------------------------------
    "status.index": VIEWER,
    "status.overview_fragment": VIEWER,
    "status.site": VIEWER,
    "status.device": VIEWER,
    "inventory.index": VIEWER,
    "inventory.export_xlsx": VIEWER,
    "inventory.export_csv": VIEWER,
    "inventory.traffic": VIEWER,
    "inventory.health": VIEWER,
    "inventory.edit": OPERATOR,
    "reports.index": VIEWER,
    "reports.download": VIEWER,
    "reports.generated": VIEWER,
    "incidents.index": VIEWER,
    "incidents.show": VIEWER,
    "incidents.act": OPERATOR,
    "incidents.new": OPERATOR,
    "incidents.maintenance_windows": {"GET": VIEWER, "POST": OPERATOR},
    "incidents.delete_window": OPERATOR,
    "risks.index": VIEWER,
    "risks.show": VIEWER,
    "risks.export_xlsx": VIEWER,
    "risks.new": OPERATOR,
    "risks.edit": OPERATOR,
    # Configuration text holds SNMP communities and password hashes: operators and admins only;
    # viewers see the history on the device page.
    "configs.version": OPERATOR,
    "configs.download": OPERATOR,
    "configs.download_latest": OPERATOR,
    "configs.diff": OPERATOR,
    "configs.back_up_now": OPERATOR,
    # Accepting a changed host key says "this is still our device": with credentials at stake,
    # an admin's decision (monitor.credentials.holds).
    "configs.accept_host_key": ADMIN,
    # --- administration -------------------------------------------------------------------------
    "incidents.outbox_page": ADMIN,
    "incidents.retry": ADMIN,
    "incidents.test_email": ADMIN,
    # --- the JSON API (session or Bearer token) -------------------------------------------------
    "api.sites": VIEWER,
    "api.devices": VIEWER,
    "api.device": VIEWER,
    "api.latency": VIEWER,
    "api.config_versions": VIEWER,
    "api.config_text": OPERATOR,
    "api.incidents": VIEWER,
    "api.risks": VIEWER,
    "api.outbox_messages": ADMIN,
    "availability_api.availability": VIEWER,
}


def add_rules(rules: Mapping[str, Rule]) -> None:
    """A feature module's rules, merged into the table; a conflicting rule is a programming error."""
    for endpoint, rule in rules.items():
        if endpoint in RULES and RULES[endpoint] != rule:
            raise ValueError(f"access rule for {endpoint!r} defined twice differently")
        RULES[endpoint] = rule


def required_role(endpoint: str | None, method: str) -> str | None:
    """The lowest role allowed to call `endpoint` with `method`; None when there is no rule."""
    rule = RULES.get(endpoint or "")
    if rule is None:
        return None
    if isinstance(rule, str):
        return rule
    if method in ("HEAD", "OPTIONS"):
        method = "GET"
    return rule.get(method)


def role_allows(role: str | None, needed: str) -> bool:
    if needed == PUBLIC:
        return True
    return role in RANK and needed in RANK and RANK[role] >= RANK[needed]


def can(endpoint: str, method: str = "GET") -> bool:
    """For templates: show a button only to someone its endpoint would let through."""
    needed = required_role(endpoint, method)
    if needed is None:
        return False
    if needed == PUBLIC:
        return True
    return current_user.is_authenticated and role_allows(current_user.role, needed)


def is_admin() -> bool:
    """The signed-in person may approve where stored credentials go (monitor.devices.holds)."""
    return current_user.is_authenticated and current_user.role == ADMIN


def refuse():
    """403 as the caller understands it: JSON for the API, a page for people."""
    if for_machines(request.path):
        return jsonify(error="not allowed for your role"), 403
    return render_template("errors/error.html", code=403), 403


def enforce():
    """before_request: let the request through, or answer for it."""
    if request.endpoint is None:  # no such route: Flask answers 404/405 itself
        return None
    needed = required_role(request.endpoint, request.method)
    if needed is None:
        current_app.logger.error(
            "no access rule for %s %s: refused", request.method, request.endpoint
        )
        return refuse()
    if needed == PUBLIC:
        return None
    if needed == COLLECTOR:
        # The view authenticates the collector; a person (session or API token) is no collector.
        return refuse() if current_user.is_authenticated else None
    if not current_user.is_authenticated:
        # flask-login sets this attribute on the app; Flask's types do not declare it.
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if not role_allows(current_user.role, needed):
        return refuse()
    return None


def init_app(app) -> None:
    app.before_request(enforce)
    app.add_template_global(can, "can")
