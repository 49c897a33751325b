"""Discovery runs as rows: a run is checked and recorded (`begin`), carried out (`execute`: the
crawl of monitor.snmp.discover, then the proposal against the stored devices with the fields
discovery wrote, kept as JSON with the digest of what it compared), and later confirmed
(monitor.discovery.apply). The page runs `execute` in a background thread; the command line
begins, crawls (`record_outcome`) and confirms in one go.

`begin` refuses before any packet leaves: unreadable, overlapping or too large ranges, a range
outside the site's own `address_ranges` (when the site has them), an unknown site or profile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from collectors.snmp import SnmpCollector
from monitor.db import audit
from monitor.db.engine import transaction
from monitor.db.models import DiscoveryRun, Site, SnmpProfile
from monitor.discovery import proposal, ranges, record
from monitor.discovery.apply import PROPOSED
from monitor.discovery.stored import stored_devices
from monitor.localtime import utcnow
from monitor.secrets import Vault
from monitor.settings import Settings
from monitor.snmp import discover
from monitor.snmp.discover import DiscoveryError

log = logging.getLogger(__name__)

RUNNING, FAILED, INTERRUPTED = "running", "failed", "interrupted"
# Beyond [discovery] deadline before a run still "running" counts as interrupted: its process
# (the web app's thread) ended meanwhile, a restart or a crash.
GRACE = timedelta(seconds=120)


def _profile(session: Session, name: str | None) -> SnmpProfile | None:
    """The profile named; without a name the only one there is, or None: each is tried in turn
    (monitor.snmp.discover), and each found device says which answered."""
    if name:
        row = session.scalar(select(SnmpProfile).where(SnmpProfile.name == name))
        if row is None:
            raise DiscoveryError(f"no SNMP profile named {name!r}")
        return row
    rows = session.scalars(select(SnmpProfile).order_by(SnmpProfile.name).limit(2)).all()
    if not rows:
        raise DiscoveryError("no SNMP profile yet: create one first")
    return rows[0] if len(rows) == 1 else None


def begin(
    session: Session, request: discover.Request, started_by: str, now: datetime
) -> DiscoveryRun:
    """Check `request` and record it as a running run (flushed, not committed)."""
    nets = discover.networks(request.ranges, request.max_addresses)
    site = session.scalar(select(Site).where(Site.code == request.site_code))
    if site is None:
        raise DiscoveryError(f"no site with code {request.site_code!r}")
    discover.check_allowed(nets, discover.site_ranges(site.address_ranges))
    profile = _profile(session, request.profile)
    run = DiscoveryRun(
        site_id=site.id,
        ranges=", ".join(map(str, nets))[:500],
        seeds=", ".join(request.seeds)[:500],
        profile_id=profile.id if profile else None,
        profile_name=profile.name[:64] if profile else "",
        started_by=started_by[:128],
        started_at=now,
        state=RUNNING,
    )
    session.add(run)
    session.flush()
    who = audit.actor_of(session)
    if who is not None:
        audit.write(
            session,
            [
                audit.entry(
                    who,
                    "discovery_start",
                    "discovery_run",
                    str(run.id),
                    f"{site.code} {run.ranges}",
                    {"ranges": [None, run.ranges], "profile": [None, run.profile_name or "*"]},
                )
            ],
        )
    return run


def record_outcome(
    sessions: sessionmaker[Session],
    run_id: int,
    outcome: discover.Outcome,
    clock: Callable[[], datetime] = utcnow,
) -> discover.Outcome:
    """Keep a crawl's proposal with its run: compared against the stored devices as they are now,
    with the fields discovery wrote (people's values told apart). Returns the outcome with that
    proposal, which is what the run shows and a confirmation applies."""
    with sessions() as session:
        run = session.get(DiscoveryRun, run_id)
        if run is None:
            raise DiscoveryError(f"no discovery run {run_id}")
        stored = stored_devices(session, run.site_id)
        swept = ranges.split(run.ranges)
    plan = proposal.propose(outcome.crawl.found, outcome.root, stored, swept)
    snapshot = record.snapshot(
        plan,
        outcome.crawl.found,
        stored,
        root=outcome.root,
        ranges=swept,
        stopped=outcome.crawl.stopped,
        seconds=outcome.crawl.seconds,
        skipped=outcome.crawl.skipped,
    )
    _finish(
        sessions,
        run_id,
        clock,
        state=PROPOSED,
        stopped=outcome.crawl.stopped,
        counts=dict(plan.counts),
        proposal=snapshot,
        stored_digest=record.stored_digest(stored),
        error=None,
    )
    return replace(outcome, proposal=plan)


def fail(
    sessions: sessionmaker[Session],
    run_id: int,
    message: str,
    clock: Callable[[], datetime] = utcnow,
) -> None:
    _finish(sessions, run_id, clock, state=FAILED, error=message[:2000])


def mark_interrupted(session: Session, now: datetime, deadline_s: float) -> int:
    """Runs still "running" past their deadline and `GRACE` become "interrupted" (in the caller's
    transaction, one UPDATE, no audit row: nobody did anything). Returns how many."""
    result = session.execute(
        update(DiscoveryRun)
        .where(
            DiscoveryRun.state == RUNNING,
            DiscoveryRun.started_at < now - timedelta(seconds=deadline_s) - GRACE,
        )
        .values(state=INTERRUPTED, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _finish(sessions, run_id: int, clock, **values) -> None:
    with transaction(sessions) as session:
        run = session.get(DiscoveryRun, run_id)
        if run is None:  # the site was deleted meanwhile
            return
        for key, value in values.items():
            setattr(run, key, value)
        run.finished_at = clock()


def execute(
    sessions: sessionmaker[Session],
    vault: Vault,
    run_id: int,
    request: discover.Request,
    collector: SnmpCollector,
    clock: Callable[[], datetime] = utcnow,
) -> None:
    """Carry out a begun run and record its proposal or its failure (the page's thread). Never
    raises for a refused request or a failing crawl: the run row says what went wrong."""
    try:
        outcome = discover.run(sessions, vault, request, collector)
        record_outcome(sessions, run_id, outcome, clock)
    except DiscoveryError as exc:
        fail(sessions, run_id, str(exc), clock)
    except Exception as exc:  # a failing run is recorded and shown, not lost in a thread
        log.exception("discovery run %s failed", run_id)
        fail(sessions, run_id, f"{type(exc).__name__}: {exc}", clock)


def request_from(settings: Settings, site_code: str, ranges, seeds=(), profile=None):
    """A request bounded by the [discovery] settings."""
    return discover.Request(
        site_code=site_code,
        ranges=tuple(r.strip() for r in ranges if r.strip()),
        seeds=tuple(s.strip() for s in seeds if s.strip()),
        profile=profile or None,
        max_addresses=settings.discovery.max_addresses,
        deadline_s=settings.discovery.deadline,
        rate=settings.discovery.rate,
    )
