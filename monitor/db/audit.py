"""The audit log: who changed what, when, and from what to what — never a secret.

Changes are caught where they happen, in the ORM flush, not view by view: a session that says who
is acting (`act_as`) gets an `audit_events` row for every row of an audited table it creates,
changes or deletes, in the same transaction as the change. Sessions without an actor (the poller,
the rule engine, the scheduler's jobs) are machines keeping their own records and are not audited.

Secret columns (credentials, hashes) are never copied: their change shows as a marker
("•••" before/after), so the log says a password was changed without saying to what.
Events that are not row changes (a sign-in, an import's summary) are written with `record`.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, event, insert, inspect, select
from sqlalchemy.orm import Session

from monitor.db.models import (
    AlertChannel,
    ApiToken,
    AuditEvent,
    Device,
    Incident,
    MaintenanceWindow,
    Risk,
    Site,
    SiteContact,
    SnmpProfile,
    SshAccess,
    SshCredentialProfile,
    SshHostKey,
    User,
)
from monitor.localtime import utcnow

# Written with Core inserts (see below); the declarative attribute is typed as a plain FromClause.
_AUDIT_TABLE = cast(Table, AuditEvent.__table__)

SECRET = "•••"

# Audited tables → the object type the log shows.
AUDITED: dict[type, str] = {
    Site: "site",
    Device: "device",
    User: "user",
    ApiToken: "api_token",
    SnmpProfile: "snmp_profile",
    SshCredentialProfile: "ssh_profile",
    SshAccess: "ssh_access",
    SshHostKey: "ssh_host_key",
    MaintenanceWindow: "maintenance_window",
    Incident: "incident",
    Risk: "risk",
    AlertChannel: "alert_channel",
    SiteContact: "site_contact",
}

# Never copied into the log, only marked as set / changed / cleared.
SECRET_COLUMNS = frozenset(
    {
        "snmp_community",
        "snmp_v3_auth_key",
        "snmp_v3_priv_key",
        "ssh_password",  # devices
        "community",
        "v3_auth_key",
        "v3_priv_key",  # snmp_profiles
        "password",
        "enable_secret",  # ssh profiles
        "password_hash",
        "token_hash",  # users, tokens
        "url_secret",  # alert channels: the URL holds the service's token
    }
)

# Bookkeeping that changes with every edit and says nothing a reader needs.
IGNORED_COLUMNS = frozenset(
    {
        "created_at",
        "updated_at",
        "updated_by",
        "last_used_at",
        "last_login_at",
        "password_changed_at",
        "evaluated_at",
        "last_seen_at",
    }
)


@dataclass(frozen=True)
class Actor:
    name: str  # "somchai", "cli:root", "api:somchai"
    address: str | None = None


ActorSource = Actor | Callable[[], Actor | None]


def act_as(session: Session, actor: ActorSource) -> None:
    """From now on, `session`'s changes are recorded as made by `actor` (or by whoever the
    callable names at flush time: the web binds the signed-in user that way)."""
    session.info["audit_actor"] = actor


def cli_actor() -> Actor:
    try:
        who = getpass.getuser()
    except Exception:  # no passwd entry (containers): still say it was the command line
        who = "?"
    return Actor(f"cli:{who}")


def name_change(session: Session, obj: Any, action: str) -> None:
    """The next flushed change of `obj` is stored as `action` (`acknowledge`, `resolve`,
    `reopen`) rather than "update": the code that knows what the person did says so, and the
    log's filter and exports find it by that code. Unaudited sessions ignore it."""
    session.info.setdefault("audit_actions", {})[id(obj)] = action


def _actor_of(session: Session) -> Actor | None:
    source = session.info.get("audit_actor")
    return source() if callable(source) else source


