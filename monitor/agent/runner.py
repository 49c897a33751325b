"""`ictmon collector run`: measure the school's devices, queue the results, upload them.

Worker threads, so none waits on another: a slow SNMP round never delays a ping sweep,
and a central that hangs (every request has a timeout) delays neither.

    ping    a sweep of every configured device at the configuration's ping interval
    snmp    a round at its SNMP interval; inventory where due (monitor.agent.plans)
    ssh     configuration backups of the devices with an SSH login, each every [ssh] interval
            of the central (the last attempt per device kept in the state dir, so a restart
            neither repeats nor postpones them), and at once after a configuration brings an
            officer's "back up now"
    upload  the configuration (If-None-Match) and batches every push_interval; a backlog is
            drained batch after batch; results older than the buffer are dropped and counted

Results go to the SQLite queue the moment they are measured (monitor.agent.queue), so a kill -9
loses nothing measured and a re-sent batch has the same id. SIGTERM or SIGINT stop the loop:
workers finish or are left behind after a few seconds (the queue is safe either way).

Before the first configuration arrives nothing is measured; the last configuration is kept
(encrypted) in the state dir, so a restart while the central is unreachable measures at once.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from importlib import metadata
from typing import IO, Any

from collectors import ping, resolve, ssh
from collectors.snmp import SnmpCollector
from monitor.agent import plans
from monitor.agent.client import (
    CLOCK,
    REFUSED,
    REVOKED,
    TOO_LARGE,
    CentralClient,
    CentralError,
)
from monitor.agent.queue import ResultQueue
from monitor.agent.state import LOCK_FILE, StateDir
from monitor.edge.protocol import ConfigDocument
from monitor.edge.snmp_wire import encode_result
from monitor.localtime import utcnow
from monitor.settings import Settings

log = logging.getLogger(__name__)

MAX_BATCH_ROWS = 500
# Half the central's [collector] max_batch_bytes (8 MB): a 72-h backlog of 100 devices goes in 65
# uploads; at 2 MB it took 133, and each upload's own cost (a transaction, every interface row
# read and written once) made it a third slower.
MAX_BATCH_BYTES = 4_000_000
MAX_BATCHES_PER_PUSH = 400  # a 72-h backlog of 200 devices is ~130 batches
HTTP_TIMEOUT = 20.0
STOP_GRACE = 3.0  # seconds the workers get to finish after SIGTERM
NO_CONFIG_RETRY = 5.0  # seconds between config attempts before the first one arrived
BACKUP_TICK = 60.0  # seconds between looks at which SSH backups are due (a new config: at once)


def _ssh_back_up() -> Callable[..., list[ssh.SshResult]]:
    """collectors.ssh_backup.back_up, loaded at the first backup: paramiko costs a collector
    12 MB resident, and most schools' collectors have no device to back up over SSH."""
    # deferred: the docstring says why
    from collectors.ssh_backup import back_up

    return back_up


class AlreadyRunning(RuntimeError):
    pass


def version() -> str:
    try:
        return metadata.version("ictmon")
    except metadata.PackageNotFoundError:
        return ""


