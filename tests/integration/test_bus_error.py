"""`ictmon run` whose database's file system fails under it says so and exits; it does not vanish.

The real trigger: SQLite maps the WAL index (`ictmon.db-shm`) into memory; truncating that file
to 0 bytes while the service runs makes the next read of a mapped page raise SIGBUS, as a
read-only remount or a pulled disk does. Before the service handled it the process died by the
signal with at most faulthandler's "Fatal Python error: Bus error"."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.runtime.bus_error import EXIT_CODE
from tests.support.requirements import require
from tests.support.waiting import wait_until

WAIT_S = 60  # a bound for a loaded machine; nothing here asserts on speed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ictmon(config: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        capture_output=True,
        timeout=120,
        check=True,
    )


@pytest.fixture
def running(tmp_path):
    """A real `ictmon run` (web front and scheduler, SQLite, no devices) and its log file."""
    from collectors.ping import icmp_permission_problem

    require(icmp_permission_problem() is None, "needs ICMP permission (root or ping_group_range)")
    config = tmp_path / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "ictmon.db"}"\n'
        f'[paths]\ndata_dir = "{tmp_path}"\n'
        f'[web]\nhost = "127.0.0.1"\nport = {_free_port()}\n'
        "[ping]\ninterval = 1\ntimeout = 0.5\ncount = 1\n",
        encoding="utf-8",
    )
    _ictmon(config, "init", "--admin-password", "correct-horse-42")
    log_path = tmp_path / "run.log"
    with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "run"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, tmp_path / "ictmon.db-shm", log_path
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def test_a_vanishing_database_file_is_logged_and_the_service_exits(running):
    process, shm, log_path = running

    def log() -> str:
        return log_path.read_text(encoding="utf-8", errors="replace")

    wait_until(
        lambda: "polling every" in log() and shm.exists() and shm.stat().st_size > 0,
        within=WAIT_S,
        what="ictmon run to start using its database",
    )
    assert process.poll() is None, log()

    os.truncate(shm, 0)

    try:
        returncode = process.wait(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ictmon run still running {WAIT_S} s after its WAL index vanished:\n{log()}")
    text = log()
    assert returncode == EXIT_CODE, text  # a failure exit of its own, not death by the signal
    assert "CRITICAL monitor.runtime.bus_error: the database file became inaccessible (SIGBUS)" in (
        text
    )
    # Every thread's traceback follows; the one that faulted was inside a database call.
    traceback = text.split("the threads' tracebacks follow", 1)[1]
    assert "most recent call first" in traceback
    assert "sqlalchemy/engine" in traceback, traceback
