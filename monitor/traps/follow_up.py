"""A trap's follow-up: poll the devices it names now — SNMP first (a UPS's source, an
interface's state), then ping — instead of at the next scheduled round.

The ping goes through the scheduler's own Poller (its lock keeps the two sweeps apart); SNMP
through a collector of its own, so a long scheduled round does not hold a trap's poll back.
"""

from __future__ import annotations

import logging
from collections.abc import Set

from sqlalchemy.orm import Session, sessionmaker

from monitor.settings import Settings
from monitor.snmp.rounds import SnmpPoller
from monitor.status.poller import Poller

log = logging.getLogger(__name__)


class FollowUp:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        poller: Poller,
        snmp: SnmpPoller | None = None,
    ):
        self.poller = poller
        self.snmp = snmp or SnmpPoller(settings, sessions)

    def __call__(self, device_ids: Set[int]) -> None:
        ids = frozenset(device_ids)
        try:
            self.snmp.run(only=ids)
        except Exception:
            log.exception("trap follow-up: SNMP poll of %s failed", sorted(ids))
        try:
            self.poller.sweep(only=ids)
        except Exception:
            log.exception("trap follow-up: ping of %s failed", sorted(ids))

    def close(self) -> None:
        self.snmp.close()
