"""Skip-or-fail policy for tests that need something from the machine.

On a developer's machine a missing prerequisite (root, namespaces, chromium, PostgreSQL) skips the
test with the reason. In CI (CI=true) the same test must run: a missing prerequisite fails it, so a
broken install step can never hide behind a green run of skipped tests.
"""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) the calling test unless `condition` holds."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def require_root() -> None:
    require(os.geteuid() == 0, "needs root (raw ICMP sockets, network namespaces)")


def require_commands(*names: str) -> None:
    missing = [n for n in names if shutil.which(n) is None]
    require(not missing, f"needs {', '.join(missing)} installed (scripts/test installs them)")
