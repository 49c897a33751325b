"""`ictmon risks …`: run the risk rules once, or check the rules file."""

from __future__ import annotations

import click

from monitor.localtime import utcnow
from monitor.risks.facts import evaluate_once
from monitor.risks.rules import DEFAULT_RULES_FILE, load_rules


@click.group()
def risks():
    """The risk register: rules and evaluation."""


@risks.command("evaluate")
@click.pass_obj
def evaluate(obj):
    """Run the risk rules once and print what changed in the register."""
    changes = evaluate_once(obj.sessions(), obj.settings, utcnow())
    for c in changes:
        detail = f" — {c.detail}" if c.detail else ""
        click.echo(f"#{c.risk_id} {c.action}: {c.title}{detail}")
    click.echo(f"{len(changes)} change{'s' if len(changes) != 1 else ''}")


@risks.command("check-rules")
@click.pass_obj
def check_rules(obj):
    """Validate the risk rules file and list its rules."""
    path = obj.settings.risks.rules_file or DEFAULT_RULES_FILE
    rules = load_rules(path)
    click.echo(f"{path}: {len(rules)} rules")
    for r in rules:
        params = ", ".join(f"{k}={v}" for k, v in r.params.items())
        click.echo(
            f"  {r.key} ({r.check}{'' if r.enabled else ', disabled'}): "
            f"likelihood {r.likelihood}, impact {r.impact}; {params}"
        )
