"""Collectors on the central: create one for some sites, its single-use enrolment code, enrolment
(code → token), revocation, and who a bearer token is.

Secrets are stored as sha256 hashes only: the code until it is used, the token for good. A code
is `secrets.token_urlsafe`, valid [collector] enrolment_hours, used once; a token is
`protocol.TOKEN_PREFIX` + 32 random bytes. A presented secret is found by its hash (an indexed
equality lookup), so no stored secret is ever compared character by character.

Every change is an audit row (monitor.db.audit.record): created, code issued, enrolled, an
enrolment refused (with why, never the code), revoked. A refused enrolment writes that audit row
and nothing else. Nothing here commits: the caller's transaction does.

Revoking a collector frees its sites: the office measures them again (monitor.edge.assignment
follows the `collector_sites` rows), and another collector may be given them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from monitor.db import audit
from monitor.db.models import Collector, CollectorSite, Site
from monitor.edge import protocol

AUDIT_TYPE = "collector"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class CollectorError(ValueError):
    """A refused request; nothing was changed (but, for an enrolment, its audit row). `field`
    names the form field, `code` the reason (pages show `collector_error_<code>` in the reader's
    language, with `value`), the message is the English sentence for the command line and the
    API. `status` is the HTTP answer the API gives."""

    def __init__(self, field: str, code: str, message: str, *, value: str = "", status: int = 400):
        super().__init__(message)
        self.field = field
        self.code = code
        self.value = value
        self.status = status


@dataclass(frozen=True)
class Issued:
    """A collector and its new enrolment code: the code is shown once, never stored."""

    collector: Collector
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class Authenticated:
    """Who a bearer token is: the collector, or why not (`refusal`, an English sentence, and the
    HTTP answer: 401 no or an unknown token, 403 a revoked collector's)."""

    collector: Collector | None
    refusal: str = ""
    status: int = 401


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def site_codes(session: Session, collector_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Site.code)
            .join(CollectorSite, CollectorSite.site_id == Site.id)
            .where(CollectorSite.collector_id == collector_id)
            .order_by(Site.code)
        )
    )


def collector_named(session: Session, name: str) -> Collector | None:
    return session.scalars(select(Collector).where(Collector.name == name)).first()


def create_collector(
    session: Session,
    name: str,
    codes: Iterable[str],
    *,
    now: datetime,
    enrolment_hours: float,
    actor: audit.Actor | None = None,
) -> Issued:
    """A collector for the sites `codes`, with its first enrolment code."""
    name = (name or "").strip()
    if not _NAME.match(name):
        raise CollectorError(
            "name",
            "name",
            "name: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            value=name,
        )
    if collector_named(session, name) is not None:
        raise CollectorError(
            "name", "name_taken", f"name: a collector named {name!r} exists", value=name
        )
    wanted = sorted({c.strip() for c in codes if c and c.strip()})
    if not wanted:
        raise CollectorError("sites", "no_sites", "sites: give at least one site code")
    sites = {s.code: s for s in session.scalars(select(Site).where(Site.code.in_(wanted)))}
    for code in wanted:
        if code not in sites:
            raise CollectorError("sites", "no_site", f"sites: no site {code!r}", value=code)
    taken = session.execute(
        select(Site.code, Collector.name)
        .join(CollectorSite, CollectorSite.site_id == Site.id)
        .join(Collector, Collector.id == CollectorSite.collector_id)
        .where(Site.code.in_(wanted), Collector.revoked_at.is_(None))
        .order_by(Site.code)
    ).first()
    if taken is not None:
        raise CollectorError(
            "sites",
            "site_taken",
            f"sites: {taken.code} is measured by collector {taken.name!r} already",
            value=f"{taken.code} ({taken.name})",
        )
    who = actor or audit.actor_of(session) or audit.Actor("system")
    collector = Collector(name=name, created_at=now, created_by=who.name[:128])
    code, expires = _new_code(collector, now, enrolment_hours)
    session.add(collector)
    session.flush()
    # A revoked collector's site moves to the new one.
    session.execute(
        delete(CollectorSite).where(CollectorSite.site_id.in_([sites[c].id for c in wanted]))
    )
    session.add_all(CollectorSite(collector_id=collector.id, site_id=sites[c].id) for c in wanted)
    session.flush()
    audit.record(
        session,
        "create",
        AUDIT_TYPE,
        object_id=collector.id,
        label=name,
        changes={"sites": [None, ", ".join(wanted)], "enrolment_expires_at": [None, expires]},
        actor=who,
    )
    return Issued(collector, code, expires)


