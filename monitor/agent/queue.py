"""The collector's local queue: what it measured, kept in SQLite until the central took it.

One file in the state dir (stdlib sqlite3, WAL, synchronous=FULL: a school PC loses power more
often than a server). Each ping sweep or SNMP round is one row with its time and its results as
JSON, appended as soon as it is measured; each SSH backup is a row of its own (a configuration
can be large: alone it is still one batch the central takes, see protocol.MAX_CONFIG_TEXT). Uploads take the oldest rows in order, bounded by rows
and bytes, and delete them only after the central answered 200.

Nothing lost, nothing applied twice, whatever moment a kill -9 or a power cut hits:
- a batch's id is derived from its rows ("q<first id>-<last id>"), and the rows a batch covers
  are written down (`pending`) before it is sent; after a crash the same rows go again under the
  same id, so the central, which keeps the ids it applied, answers "duplicate" the second time;
- rows are deleted in the same transaction that forgets the pending batch.

Rows older than the buffer (buffer_hours) are dropped, counted with the span they covered; the
count travels in the next batch (Batch.dropped, dropped_from, dropped_until) and is forgotten
only when the central accepted that batch.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from monitor.edge.protocol import (
    MAX_BACKUPS_PER_BATCH,
    MAX_RESULTS_PER_SWEEP,
    MAX_SNMP_ROUNDS_PER_BATCH,
    MAX_SWEEPS_PER_BATCH,
    BackupResult,
    Batch,
    PingOutcome,
    encode_batch,
    parse_backup,
    parse_batch,
)
from monitor.localtime import stored_utc

SWEEP, SNMP, BACKUP = "sweep", "snmp", "backup"
QUEUE_FILE = "queue.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    count INTEGER NOT NULL,
    size INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS results_at ON results (at);
CREATE TABLE IF NOT EXISTS drops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    results INTEGER NOT NULL,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    drops_upto INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class QueueStats:
    rows: int
    results: int  # device results waiting (a sweep of 200 devices is 200)
    oldest: datetime | None
    dropped: int  # results dropped and not yet reported to (accepted by) the central
    dropped_from: datetime | None
    dropped_until: datetime | None


@dataclass(frozen=True)
class Taken:
    """A batch and what it covers in the queue, so accepting it deletes exactly that."""

    batch_id: str
    body: bytes  # the batch as the wire carries it (protocol.encode_batch)
    results: int  # device results in it
    first_id: int
    last_id: int
    drops_upto: int
    rows: int

    @cached_property
    def batch(self) -> Batch:
        """The body read back as the central reads it (for a look at what goes out)."""
        return parse_batch(json.loads(self.body))


class ResultQueue:
    """Thread-safe (one connection behind a lock): the runner's pinger, SNMP and upload threads
    share it; `ictmon collector status` opens its own, read-only use."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, timeout=10.0, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self.path.chmod(0o600)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- appending ------------------------------------------------------------------------

    def append_sweep(self, at: datetime, outcomes: Sequence[PingOutcome]) -> None:
        self._append(SWEEP, at, [o.to_json() for o in outcomes])

    def append_snmp(self, at: datetime, results: Sequence[Mapping[str, Any]]) -> None:
        """`results` as monitor.edge.snmp_wire.encode_result made them."""
        self._append(SNMP, at, [dict(r) for r in results])

    def append_backup(self, backup: BackupResult) -> None:
        """One SSH backup, as the wire carries it (its own time inside). Checked as the central
        will check it (protocol.parse_backup) before it is queued: a row the central would refuse
        must not block the queue behind it."""
        item = backup.to_json()
        parse_backup(item, "backup")
        self._append(BACKUP, backup.at, [item])

    def _append(self, kind: str, at: datetime, items: list[dict[str, Any]]) -> None:
        if not items:
            return
        # A row goes out as it is (protocol.encode_batch): within the wire's limit per sweep.
        items = items[:MAX_RESULTS_PER_SWEEP]
        body = json.dumps(items, separators=(",", ":"), ensure_ascii=False)
        with self._lock:
            self._db.execute(
                "INSERT INTO results (kind, at, count, size, body) VALUES (?, ?, ?, ?, ?)",
                (kind, _iso(at), len(items), len(body.encode()), body),
            )

    # -- the buffer's age limit -----------------------------------------------------------

    def drop_older_than(self, cutoff: datetime) -> int:
        """Drop rows measured before `cutoff`; returns how many results were dropped."""
        limit = _iso(cutoff)
        with self._lock, self._transaction():
            count, first, last = self._db.execute(
                "SELECT COALESCE(SUM(count), 0), MIN(at), MAX(at) FROM results WHERE at < ?",
                (limit,),
            ).fetchone()
            if not count:
                return 0
            self._db.execute("DELETE FROM results WHERE at < ?", (limit,))
            self._db.execute(
                "INSERT INTO drops (results, first_at, last_at) VALUES (?, ?, ?)",
                (count, first, last),
            )
            return int(count)

    # -- uploading ------------------------------------------------------------------------

    def take(
        self,
        *,
        sent_at: datetime,
        max_rows: int,
        max_bytes: int,
        version: str = "",
        hostname: str = "",
    ) -> Taken | None:
        """The next batch to send: the pending one again if there is one (same rows, same id),
        else the oldest rows within the bounds, written down as pending before they go out.
        None when there is nothing to send (no rows and no drops to report)."""
        with self._lock, self._transaction():
            pending = self._db.execute(
                "SELECT first_id, last_id, drops_upto FROM pending WHERE one = 1"
            ).fetchone()
            if pending is not None:
                first_id, last_id, drops_upto = pending
                rows = self._db.execute(
                    "SELECT id, kind, at, count, body FROM results WHERE id BETWEEN ? AND ? "
                    "ORDER BY id",
                    (first_id, last_id),
                ).fetchall()
            else:
                rows = self._oldest(max_rows, max_bytes)
                drops_upto = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM drops").fetchone()[
                    0
                ]
                if not rows and not drops_upto:
                    return None
                # An empty batch still carries a drop report; it gets an id of its own.
                first_id, last_id = (rows[0][0], rows[-1][0]) if rows else (0, 0)
                self._db.execute(
                    "INSERT INTO pending (one, first_id, last_id, drops_upto) VALUES (1, ?, ?, ?)",
                    (first_id, last_id, drops_upto),
                )
            dropped, dropped_from, dropped_until = self._db.execute(
                "SELECT COALESCE(SUM(results), 0), MIN(first_at), MAX(last_at) FROM drops "
                "WHERE id <= ?",
                (drops_upto,),
            ).fetchone()
            waiting = self._db.execute(
                "SELECT COALESCE(SUM(count), 0) FROM results WHERE id > ?", (last_id,)
            ).fetchone()[0]
        batch_id = f"q{first_id}-{last_id}" if first_id else f"d{drops_upto}"
        header = Batch(
            batch_id=batch_id,
            sent_at=sent_at,
            version=version,
            hostname=hostname,
            queue_length=int(waiting),
            dropped=int(dropped),
            dropped_from=stored_utc(dropped_from),
            dropped_until=stored_utc(dropped_until),
        )
        body = encode_batch(header, **_encoded(rows))
        results = sum(row[3] for row in rows)
        return Taken(batch_id, body, results, first_id, last_id, drops_upto, len(rows))

    def _oldest(self, max_rows: int, max_bytes: int) -> list[tuple[int, str, str, int, str]]:
        """The oldest rows, at least one, within max_rows, max_bytes and the protocol's limits."""
        rows: list[tuple[int, str, str, int, str]] = []
        size = sweeps = rounds = backups = 0
        cursor = self._db.execute("SELECT id, kind, at, count, size, body FROM results ORDER BY id")
        for row_id, kind, at, count, row_size, body in cursor:
            if rows and (len(rows) >= max_rows or size + row_size > max_bytes):
                break
            if kind == SWEEP and sweeps >= MAX_SWEEPS_PER_BATCH:
                break
            if kind == SNMP and rounds >= MAX_SNMP_ROUNDS_PER_BATCH:
                break
            if kind == BACKUP and backups >= MAX_BACKUPS_PER_BATCH:
                break
            rows.append((row_id, kind, at, count, body))
            size += row_size
            sweeps += kind == SWEEP
            rounds += kind == SNMP
            backups += kind == BACKUP
        cursor.close()
        return rows

    def accepted(self, taken: Taken) -> None:
        """The central answered 200 (applied or duplicate): forget those rows and drops."""
        with self._lock, self._transaction():
            self._db.execute(
                "DELETE FROM results WHERE id BETWEEN ? AND ?", (taken.first_id, taken.last_id)
            )
            self._db.execute("DELETE FROM drops WHERE id <= ?", (taken.drops_upto,))
            self._db.execute("DELETE FROM pending")

    def too_large(self, taken: Taken) -> None:
        """The central refused the batch as too large (413) — so it applied nothing of it. It
        goes again smaller, under other ids; a single row too large for the central is dropped
        and counted, or it would block the queue for ever."""
        with self._lock, self._transaction():
            self._db.execute("DELETE FROM pending")
            row = self._db.execute(
                "SELECT count, at FROM results WHERE id = ?", (taken.first_id,)
            ).fetchone()
            if taken.rows == 1 and row is not None:
                count, at = row
                self._db.execute("DELETE FROM results WHERE id = ?", (taken.first_id,))
                self._db.execute(
                    "INSERT INTO drops (results, first_at, last_at) VALUES (?, ?, ?)",
                    (count, at, at),
                )

    def keep_only(self, taken: Taken, devices: set[int]) -> int:
        """The central refused the batch (403) for results of devices this collector does not
        measure (any more: a device moved to another school while its results waited). Those
        results are dropped and counted, the rest goes again; returns how many were dropped."""
        removed = 0
        with self._lock, self._transaction():
            rows = self._db.execute(
                "SELECT id, kind, at, body FROM results WHERE id BETWEEN ? AND ?",
                (taken.first_id, taken.last_id),
            ).fetchall()
            first = last = None
            for row_id, kind, at, body in rows:
                items = json.loads(body)
                field = "key" if kind == SNMP else "device"
                kept = [item for item in items if item.get(field) in devices]
                if len(kept) == len(items):
                    continue
                removed += len(items) - len(kept)
                first, last = min(first or at, at), max(last or at, at)
                if kept:
                    text = json.dumps(kept, separators=(",", ":"), ensure_ascii=False)
                    self._db.execute(
                        "UPDATE results SET count = ?, size = ?, body = ? WHERE id = ?",
                        (len(kept), len(text.encode()), text, row_id),
                    )
                else:
                    self._db.execute("DELETE FROM results WHERE id = ?", (row_id,))
            if removed:
                self._db.execute(
                    "INSERT INTO drops (results, first_at, last_at) VALUES (?, ?, ?)",
                    (removed, first, last),
                )
            self._db.execute("DELETE FROM pending")
        return removed

    # -- what status shows ----------------------------------------------------------------

    def stats(self) -> QueueStats:
        with self._lock:
            rows, results, oldest = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(count), 0), MIN(at) FROM results"
            ).fetchone()
            dropped, first, last = self._db.execute(
                "SELECT COALESCE(SUM(results), 0), MIN(first_at), MAX(last_at) FROM drops"
            ).fetchone()
        return QueueStats(
            rows=int(rows),
            results=int(results),
            oldest=stored_utc(oldest),
            dropped=int(dropped),
            dropped_from=stored_utc(first),
            dropped_until=stored_utc(last),
        )

    # -- plumbing -------------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, ROLLBACK on an exception (the connection is in autocommit)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, traceback) -> None:
        self.db.execute("ROLLBACK" if kind else "COMMIT")


def _iso(at: datetime) -> str:
    """UTC, fixed width, so text order is time order in SQL."""
    if at.tzinfo is None:
        raise ValueError("naive datetime in the queue")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _encoded(rows: list[tuple[int, str, str, int, str]]) -> dict[str, Any]:
    """Rows as protocol.encode_batch takes them, their JSON as it is: sweeps in time order, each
    time once (a clock stepped back must not make the central refuse the batch for ever), SNMP
    rounds and backups."""
    sweeps: list[tuple[datetime, str]] = []
    rounds: list[tuple[datetime, str]] = []
    backups: list[str] = []
    for _, kind, stored_at, _, body in rows:
        at = stored_utc(stored_at)
        assert at is not None  # the column is NOT NULL
        if kind == SWEEP:
            sweeps.append((at, body))
        elif kind == SNMP:
            rounds.append((at, body))
        else:
            backups.append(body)
    sweeps.sort(key=lambda s: s[0])
    unique: list[tuple[datetime, str]] = []
    for at, body in sweeps:
        if unique and at <= unique[-1][0]:
            at = unique[-1][0] + timedelta(microseconds=1)
        unique.append((at, body))
    return {"sweeps": unique, "snmp_rounds": rounds, "backups": backups}
