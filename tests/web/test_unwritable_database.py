"""While the database cannot be written — here another connection holds the write lock, as a long
import or a stuck maintenance script would — the API and /metrics still answer with a token: only
the record of when the token was last used is skipped, with a line in the log. On SQLite (BEGIN
EXCLUSIVE on the file) and PostgreSQL (the tables locked EXCLUSIVE: reads pass, writes wait)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from monitor.accounts.users import create_token, create_user
from monitor.db.models import ApiToken, User
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
        assert {d["name"]: d["state"] for d in devices.json}["s02-router"] == "down"
        assert len(devices.json) == 7
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
