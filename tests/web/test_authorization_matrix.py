"""Who may call what, for every route the app has: generated from `app.url_map`, so a route added
later is covered without editing this file, and checked against `web.access.required_role`, the
one table that decides (a test here fails with the name of any route that has no rule).

Every rule × every method it accepts × {anonymous, viewer, operator, admin} is sent through the
test client with CSRF off (the refusal checked is the access rule's, not CSRF's):
    anonymous on a signed-in rule → the login page (pages) or 401 (/api/, /metrics)
    a role below the rule         → 403
    a role at or above it         → through: neither 401, 403 nor the login page, and no crash
Requests that an allowed role sends really run the view, so the module works on a database of
its own that nothing else reads; GETs run before the writes that may delete what they read.
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from monitor.accounts.users import create_token
from monitor.db.models import User
from monitor.settings import DatabaseSettings, PathSettings, Settings, SshSettings
from tests.support.hostile import PASSWORD, route_url, seeded_database
from tests.web.conftest import make_app
from web import access
from web.app import create_app

ROLES = ("anonymous", "viewer", "operator", "admin")
IGNORED_METHODS = {"HEAD", "OPTIONS"}  # answered by Flask from GET's rule / automatically

# Views that talk to the outside for as long as their timeout: for these an allowed role is not
# sent — such cases are not generated at all (the refusals of lower roles are still checked, and
# their pages are read on GET; tests/web/test_configs.py and tests/integration/test_outbox.py drive
# the real sessions).
SLOW = {
    "configs.back_up_now": "opens an SSH session to the device, bounded only by [ssh] timeout",
    "incidents.test_email": "opens an SMTP session, bounded only by [smtp] timeout",
}


def _url_map_app():
    """An app only to read its url_map while the tests are collected (no database is opened)."""
    directory = Path(tempfile.mkdtemp(prefix="ictmon-url-map-"))
    settings = replace(
        Settings(),
        database=DatabaseSettings(url=f"sqlite:///{directory / 'x.db'}"),
        paths=PathSettings(data_dir=str(directory)),
    )
    settings = replace(settings, web=replace(settings.web, secret_key=secrets.token_hex(32)))
    return create_app(settings)


def _rules():
    return sorted(_url_map_app().url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def _methods(rule) -> list[str]:
    return sorted(rule.methods - IGNORED_METHODS)


def _cases():
    cases = []
    for rule in _rules():
        for method in _methods(rule):
            for role in ROLES:
                if (
                    method != "GET"
                    and rule.endpoint in SLOW
                    and access.role_allows(
                        None if role == "anonymous" else role,
                        access.required_role(rule.endpoint, method) or access.ADMIN,
                    )
                ):
                    continue  # see SLOW: only the refusals of these are sent
                cases.append((rule.rule, rule.endpoint, method, role))
    # Reads first; then the writes, lowest role first, so a delete cannot hide a row from a read.
    return sorted(cases, key=lambda c: (c[2] != "GET", c[2] == "DELETE", c[0], ROLES.index(c[3])))


CASES = _cases()


def _is_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/metrics"


def _is_login_redirect(response) -> bool:
    # Flask-Login's answer to "sign in first" always carries next=; logging out does not.
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    target = urlsplit(response.headers.get("Location", ""))
    return target.path == "/login" and "next" in parse_qs(target.query)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    with seeded_database(
        tmp_path_factory.mktemp("matrix"), ssh=SshSettings(timeout=2, workers=1)
    ) as (settings, factory, ids):
        app = make_app(settings, factory)
        clients = {role: app.test_client() for role in ROLES if role != "anonymous"}

        def new_token(role: str) -> str:
            # Made when asked: the writes sent above include "sign out everywhere" for every
            # role, which revokes the tokens a user had until then.
            with factory.begin() as s:
                user = s.query(User).filter_by(username=ids["users"][role]).one()
                return create_token(s, user)

        yield app, ids, clients, new_token


def _client_for(app, clients, ids, role):
    if role == "anonymous":
        return app.test_client()
    client = clients[role]
    # Signed in already: the login page only redirects. Signed out by an earlier request (log
    # out, "log out everywhere"): this signs in again.
    answer = client.post("/login", data={"username": ids["users"][role], "password": PASSWORD})
    assert answer.status_code == 302, f"{role} cannot sign in: {answer.status_code}"
    return client


def _outcome(response) -> str:
    if _is_login_redirect(response):
        return "login page"
    return str(response.status_code)


@pytest.mark.parametrize(
    "path, endpoint, method, role", CASES, ids=[f"{c[3]}-{c[2]}-{c[1]}" for c in CASES]
)
def test_access_follows_the_table(matrix, path, endpoint, method, role):
    app, ids, clients, _ = matrix
    needed = access.required_role(endpoint, method)
    assert needed is not None, f"{endpoint} {method} has no rule in web/access.py"
    allowed = access.role_allows(None if role == "anonymous" else role, needed)
    rule = next(r for r in app.url_map.iter_rules() if r.rule == path and r.endpoint == endpoint)
    url = route_url(rule, ids)
    client = _client_for(app, clients, ids, role)

    response = client.open(url, method=method)
    got = _outcome(response)

    if allowed:
        refused = ("401", "403", "login page") if needed != access.PUBLIC else ("403", "login page")
        assert got not in refused, f"{role} {method} {url}: {got}, rule says {needed} may"
        assert response.status_code < 500, f"{role} {method} {url} crashed: {got}"
    elif role == "anonymous":
        expected = "401" if _is_api(url) else "login page"
        assert got == expected, f"anonymous {method} {url}: {got}, expected {expected}"
    else:
        assert got == "403", f"{role} {method} {url}: {got}, rule needs {needed}"
        if _is_api(url):
            assert response.is_json and "error" in response.get_json()


API_GETS = [c for c in CASES if c[0].startswith("/api/") and c[2] == "GET" and c[3] != "anonymous"]


@pytest.mark.parametrize(
    "path, endpoint, method, role", API_GETS, ids=[f"{c[3]}-token-{c[1]}" for c in API_GETS]
)
def test_api_tokens_carry_their_users_role(matrix, path, endpoint, method, role):
    app, ids, _, new_token = matrix
    needed = access.required_role(endpoint, method)
    rule = next(r for r in app.url_map.iter_rules() if r.rule == path and r.endpoint == endpoint)
    url = route_url(rule, ids)

    response = app.test_client().get(url, headers={"Authorization": f"Bearer {new_token(role)}"})

    if access.role_allows(role, needed):
        assert response.status_code not in (401, 403) and response.status_code < 500, (
            f"{role} token GET {url}: {response.status_code}, rule says {needed} may"
        )
    else:
        assert response.status_code == 403, f"{role} token GET {url}: {response.status_code}"


def test_every_route_has_a_rule():
    missing = sorted(
        {
            f"{rule.endpoint} {method} ({rule.rule})"
            for rule in _rules()
            for method in _methods(rule)
            if access.required_role(rule.endpoint, method) is None
        }
    )
    assert not missing, (
        "routes without a rule in web/access.py (refused for everyone): " + "; ".join(missing)
    )


def test_every_rule_names_a_route():
    """A rule whose route was renamed or removed is dead: the new name would be refused."""
    routes = {rule.endpoint for rule in _rules()}
    stale = sorted(set(access.RULES) - routes)
    assert not stale, f"rules in web/access.py for no route: {', '.join(stale)}"


def test_a_route_without_a_rule_is_refused_even_for_an_admin(settings, db, caplog):
    app = make_app(settings, db)
    ran = []

    @app.get("/forgotten")
    def forgotten():
        ran.append(True)
        return "the view ran"

    with db.begin() as s:
        from monitor.accounts.users import create_user

        create_user(s, "chief", PASSWORD, role="admin")
    client = app.test_client()
    assert (
        client.post("/login", data={"username": "chief", "password": PASSWORD}).status_code == 302
    )

    response = client.get("/forgotten")

    assert response.status_code == 403
    assert "ไม่มีสิทธิ์เข้าถึง" in response.get_data(as_text=True)
    assert ran == []
    assert "no access rule for GET forgotten" in caplog.text
    # Nobody gets through, and anonymous callers are not even asked to sign in first.
    assert app.test_client().get("/forgotten").status_code == 403
