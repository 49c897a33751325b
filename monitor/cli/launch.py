"""`ictmon`'s entry point: which command line to load for the words given.

`ictmon collector enrol | run | status` (the school's machine) load monitor.cli.agent_main, the
collector's commands alone; everything else loads the office's whole command line
(monitor.cli.main). A collector for 200 devices then stays near 60 MB resident instead of 150.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

AGENT_COMMANDS = {"enrol", "run", "status"}
_GLOBAL_FLAGS = {"-v", "--verbose"}


def is_agent_command(args: Sequence[str]) -> bool:
    """Whether the words (without the program name) ask for a collector's own command."""
    words = list(args)
    while words:
        word = words[0]
        if word in _GLOBAL_FLAGS or word.startswith("--config="):
            words.pop(0)
        elif word == "--config":
            del words[:2]
        else:
            break
    return len(words) >= 2 and words[0] == "collector" and words[1] in AGENT_COMMANDS


def main(args: Sequence[str] | None = None, **options: Any) -> Any:
    words = sys.argv[1:] if args is None else list(args)
    if is_agent_command(words):
        # deferred: only the collector's modules, so a school's machine never loads the office's
        from monitor.cli.agent_main import main as agent

        return agent(args, **options)
    # deferred: the office's command line loads Flask, SQLAlchemy and every feature (~120 MB)
    from monitor.cli.main import main as office

    return office(args, **options)
