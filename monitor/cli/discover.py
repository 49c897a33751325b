"""`ictmon discover --site S012 127.40.1.0/24 [--snmp-profile P] [--seed ADDRESS]`: crawl a site
from its router (or the seed) over LLDP/CDP and print what discovery proposes. Writes nothing.

    ictmon discover --site S012 10.40.12.0/24
    ictmon discover --site S012 10.40.12.0/24 --seed 10.40.12.1 --snmp-profile schools-v2
"""

from __future__ import annotations

import click

from collectors.discovery import MAX_ADDRESSES
from monitor.cli.context import Context, Failure
from monitor.discovery.proposal import Entry, Status
from monitor.secrets import Vault
from monitor.snmp import discover as discovery_run

STATUS_ORDER = (Status.NEW, Status.CHANGED, Status.SILENT, Status.UNCHANGED)


@click.command("discover")
@click.option("--site", "site_code", required=True, help="The site's code, e.g. S012.")
@click.argument("ranges", nargs=-1, required=True)
@click.option("--snmp-profile", "profile", help="SNMP profile (default: the only one there is).")
@click.option("--seed", "seeds", multiple=True, help="Start here (default: the site's router).")
@click.option("--max-addresses", default=MAX_ADDRESSES, show_default=True, type=click.IntRange(1))
@click.option("--deadline", default=120.0, show_default=True, type=click.FloatRange(1, 3600))
@click.pass_obj
def discover(obj: Context, site_code, ranges, profile, seeds, max_addresses, deadline):
    """Find a site's devices and their parents over LLDP/CDP; print the proposal."""
    request = discovery_run.Request(
        site_code, tuple(ranges), tuple(seeds), profile, max_addresses, deadline
    )
    vault = Vault.from_settings(obj.settings)
    collector = discovery_run.collector_for(obj.settings.snmp)
    try:
        outcome = discovery_run.run(obj.sessions(), vault, request, collector)
    except discovery_run.DiscoveryError as exc:
        raise Failure(str(exc)) from None
    finally:
        collector.close()
    for line in proposal_lines(outcome):
        click.echo(line)


def proposal_lines(outcome: discovery_run.Outcome) -> list[str]:
    plan = outcome.proposal
    crawl = outcome.crawl
    names = {e.address: e.proposed.name for e in plan.entries if e.proposed}
    lines = [
        f"site {outcome.site_code}: {len(crawl.found)} addresses visited from {outcome.root} "
        f"in {crawl.seconds:.1f} s" + (f" (stopped: {crawl.stopped})" if crawl.stopped else ""),
        "  " + ", ".join(f"{s.value} {plan.counts.get(s.value, 0)}" for s in STATUS_ORDER),
    ]
    if crawl.skipped:
        lines.append(f"  outside the ranges, not visited: {', '.join(crawl.skipped[:20])}")
    for status in STATUS_ORDER:
        for entry in plan.by_status(status):
            lines.extend(_entry_lines(entry, names))
    lines.append("nothing written: this is a proposal")
    return lines


def _entry_lines(entry: Entry, names: dict[str, str]) -> list[str]:
    p = entry.proposed
    if p is None:
        return [f"{entry.status.value:9} {entry.address}: stored, did not answer"]
    parent = p.placement.parent
    where = (
        f"under {names.get(parent, parent)} ({_evidence(entry)})"
        if parent
        else p.placement.reason.replace("_", " ")
    )
    snmp = "" if p.snmp_state == "ok" else f", SNMP {p.snmp_state}"
    lines = [
        f"{entry.status.value:9} {p.name} {p.address} {p.kind.kind.value} "
        f"({p.kind.confidence.value}: {p.kind.source} {p.kind.detail}".rstrip()
        + f"){snmp}, {where}"
    ]
    for change in entry.changes:
        verb = "apply" if change.action == "apply" else "review (a person's value)"
        old, new = change.stored, change.proposed
        if change.field == "parent":  # addresses → the names people know them by
            old, new = names.get(old or "", old), names.get(new or "", new)
        lines.append(
            f"          {change.field}: {old or '—'} → {new} [{verb}]"
            + (f" {change.evidence}" if change.evidence else "")
        )
    return lines


def _evidence(entry: Entry) -> str:
    p = entry.proposed
    if p is None:
        return ""
    placement = p.placement
    return (
        f"port {placement.local_port or '?'} ↔ {placement.parent_port or '?'}, "
        f"{'/'.join(placement.protocols)}"
    )
