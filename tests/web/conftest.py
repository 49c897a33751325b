"""An app on a fresh SQLite database per test, a signed-in client, and a small district."""

from __future__ import annotations

import pytest

from monitor.accounts.users import create_user
from tests.conftest import NOW
from tests.web.seed import seed_district
from web.app import create_app

PASSWORD = "correct horse battery"


def make_app(settings, factory, *, csrf=False):
    app = create_app(settings, session_factory=factory)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=csrf, ICTMON_CLOCK=lambda: NOW)
    return app


@pytest.fixture
def app(settings, db):
    with db.begin() as s:
        create_user(s, "officer", PASSWORD, display_name="เจ้าหน้าที่ ICT")
    return make_app(settings, db)


@pytest.fixture
def client(app):
    return app.test_client()


def sign_in(client, username="officer", password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


@pytest.fixture
def officer(client):
    """A client signed in as the officer."""
    response = sign_in(client)
    assert response.status_code == 302
    return client


@pytest.fixture
def district(db):
    return seed_district(db)
