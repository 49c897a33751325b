"""`ictmon collector …`: edge collectors.

On the central an admin creates a collector and gets its enrolment code (collector_admin.py);
on the school's machine the collector enrols with that code, runs and reports (collector_agent.py).
This module only gathers both sets of commands under one group.
"""

from __future__ import annotations

import click

from monitor.cli import collector_admin, collector_agent


@click.group()
def collector():
    """Edge collectors: measure a school's network from inside it, upload to the central."""


for _command in collector_admin.COMMANDS + collector_agent.COMMANDS:
    collector.add_command(_command)
