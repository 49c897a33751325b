"""One discovery run for a site: check the request, read what is stored, crawl from the seed
(collectors.discovery), and compare (monitor.discovery.proposal). Writes nothing: confirming a
proposal is another step.

What is checked before any packet leaves: the ranges parse, do not overlap and together hold at
most `max_addresses` addresses; the seeds lie inside them; the site exists; there is an SNMP
profile to use (the one named, or the only one there is). Without a seed the site's router is
the seed: a stored router of the site inside the ranges, one without a parent in the site first.

Nothing records yet which stored values discovery wrote, so every stored value counts as a
person's: discovery fills empty fields and shows the rest for review.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from collectors.discovery import MAX_ADDRESSES, Crawl, crawl
from collectors.snmp import SnmpCollector
from monitor.db.models import Device, Site, SnmpProfile
from monitor.discovery import proposal
from monitor.discovery.proposal import StoredDevice
from monitor.domain import DeviceKind
from monitor.secrets import Vault
from monitor.settings import SnmpSettings
from monitor.snmp.store import credentials_of


class DiscoveryError(ValueError):
    """A request discovery refuses, in words a person can act on."""


@dataclass(frozen=True)
class Request:
    site_code: str
    ranges: tuple[str, ...]
    seeds: tuple[str, ...] = ()
    profile: str | None = None
    max_addresses: int = MAX_ADDRESSES
    deadline_s: float = 120.0


@dataclass(frozen=True)
class Outcome:
    site_code: str
    root: str
    crawl: Crawl
    proposal: proposal.Proposal


def networks(ranges: Sequence[str], max_addresses: int) -> list:
    """The ranges as networks, refused when unreadable, overlapping or too large together."""
    if not ranges:
        raise DiscoveryError("give at least one address range, e.g. 10.40.1.0/24")
    found = []
    for text in ranges:
        try:
            found.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            raise DiscoveryError(f"not an address range: {text!r}") from None
    for n, one in enumerate(found):
        for other in found[n + 1 :]:
            if one.version == other.version and one.overlaps(other):
                raise DiscoveryError(f"ranges overlap: {one} and {other}")
    total = sum(n.num_addresses for n in found)
    if total > max_addresses:
        raise DiscoveryError(
            f"the ranges hold {total} addresses, more than the {max_addresses} one run may visit"
        )
    return found


def _inside(address: str, nets: Sequence) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip.version == n.version and ip in n for n in nets)


def stored_devices(session: Session, site_id: int) -> list[StoredDevice]:
    rows = session.execute(
        select(Device.id, Device.name, Device.address, Device.kind, Device.parent_id, Device.model)
        .where(Device.site_id == site_id)
        .order_by(Device.id)
    ).all()
    addresses = {r.id: r.address for r in rows}
    parents = dict(
        session.execute(
            select(Device.id, Device.address).where(
                Device.id.in_({r.parent_id for r in rows if r.parent_id} - set(addresses))
            )
        ).all()
    )
    addresses.update(parents)
    return [
        StoredDevice(
            id=r.id,
            name=r.name,
            address=r.address,
            kind=r.kind,
            parent=addresses.get(r.parent_id) if r.parent_id else None,
            model=r.model,
        )
        for r in rows
    ]


def _profile(session: Session, name: str | None) -> SnmpProfile:
    if name:
        row = session.scalar(select(SnmpProfile).where(SnmpProfile.name == name))
        if row is None:
            raise DiscoveryError(f"no SNMP profile named {name!r} (see `ictmon snmp profiles`)")
        return row
    rows = session.scalars(select(SnmpProfile).order_by(SnmpProfile.name).limit(2)).all()
    if not rows:
        raise DiscoveryError("no SNMP profile yet: create one with `ictmon snmp profile NAME`")
    if len(rows) > 1:
        raise DiscoveryError("several SNMP profiles: name one with --snmp-profile")
    return rows[0]


def _router_seed(stored: Sequence[StoredDevice], nets: Sequence) -> str | None:
    routers = sorted(
        (s.parent is not None, s.id, str(ipaddress.ip_address(s.address)))
        for s in stored
        if s.kind == DeviceKind.ROUTER
        and s.address
        and _valid(s.address)
        and _inside(s.address, nets)
    )
    return routers[0][2] if routers else None


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def run(sessions, vault: Vault, request: Request, collector: SnmpCollector) -> Outcome:
    nets = networks(request.ranges, request.max_addresses)
    seeds = []
    for seed in request.seeds:
        if not _valid(seed.strip()):
            raise DiscoveryError(f"not an address: {seed!r}")
        if not _inside(seed.strip(), nets):
            raise DiscoveryError(f"the seed {seed} is outside the ranges given")
        seeds.append(str(ipaddress.ip_address(seed.strip())))
    with sessions() as session:
        site = session.scalar(select(Site).where(Site.code == request.site_code))
        if site is None:
            raise DiscoveryError(f"no site with code {request.site_code!r}")
        profile = _profile(session, request.profile)
        credentials = credentials_of(Device(), profile, vault)
        port = profile.port or 161
        stored = stored_devices(session, site.id)
    if not seeds:
        router = _router_seed(stored, nets)
        if router is None:
            raise DiscoveryError("the site has no router inside the ranges: give --seed ADDRESS")
        seeds = [router]
    if credentials is None:  # a profile always gives credentials; kept for the type checker
        raise DiscoveryError("the SNMP profile gives no credentials")
    result = crawl(
        collector,
        seeds,
        [str(n) for n in nets],
        credentials,
        port=port,
        max_addresses=request.max_addresses,
        deadline_s=request.deadline_s,
    )
    plan = proposal.propose(result.found, seeds[0], stored, [str(n) for n in nets])
    return Outcome(request.site_code, seeds[0], result, plan)


def collector_for(snmp: SnmpSettings) -> SnmpCollector:
    return SnmpCollector(
        timeout=snmp.timeout,
        retries=snmp.retries,
        max_concurrency=snmp.max_concurrency,
        max_repetitions=snmp.max_repetitions,
    )
