"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from monitor.db.models import Base


def test_migrated_schema_matches_the_models(any_db):
    engine = any_db.kw["bind"]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_is_idempotent(settings):
    from monitor.db import engine as dbmod

    engine = dbmod.make_engine(settings.database.url)
    dbmod.upgrade(engine)
    dbmod.upgrade(engine)
    assert dbmod.is_initialised(engine)
    engine.dispose()


def test_migrations_have_a_single_head():
    """Features developed side by side add branches; they must be merged before they land."""
    from alembic.script import ScriptDirectory

    from monitor.db.engine import alembic_config, make_engine

    engine = make_engine("sqlite://")
    heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    engine.dispose()
    assert len(heads) == 1, heads
