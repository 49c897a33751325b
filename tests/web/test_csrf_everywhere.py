"""A forged form post changes nothing: generated from `app.url_map`, every route that takes a
write method is called by a signed-in admin without a CSRF token (app with CSRF on) and must
answer 400 with every table of the database exactly as it was. /api/ writes are called with the
session cookie and no X-CSRFToken header, which is what a forging page can send. The login form
needs its token too."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from monitor.db.models import Base
from tests.support.hostile import PASSWORD, route_url, seeded_database
from tests.web.conftest import make_app
from tests.web.test_authorization_matrix import _rules

WRITES = ("POST", "PUT", "PATCH", "DELETE")
CASES = sorted(
    {
        (rule.rule, rule.endpoint, method)
        for rule in _rules()
        for method in rule.methods
        if method in WRITES
    }
)


def database_digest(factory) -> str:
    """Every row of every table, in key order: one hash that any change alters."""
    digest = hashlib.sha256()
    with factory() as s:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            for row in s.execute(select(table).order_by(*order)):
                digest.update(repr((table.name, tuple(row))).encode())
    return digest.hexdigest()


def form_token(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page).group(0)
    return re.search(r'value="([^"]+)"', field).group(1)


@pytest.fixture(scope="module")
def forged(tmp_path_factory):
    with seeded_database(tmp_path_factory.mktemp("csrf")) as (settings, factory, ids):
        yield make_app(settings, factory, csrf=True), factory, ids


def signed_in_admin(app, ids):
    client = app.test_client()
    answer = client.post(
        "/login",
        data={
            "username": ids["users"]["admin"],
            "password": PASSWORD,
            "csrf_token": form_token(client),
        },
    )
    assert answer.status_code == 302
    return client


@pytest.mark.parametrize("path, endpoint, method", CASES, ids=[f"{c[2]}-{c[1]}" for c in CASES])
def test_a_write_without_the_csrf_token_is_refused_and_changes_nothing(
    forged, path, endpoint, method
):
    app, factory, ids = forged
    client = signed_in_admin(app, ids)
    rule = next(r for r in app.url_map.iter_rules() if r.rule == path and r.endpoint == endpoint)
    url = route_url(rule, ids)
    before = database_digest(factory)

    if url.startswith("/api/"):
        # What a forging page can send: the cookie rides along, a custom header cannot.
        response = client.open(url, method=method, json={"name": "forged", "reason": "forged"})
    else:
        response = client.open(
            url, method=method, data={"name": "forged", "text": "forged", "reason": "forged"}
        )

    assert response.status_code == 400, f"{method} {url} without a token: {response.status_code}"
    assert database_digest(factory) == before, f"{method} {url} changed the database"
    if url.startswith("/api/"):
        assert response.is_json and "error" in response.get_json()
    # The forged post did not sign the admin out either.
    assert client.get("/").status_code == 200


def test_the_login_form_needs_its_token(forged):
    app, factory, ids = forged
    client = app.test_client()
    before = database_digest(factory)

    response = client.post("/login", data={"username": ids["users"]["admin"], "password": PASSWORD})

    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still asked to sign in
    assert database_digest(factory) == before  # no last-login time, no audit row


def test_a_write_with_the_token_goes_through(forged):
    """The refusals above are CSRF's: the same admin with the page's token is let through."""
    app, factory, ids = forged
    client = signed_in_admin(app, ids)
    before = database_digest(factory)

    response = client.post(
        "/maintenance",
        data={
            "csrf_token": form_token(client, "/maintenance"),
            "target": f"site:{ids['site_id']}",
            "starts_at": "2026-11-28T08:00",
            "ends_at": "2026-11-28T12:00",
            "reason": "UPS swap",
        },
    )

    assert response.status_code == 302
    assert database_digest(factory) != before
    assert "UPS swap" in client.get("/maintenance").get_data(as_text=True)