def plain(value: Any) -> Any:
    """A value as JSON can hold it."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return SECRET
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


def _shown(column: str, value: Any) -> Any:
    if column in SECRET_COLUMNS:
        return None if value is None else SECRET
    return plain(value)


def _label(obj) -> str:
    if isinstance(obj, Site):
        return f"{obj.code} {obj.name}"[:300]
    for attr in ("username", "code", "name", "title", "label", "reason"):
        value = getattr(obj, attr, None)
        if isinstance(value, str) and value:
            return value[:300]
    return ""


def _object_id(obj) -> str | None:
    identity = inspect(obj).identity
    if not identity:
        return None
    return "/".join(str(part) for part in identity)[:64]


def _columns(obj):
    return [c.key for c in inspect(obj).mapper.column_attrs]


def _created(obj) -> dict:
    # "id" is the row's object_id already; every other value set on creation is shown.
    return {
        c: [None, _shown(c, getattr(obj, c))]
        for c in _columns(obj)
        if c not in IGNORED_COLUMNS and c != "id" and getattr(obj, c) is not None
    }


def _deleted(obj) -> dict:
    state = inspect(obj)
    out = {}
    for c in _columns(obj):
        if c in IGNORED_COLUMNS or c in state.unloaded:
            continue
        value = state.dict.get(c)
        if value is not None:
            out[c] = [_shown(c, value), None]
    return out


def _updated(obj) -> dict:
    state = inspect(obj)
    out = {}
    for c in _columns(obj):
        if c in IGNORED_COLUMNS:
            continue
        history = state.attrs[c].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before == after:
            continue
        if c in SECRET_COLUMNS:
            out[c] = [None if before is None else SECRET, None if after is None else SECRET]
        else:
            out[c] = [plain(before), plain(after)]
    return out


def _row(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | None,
    label: str,
    changes: dict | None,
) -> dict:
    return {
        "at": utcnow(),
        "actor": actor.name[:128],
        "action": action[:32],
        "object_type": object_type[:32],
        "object_id": object_id,
        "object_label": label[:300],
        "changes": changes or None,
        "address": (actor.address or None),
    }


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, _context) -> None:
    # after_flush: primary keys are known, and new/dirty/deleted and attribute history still
    # describe what this flush wrote.
    # Keyed by id(): the objects stay referenced by the session for the whole flush. Taken
    # off at every flush, audited or not, so an id never outlives the change it named.
    named = session.info.pop("audit_actions", {})
    if "audit_actor" not in session.info:
        return
    actor = _actor_of(session)
    if actor is None:
        return
    rows = []
    for obj in session.new:
        kind = AUDITED.get(type(obj))
        if kind:
            rows.append(_row(actor, "create", kind, _object_id(obj), _label(obj), _created(obj)))
    for obj in session.dirty:
        kind = AUDITED.get(type(obj))
        if kind and session.is_modified(obj, include_collections=False):
            changes = _updated(obj)
            if changes:
                action = named.get(id(obj), "update")
                rows.append(_row(actor, action, kind, _object_id(obj), _label(obj), changes))
    for obj in session.deleted:
        kind = AUDITED.get(type(obj))
        if kind:
            rows.append(_row(actor, "delete", kind, _object_id(obj), _label(obj), _deleted(obj)))
    if rows:
        # Core insert on the flush's own connection: adding ORM objects during a flush is not
        # allowed, and the rows must commit (or roll back) with the change they describe.
        session.connection().execute(insert(_AUDIT_TABLE), rows)


# --- for writers that bypass the flush -----------------------------------------------------------
# A bulk writer (the device import) writes thousands of rows with a few Core statements, so the
# flush listener never sees them; it builds the same log rows with these, from the values it
# writes, and inserts them with `write` in the same transaction.


def actor_of(session: Session) -> Actor | None:
    """Who `session`'s changes are recorded as made by; None: a machine's session, not audited."""
    if "audit_actor" not in session.info:
        return None
    return _actor_of(session)


def label_of(obj) -> str:
    """The label the log shows for an object (a transient one will do)."""
    return _label(obj)


def created_changes(values: Mapping[str, Any]) -> dict:
    """What the listener shows for a row created with `values` (column → value)."""
    return {
        c: [None, _shown(c, v)]
        for c, v in values.items()
        if c not in IGNORED_COLUMNS and c != "id" and v is not None
    }


def updated_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict:
    """What the listener shows for a row whose columns went from `before` to `after`."""
    out = {}
    for c, new in after.items():
        old = before.get(c)
        if c in IGNORED_COLUMNS or old == new:
            continue
        if c in SECRET_COLUMNS:
            out[c] = [None if old is None else SECRET, None if new is None else SECRET]
        else:
            out[c] = [plain(old), plain(new)]
    return out


def entry(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | None,
    label: str,
    changes: dict | None,
) -> dict:
    """One log row, as `write` inserts it."""
    return _row(actor, action, object_type, object_id, label, changes)


def write(session: Session, rows: list[dict]) -> None:
    """Insert log rows built with `entry`: one statement, in the session's transaction."""
    if rows:
        session.connection().execute(insert(_AUDIT_TABLE), rows)


def record(
    session: Session,
    action: str,
    object_type: str,
    *,
    object_id: Any = None,
    label: str = "",
    changes: dict | None = None,
    actor: Actor | None = None,
) -> None:
    """An event that is not a row change (a sign-in, an import's summary, a backup taken)."""
    actor = actor or _actor_of(session) or Actor("system")
    session.execute(
        insert(_AUDIT_TABLE),
        [
            _row(
                actor,
                action,
                object_type,
                None if object_id is None else str(object_id)[:64],
                label,
                plain(changes) if changes else None,
            )
        ],
    )


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    object_type: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None  # in the object's label


def events(
    session: Session, where: AuditFilter = AuditFilter(), limit: int | None = 500
) -> list[AuditEvent]:
    """The log newest first, filtered; one query."""
    query = select(AuditEvent)
    if where.actor:
        query = query.where(AuditEvent.actor == where.actor)
    if where.object_type:
        query = query.where(AuditEvent.object_type == where.object_type)
    if where.action:
        query = query.where(AuditEvent.action == where.action)
    if where.since:
        query = query.where(AuditEvent.at >= where.since)
    if where.until:
        query = query.where(AuditEvent.at < where.until)
    if where.q:
        query = query.where(AuditEvent.object_label.contains(where.q, autoescape=True))
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))
