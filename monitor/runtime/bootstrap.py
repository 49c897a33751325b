"""`ictmon init`: keys, schema, first admin. Safe to run again (upgrades, creates nothing twice)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from monitor.accounts.users import create_user
from monitor.db import engine as dbmod
from monitor.db.models import User
from monitor.secrets import ensure_keys
from monitor.settings import Settings, mask_url_password


@dataclass
class InitOutcome:
    database: str
    keys_created: list[Path] = field(default_factory=list)
    admin_created: bool = False
    generated_password: str | None = None


def initialise(
    settings: Settings, admin_user: str = "admin", admin_password: str | None = None
) -> InitOutcome:
    outcome = InitOutcome(database=mask_url_password(settings.database.url))
    outcome.keys_created = ensure_keys(settings)
    engine = dbmod.make_engine(settings.database.url)
    try:
        dbmod.upgrade(engine)
        with dbmod.transaction(dbmod.session_factory(engine)) as session:
            if session.execute(select(func.count()).select_from(User)).scalar():
                return outcome
            if not admin_password:
                admin_password = outcome.generated_password = secrets.token_urlsafe(12)
            create_user(session, admin_user, admin_password, role="admin", display_name="ผู้ดูแลระบบ")
            outcome.admin_created = True
    finally:
        engine.dispose()
    return outcome
