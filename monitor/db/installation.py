"""The database's life: a random id that tells this database apart from every other ictmon's and
from an earlier state of itself.

Made when the schema is created (migration 0009), kept by a plain copy of the database, renewed
when `ictmon db-restore` puts a copy in place. Why renew: after a restore the row ids continue
from the copy's, so rows made after the copy was taken are made again under the same ids. A new
life keeps the Message-IDs built from those ids (monitor.mail.smtp) apart from the ones already
sent, whatever the clock did. A PostgreSQL dump restored with pg_restore keeps the old life; the
Message-ID also carries the row's creation time, which a restored row keeps and a new one does
not share.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.db.engine import rowcount
from monitor.db.models import DatabaseLife

ROW = 1


def new_life() -> str:
    return secrets.token_hex(8)


def life(session: Session, now: datetime) -> str:
    """This database's life id; made here when the row is missing (a table emptied by hand)."""
    found = session.scalar(select(DatabaseLife.life).where(DatabaseLife.id == ROW))
    if found:
        return found
    try:
        with session.begin_nested():
            session.add(DatabaseLife(id=ROW, life=new_life(), started_at=now))
    except IntegrityError:
        pass  # another process made it first: its id is the one
    return session.scalars(select(DatabaseLife.life).where(DatabaseLife.id == ROW)).one()


def renew(session: Session, now: datetime) -> str:
    """Start a new life (after a restore); returns the new id."""
    fresh = new_life()
    updated = session.execute(
        update(DatabaseLife).where(DatabaseLife.id == ROW).values(life=fresh, started_at=now)
    )
    if not rowcount(updated):
        session.add(DatabaseLife(id=ROW, life=fresh, started_at=now))
        session.flush()
    return fresh
