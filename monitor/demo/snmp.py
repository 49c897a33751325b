"""The demo district answers SNMP: one snmpsim process serves a recording per demo device on the
device's own 127.20.x.y address (port 161 as root, else 1161), with counters that grow, so the
inventory, interfaces, traffic charts, health and UPS pages fill in by themselves.

`configure()` runs at `ictmon demo` set-up: it writes the recordings and gives every demo device
SNMP settings (v2c, a community of its own, stored encrypted like any other). `running_agents()`
runs snmpsim for as long as the demo runs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from monitor.db.engine import transaction
from monitor.db.models import Device, Site
from monitor.demo import agents as snmp_agents

log = logging.getLogger(__name__)

AGENTS_FILE = "snmp-agents.json"
COMMUNITY_PREFIX = "demo"


def demo_port() -> int:
    return 161 if os.geteuid() == 0 else 1161


def configure(sessions, vault, directory: Path) -> int:
    """Give every demo device SNMP settings and a recording; returns how many."""
    port = demo_port()
    agents = []
    with transaction(sessions) as session:
        devices = session.execute(select(Device, Site.code).join(Site)).all()
        names = {d.id: d.name for d, _ in devices}
        for device, site_code in devices:
            profile = snmp_agents.profile_for(device.kind, device.model or "")
            address = device.address or ""  # an asset without one gets no agent
            if profile is None or not address.startswith("127."):
                continue
            community = snmp_agents.community_for(COMMUNITY_PREFIX, address)
            neighbours = [("1", names[device.parent_id])] if device.parent_id else []
            text = snmp_agents.recording(
                profile,
                name=f"{site_code.lower()}-{device.name}",
                model=device.model or profile,
                location=device.location or "",
                seed=f"{site_code}/{device.name}",
                neighbours=neighbours,
            )
            agents.append(
                {"address": device.address, "port": port, "community": community, "text": text}
            )
            device.snmp_version, device.snmp_port = "2c", port
            device.snmp_community = vault.encrypt(community)
    (directory / AGENTS_FILE).write_text(json.dumps(agents), encoding="utf-8")
    return len(agents)


@contextlib.contextmanager
def running_agents(directory: Path, announce=print) -> Iterator[None]:
    """snmpsim serving the demo's recordings while the block runs. Without snmpsim installed the
    demo still runs; the SNMP pages then say the devices do not answer."""
    path = directory / AGENTS_FILE
    if not path.exists():
        yield
        return
    agents = [
        snmp_agents.Agent(a["address"], a["text"], a["community"], a["port"])
        for a in json.loads(path.read_text(encoding="utf-8"))
    ]
    process = None
    try:
        process = snmp_agents.start_snmpsim(directory / "snmpsim", agents)
        announce(f"SNMP agents simulated by snmpsim: {len(agents)} devices")
    except (RuntimeError, OSError) as exc:
        announce(f"SNMP simulation not started ({exc}); SNMP pages will show no data")
    try:
        yield
    finally:
        if process is not None:
            snmp_agents.stop(process)
