"""The Alembic migrations build exactly the schema the models describe, on both databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from monitor.models import Base


def test_migrated_schema_matches_the_models(any_db):
    engine = any_db.kw["bind"]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_is_idempotent(settings):
    from monitor import db as dbmod

    engine = dbmod.make_engine(settings.database.url)
    dbmod.upgrade(engine)
    dbmod.upgrade(engine)
    assert dbmod.is_initialised(engine)
    engine.dispose()