class Runner:
    def __init__(
        self,
        settings: Settings,
        state: StateDir,
        *,
        probe: Callable[..., list] = ping.probe,
        back_up: Callable[..., list[ssh.SshResult]] | None = None,  # collectors.ssh_backup's
        http_timeout: float = HTTP_TIMEOUT,
    ):
        self.settings = settings
        self.back_up = back_up
        self.http_timeout = http_timeout
        self.state = state
        self.probe = probe
        self.stop_event = threading.Event()
        self.enrolled = state.enrolment()
        self.config: ConfigDocument | None = state.config()
        self.queue = ResultQueue(state.queue_path)
        self.version = version()
        self.hostname = socket.gethostname()[:255]
        self._enrolment_stamp = state.enrolment_stamp()
        self._client = self._new_client()
        self._status_lock = threading.Lock()
        self._max_rows = MAX_BATCH_ROWS
        self._hints: dict[int, plans.SnmpHints] = {
            int(k): plans.SnmpHints.from_json(v)
            for k, v in state.snmp_hints().items()
            if str(k).isdigit()
        }
        self._marks: dict[int, plans.BackupMark] = {
            int(k): plans.BackupMark.from_json(v)
            for k, v in state.backup_marks().items()
            if str(k).isdigit()
        }
        self._new_config = threading.Event()  # wakes the SSH worker: a request may have come
        self._threads: list[threading.Thread] = []
        self.failure: str | None = None  # why a worker stopped the run, if one did
        self._lock_handle: IO[str] | None = None

    # -- timing -------------------------------------------------------------------------------

    @property
    def push_interval(self) -> float:
        """The local [collector] push_interval, but never slower than the central's: it calls a
        collector offline after three of its own push intervals."""
        local = self.settings.collector.push_interval
        if self.config is not None and self.config.push_interval > 0:
            return min(local, self.config.push_interval)
        return local

    @property
    def buffer_hours(self) -> float:
        """The local [collector] buffer_hours: what this machine's disk keeps is its own call."""
        return self.settings.collector.buffer_hours

    def _new_client(self) -> CentralClient:
        return CentralClient(
            self.enrolled.central,
            self.enrolled.token,
            proxy=self.settings.collector.proxy,
            timeout=self.http_timeout,
            version=self.version,
        )

    # -- the whole run ----------------------------------------------------------------------

    def run(self) -> None:
        """Until SIGTERM/SIGINT (or `stop()`); the calling thread waits for the signal."""
        self._take_lock()
        previous = {
            sig: signal.signal(sig, lambda *_: self.stop_event.set())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        self._status(pid=os.getpid(), running_since=utcnow())
        try:
            for name, work in (
                ("upload", self._upload_loop),
                ("ping", self._ping_loop),
                ("snmp", self._snmp_loop),
                ("ssh", self._ssh_loop),
            ):
                thread = threading.Thread(target=self._guarded(work), name=name, daemon=True)
                thread.start()
                self._threads.append(thread)
            while not self.stop_event.wait(1.0):
                pass
        finally:
            deadline = time.monotonic() + STOP_GRACE
            for thread in self._threads:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
            self._status(pid=None, running_since=None)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            log.info("collector stopped")

    def stop(self) -> None:
        self.stop_event.set()

    def _take_lock(self) -> None:
        self.state.prepare()
        fd = os.open(self.state.path / LOCK_FILE, os.O_WRONLY | os.O_CREAT, 0o600)
        handle = os.fdopen(fd, "w")  # held for the whole run, closed with the process
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise AlreadyRunning(
                f"another `ictmon collector run` is working on {self.state.path}"
            ) from None
        self._lock_handle = handle

    def _guarded(self, work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                work()
            except Exception as exc:  # a worker must not die silently: say it and stop the run
                log.exception("collector %s worker failed", threading.current_thread().name)
                self.failure = f"the {threading.current_thread().name} worker failed: {exc}"
                self._error(self.failure)
                self.stop_event.set()

        return run

    def _wait(self, seconds: float) -> bool:
        """Sleep unless stopped; True when the run is stopping."""
        return self.stop_event.wait(max(0.0, seconds))

    # -- measuring ----------------------------------------------------------------------------

    def _every(self, interval: Callable[[], float | None], work: Callable[[], Any]) -> None:
        """Run `work` at its interval (read afresh each time, None: no configuration yet)."""
        due = time.monotonic()
        while not self.stop_event.is_set():
            every = interval()
            if every is None:
                if self._wait(1.0):
                    return
                due = time.monotonic()
                continue
            if self._wait(due - time.monotonic()):
                return
            started = time.monotonic()
            work()
            due = max(started + every, time.monotonic())

    def _ping_loop(self) -> None:
        self._every(lambda: self.config.ping.interval if self.config else None, self.sweep)

    def _snmp_loop(self) -> None:
        collector: SnmpCollector | None = None
        timing = None

        def one_round() -> None:
            nonlocal collector, timing
            config = self.config
            if config is None:
                return
            if collector is None or timing != config.snmp:
                if collector is not None:
                    collector.close()
                timing = config.snmp
                collector = SnmpCollector(
                    timeout=timing.timeout,
                    retries=timing.retries,
                    max_concurrency=max(1, timing.max_concurrency),
                    max_repetitions=max(1, timing.max_repetitions),
                )
            self.snmp_round(collector)

        try:
            self._every(lambda: self.config.snmp.interval if self.config else None, one_round)
        finally:
            if collector is not None:
                collector.close()

    def sweep(self) -> int:
        """One ping sweep of every configured device, queued; returns the results queued."""
        config = self.config
        if config is None or not config.devices:
            return 0
        at = utcnow()
        names = [d.address for d in config.devices if not resolve.is_ip_literal(d.address)]
        timing = config.ping
        addresses = resolve.resolve_names(names, timeout=timing.timeout + 1) if names else {}
        targets, unresolved = plans.ping_targets(config, addresses)
        try:
            results = self.probe(
                targets,
                timeout=timing.timeout,
                count=max(1, timing.count),
                interval=timing.spacing,
                max_in_flight=max(1, timing.max_in_flight),
            )
        except ping.IcmpNotPermitted as exc:
            self._error(f"cannot ping: {exc}")
            return 0
        outcomes = [plans.outcome(r) for r in results] + unresolved
        self.queue.append_sweep(at, outcomes)
        log.info("ping sweep: %d devices, %d answered", len(outcomes), sum(o.ok for o in outcomes))
        return len(outcomes)

    def snmp_round(self, collector: SnmpCollector) -> int:
        config = self.config
        if config is None:
            return 0
        at = utcnow()
        with_snmp = [d for d in config.devices if d.snmp is not None]
        if not with_snmp:
            return 0
        names = [d.address for d in with_snmp if not resolve.is_ip_literal(d.address)]
        addresses = resolve.resolve_names(names, timeout=config.snmp.timeout + 1) if names else {}
        plan = plans.snmp_plan(config, self._hints, at, addresses)
        results = collector.visit(plan.poll, plan.inventory)
        self.queue.append_snmp(at, [encode_result(r) for r in results])
        self._hints = plans.next_hints(self._hints, results, at, {d.id for d in config.devices})
        self.state.save_snmp_hints({str(k): v.to_json() for k, v in self._hints.items()})
        log.info(
            "snmp round: %d devices (%d inventoried), %d not answering",
            len(results),
            len(plan.inventory),
            sum(not r.ok for r in results),
        )
        return len(results)

    def _ssh_loop(self) -> None:
        while not self.stop_event.is_set():
            self._new_config.clear()
            self.backup_round()
            deadline = time.monotonic() + BACKUP_TICK
            while not self._new_config.is_set() and time.monotonic() < deadline:
                if self._wait(min(1.0, deadline - time.monotonic())):
                    return

    def backup_round(self) -> int:
        """Back up the devices that are due (monitor.agent.plans.backups_due), queue each
        result; returns how many were tried."""
        config = self.config
        if config is None:
            return 0
        due = plans.backups_due(config, self._marks, utcnow())
        if not due:
            return 0
        timing = config.ssh
        results = (self.back_up or _ssh_back_up())(
            [plans.ssh_target(d) for d in due],
            timeout=timing.timeout,
            workers=max(1, timing.workers),
            strict_host_keys=timing.strict_host_keys,
        )
        at = utcnow()
        requested = {d.id: d.ssh.requested_at if d.ssh else None for d in due}
        for result in results:
            self.queue.append_backup(plans.backup_result(result, at, requested.get(result.key)))
        self._marks = plans.next_marks(self._marks, due, at, config)
        self.state.save_backup_marks({str(k): v.to_json() for k, v in self._marks.items()})
        log.info("ssh backups: %d devices, %d not ok", len(results), sum(not r.ok for r in results))
        return len(results)

    # -- talking to the central -------------------------------------------------------------

    def _upload_loop(self) -> None:
        while not self.stop_event.is_set():
            self.exchange()
            wait = self.push_interval if self.config is not None else NO_CONFIG_RETRY
            if self._wait(wait):
                return

    def exchange(self) -> None:
        """One push cycle: forget results past the buffer, refresh the configuration, upload."""
        dropped = self.queue.drop_older_than(utcnow() - timedelta(hours=self.buffer_hours))
        if dropped:
            log.warning(
                "buffer full: %d results older than %g h dropped", dropped, self.buffer_hours
            )
        if self._stopped():
            return
        if self.refresh_config():
            self.upload()

    def _stopped(self) -> bool:
        """Uploads stay stopped after a revoked token until the machine is enrolled again."""
        stamp = self.state.enrolment_stamp()
        if stamp != self._enrolment_stamp:
            self._enrolment_stamp = stamp
            self.enrolled = self.state.enrolment()
            self._client = self._new_client()
            self._status(stopped=None)
            log.info("new enrolment: %s for %s", self.enrolled.name, ", ".join(self.enrolled.sites))
            return False
        return self.state.status().stopped is not None

    def refresh_config(self) -> bool:
        """Pull the configuration (a 304 when unchanged); False when the central did not answer."""
        known = self.state.status().config_etag if self.config is not None else None
        try:
            answer = self._client.config(known)
        except CentralError as failure:
            self._failed(failure)
            return False
        if answer.document is not None:
            self.state.save_config(answer.document)
            self.config = answer.document
            self._new_config.set()
            log.info("configuration %s: %d devices", answer.etag, len(answer.document.devices))
        self._status(config_etag=answer.etag, config_at=utcnow())
        if (
            answer.clock_offset_seconds is not None
            and self.state.status().clock_offset_seconds is None
        ):
            self._status(clock_offset_seconds=answer.clock_offset_seconds)
        return True

    def upload(self) -> int:
        """Batches until the queue is empty (bounded); returns how many were accepted."""
        accepted = 0
        for _ in range(MAX_BATCHES_PER_PUSH):
            if self.stop_event.is_set():
                break
            taken = self.queue.take(
                sent_at=utcnow(),
                max_rows=self._max_rows,
                max_bytes=MAX_BATCH_BYTES,
                version=self.version,
                hostname=self.hostname,
            )
            if taken is None:
                break
            try:
                answer = self._client.push(taken.body)
            except CentralError as failure:
                if failure.kind == TOO_LARGE:
                    self.queue.too_large(taken)
                    self._max_rows = max(1, taken.rows // 2)
                    log.warning("batch %s too large: next ones smaller", taken.batch_id)
                    continue
                if failure.kind == REFUSED and self.refresh_config() and self.config:
                    dropped = self.queue.keep_only(taken, {d.id for d in self.config.devices})
                    if dropped:
                        log.warning(
                            "%d results of devices no longer measured here dropped", dropped
                        )
                        continue
                self._failed(failure)
                break
            self.queue.accepted(taken)
            accepted += 1
            self._status(
                last_push_at=utcnow(),
                last_error=None,
                last_error_at=None,
                clock_offset_seconds=answer.clock_offset_seconds,
            )
            log.info(
                "batch %s: %d results %s",
                taken.batch_id,
                taken.results,
                "already applied" if answer.duplicate else "applied",
            )
        return accepted

    def _failed(self, failure: CentralError) -> None:
        if failure.kind == REVOKED:
            self._status(stopped=str(failure))
            log.error("uploads stopped: %s", failure)
        elif failure.kind == CLOCK:
            log.error(
                "the central refuses results until this machine's clock is right: %s", failure
            )
        else:
            log.warning("%s", failure)
        self._error(str(failure))

    def _error(self, message: str) -> None:
        self._status(last_error=message, last_error_at=utcnow())

    def _status(self, **changes) -> None:
        with self._status_lock:
            self.state.update_status(**changes)
