"""The school of tests/support/discovery_site.py as running snmpsim agents: one process per device
on its own 127.40.1.x address, all on one port with one community, as one SNMP profile reaches a
real school. Loopback only."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from monitor.demo import agents as snmp_agents
from monitor.demo.agents import Agent
from tests.support import discovery_site as site
from tests.support import snmp_agents as agents_support

COMMUNITY = "school-s012"


@contextmanager
def school_agents(base: Path, boxes=site.BOXES) -> Iterator[int]:
    """Start one agent per box; yields the UDP port they all answer on."""
    agents_support.require_snmpsim()
    port = agents_support.free_udp_port(site.ROUTER.address)

    def start(box):
        agent = Agent(box.address, site.recording(box), COMMUNITY, port)
        return snmp_agents.start_snmpsim(base / box.name, [agent])

    processes = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(start, box) for box in boxes]
        try:
            for future in futures:
                processes.append(future.result())
        except BaseException:
            for future in futures:
                if future.done() and future.exception() is None:
                    snmp_agents.stop(future.result())
            raise
    try:
        yield port
    finally:
        for process in processes:
            snmp_agents.stop(process)
