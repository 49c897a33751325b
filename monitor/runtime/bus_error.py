"""A database file that vanishes under the service: say so, and exit, instead of dying silently.

SQLite in WAL mode keeps its index of the write-ahead log in `<database>-shm` and always maps that
file into memory (the engine turns memory-mapped reads of the database itself off, but the index
cannot be). When the file system under it goes away — remounted read-only after an error, a disk
pulled out, the file truncated — the next read of a mapped page raises SIGBUS, whose default is to
kill the process without a word.

So the service handles SIGBUS: Python's own C handler only notes the signal and writes its number
to a pipe (`signal.set_wakeup_fd`), which works whichever thread faulted; a small thread that
touches no database reads the pipe, logs one clear line, dumps every thread's traceback (the one
that faulted stands inside a database call) and ends the process with EXIT_CODE. The faulting
thread itself cannot go on: returning from the handler retries the same read, which faults again
until the process ends a moment later. A service manager then sees a failure exit and may restart
`ictmon run`, which reports a read-only or missing database in its own words.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import sys
import threading

log = logging.getLogger(__name__)

EXIT_CODE = 74  # EX_IOERR (sysexits.h): an input/output error
MESSAGE = (
    "the database file became inaccessible (SIGBUS): its file system was remounted read-only, "
    "removed or the file truncated while ictmon was using it; ictmon stops now (exit code %d), "
    "the threads' tracebacks follow"
)


def exit_on_bus_error() -> None:
    """From now on a SIGBUS is logged with every thread's traceback and ends the process with
    EXIT_CODE. Call from the main thread (Python installs signal handlers only there)."""
    readable, writable = os.pipe()
    os.set_blocking(writable, False)
    signal.set_wakeup_fd(writable, warn_on_full_buffer=False)
    # The handler does nothing itself: in the main thread it would run only if the main thread
    # got back to Python code, which a fault in the main thread prevents. The watcher acts.
    signal.signal(signal.SIGBUS, lambda _signum, _frame: None)
    threading.Thread(target=_watch, args=(readable,), name="bus-error-watch", daemon=True).start()


def _watch(readable: int) -> None:
    while True:  # ends with the process: the pipe is read until a SIGBUS arrives
        received = os.read(readable, 256)
        if signal.SIGBUS in received:
            log.critical(MESSAGE, EXIT_CODE)
            for handler in logging.getLogger().handlers:
                handler.flush()
            try:
                faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
                sys.stderr.flush()
            finally:
                os._exit(EXIT_CODE)
