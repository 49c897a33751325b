"""A discovery run already proposed, as the page shows it, without running agents: the school of
tests/support/discovery_site.py compared against a site's stored devices."""

from __future__ import annotations

from monitor.db.models import DiscoveryRun
from monitor.discovery import proposal, record
from monitor.discovery.stored import stored_devices
from tests.support import discovery_site as site

RANGE = "127.40.1.0/24"


def proposed_run(session, site_id: int, at, found=None, started_by: str = "admin") -> int:
    """A `proposed` run of the school over `site_id`'s stored devices; its id (flushed)."""
    found = site.site() if found is None else found
    stored = stored_devices(session, site_id)
    plan = proposal.propose(found, site.ROUTER.address, stored, [RANGE])
    run = DiscoveryRun(
        site_id=site_id,
        ranges=RANGE,
        seeds=site.ROUTER.address,
        profile_name="schools",
        started_by=started_by,
        started_at=at,
        finished_at=at,
        state="proposed",
        counts=dict(plan.counts),
        proposal=record.snapshot(plan, found, stored, root=site.ROUTER.address, ranges=[RANGE]),
        stored_digest=record.stored_digest(stored),
    )
    session.add(run)
    session.flush()
    return run.id
