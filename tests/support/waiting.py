"""Waiting on another process: poll a condition until it holds, for a bounded time.

A process-level test must not sleep a fixed time and then read what another process wrote: on a
loaded machine the write may come later. It waits for the condition itself; the bound only stops a
test that would otherwise hang, and nothing asserts on how long the wait took."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def wait_until(check: Callable[[], T], *, within: float, what: str, every: float = 0.2) -> T:
    """Call `check` until it returns something true and return that; fail the test naming `what`
    and the last value seen if it never does within `within` seconds."""
    deadline = time.monotonic() + within
    seen = check()
    while not seen and time.monotonic() < deadline:
        time.sleep(every)
        seen = check()
    if not seen:
        pytest.fail(f"after {within:.0f} s still waiting for {what}; last seen: {seen!r}")
    return seen
