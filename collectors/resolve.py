"""Host names to addresses, before a sweep: the probe itself only takes IP literals.

getaddrinfo has no timeout of its own and a broken resolver can hang it for many seconds, so
lookups run on a small shared pool and the caller waits only until its deadline: a hung lookup
costs that sweep its deadline once, never the other devices their poll.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, wait

_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="resolve")


def is_ip_literal(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _lookup(name: str) -> str:
    infos = socket.getaddrinfo(name, None, type=socket.SOCK_RAW)
    # IPv4 first: most school equipment is managed over IPv4.
    infos.sort(key=lambda info: info[0] != socket.AF_INET)
    return str(infos[0][4][0])  # the address of an AF_INET/AF_INET6 sockaddr is a str


def resolve_names(names: Iterable[str], *, timeout: float = 2.0) -> dict[str, str | None]:
    """name → address, or None when the name does not resolve within `timeout` seconds."""
    futures = {name: _pool.submit(_lookup, name) for name in set(names)}
    if futures:
        wait(futures.values(), timeout=timeout)
    resolved: dict[str, str | None] = {}
    for name, future in futures.items():
        if future.done() and future.exception() is None:
            resolved[name] = future.result()
        else:
            resolved[name] = None
    return resolved
