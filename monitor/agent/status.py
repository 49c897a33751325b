"""`ictmon collector status`: the collector's side of its page on the central, from the state
dir alone, so it answers while the central is unreachable (that is when it is read).

Labels in English and Thai side by side (the machine's admin may read either), times in
Bangkok time, the English date and the Buddhist-era one. `--json` gives the agreed keys
(central, name, sites, queue_length, oldest_queued, dropped, last_push_at, last_error,
config_etag, clock_offset_seconds) and a few more.
"""

from __future__ import annotations

import fcntl
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.agent.plans import BackupMark
from monitor.agent.queue import QueueStats, ResultQueue
from monitor.agent.state import LOCK_FILE, RunStatus, StateDir
from monitor.i18n import translate
from monitor.localtime import format_datetime, format_duration, utcnow

CLOCK_WARN_SECONDS = 5.0  # as the central's [collector] clock_warn_seconds default


@dataclass(frozen=True)
class StatusReport:
    central: str
    name: str
    sites: tuple[str, ...]
    running: bool
    queue: QueueStats
    run: RunStatus
    devices: int | None  # in the last configuration; None: none received yet
    ssh_devices: int = 0  # of which the configuration gives an SSH login (backed up here)
    last_backup: datetime | None = None  # the latest SSH backup attempt of any of them


def gather(state: StateDir) -> StatusReport:
    """Raises NotEnrolled (one line, what to do) on a machine that was never enrolled."""
    enrolled = state.enrolment()
    if state.queue_path.exists():
        queue = ResultQueue(state.queue_path)
        try:
            stats = queue.stats()
        finally:
            queue.close()
    else:
        stats = QueueStats(0, 0, None, 0, None, None)
    config = state.config()
    marks = [BackupMark.from_json(m) for m in state.backup_marks().values()]
    return StatusReport(
        central=enrolled.central,
        name=enrolled.name,
        sites=enrolled.sites,
        running=_running(state),
        queue=stats,
        run=state.status(),
        devices=None if config is None else len(config.devices),
        ssh_devices=0 if config is None else sum(d.ssh is not None for d in config.devices),
        last_backup=max((m.at for m in marks if m.at), default=None),
    )


def _running(state: StateDir) -> bool:
    """Whether a runner holds the state dir's lock (a pid file could outlive a kill -9)."""
    try:
        handle = open(state.path / LOCK_FILE)  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        handle.close()
    return False


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def as_json(report: StatusReport) -> dict[str, Any]:
    run = report.run
    return {
        "central": report.central,
        "name": report.name,
        "sites": list(report.sites),
        "queue_length": report.queue.results,
        "oldest_queued": _iso(report.queue.oldest),
        "dropped": report.queue.dropped,
        "last_push_at": _iso(run.last_push_at),
        "last_error": run.last_error,
        "config_etag": run.config_etag,
        "clock_offset_seconds": run.clock_offset_seconds,
        # beyond the agreed keys
        "running": report.running,
        "uploads_stopped": run.stopped,
        "queue_rows": report.queue.rows,
        "dropped_from": _iso(report.queue.dropped_from),
        "dropped_until": _iso(report.queue.dropped_until),
        "last_error_at": _iso(run.last_error_at),
        "config_at": _iso(run.config_at),
        "devices": report.devices,
        "ssh_devices": report.ssh_devices,
        "last_backup_at": _iso(report.last_backup),
    }


def _label(key: str) -> str:
    return f"{translate(key, 'en')} / {translate(key, 'th')}"


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "—"
    ago = now - moment
    return (
        f"{format_datetime(moment, 'en')} / {format_datetime(moment, 'th')} "
        f"({format_duration(ago, 'en')} / {format_duration(ago, 'th')})"
    )


def lines(report: StatusReport, now: datetime | None = None) -> list[str]:
    now = now or utcnow()
    run, queue = report.run, report.queue
    rows = [
        ("collector_status.central", report.central),
        ("collector_status.name", report.name),
        ("collector_status.sites", ", ".join(report.sites) or "—"),
        (
            "collector_status.running",
            _label("collector_status.yes") if report.running else _label("collector_status.no"),
        ),
        ("collector_status.devices", "—" if report.devices is None else str(report.devices)),
        (
            "collector_status.ssh_backups",
            f"{report.ssh_devices} ({_when(report.last_backup, now)})",
        ),
        ("collector_status.queue_length", f"{queue.results} ({queue.rows})"),
        ("collector_status.oldest_queued", _when(queue.oldest, now)),
        ("collector_status.dropped", str(queue.dropped)),
        ("collector_status.last_push", _when(run.last_push_at, now)),
        ("collector_status.config", f"{run.config_etag or '—'} ({_when(run.config_at, now)})"),
        (
            "collector_status.clock_offset",
            "—" if run.clock_offset_seconds is None else f"{run.clock_offset_seconds:+.1f} s",
        ),
        ("collector_status.last_error", run.last_error or "—"),
    ]
    text = [f"{_label(key)}: {value}" for key, value in rows]
    if queue.dropped:
        text.append(
            _label("collector_status.dropped_span")
            + f": {format_datetime(queue.dropped_from, 'en')} – "
            + format_datetime(queue.dropped_until, "en")
        )
    if run.stopped:
        text.append(f"{_label('collector_status.stopped')}: {run.stopped}")
    offset = run.clock_offset_seconds
    if offset is not None and abs(offset) > CLOCK_WARN_SECONDS:
        text.append(_label("collector_status.clock_warning"))
    return text
