"""The trap receiver inside `ictmon run`: listener → bounded queue → one writer thread.

The listener (collectors.trap_listener, its own event-loop thread) only queues what it accepts
and counts what it drops; it never waits for the database. The writer takes what is queued in
batches: each trap is decoded (collectors.traps) and kept as an event on its device's timeline,
the counters are added in the same transaction, and then the devices whose trap says their
state changed (a link, a restart, a UPS on battery) are polled at once — ping and SNMP, through
`follow_up` — so the status page shows it in seconds instead of at the next round. A burst of
traps from one device is one poll. When the queue is full, traps are dropped and counted
(`queue_full`); the poller's own jobs never wait for any of this.

Who may send is reread from the database every `REFRESH_SECONDS` (a device added, a profile's
community changed), so no restart is needed.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Set
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from collectors.resolve import resolve_names
from collectors.trap_listener import DropReason, ReceivedTrap, TrapListener
from collectors.traps import NotATrap, decode
from monitor.db.engine import transaction
from monitor.localtime import utcnow
from monitor.secrets import Vault
from monitor.settings import Settings, parse_listen
from monitor.traps import store

log = logging.getLogger(__name__)

REFRESH_SECONDS = 60.0
PRUNE_SECONDS = 3600.0
BATCH = 200  # traps written per transaction at most


class TrapService:
    """`start()` binds and starts both threads; `stop()` ends them. `follow_up(ids)` polls those
    devices now; `active()` says whether this process may act (the scheduler's lease)."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        *,
        follow_up: Callable[[Set[int]], None] | None = None,
        active: Callable[[], bool] = lambda: True,
        clock: Callable[[], datetime] = utcnow,
        vault: Vault | None = None,
    ):
        listen = parse_listen(settings.traps.listen)
        if listen is None:
            raise ValueError("[traps] listen is not set")
        self.settings, self.sessions = settings, sessions
        self.follow_up, self.active, self.clock = follow_up, active, clock
        self.vault = vault or Vault.from_settings(settings)
        self.queue: queue.Queue[tuple[datetime, ReceivedTrap]] = queue.Queue(
            settings.traps.queue_size
        )
        self.listener = TrapListener(*listen, on_trap=self._accepted, on_drop=self._dropped)
        self._counts: Counter[str] = Counter()
        self._counts_lock = threading.Lock()
        self._stopping = threading.Event()
        self._writer: threading.Thread | None = None
        self._refreshed = self._pruned = 0.0

    def start(self) -> tuple[str, int]:
        self.refresh()
        bound = self.listener.start()
        self._writer = threading.Thread(target=self._run, name="trap-writer", daemon=True)
        self._writer.start()
        log.info("SNMP trap receiver listening on %s port %d", *bound)
        return bound

    def stop(self) -> None:
        self._stopping.set()
        self.listener.close()
        if self._writer is not None:
            self._writer.join(timeout=30)
        self._flush_counts()
        close = getattr(self.follow_up, "close", None)
        if close is not None:
            close()

    def refresh(self) -> None:
        """Reread who may send traps (devices, their profiles' communities and users)."""
        with transaction(self.sessions) as session:
            table = store.senders(
                session, self.vault, self.clock(), lambda names: resolve_names(names, timeout=2)
            )
        self.listener.set_senders(table)
        self._refreshed = time.monotonic()

    # -- on the listener's thread: never block ---------------------------------------------

    def _accepted(self, trap: ReceivedTrap) -> None:
        if not self.active():
            self._dropped(DropReason.STANDBY)
            return
        try:
            self.queue.put_nowait((self.clock(), trap))
        except queue.Full:
            self._dropped(DropReason.QUEUE_FULL)

    def _dropped(self, reason: DropReason) -> None:
        with self._counts_lock:
            self._counts[store.RECEIVED] += 1
            self._counts[store.DROPPED + str(reason)] += 1

    # -- the writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._step()
            except Exception:  # logged; the next step tries again, the listener keeps going
                log.exception("trap writer: step failed")
                self._stopping.wait(1.0)

    def _step(self) -> None:
        batch = self._take(timeout=1.0)
        polls = self.write(batch) if batch else set()
        self._flush_counts()
        if polls and self.follow_up is not None:
            self.follow_up(polls)
        now = time.monotonic()
        if now - self._refreshed >= REFRESH_SECONDS:
            self.refresh()
        if now - self._pruned >= PRUNE_SECONDS:
            with transaction(self.sessions) as session:
                keep = timedelta(days=self.settings.traps.keep_days)
                store.prune(session, self.clock() - keep)
            self._pruned = now

    def _take(self, timeout: float) -> list[tuple[datetime, ReceivedTrap]]:
        try:
            batch = [self.queue.get(timeout=timeout)]
        except queue.Empty:
            return []
        while len(batch) < BATCH:
            try:
                batch.append(self.queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def write(self, batch: list[tuple[datetime, ReceivedTrap]]) -> set[int]:
        """Decode and keep one batch of accepted traps; returns the devices to poll now."""
        polls: set[int] = set()
        counts: Counter[str] = Counter()
        with transaction(self.sessions) as session:
            known = store.existing_devices(session, {trap.key for _, trap in batch})
            for at, trap in batch:
                counts[store.RECEIVED] += 1
                if trap.key not in known:
                    counts[store.DROPPED + str(DropReason.UNKNOWN_SOURCE)] += 1
                    continue
                try:
                    decoded = decode(trap.var_binds)
                except NotATrap:
                    counts[store.DROPPED + str(DropReason.MALFORMED)] += 1
                    continue
                store.record_event(session, trap.key, at, trap.version, decoded)
                if decoded.wants_poll:
                    polls.add(trap.key)
            store.add_counts(session, counts)
        return polls

    def _flush_counts(self) -> None:
        with self._counts_lock:
            counts, self._counts = self._counts, Counter()
        if counts:
            with transaction(self.sessions) as session:
                store.add_counts(session, counts)
