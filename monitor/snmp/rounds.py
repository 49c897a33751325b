"""One SNMP round, start to finish: plan → visit → record, like the ping sweep (monitor.status.poller).

Each round every SNMP-enabled device gets the lean interval poll, except those whose inventory is
due (never walked, or older than [snmp] inventory_interval): they get the full walk instead, which
carries the same counters, so rates never miss a beat. Inventory work spreads over the day by
itself instead of hitting every device at one hour.

No transaction is held while packets fly; results are written in one transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from collectors.snmp import SnmpCollector, SnmpResult
from monitor.db.engine import transaction
from monitor.localtime import utcnow
from monitor.secrets import Vault
from monitor.settings import Settings
from monitor.snmp import health
from monitor.snmp import store as snmp_store

log = logging.getLogger(__name__)


@dataclass
class SnmpRoundSummary:
    at: datetime
    results: list[SnmpResult] = field(default_factory=list)
    unusable: list[tuple[int, str]] = field(default_factory=list)
    reboots: list[int] = field(default_factory=list)
    seconds: float = 0.0


def collector_for(settings: Settings) -> SnmpCollector:
    s = settings.snmp
    return SnmpCollector(
        timeout=s.timeout,
        retries=s.retries,
        max_concurrency=s.max_concurrency,
        max_repetitions=s.max_repetitions,
    )


class SnmpPoller:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        *,
        collector: SnmpCollector | None = None,
        vault: Vault | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.settings = settings
        self.sessions = sessions
        self.collector = collector or collector_for(settings)
        self._vault = vault
        self.clock = clock

    @property
    def vault(self) -> Vault:
        if self._vault is None:
            self._vault = Vault.from_settings(self.settings)
        return self._vault

    def run(self, *, inventory_all: bool = False, only: Set[int] | None = None) -> SnmpRoundSummary:
        """Every SNMP device; or, with `only`, just those (a trap asked for them at once)."""
        started = time.monotonic()
        at = self.clock()
        summary = SnmpRoundSummary(at)
        interval = timedelta(seconds=0 if inventory_all else self.settings.snmp.inventory_interval)
        with transaction(self.sessions) as session:
            plan = snmp_store.load_plan(session, self.vault, at, interval)
        if only is not None:
            plan = snmp_store.SnmpPlan(
                [t for t in plan.poll if t.key in only],
                [t for t in plan.inventory if t.key in only],
                [u for u in plan.unusable if u[0] in only],
            )
        results = self.collector.visit(plan.poll, plan.inventory)
        recorded = self._record(at, results, plan.unusable)
        summary.results, summary.unusable, summary.reboots = (
            results,
            plan.unusable,
            recorded.reboots,
        )
        summary.seconds = time.monotonic() - started
        failed = sum(not r.ok for r in results)
        log.info(
            "snmp round: %d devices (%d inventoried) in %.2f s, %d not answering, %d reboots",
            len(results),
            len(plan.inventory),
            summary.seconds,
            failed,
            len(recorded.reboots),
        )
        return summary

    def _record(self, at, results, unusable) -> snmp_store.RecordSummary:
        """One transaction; retried once if another writer (`ictmon poll --once --snmp` beside the
        service) added the same new interfaces first — the retry sees them and updates."""
        retention = self.settings.retention
        for attempt in (1, 2):
            try:
                with transaction(self.sessions) as session:
                    recorded = snmp_store.record_results(session, at, results, unusable)
                    snmp_store.roll_up_traffic(session, at)
                    snmp_store.prune_traffic(
                        session, at, retention.raw_hours, self.settings.snmp.traffic_hourly_days
                    )
                    health.roll_up(session, at)
                    health.prune(session, at, retention)
                return recorded
            except IntegrityError:
                if attempt == 2:
                    raise
                log.warning("snmp round: rows written by another poller meanwhile; writing again")
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.collector.close()
