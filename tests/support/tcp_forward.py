"""A TCP forwarder between two network namespaces: the "WAN" of the edge-collector tests.

It listens inside one namespace and opens its outgoing connections inside another, so a school's
collector (in the school's namespace) reaches the central's web port (in the central's namespace)
and nothing else does. Python 3.11 has no os.setns: the thread's network namespace is switched
with libc's setns(2) through ctypes. A socket stays in the namespace it was created in, so the
main thread creates every socket (the listening one in the listening namespace, then each
outgoing one in the connecting namespace) and pump threads only move bytes.

    python -m tests.support.tcp_forward LISTEN_NS HOST:PORT CONNECT_NS HOST:PORT [HOLD_FILE]

A namespace is a name under /var/run/netns, or "-" for the namespace the forwarder started in.
It prints "ready PORT" (the port it listens on: 0 asks for a free one) once it listens. While
HOLD_FILE exists, the answers to POST requests are held back (not forwarded, not lost; a GET goes
through): a test makes "the central applied the upload but its answer has not arrived" with it.
While HOLD_FILE-requests exists, POST requests themselves are held: "an upload delayed in
transit". While an answer (a request) is held, HOLD_FILE-holding (HOLD_FILE-requests-holding)
exists. Everything is bounded:
connect timeouts, a hold of at most HOLD_MAX_S, and the whole forwarder ends by itself after
LIFETIME_S. Only loopback addresses are accepted as targets.
"""

from __future__ import annotations

import contextlib
import ctypes
import ipaddress
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

CLONE_NEWNET = 0x40000000
LIFETIME_S = 3600.0  # a forgotten forwarder ends by itself within the hour
HOLD_MAX_S = 120.0  # a held answer goes on after this even if the hold file is still there
CONNECT_TIMEOUT_S = 5.0
CHUNK = 65536

_libc = ctypes.CDLL(None, use_errno=True)


def enter_namespace(name: str, home_fd: int) -> None:
    """Switch this thread's network namespace: a name under /var/run/netns, or "-" for home."""
    if name == "-":
        fd, close = home_fd, False
    else:
        fd, close = os.open(f"/var/run/netns/{name}", os.O_RDONLY), True
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        if close:
            os.close(fd)


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"{host}: only loopback addresses (traffic stays on this machine)")
    return host, int(port)


class _Connection:
    """Two sockets joined; each direction half-closes on EOF, both close when both are done."""

    def __init__(self, client: socket.socket, upstream: socket.socket):
        self.sockets = (client, upstream)
        self._lock = threading.Lock()
        self._running = 2
        self.is_post = False  # only an upload's answer is ever held

    def pump(self, source: socket.socket, sink: socket.socket, hold: Path | None) -> None:
        try:
            while True:
                data = source.recv(CHUNK)
                if not data:
                    sink.shutdown(socket.SHUT_WR)
                    break
                if source is self.sockets[0] and not self.is_post:
                    self.is_post = data.startswith(b"POST ")
                if hold is not None and self.is_post and hold.exists():
                    holding = hold.with_name(hold.name + "-holding")
                    holding.touch()  # tells the test something is held
                    deadline = time.monotonic() + HOLD_MAX_S
                    while hold.exists() and time.monotonic() < deadline:
                        time.sleep(0.05)
                    holding.unlink(missing_ok=True)
                sink.sendall(data)
        except OSError:
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
        finally:
            with self._lock:
                self._running -= 1
                done = self._running == 0
            if done:
                for s in self.sockets:
                    s.close()


def serve(
    listen_ns: str,
    listen: tuple[str, int],
    connect_ns: str,
    target: tuple[str, int],
    hold: Path | None,
) -> None:
    home_fd = os.open("/proc/self/ns/net", os.O_RDONLY)
    enter_namespace(listen_ns, home_fd)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(listen)
    server.listen(64)
    server.settimeout(0.5)
    enter_namespace(connect_ns, home_fd)  # every outgoing socket from now on is made there
    print(f"ready {server.getsockname()[1]}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    ends = time.monotonic() + LIFETIME_S
    while not stop.is_set() and time.monotonic() < ends:
        try:
            client, _ = server.accept()
        except TimeoutError:
            continue
        except OSError:
            break
        try:
            upstream = socket.create_connection(target, timeout=CONNECT_TIMEOUT_S)
        except OSError:
            client.close()
            continue
        upstream.settimeout(None)
        client.settimeout(None)
        joined = _Connection(client, upstream)
        requests = hold.with_name(hold.name + "-requests") if hold is not None else None
        for source, sink, held in ((client, upstream, requests), (upstream, client, hold)):
            threading.Thread(target=joined.pump, args=(source, sink, held), daemon=True).start()
    server.close()


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) not in (4, 5):
        raise SystemExit(__doc__)
    serve(
        args[0],
        _address(args[1]),
        args[2],
        _address(args[3]),
        Path(args[4]) if len(args) == 5 else None,
    )