def issue_code(
    session: Session,
    collector: Collector,
    *,
    now: datetime,
    enrolment_hours: float,
    actor: audit.Actor | None = None,
) -> Issued:
    """A new enrolment code for `collector` (the previous one stops working). Enrolling with it
    replaces the collector's token: a reinstalled machine enrols again under the same name."""
    if collector.revoked_at is not None:
        raise CollectorError(
            "name",
            "revoked",
            f"collector {collector.name!r} is revoked: create a new one",
            value=collector.name,
        )
    code, expires = _new_code(collector, now, enrolment_hours)
    session.flush()
    audit.record(
        session,
        "issue_code",
        AUDIT_TYPE,
        object_id=collector.id,
        label=collector.name,
        changes={"enrolment_expires_at": [None, expires]},
        actor=actor,
    )
    return Issued(collector, code, expires)


def enrol(
    session: Session,
    request: protocol.EnrolRequest,
    *,
    now: datetime,
    address: str | None = None,
) -> protocol.Enrolment:
    """Exchange a code for the collector's token. An unknown, used or expired code, or a revoked
    collector's, raises CollectorError (status 403) after writing only the audit row of the
    refusal."""
    actor = audit.Actor("collector-enrolment", address)
    collector = session.scalars(
        select(Collector).where(Collector.enrolment_code_hash == digest(request.code))
    ).first()
    reason = None
    if collector is None:
        reason = "unknown", "unknown enrolment code"
    elif collector.revoked_at is not None:
        reason = "revoked", f"collector {collector.name!r} is revoked"
    elif collector.enrolment_used_at is not None:
        reason = "used", "this enrolment code was used already: ask for a new one"
    elif collector.enrolment_expires_at is None or collector.enrolment_expires_at <= now:
        reason = "expired", "this enrolment code has expired: ask for a new one"
    if reason is not None:
        code, message = reason
        audit.record(
            session,
            "enrol_refused",
            AUDIT_TYPE,
            object_id=None if collector is None else collector.id,
            label="" if collector is None else collector.name,
            changes={"reason": code, "hostname": request.hostname, "version": request.version},
            actor=actor,
        )
        raise CollectorError("code", code, message, status=403)
    assert collector is not None  # every refusal above returned
    token = protocol.TOKEN_PREFIX + secrets.token_urlsafe(32)
    collector.token_hash = digest(token)
    collector.enrolled_at = now
    collector.enrolment_used_at = now
    collector.hostname = request.hostname[:255] or collector.hostname
    collector.version = request.version[:64] or collector.version
    session.flush()
    audit.record(
        session,
        "enrol",
        AUDIT_TYPE,
        object_id=collector.id,
        label=collector.name,
        changes={"hostname": request.hostname, "version": request.version},
        actor=actor,
    )
    return protocol.Enrolment(
        collector_id=collector.id,
        name=collector.name,
        token=token,
        sites=tuple(site_codes(session, collector.id)),
    )


def authenticate(session: Session, header: str | None) -> Authenticated:
    """The collector an `Authorization: Bearer <token>` header names. A user's API token, a
    revoked collector's token or anything else is refused, with the reason to answer."""
    scheme, _, token = (header or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return Authenticated(None, "a collector token is required (Authorization: Bearer ...)")
    if not token.startswith(protocol.TOKEN_PREFIX):
        return Authenticated(None, "not a collector token")
    collector = session.scalars(
        select(Collector).where(Collector.token_hash == digest(token))
    ).first()
    if collector is None:
        return Authenticated(None, "unknown collector token: enrol again")
    if collector.revoked_at is not None:
        return Authenticated(
            None, f"collector {collector.name!r} was revoked on the central", status=403
        )
    return Authenticated(collector)


def revoke(
    session: Session, collector: Collector, *, now: datetime, actor: audit.Actor | None = None
) -> None:
    """The collector's token and code stop working at once. Its sites stay with it: the office
    cannot reach a school's inside behind NAT, so handing them back would turn every device
    there DOWN; they go unknown instead (monitor.edge.liveness, without an alert) until a new
    collector is created for the site, which takes it over."""
    if collector.revoked_at is not None:
        raise CollectorError(
            "name", "already_revoked", f"collector {collector.name!r} is revoked already"
        )
    codes = site_codes(session, collector.id)
    who = actor or audit.actor_of(session) or audit.Actor("system")
    collector.revoked_at = now
    collector.revoked_by = who.name[:128]
    collector.enrolment_code_hash = None
    collector.enrolment_expires_at = None
    session.flush()
    audit.record(
        session,
        "revoke",
        AUDIT_TYPE,
        object_id=collector.id,
        label=collector.name,
        changes={"sites": [", ".join(codes) or None, None]},
        actor=who,
    )


def _new_code(collector: Collector, now: datetime, hours: float) -> tuple[str, datetime]:
    code = secrets.token_urlsafe(18)
    expires = now + timedelta(hours=hours)
    collector.enrolment_code_hash = digest(code)
    collector.enrolment_expires_at = expires
    collector.enrolment_used_at = None
    return code, expires
