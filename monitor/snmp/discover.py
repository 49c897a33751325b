"""One discovery run for a site: check the request, read what is stored, sweep the ranges and
crawl from the seed (collectors.discovery.survey), and compare (monitor.discovery.proposal).
Writes nothing: confirming a proposal is another step.

What is refused before any packet leaves, with a message a person can act on
(`DiscoveryError`): a range that does not parse; ranges that overlap; ranges holding together
more than `max_addresses` addresses ([discovery] max_addresses; a larger range is refused, not
cut); a range outside the site's allowed ranges (`Site.address_ranges`, CIDRs separated by
commas or spaces; empty: any range); a seed outside the ranges; an unknown site; no SNMP
profile at all; an unknown profile named.

Profiles: the one named (`Request.profile`) only; otherwise every SNMP profile in the order
monitor.devices.profiles lists them (by name), each address asked with each in turn. Bounds
come from [discovery] (the caller puts them on the `Request`): `max_addresses`, `deadline_s`
(the whole run: sweep and crawl; past it the run stops, proposes what it found and says so in
`Outcome.cut_short`) and `rate` (new ping and SNMP probes a second).

The root, under which parents are inferred: the first seed; without one, the site's stored
router (inside the ranges, one without a parent first); without one either, the router the
run itself finds (monitor.discovery.proposal.choose_root), so a site can be discovered from
an empty ictmon. With the sweep off (`Request.sweep=False`) a seed or a stored router is
required.

The stored devices come from monitor.discovery.stored, with the fields discovery itself wrote
(`device_discovery.fields`): those it may change again ("apply"); every other stored value is
a person's, which discovery never overwrites and shows for review.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from collectors.discovery import MAX_ADDRESSES, Crawl, Profile, crawl, survey
from collectors.snmp import SnmpCollector
from monitor.db.models import Device, Site, SnmpProfile
from monitor.discovery import proposal
from monitor.discovery.proposal import StoredDevice
from monitor.discovery.stored import stored_devices
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
    rate: float = 200.0  # new probes a second, ping and SNMP alike ([discovery] rate)
    sweep: bool = True  # ping every address of the ranges first (False: crawl from seeds only)


@dataclass(frozen=True)
class Outcome:
    site_code: str
    root: str
    crawl: Crawl
    proposal: proposal.Proposal
    profiles: tuple[str, ...] = ()  # the profiles tried, in order
    cut_short: bool = False  # the deadline stopped the run: what was found by then is proposed

    @property
    def answered_ping(self) -> tuple[str, ...]:
        return self.crawl.answered_ping


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


def site_ranges(text: str | None) -> list:
    """A site's allowed ranges (`Site.address_ranges`): CIDRs separated by commas or spaces."""
    found = []
    for part in (text or "").replace(",", " ").split():
        try:
            found.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise DiscoveryError(f"the site's allowed ranges hold {part!r}, not a range") from None
    return found


def check_allowed(nets: Sequence, allowed: Sequence) -> None:
    """Every range inside one of the site's allowed ranges (none allowed: any range)."""
    if not allowed:
        return
    for net in nets:
        if not any(net.version == a.version and net.subnet_of(a) for a in allowed):
            raise DiscoveryError(
                f"the range {net} is outside the site's allowed ranges "
                f"({', '.join(str(a) for a in allowed)})"
            )


def _inside(address: str, nets: Sequence) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip.version == n.version and ip in n for n in nets)


def _profiles(session: Session, name: str | None) -> list[SnmpProfile]:
    """The profile named, or every profile in the order the profiles page lists them."""
    if name:
        row = session.scalar(select(SnmpProfile).where(SnmpProfile.name == name))
        if row is None:
            raise DiscoveryError(f"no SNMP profile named {name!r} (see `ictmon snmp profiles`)")
        return [row]
    rows = list(session.scalars(select(SnmpProfile).order_by(SnmpProfile.name)))
    if not rows:
        raise DiscoveryError("no SNMP profile yet: create one with `ictmon snmp profile NAME`")
    return rows


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
        check_allowed(nets, site_ranges(site.address_ranges))
        profiles = [
            Profile(p.name, credentials, p.port or 161)
            for p in _profiles(session, request.profile)
            if (credentials := credentials_of(Device(), p, vault)) is not None
        ]
        stored = stored_devices(session, site.id)
    if not seeds:
        router = _router_seed(stored, nets)
        if router is None and not request.sweep:
            raise DiscoveryError("the site has no router inside the ranges: give --seed ADDRESS")
        seeds = [router] if router else []
    ranges = [str(n) for n in nets]
    if request.sweep:
        result = survey(
            collector,
            ranges,
            seeds,
            profiles,
            max_addresses=request.max_addresses,
            deadline_s=request.deadline_s,
            rate=request.rate,
        )
    else:
        result = crawl(
            collector,
            seeds,
            ranges,
            profiles,
            max_addresses=request.max_addresses,
            deadline_s=request.deadline_s,
            rate=request.rate,
        )
    root = seeds[0] if seeds else proposal.choose_root(result.found)
    plan = proposal.propose(result.found, root or "", stored, ranges)
    return Outcome(
        request.site_code,
        root or "",
        result,
        plan,
        profiles=tuple(p.name for p in profiles),
        cut_short=result.stopped == "deadline",
    )


def collector_for(snmp: SnmpSettings) -> SnmpCollector:
    return SnmpCollector(
        timeout=snmp.timeout,
        retries=snmp.retries,
        max_concurrency=snmp.max_concurrency,
        max_repetitions=snmp.max_repetitions,
    )
