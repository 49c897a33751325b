"""Each database has one life id (monitor.db.installation): made with it, kept while it lives,
renewed by a restore; on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from monitor.db import installation
from monitor.db.models import DatabaseLife
from tests.conftest import NOW


def test_a_new_database_is_born_with_its_life(db):
    with db() as s:
        [row] = s.scalars(select(DatabaseLife)).all()
    assert len(row.life) == 16
    with db.begin() as s:
        assert installation.life(s, NOW) == row.life


def test_the_life_is_kept_until_renewed_and_made_again_when_missing(any_db):
    with any_db.begin() as s:
        first = installation.life(s, NOW)
    with any_db.begin() as s:
        assert installation.life(s, NOW) == first
    with any_db.begin() as s:
        renewed = installation.renew(s, NOW)
    assert renewed != first
    with any_db.begin() as s:
        assert installation.life(s, NOW) == renewed
        s.execute(delete(DatabaseLife))
    with any_db.begin() as s:
        made = installation.life(s, NOW)
    assert made not in (first, renewed)
    with any_db() as s:
        assert s.scalar(select(func.count()).select_from(DatabaseLife)) == 1
