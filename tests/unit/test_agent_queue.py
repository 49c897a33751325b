"""The collector's local queue: results leave in the order they were measured, a re-sent batch
has the same id, nothing is deleted before the central accepted it, and results too old for the
buffer are dropped, counted and reported once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from monitor.agent.queue import ResultQueue
from monitor.edge.protocol import PingOutcome, parse_batch

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def _sweep(queue: ResultQueue, at: datetime, devices=(1, 2, 3)) -> None:
    queue.append_sweep(at, [PingOutcome(d, 3, 3, 0.1, 0.2, 0.3) for d in devices])


def _take(queue: ResultQueue, **bounds):
    return queue.take(
        sent_at=T0 + timedelta(hours=3),
        max_rows=bounds.get("max_rows", 100),
        max_bytes=bounds.get("max_bytes", 1_000_000),
    )


def test_an_empty_queue_has_nothing_to_send(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    assert _take(queue) is None
    assert queue.stats().rows == 0


def test_batches_come_oldest_first_within_the_row_bound_and_ids_name_their_rows(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    for i in range(5):
        _sweep(queue, T0 + i * MINUTE)
    first = _take(queue, max_rows=2)
    assert first.batch.batch_id == "q1-2"
    assert [s.at for s in first.batch.sweeps] == [T0, T0 + MINUTE]
    assert first.batch.queue_length == 9  # three sweeps of three devices wait behind it
    queue.accepted(first)
    second = _take(queue, max_rows=2)
    assert second.batch.batch_id == "q3-4"
    assert [s.at for s in second.batch.sweeps] == [T0 + 2 * MINUTE, T0 + 3 * MINUTE]


def test_the_byte_bound_limits_a_batch_but_one_row_always_goes(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    for i in range(3):
        _sweep(queue, T0 + i * MINUTE)
    assert _take(queue, max_bytes=10).batch.batch_id == "q1-1"


def test_a_batch_is_valid_on_the_wire_with_sweeps_and_snmp_rounds(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    _sweep(queue, T0)
    queue.append_snmp(T0 + MINUTE, [{"key": 1, "address": "127.0.0.1", "state": "ok"}])
    _sweep(queue, T0 + 2 * MINUTE)
    batch = _take(queue).batch
    parsed = parse_batch(batch.to_json())
    assert parsed.batch_id == "q1-3"
    assert [s.at for s in parsed.sweeps] == [T0, T0 + 2 * MINUTE]
    assert parsed.sweeps[0].results[0] == PingOutcome(1, 3, 3, 0.1, 0.2, 0.3)
    assert parsed.snmp_rounds[0].results[0]["key"] == 1
    assert parsed.result_count == 7


def test_a_batch_goes_out_as_its_rows_hold_it_and_reads_as_the_batch_it_is(tmp_path):
    """The queue sends its rows' JSON as it is (protocol.encode_batch), not parsed and written
    again: what goes out must be the very document a Batch of the same results makes."""
    queue = ResultQueue(tmp_path / "q.sqlite3")
    _sweep(queue, T0 + MINUTE)
    queue.append_snmp(T0 + MINUTE, [{"key": 2, "address": "127.0.0.1", "state": "timeout"}])
    _sweep(queue, T0, devices=(4, 5))  # a clock stepped back: goes out first
    queue.drop_older_than(T0 - MINUTE)
    taken = queue.take(sent_at=T0 + HOUR, max_rows=10, max_bytes=10**6, version="9", hostname="pi")
    assert taken.results == 6 and taken.batch_id == "q1-3"
    sent = json.loads(taken.body)
    assert sent == taken.batch.to_json()
    assert [s["at"] for s in sent["sweeps"]] == [T0.isoformat(), (T0 + MINUTE).isoformat()]
    assert sent["version"] == "9" and sent["hostname"] == "pi" and sent["queue_length"] == 0


def test_without_an_answer_the_same_rows_go_again_under_the_same_id(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    _sweep(queue, T0)
    _sweep(queue, T0 + MINUTE)
    first = _take(queue)
    _sweep(queue, T0 + 2 * MINUTE)  # measured while the upload was in the air
    again = _take(queue)
    assert again.batch.batch_id == first.batch.batch_id == "q1-2"
    assert again.batch.sweeps == first.batch.sweeps


def test_a_crash_between_sending_and_deleting_resends_the_same_batch(tmp_path):
    path = tmp_path / "q.sqlite3"
    queue = ResultQueue(path)
    _sweep(queue, T0)
    sent = _take(queue)
    queue.close()  # the process died before the central's 200 was written down
    reopened = ResultQueue(path)
    _sweep(reopened, T0 + MINUTE)
    again = _take(reopened)
    assert again.batch.batch_id == sent.batch.batch_id == "q1-1"
    reopened.accepted(again)
    assert _take(reopened).batch.batch_id == "q2-2"


def test_rows_are_deleted_only_when_accepted(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    _sweep(queue, T0)
    taken = _take(queue)
    assert queue.stats().rows == 1
    queue.accepted(taken)
    assert queue.stats().rows == 0
    assert _take(queue) is None


def test_results_older_than_the_buffer_are_dropped_counted_and_reported_once(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    for i in range(4):
        _sweep(queue, T0 + i * MINUTE)
    assert queue.drop_older_than(T0 + 2 * MINUTE) == 6
    stats = queue.stats()
    assert (stats.rows, stats.dropped, stats.dropped_from, stats.dropped_until) == (
        2,
        6,
        T0,
        T0 + MINUTE,
    )
    taken = _take(queue)
    assert taken.batch.batch_id == "q3-4"
    assert (taken.batch.dropped, taken.batch.dropped_from, taken.batch.dropped_until) == (
        6,
        T0,
        T0 + MINUTE,
    )
    # Not accepted yet: the count stays and goes again with the same batch.
    assert _take(queue).batch.dropped == 6
    queue.accepted(taken)
    assert queue.stats().dropped == 0
    _sweep(queue, T0 + 5 * MINUTE)
    assert _take(queue).batch.dropped == 0


def test_drops_after_a_batch_was_taken_wait_for_the_next_batch(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    _sweep(queue, T0)
    _sweep(queue, T0 + 10 * MINUTE)
    _sweep(queue, T0 + 20 * MINUTE)
    taken = _take(queue, max_rows=1)
    assert taken.batch.dropped == 0
    queue.drop_older_than(T0 + 15 * MINUTE)  # the pending row and the next one go
    again = _take(queue, max_rows=1)
    assert (again.batch.batch_id, again.batch.sweeps, again.batch.dropped) == ("q1-1", (), 0)
    queue.accepted(again)
    following = _take(queue, max_rows=1)
    assert following.batch.batch_id == "q3-3"
    assert following.batch.dropped == 6
    assert following.batch.dropped_from == T0


def test_only_drops_to_report_make_a_batch_of_their_own(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    _sweep(queue, T0)
    queue.drop_older_than(T0 + MINUTE)
    taken = _take(queue)
    assert (taken.batch.batch_id, taken.batch.dropped, taken.batch.sweeps) == ("d1", 3, ())
    queue.accepted(taken)
    assert _take(queue) is None


def test_a_batch_too_large_goes_again_smaller_and_a_single_huge_row_is_dropped(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    for i in range(4):
        _sweep(queue, T0 + i * MINUTE)
    big = _take(queue)
    queue.too_large(big)
    smaller = _take(queue, max_rows=1)
    assert smaller.batch.batch_id == "q1-1"
    queue.too_large(smaller)
    assert queue.stats().dropped == 3
    assert _take(queue, max_rows=2).batch.batch_id == "q2-3"


def test_a_clock_stepped_back_still_gives_sweeps_in_order_each_time_once(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    _sweep(queue, T0 + MINUTE)
    _sweep(queue, T0)
    _sweep(queue, T0)
    parsed = parse_batch(_take(queue).batch.to_json())
    times = [s.at for s in parsed.sweeps]
    assert times == sorted(times) and len(set(times)) == 3


def test_the_queue_file_is_private(tmp_path):
    ResultQueue(tmp_path / "q.sqlite3")
    assert (tmp_path / "q.sqlite3").stat().st_mode & 0o777 == 0o600


_WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime, timedelta
    from monitor.agent.queue import ResultQueue
    from monitor.edge.protocol import PingOutcome

    queue = ResultQueue(sys.argv[1])
    t0 = datetime(2026, 12, 7, tzinfo=UTC)
    print("ready", flush=True)
    for i in range(100_000):
        queue.append_sweep(t0 + timedelta(seconds=i), [PingOutcome(d, 1, 1) for d in range(50)])
        taken = queue.take(sent_at=t0, max_rows=3, max_bytes=10**6)
        with open(sys.argv[2], "a") as log:
            log.write(taken.batch.batch_id + "\\n")
        if i % 2:
            queue.accepted(taken)
    """
)


def test_a_kill_9_at_any_moment_leaves_a_queue_that_resends_what_was_not_accepted(tmp_path):
    """A real process appending, taking and accepting, killed with SIGKILL mid-work, three
    times at different moments: the file opens, and the next batch is the one left pending."""
    path, log = tmp_path / "q.sqlite3", tmp_path / "sent.log"
    for delay in (0.3, 0.55, 0.8):
        child = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), str(log)],
            stdout=subprocess.PIPE,
            cwd=os.getcwd(),
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            pending = db.execute("SELECT first_id, last_id FROM pending").fetchone()
        queue = ResultQueue(path)
        taken = queue.take(sent_at=T0, max_rows=3, max_bytes=10**6)
        if pending is not None:
            assert taken.batch.batch_id == f"q{pending[0]}-{pending[1]}"
        queue.close()


def test_a_ping_outcome_goes_on_the_wire_with_every_field_it_has():
    outcome = PingOutcome(7, 3, 2, 0.25, 0.5, 1.75, "one lost")
    assert outcome.to_json() == asdict(outcome)
