"""`ictmon discover --site S012 127.40.1.0/24 [--snmp-profile P] [--seed ADDRESS]`: crawl a site
from its router (or the seed) over LLDP/CDP and print what discovery proposes. Writes nothing,
unless `--confirm` (every new device and every change discovery may make) or `--confirm-new-only`
(new devices only): then the run is recorded and confirmed (monitor.discovery.apply), audited as
`cli:<os user>`, and what was written is printed.

    ictmon discover --site S012 10.40.12.0/24
    ictmon discover --site S012 10.40.12.0/24 --seed 10.40.12.1 --snmp-profile schools-v2
    ictmon discover --site S012 10.40.12.0/24 --confirm
"""

from __future__ import annotations

import click

from monitor.cli.context import Context, Failure
from monitor.db import audit
from monitor.db.engine import transaction
from monitor.discovery import apply as discovery_apply
from monitor.discovery.proposal import Entry, Status
from monitor.i18n import LANGUAGES, translate
from monitor.localtime import utcnow
from monitor.secrets import Vault
from monitor.snmp import discover as discovery_run
from monitor.snmp import discovery_runs

STATUS_ORDER = (Status.NEW, Status.CHANGED, Status.SILENT, Status.UNCHANGED)


@click.command("discover")
@click.option("--site", "site_code", required=True, help="The site's code, e.g. S012.")
@click.argument("ranges", nargs=-1, required=True)
@click.option("--snmp-profile", "profile", help="Only this SNMP profile (default: each in turn).")
@click.option("--seed", "seeds", multiple=True, help="Start here (default: the site's router).")
@click.option("--max-addresses", type=click.IntRange(1), help="Default: [discovery] max_addresses.")
@click.option("--deadline", type=click.FloatRange(1, 3600), help="Seconds; default: [discovery].")
@click.option("--rate", type=click.FloatRange(1, 10000), help="Probes/s; default: [discovery].")
@click.option("--no-sweep", "no_sweep", is_flag=True, help="Do not ping the ranges: crawl only.")
@click.option("--language", type=click.Choice(LANGUAGES), help="Of the notes; default: [web].")
@click.option("--confirm", "confirm", flag_value="all", help="Write new devices and changes.")
@click.option("--confirm-new-only", "confirm", flag_value="new", help="Write new devices only.")
@click.pass_obj
def discover(
    obj: Context,
    site_code,
    ranges,
    profile,
    seeds,
    max_addresses,
    deadline,
    rate,
    no_sweep,
    language,
    confirm,
):
    """Sweep the ranges, identify what answers over SNMP, find parents over LLDP/CDP; print the
    proposal."""
    bounds = obj.settings.discovery  # options override [discovery]
    request = discovery_run.Request(
        site_code,
        tuple(ranges),
        tuple(seeds),
        profile,
        max_addresses or bounds.max_addresses,
        deadline or bounds.deadline,
        rate or bounds.rate,
        sweep=not no_sweep,
    )
    lang = language or obj.settings.web.default_language
    vault = Vault.from_settings(obj.settings)
    if confirm:
        _discover_and_confirm(obj, request, vault, new_only=confirm == "new", lang=lang)
        return
    collector = discovery_run.collector_for(obj.settings.snmp)
    try:
        outcome = discovery_run.run(obj.sessions(), vault, request, collector)
    except discovery_run.DiscoveryError as exc:
        raise Failure(str(exc)) from None
    finally:
        collector.close()
    for line in proposal_lines(outcome, lang):
        click.echo(line)


def _discover_and_confirm(
    obj: Context, request, vault: Vault, *, new_only: bool, lang: str = "th"
) -> None:
    """Record the run, crawl, keep its proposal, confirm it: each step its own transaction, the
    confirmation all or nothing."""
    sessions = obj.sessions(audited=True)
    actor = audit.cli_actor()
    try:
        with transaction(sessions) as session:
            run_id = discovery_runs.begin(session, request, actor.name, utcnow()).id
    except discovery_run.DiscoveryError as exc:
        raise Failure(str(exc)) from None
    collector = discovery_run.collector_for(obj.settings.snmp)
    try:
        outcome = discovery_run.run(sessions, vault, request, collector)
        outcome = discovery_runs.record_outcome(sessions, run_id, outcome)
    except discovery_run.DiscoveryError as exc:
        discovery_runs.fail(sessions, run_id, str(exc))
        raise Failure(str(exc)) from None
    finally:
        collector.close()
    for line in proposal_lines(outcome, lang)[:-1]:
        click.echo(line)
    try:
        with transaction(sessions) as session:
            written = discovery_apply.confirm(
                session, run_id, new_only=new_only, now=utcnow(), actor=actor.name
            )
    except discovery_apply.ConfirmRefused as exc:
        raise Failure(str(exc)) from None
    click.echo(f"written (run {run_id}):")
    for name in written.created:
        click.echo(f"  created {name}")
    for name, old, new in written.parents_changed:
        click.echo(f"  parent of {name}: {old or '—'} → {new or '—'}")
    for name in written.updated:
        click.echo(f"  updated {name}")
    for name in written.silent:
        click.echo(f"  silent, kept {name}")
    click.echo("  " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in written.counts.items()))


def proposal_lines(outcome: discovery_run.Outcome, lang: str = "th") -> list[str]:
    plan = outcome.proposal
    crawl = outcome.crawl
    names = {e.address: e.proposed.name for e in plan.entries if e.proposed}
    lines = [
        f"site {outcome.site_code}: {len(crawl.found)} addresses visited from "
        f"{outcome.root or '—'} in {crawl.seconds:.1f} s"
        + (f" (stopped: {crawl.stopped})" if crawl.stopped else ""),
        "  " + ", ".join(f"{s.value} {plan.counts.get(s.value, 0)}" for s in STATUS_ORDER),
    ]
    if outcome.cut_short:
        lines.insert(1, "  " + translate("discovery.cut_short", lang))
    if crawl.swept or crawl.sweep_error:
        lines.insert(1, f"  ping sweep: {len(crawl.answered_ping)} of {crawl.swept} answered")
        if crawl.sweep_error:
            lines[1] = f"  no ping sweep: {crawl.sweep_error}"
    if outcome.profiles:
        lines.insert(1, f"  SNMP profiles tried: {', '.join(outcome.profiles)}")
    if crawl.skipped:
        lines.append(f"  outside the ranges, not visited: {', '.join(crawl.skipped[:20])}")
    for status in STATUS_ORDER:
        for entry in plan.by_status(status):
            lines.extend(_entry_lines(entry, names, lang))
    lines.append("nothing written: this is a proposal")
    return lines


def _entry_lines(entry: Entry, names: dict[str, str], lang: str = "th") -> list[str]:
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
    if p.profile:
        snmp += f", profile {p.profile}"
    if p.note:
        snmp += f", {translate(p.note, lang)}"
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
