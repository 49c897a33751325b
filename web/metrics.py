"""/metrics in the Prometheus text format: device states, poll durations, outbox size, scheduler lag."""
from __future__ import annotations


def init_app(app) -> None:
    """Registers this area's blueprint, access rules (web.access.add_rules) and words."""
