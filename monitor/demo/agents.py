"""Simulated SNMP agents for the demo district, the tests and the benchmark.

Writes snmpsim recordings (.snmprec: `OID|type|value`, numeric OIDs) for a few device profiles —
a router, 24- and 48-port switches, an access point, a Linux server/NAS, a UPS, a firewall — with
counters that grow by themselves (snmpsim's `numeric` variation), and runs snmpsim serving each
recording on its own loopback address.

snmpsim picks a recording by community: `<data>/<community>.snmprec` answers requests with that
community on every endpoint. Each simulated device gets a community of its own (`community_for`),
so each address answers as its own device. (snmpsim's per-endpoint selection needs community
names like "public/1.3.6.1.6.1.1.0", and its lighter v2c responder does not run on pysnmp 7.)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from collectors import snmp as oids


@dataclass(frozen=True)
class Profile:
    object_id: str
    vendor: str
    descr: str
    ports: list[tuple[str, int, int]]  # (name, ifType, speed Mbit/s)
    software: str
    host_resources: bool = False
    ups: bool = False


def _ethernet(prefix: str, count: int, speed: int = 1000, start: int = 1) -> list:
    return [(f"{prefix}{n}", 6, speed) for n in range(start, start + count)]


PROFILES = {
    "router": Profile(
        "1.3.6.1.4.1.14988.1",
        "MikroTik",
        "RouterOS RB4011iGS+",
        [*_ethernet("ether", 4), ("pppoe-out1", 23, 500)],
        "7.14.3",
    ),
    "router-cisco": Profile(
        "1.3.6.1.4.1.9.1.2068",
        "Cisco",
        "Cisco IOS Software [Fuji], ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 16.9.4",
        _ethernet("GigabitEthernet0/0/", 3, start=0),
        "16.9.4",
    ),
    "firewall": Profile(
        "1.3.6.1.4.1.12356.101.1.1004",
        "Fortinet",
        "FortiGate-100F v7.2.8",
        [*_ethernet("port", 8), ("wan1", 6, 1000), ("wan2", 6, 1000)],
        "v7.2.8",
    ),
    "switch24": Profile(
        "1.3.6.1.4.1.11.2.3.7.11.181",
        "HPE",
        "HPE OfficeConnect Switch 1920S 24G",
        [*_ethernet("", 24), ("25", 6, 10000), ("26", 6, 10000)],
        "PD.02.22",
    ),
    "switch48": Profile(
        "1.3.6.1.4.1.9.1.2494",
        "Cisco",
        "Cisco IOS-XE Software, Catalyst 9300 Software, Version 17.9.4",
        _ethernet("GigabitEthernet1/0/", 48) + _ethernet("TenGigabitEthernet1/1/", 4, 10000),
        "17.9.4",
    ),
    "ap": Profile(
        "1.3.6.1.4.1.41112.1.6",
        "Ubiquiti",
        "UniFi U6 Lite 6.6.55",
        [("eth0", 6, 1000), ("wifi0", 71, 300), ("wifi1", 71, 1200)],
        "6.6.55",
    ),
    "server": Profile(
        "1.3.6.1.4.1.8072.3.2.10",
        "Net-SNMP",
        "Linux fileserver 6.1.0-18-amd64 #1 SMP Debian 6.1.76-1 x86_64",
        [("lo", 24, 10000), ("eno1", 6, 1000), ("eno2", 6, 1000)],
        "Debian 12",
        host_resources=True,
    ),
    "ups": Profile(
        "1.3.6.1.4.1.318.1.3.27",
        "APC",
        "APC Web/SNMP Management Card",
        [("eth0", 6, 100)],
        "UPS 09.8",
        ups=True,
    ),
}


# Which profile answers for a device, by the demo's kind and model.
def profile_for(kind: str, model: str = "") -> str | None:
    if kind == "ups":
        return "ups"
    if kind == "server":
        return "server"
    if kind == "ap":
        return "ap"
    if kind == "firewall":
        return "firewall"
    if kind == "router":
        return "router-cisco" if "Cisco" in model else "router"
    if kind == "switch":
        return "switch48" if "48" in model else "switch24"
    return None


def _serial(seed: str) -> str:
    return "SN" + hashlib.sha256(seed.encode()).hexdigest()[:10].upper()


def recording(
    profile_name: str,
    *,
    name: str,
    model: str,
    location: str = "",
    seed: str = "",
    neighbours: Sequence[tuple[str, str]] = (),
) -> str:
    """The .snmprec text of one simulated device."""
    p = PROFILES[profile_name]
    seed = seed or name
    h = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16)
    rows: list[tuple[str, str, str]] = [
        (oids.SYS_DESCR, "4", p.descr),
        (oids.SYS_OBJECT_ID, "6", p.object_id),
        # Uptime grows 100 ticks a second from a few days, like a device that has been running.
        (oids.SYS_UPTIME, "67:numeric", f"rate=100,initial={(3 + h % 40) * 8640000}"),
        (oids.SYS_CONTACT, "4", "ICT office"),
        (oids.SYS_NAME, "4", name),
        (oids.SYS_LOCATION, "4", location),
    ]
    uplink = next((n for n, (_, t, _) in enumerate(p.ports, start=1) if t == 6), 1)
    for index, (port, if_type, speed) in enumerate(p.ports, start=1):
        up = index <= max(2, len(p.ports) * 3 // 4) or if_type != 6
        busy = (h >> (index % 16)) % 7 + 1  # 1..7: how busy this port is
        # bytes per second: a few % of the link on busy ports, ~0 on idle ones
        in_rate = int(speed * 1e6 / 8 * busy / 100) if up else 0
        out_rate = in_rate // 3 if up else 0
        rows += [
            (f"{oids.IF_DESCR}.{index}", "4", port),
            (f"{oids.IF_TYPE}.{index}", "2", str(if_type)),
            (f"{oids.IF_SPEED}.{index}", "66", str(min(speed * 1_000_000, 4294967295))),
            (f"{oids.IF_ADMIN}.{index}", "2", "1"),
            (f"{oids.IF_OPER}.{index}", "2", "1" if up else "2"),
            (f"{oids.IF_IN_OCTETS}.{index}", "65:numeric", f"rate={in_rate},initial={h % 100000}"),
            (f"{oids.IF_IN_DISCARDS}.{index}", "65", "0"),
            (f"{oids.IF_IN_ERRORS}.{index}", "65", "0"),
            (f"{oids.IF_OUT_OCTETS}.{index}", "65:numeric", f"rate={out_rate},initial={h % 70000}"),
            (f"{oids.IF_OUT_DISCARDS}.{index}", "65", "0"),
            (f"{oids.IF_OUT_ERRORS}.{index}", "65", "0"),
            (f"{oids.IF_NAME}.{index}", "4", port),
            (f"{oids.IF_HC_IN}.{index}", "70:numeric", f"rate={in_rate},initial={h % 100000}"),
            (f"{oids.IF_HC_OUT}.{index}", "70:numeric", f"rate={out_rate},initial={h % 70000}"),
            (f"{oids.IF_HIGH_SPEED}.{index}", "66", str(speed)),
            (f"{oids.IF_ALIAS}.{index}", "4", "uplink" if index == uplink else ""),
        ]
    rows += (
        [
            (f"{oids.ENT_DESCR}.1", "4", f"{p.vendor} {model}"),
            (f"{oids.ENT_CLASS}.1", "2", str(oids.ENT_CLASS_CHASSIS)),
            (f"{oids.ENT_SOFTWARE}.1", "4", p.software),
            (f"{oids.ENT_SERIAL}.1", "4", _serial(seed)),
            (f"{oids.ENT_MFG}.1", "4", p.vendor),
            (f"{oids.ENT_MODEL}.1", "4", model),
        ]
        if profile_name not in ("server", "ups")
        else []
    )
    if p.host_resources:
        rows += [
            (
                f"{oids.HR_PROCESSOR_LOAD}.{196608 + n}",
                "2:numeric",
                f"function=sin,rate=0.01,scale=20,offset={30 + n * 5},min=0,max=100",
            )
            for n in range(4)
        ]
        storage = [
            (1, oids.HR_STORAGE_RAM, "Physical memory", 1024, 16 * 1024**2, 11 * 1024**2),
            (31, oids.HR_STORAGE_FIXED_DISK, "/", 4096, 120 * 1024**2 // 4, 61 * 1024**2 // 4),
            (
                36,
                oids.HR_STORAGE_FIXED_DISK,
                "/srv/share",
                4096,
                3800 * 1024**2 // 4,
                2900 * 1024**2 // 4,
            ),
        ]
        for index, kind, descr, units, size, used in storage:
            rows += [
                (f"{oids.HR_STORAGE_TYPE}.{index}", "6", kind),
                (f"{oids.HR_STORAGE_DESCR}.{index}", "4", descr),
                (f"{oids.HR_STORAGE_UNITS}.{index}", "2", str(units)),
                (f"{oids.HR_STORAGE_SIZE}.{index}", "2", str(size)),
                (f"{oids.HR_STORAGE_USED}.{index}", "2", str(used)),
            ]
    if p.ups:
        rows += [
            (oids.UPS_MFG, "4", "APC"),
            (oids.UPS_MODEL, "4", model),
            (oids.UPS_SOFTWARE, "4", p.software),
            (f"{oids.UPS}.1.4.0", "4", "AOS 7.0.4"),
            (oids.UPS_BATTERY_STATUS, "2", "2"),
            (oids.UPS_SECONDS_ON_BATTERY, "2", "0"),
            (oids.UPS_MINUTES_REMAINING, "2", str(35 + h % 30)),
            (oids.UPS_CHARGE, "2", str(90 + h % 11)),
            (oids.UPS_OUTPUT_SOURCE, "2", "3"),
        ]
    for n, (local, remote) in enumerate(neighbours, start=1):
        rows += [
            (f"{oids.LLDP_LOC_PORT_DESCR}.{n}", "4", local),
            (
                f"{oids.LLDP_REM_CHASSIS}.0.{n}.1",
                "4x",
                hashlib.md5(remote.encode()).hexdigest()[:12],
            ),
            (f"{oids.LLDP_REM_PORT_ID}.0.{n}.1", "4", "uplink"),
            (f"{oids.LLDP_REM_SYS_NAME}.0.{n}.1", "4", remote),
        ]
    return snmprec(rows)


def snmprec(rows) -> str:
    """Rows (oid, type, value) → .snmprec text, sorted the way agents walk."""
    ordered = sorted(rows, key=lambda r: tuple(int(x) for x in r[0].split(".")))
    return "".join(f"{oid}|{tag}|{value}\n" for oid, tag, value in ordered)


@dataclass(frozen=True)
class Agent:
    address: str
    text: str  # the .snmprec recording
    community: str
    port: int = 161


def community_for(prefix: str, address: str, port: int = 161) -> str:
    """A community of the device's own (at most 32 characters: snmpsim hashes longer ones)."""
    return f"{prefix}-{address}" + (f"-{port}" if port != 161 else "")


