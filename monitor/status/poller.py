"""One ping sweep, start to finish: read the plan, probe, decide, write.

The probe runs outside any database transaction, so a sweep over many silent devices never holds
a lock the web pages wait for. Detection (here) and everything downstream of a transition are
decoupled through the rows this writes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Set
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from collectors import ping
from collectors.resolve import is_ip_literal, resolve_names
from monitor.db.engine import transaction
from monitor.incidents import recording as incidents
from monitor.localtime import utcnow
from monitor.settings import AlertSettings, PingSettings
from monitor.status import store
from monitor.status.state import StateChange, gap_as_unknown, next_states

log = logging.getLogger(__name__)

Probe = Callable[..., list[ping.PingResult]]


@dataclass
class SweepSummary:
    at: datetime
    results: list[ping.PingResult] = field(default_factory=list)
    changes: list[StateChange[int]] = field(default_factory=list)
    gap_from: datetime | None = None
    seconds: float = 0.0


def gap_threshold(settings: PingSettings) -> timedelta:
    """Silence longer than this between sweeps means ictmon was not watching.

    Two missed intervals plus the longest a sweep can take: shorter pauses (a quick restart, a
    slow sweep) are not gaps, longer ones (stopped service, suspended machine) are unknown time.
    """
    longest_sweep = settings.timeout + settings.count * settings.spacing
    return timedelta(seconds=2 * settings.interval + longest_sweep + 5)


class Poller:
    def __init__(
        self,
        settings: PingSettings,
        sessions: sessionmaker[Session],
        *,
        probe: Probe = ping.probe,
        clock: Callable[[], datetime] = utcnow,
        resolve: Callable[..., dict[str, str | None]] = resolve_names,
        alerts: AlertSettings | None = None,
        base_url: str = "",
        ack_key: bytes | None = None,
    ):
        self.settings = settings
        # Incidents and alert mails; without alert settings only states are recorded.
        self.alerts = alerts
        self.base_url = base_url
        # Signs the acknowledge links outage alerts carry (monitor.incidents.ack_tokens).
        self.ack_key = ack_key
        self.sessions = sessions
        self.probe = probe
        self.clock = clock
        self.resolve = resolve
        self._lock = threading.Lock()

    def sweep(self, only: Set[int] | None = None) -> SweepSummary:
        """Every device; or, with `only`, just those (a trap asked for them at once: the others
        keep their states, and the heartbeat stays the full sweeps')."""
        with self._lock:  # a trap's sweep never interleaves with the scheduled one
            return self._sweep(only)

    def _sweep(self, only: Set[int] | None) -> SweepSummary:
        started = time.monotonic()
        at = self.clock()
        summary = SweepSummary(at)
        with transaction(self.sessions) as session:
            if only is None:
                summary.gap_from = self._close_gap(session, at)
            plan = store.load_plan(session)
            in_maintenance = store.devices_in_maintenance(session, at)
        if only is not None:
            plan = replace(plan, targets=[t for t in plan.targets if t.device_id in only])

        targets, unresolved = self._targets(plan.targets)
        results = self.probe(
            targets,
            timeout=self.settings.timeout,
            count=self.settings.count,
            interval=self.settings.spacing,
            max_in_flight=self.settings.max_in_flight,
        )
        results = _in_plan_order(plan.targets, results + unresolved)

        update = next_states(
            plan.states,
            {r.key: r.ok for r in results},
            at,
            parents=plan.parents,
            in_maintenance=in_maintenance,
            confirmations=self.settings.confirmations,
            **self._flap_options(),
        )
        with transaction(self.sessions) as session:
            store.record_states(session, update, plan.states)
            if self.alerts is not None:
                # Same transaction: a crash never keeps a transition but loses its alert.
                incidents.record_sweep(
                    session,
                    update,
                    parents=plan.parents,
                    at=at,
                    alerts=self.alerts,
                    base_url=self.base_url,
                    ack_key=self.ack_key,
                )
            store.record_results(session, at, results)
            if only is None:
                store.beat(session, at)
        summary.results = results
        summary.changes = update.changes
        summary.seconds = time.monotonic() - started
        log.info(
            "sweep of %d devices in %.2f s, %d state changes",
            len(results),
            summary.seconds,
            len(update.changes),
        )
        return summary

    def _targets(self, planned: list[store.PollTarget]):
        """Probe targets with host names resolved; a name that does not resolve is a failed poll."""
        names = [t.address for t in planned if not is_ip_literal(t.address)]
        addresses = self.resolve(names, timeout=self.settings.timeout + 1) if names else {}
        targets, unresolved = [], []
        for t in planned:
            address = addresses.get(t.address, t.address)
            if address is None:
                unresolved.append(
                    ping.PingResult(
                        t.device_id,
                        t.address,
                        0,
                        0,
                        None,
                        None,
                        None,
                        f"cannot resolve host name {t.address}",
                    )
                )
            else:
                targets.append(ping.PingTarget(t.device_id, address))
        return targets, unresolved

    def _flap_options(self) -> dict:
        if self.alerts is None:
            return {}
        return {
            "flap_window": timedelta(seconds=self.alerts.flap_window),
            "flap_threshold": self.alerts.flap_threshold,
        }

    def _close_gap(self, session: Session, at: datetime) -> datetime | None:
        """If nobody swept for too long, record that stretch as unknown for every device."""
        last = store.last_heartbeat(session)
        if last is None or at - last <= gap_threshold(self.settings):
            return None
        plan = store.load_plan(session)
        update = gap_as_unknown(plan.states, last)
        store.record_states(session, update, plan.states)
        store.beat(session, at, started=True)
        log.warning("ictmon was not polling from %s to %s: recorded as unknown", last, at)
        return last


def _in_plan_order(planned, results):
    position = {t.device_id: i for i, t in enumerate(planned)}
    return sorted(results, key=lambda r: position[r.key])
