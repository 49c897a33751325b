"""Fixtures shared by the whole suite: settings with a temporary data dir, a migrated database
(SQLite per test; PostgreSQL for tests that ask for `any_db`), and a few row builders."""

from __future__ import annotations

import os
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from monitor.db import engine as dbmod
from monitor.db.models import Base, Device, Site
from monitor.secrets import ensure_keys
from monitor.settings import DatabaseSettings, PathSettings, Settings
from tests.support.netns import netns  # noqa: F401  (fixture: namespaces that silence devices)
from tests.support.requirements import require

POSTGRES_ADMIN_URL = os.environ.get(
    "ICTMON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path) -> Settings:
    base = Settings()
    s = replace(
        base,
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'ictmon.db'}"),
        paths=PathSettings(data_dir=str(tmp_path / "data")),
    )
    ensure_keys(s)
    return s


@pytest.fixture
def engine(settings):
    engine = dbmod.make_engine(settings.database.url)
    dbmod.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine):
    """A sessionmaker bound to a freshly migrated database."""
    return dbmod.session_factory(engine)


@pytest.fixture(scope="session")
def postgres_engine():
    """A database of our own on the machine's PostgreSQL, migrated once, dropped at the end."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text("SELECT 1"))
    except Exception as exc:  # reported through require() below
        admin.dispose()
        yield exc
        return
    name = f"ictmon_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    engine = dbmod.make_engine(
        make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    )
    dbmod.upgrade(engine)
    yield engine
    engine.dispose()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request, settings):
    """The same test on SQLite and on PostgreSQL (the scale-out path)."""
    if request.param == "sqlite":
        engine = dbmod.make_engine(settings.database.url)
        dbmod.upgrade(engine)
        yield dbmod.session_factory(engine)
        engine.dispose()
        return
    pg = request.getfixturevalue("postgres_engine")
    require(
        not isinstance(pg, Exception), f"PostgreSQL at {POSTGRES_ADMIN_URL} not reachable: {pg}"
    )
    with pg.begin() as c:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        c.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield dbmod.session_factory(pg)


def add_site(session, code="S01", name="โรงเรียนทดสอบ") -> Site:
    site = Site(code=code, name=name, enabled=True, created_at=NOW)
    session.add(site)
    session.flush()
    return site


def add_device(session, site, name, address="127.0.0.1", kind="router", parent=None) -> Device:
    device = Device(
        site_id=site.id,
        name=name,
        address=address,
        kind=kind,
        parent_id=parent.id if parent else None,
        enabled=True,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(device)
    session.flush()
    return device