def write_data_dir(directory: Path, agents: list[Agent]) -> Path:
    data = directory / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    for agent in agents:
        (data / f"{agent.community}.snmprec").write_text(agent.text, encoding="utf-8")
    return data


def snmpsim_command() -> str | None:
    """The snmpsim responder installed next to this Python (the venv), else on PATH."""
    local = Path(sys.executable).with_name("snmpsim-command-responder")
    return str(local) if local.exists() else shutil.which("snmpsim-command-responder")


def start_snmpsim(
    directory: Path,
    agents: list[Agent],
    *,
    log_path: Path | None = None,
    wait: float = 30.0,
    prefix: Sequence[str] = (),
) -> subprocess.Popen:
    """Run snmpsim serving `agents`; returns once every endpoint listens (or raises)."""
    command = snmpsim_command()
    if command is None:
        raise RuntimeError("snmpsim is not installed (pip install snmpsim pysmi)")
    data = write_data_dir(directory, agents)
    log_path = log_path or directory / "snmpsim.log"
    argv = [
        *prefix,
        command,
        f"--data-dir={data}",
        f"--cache-dir={directory / 'cache'}",
        "--log-level=error",
    ]
    endpoints = sorted({(a.address, a.port) for a in agents})
    argv += [f"--agent-udpv4-endpoint={address}:{port}" for address, port in endpoints]
    if os.geteuid() == 0:
        # snmpsim drops to nobody by default; nobody cannot import a venv under /root.
        argv += ["--process-user=root", "--process-group=root"]
    log = log_path.open("wb")
    process = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    log.close()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"snmpsim exited: {log_path.read_text(errors='replace')[-2000:]}")
        if _listens(agents[-1]) and _listens(agents[0]) and _all_answer(agents, deadline):
            return process
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(
        f"snmpsim did not start within {wait:g} s: {log_path.read_text(errors='replace')[-2000:]}"
    )


def _listens(agent: Agent) -> bool:
    """Is anything listening on the agent's UDP port? (a bind check, no SNMP needed)"""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind((agent.address, agent.port))
        except OSError:
            return True
    return False


def _all_answer(agents: list[Agent], deadline: float) -> bool:
    """Ask every agent once over SNMP until all answer (or the deadline passes).

    snmpsim indexes a recording on the first request for it; on a busy machine the first round of
    a poller with a short timeout would otherwise meet agents that are still indexing."""
    pending = list(agents)
    with oids.SnmpCollector(timeout=2.0, retries=0) as collector:
        while pending and time.monotonic() < deadline:
            results = collector.poll(
                oids.SnmpTarget(
                    key=i,
                    address=a.address,
                    port=a.port,
                    credentials=oids.SnmpCredentials(version="2c", community=a.community),
                )
                for i, a in enumerate(pending)
            )
            answered = {r.key for r in results if r.ok}
            pending = [a for i, a in enumerate(pending) if i not in answered]
    return not pending


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
