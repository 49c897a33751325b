"""While the database cannot be written — here another connection holds the write lock, as a long
import or a stuck maintenance script would — the API and /metrics still answer with a token, and
people can sign in: only the record of when the token was last used, of the sign-in and of the
attempt's place in the lock-out count is skipped, with a line in the log. On SQLite (BEGIN
EXCLUSIVE on the file) and PostgreSQL (the tables locked EXCLUSIVE: reads pass, writes wait)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from monitor.accounts import login_limits
from monitor.accounts.users import create_token, create_user
from monitor.db.models import ApiToken, LoginFailure, User
from tests.web.conftest import PASSWORD, make_app
from tests.web.seed import seed_district


@contextmanager
def write_lock(factory) -> Iterator[None]:
    """Another connection holding the database's write lock until the block ends."""
    engine = factory.kw["bind"]
    if engine.dialect.name == "sqlite":
        other = sqlite3.connect(engine.url.database, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    with engine.connect() as other:
        other.exec_driver_sql(
            "LOCK TABLE users, api_tokens, login_failures, audit_events IN EXCLUSIVE MODE"
        )
        try:
            yield
        finally:
            other.rollback()


@pytest.fixture
def app(settings, any_db):
    seed_district(any_db)
    with any_db.begin() as s:
        create_user(s, "officer", PASSWORD, role="admin")
    return make_app(settings, any_db)


@pytest.fixture
def token(any_db, app):
    with any_db.begin() as s:
        return create_token(s, s.scalar(select(User).where(User.username == "officer")))


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_token_reads_answer_while_the_database_is_locked(app, any_db, token, caplog):
    client = app.test_client()
    with write_lock(any_db), caplog.at_level(logging.WARNING):
        devices = client.get("/api/v1/devices", headers=bearer(token))
        assert devices.status_code == 200, devices.get_data(as_text=True)
        page = devices.json["devices"]
        assert {d["name"]: d["state"] for d in page}["s02-router"] == "down"
        assert len(page) == 7
        metrics = client.get("/metrics", headers=bearer(token))
        assert metrics.status_code == 200, metrics.get_data(as_text=True)
        assert 'ictmon_devices{state="unreachable"} 2' in metrics.get_data(as_text=True)
    assert "not recorded" in caplog.text
    with any_db() as s:
        assert s.scalar(select(ApiToken.last_used_at)) is None
    # Once the lock is gone the bookkeeping resumes.
    assert client.get("/api/v1/sites", headers=bearer(token)).status_code == 200
    with any_db() as s:
        assert s.scalar(select(ApiToken.last_used_at)) is not None


@pytest.fixture
def quick_reservation(monkeypatch):
    # The production wait (10 s) outlasts any queue of parallel sign-ins; a test need not sit it out.
    monkeypatch.setattr(login_limits, "RESERVATION_LOCK_WAIT_MS", 300)


def test_sign_in_works_while_the_database_is_locked(app, any_db, quick_reservation, caplog):
    client = app.test_client()
    with write_lock(any_db), caplog.at_level(logging.WARNING):
        wrong = client.post("/login", data={"username": "officer", "password": "wrong"})
        assert wrong.status_code == 401, wrong.get_data(as_text=True)
        signed_in = client.post("/login", data={"username": "officer", "password": PASSWORD})
        assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
        status = client.get(signed_in.headers["Location"])
        assert status.status_code == 200
        assert 'action="/logout"' in status.get_data(as_text=True)  # signed in
        devices = client.get("/api/v1/devices")
        assert devices.status_code == 200
        assert len(devices.json["devices"]) == 7
    assert "not counted: the database cannot be written" in caplog.text
    assert "the lock-out was checked read-only" in caplog.text
    assert "sign-in of 'officer' not recorded" in caplog.text
    with any_db() as s:
        # Nothing could be written: no failure on record, no sign-in time, no audit line.
        assert s.scalar(select(func.count()).select_from(LoginFailure)) == 0
        assert s.scalar(select(User.last_login_at).where(User.username == "officer")) is None
    # Once the lock is gone, sign-in records again.
    client.post("/logout")
    assert client.post("/login", data={"username": "officer", "password": "x"}).status_code == 401
    with any_db() as s:
        assert s.scalar(select(func.count()).select_from(LoginFailure)) == 1


def test_a_locked_out_name_stays_locked_while_the_database_is_locked(
    app, any_db, quick_reservation
):
    client = app.test_client()
    guesses = [
        client.post("/login", data={"username": "officer", "password": "x"}).status_code
        for _ in range(5)
    ]
    assert guesses == [401, 401, 401, 401, 429]
    with write_lock(any_db):
        # The read-only check still finds the lock: the right password is not even tried.
        refused = client.post("/login", data={"username": "officer", "password": PASSWORD})
        assert refused.status_code == 429
