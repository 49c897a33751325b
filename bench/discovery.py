#!/usr/bin/env python3
"""Benchmark: one discovery run over a /22 (1,022 addresses) where 200 SNMP agents answer with
LLDP tables (a router, 4 core switches, 16 access switches, 179 APs in a tree), wall time and
CPU from the first ping to the proposal, beside the same work done by Net-SNMP's and fping's
command-line tools.

    .venv/bin/python bench/discovery.py [--agents 200] [--processes 2]

Needs root: everything runs inside a network namespace the bench creates, where the 822
addresses without an agent are silenced on the input hook (on the host's loopback every 127.x
address answers ping). Addresses 127.50.0.0/22, port 161; nothing leaves the machine.

Agents: snmpsim, one process per `--processes` share of the agents, each listening on its
agents' addresses. snmpsim picks a recording by the address a request arrived on only through
its transport-domain layout (data/<community>/<transport id>.snmprec), which its responders no
longer consult under pysnmp 7 (they override `handleMgmtOperation`, renamed
`handle_management_operation`): `--serve` starts snmpsim's own responder with that lookup put
back (the recording of the endpoint the request came in on), nothing else changed.

ictmon: collectors.discovery.survey (ping sweep at [discovery] rate 200/s, SNMP identify of
what answered, the LLDP/CDP crawl) + monitor.discovery.proposal, in this process; CPU is
time.process_time() over the run (all threads), so the agents' CPU is not counted. The stored-
device read of `monitor.snmp.discover.run` (one query on an empty site) is left out.

Reference: `fping -a -g RANGE` at the same rate (-i 5 ms, -r 0, -t 1000), then per answering
address one `snmpbulkwalk` per subtree ictmon reads (Net-SNMP walks one subtree per process):
the system group, entPhysicalModelName, LLDP-MIB (local and remote), CISCO-CDP-MIB's cache,
16 addresses at a time; CPU from getrusage(RUSAGE_CHILDREN). It only collects: it infers no
kinds, parents or proposal, and asks none of the vendor probes ictmon's system read makes.
Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support import discovery_site as site  # noqa: E402
from tests.support.netns import netns_problem, network_namespace  # noqa: E402

RANGE = "127.50.0.0/22"
COMMUNITY = "bench"
PORT = 161
SUBTREES = (
    "1.3.6.1.2.1.1",
    "1.3.6.1.2.1.47.1.1.1.1.13",
    "1.0.8802.1.1.2.1",
    "1.3.6.1.4.1.9.9.23.1.2.1",
)
TRANSPORT = "1.3.6.1.6.1.1"  # snmpsim's UDP/IPv4 transport domain; endpoint n is TRANSPORT.n
ROUTER_OID, SWITCH_OID, AP_OID = (
    "1.3.6.1.4.1.14988.1",
    "1.3.6.1.4.1.11.2.3.7.11.153",
    ("1.3.6.1.4.1.41112.1.6"),
)


# -- the network ---------------------------------------------------------------------------------


def network(count: int) -> tuple[tuple[site.Box, ...], tuple]:
    """A router, 4 core switches, 16 access switches, the rest APs, spread over the /22."""
    hosts = list(ipaddress.ip_network(RANGE).hosts())
    step = len(hosts) // count
    addresses = [str(hosts[i * step]) for i in range(count)]
    ports24 = tuple(str(n) for n in range(1, 25))
    router = site.Box(
        addresses[0], "r-bench", ROUTER_OID, "RouterOS CCR2004", 78,
        frozenset({"bridge", "router"}), 0, tuple(f"ether{n}" for n in range(1, 9)),
        kind="router",
    )  # fmt: skip
    boxes = [router]
    links = []
    cores = []
    for n in range(4):
        core = site.Box(
            addresses[1 + n], f"core{n + 1}", SWITCH_OID, "HP J9775A 2530-48G Switch", 2,
            frozenset({"bridge"}), 0, ports24, kind="switch", parent=router.address,
        )  # fmt: skip
        boxes.append(core)
        cores.append(core)
        links.append((router, f"ether{n + 2}", core, "24", site.LLDP))
    access = []
    for n in range(16):
        core = cores[n // 4]
        switch = site.Box(
            addresses[5 + n], f"sw{n + 1}", SWITCH_OID, "HP J9775A 2530-48G Switch", 2,
            frozenset({"bridge"}), 0, ports24, kind="switch", parent=core.address,
        )  # fmt: skip
        boxes.append(switch)
        access.append(switch)
        links.append((core, str(n % 4 + 1), switch, "24", site.LLDP))
    for n, address in enumerate(addresses[21:]):
        switch = access[n % 16]
        ap = site.Box(
            address, f"ap{n + 1}", AP_OID, "UAP-AC-Lite 6.5.28", 2,
            frozenset({"wlanAccessPoint"}), 0, ("eth0",), kind="ap", parent=switch.address,
        )  # fmt: skip
        boxes.append(ap)
        links.append((switch, str(n // 16 + 1), ap, "eth0", site.LLDP))
    return tuple(boxes), tuple(links)


def write_agents(base: Path, boxes, links, processes: int) -> list[tuple[Path, list[str]]]:
    """Per agent process: its data dir and its endpoints, in transport-id order."""
    shares = []
    for p in range(processes):
        mine = boxes[p::processes]
        data = base / f"agents{p}" / "data"
        (data / COMMUNITY).mkdir(parents=True)
        # The community must exist as a recording of its own for snmpsim to accept it.
        (data / f"{COMMUNITY}.snmprec").write_text(site.recording(mine[0], links, boxes))
        for n, box in enumerate(mine):
            text = site.recording(box, links, boxes)
            (data / COMMUNITY / f"{TRANSPORT}.{n}.snmprec").write_text(text)
        shares.append((data, [b.address for b in mine]))
    return shares


def serve() -> int:
    """snmpsim's responder, with the recording picked by the endpoint a request arrived on."""
    from pysnmp.entity.rfc3413 import cmdrsp
    from pysnmp.proto import rfc1902
    from snmpsim.commands import responder

    def routed(base):
        class Routed(base):
            def handle_management_operation(self, engine, state, context_name, pdu):
                request = engine.observer.get_execution_context("rfc3412.receiveMessage:request")
                domain = ".".join(str(x) for x in request["transportDomain"])
                name = rfc1902.OctetString(f"{COMMUNITY}/{domain}")
                try:
                    self.snmpContext.get_mib_instrum(name)
                except Exception:
                    name = context_name
                return base.handle_management_operation(self, engine, state, name, pdu)

        return Routed

    responder.GetCommandResponder = routed(cmdrsp.GetCommandResponder)
    responder.NextCommandResponder = routed(cmdrsp.NextCommandResponder)
    responder.BulkCommandResponder = routed(cmdrsp.BulkCommandResponder)
    sys.argv = ["snmpsim-command-responder", *sys.argv[2:]]
    return responder.main()


# -- inside the namespace -----------------------------------------------------------------------


def start_agents(shares, base: Path) -> list[subprocess.Popen]:
    processes = []
    for n, (data, addresses) in enumerate(shares):
        argv = [
            sys.executable,
            __file__,
            "--serve",
            f"--data-dir={data}",
            f"--cache-dir={data.parent / 'cache'}",
            "--log-level=error",
            "--process-user=root",
            "--process-group=root",
            *(f"--agent-udpv4-endpoint={a}:{PORT}" for a in addresses),
        ]
        log = (base / f"agents{n}.log").open("wb")
        processes.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT))
    return processes


def wait_for(addresses: list[str], seconds: float = 300.0) -> None:
    from collectors.snmp import SnmpCollector, SnmpCredentials, SnmpTarget

    pending = list(addresses)
    deadline = time.monotonic() + seconds
    with SnmpCollector(timeout=2.0, retries=0, max_concurrency=32) as collector:
        while pending and time.monotonic() < deadline:
            results = collector.poll(
                SnmpTarget(a, a, SnmpCredentials("2c", COMMUNITY), port=PORT) for a in pending
            )
            ok = {r.key for r in results if r.ok}
            pending = [a for a in pending if a not in ok]
    if pending:
        raise SystemExit(f"{len(pending)} agents did not answer, e.g. {pending[:3]}")


def run_ictmon(boxes) -> dict:
    from collectors.discovery import Profile, survey
    from collectors.snmp import SnmpCredentials
    from monitor.discovery import proposal
    from monitor.settings import Settings
    from monitor.snmp.discover import collector_for

    settings = Settings()
    collector = collector_for(settings.snmp)
    profiles = [Profile("bench", SnmpCredentials("2c", COMMUNITY), PORT)]
    try:
        wall0, cpu0 = time.monotonic(), time.process_time()
        crawl = survey(
            collector,
            [RANGE],
            [],
            profiles,
            max_addresses=settings.discovery.max_addresses,
            deadline_s=settings.discovery.deadline,
            rate=settings.discovery.rate,
        )
        root = proposal.choose_root(crawl.found) or ""
        plan = proposal.propose(crawl.found, root, [], [RANGE])
        wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
    finally:
        collector.close()
    by_address = {e.address: e.proposed for e in plan.entries}
    right = sum(
        1
        for b in boxes
        if (p := by_address.get(b.address)) is not None
        and p.kind.kind == b.kind
        and p.placement.parent == b.parent
    )
    return {
        "wall": wall,
        "cpu": cpu,
        "answered_ping": len(crawl.answered_ping),
        "found_ok": sum(1 for f in crawl.found if f.state == "ok"),
        "kind_and_parent_right": right,
        "stopped": crawl.stopped,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_reference() -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall0 = time.monotonic()
    swept = subprocess.run(
        ["fping", "-a", "-q", "-i", "5", "-r", "0", "-t", "1000", "-g", RANGE],
        capture_output=True,
        text=True,
        timeout=600,
    )
    alive = swept.stdout.split()

    def walk(address: str) -> int:
        rows = 0
        for oid in SUBTREES:
            done = subprocess.run(
                [
                    "snmpbulkwalk",
                    "-v2c",
                    "-c",
                    COMMUNITY,
                    "-t",
                    "1",
                    "-r",
                    "1",
                    "-On",
                    address,
                    oid,
                ],
                capture_output=True,
                text=True,
                timeout=60,
                env={**os.environ, "MIBS": "", "MIBDIRS": "/nonexistent"},
            )
            rows += done.stdout.count("\n")
        return rows

    with ThreadPoolExecutor(max_workers=16) as pool:
        rows = sum(pool.map(walk, alive))
    wall = time.monotonic() - wall0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "answered_ping": len(alive), "rows": rows}


def inside(count: int, processes: int) -> int:
    boxes, links = network(count)
    with tempfile.TemporaryDirectory(prefix="ictmon-bench-disc-") as tmp:
        base = Path(tmp)
        shares = write_agents(base, boxes, links, processes)
        agents = start_agents(shares, base)
        try:
            started = time.monotonic()
            wait_for([b.address for b in boxes])
            ready = time.monotonic() - started
            ictmon = run_ictmon(boxes)
            reference = run_reference()
        finally:
            for process in agents:
                process.terminate()
            for process in agents:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
    print(json.dumps({"agents_ready_s": ready, "ictmon": ictmon, "reference": reference}))
    return 0


# -- outside: the namespace ------------------------------------------------------------------------


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        return serve()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2, help="snmpsim processes")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        return inside(args.agents, args.processes)
    problem = netns_problem()
    if problem:
        raise SystemExit(f"needs network namespaces: {problem}")
    boxes, _ = network(args.agents)
    agents = {b.address for b in boxes}
    silent = [str(a) for a in ipaddress.ip_network(RANGE).hosts() if str(a) not in agents]
    with network_namespace("ictmon-bench-disc") as ns:
        ns.silence(*silent)
        done = ns.run(
            [sys.executable, __file__, "--inside", "--agents", str(args.agents),
             "--processes", str(args.processes)],
            cwd=str(REPO),
            timeout=1200,
        )  # fmt: skip
    report = json.loads(done.stdout.strip().splitlines()[-1])
    ictmon, reference = report["ictmon"], report["reference"]
    print(
        f"discovery of {RANGE} (1,022 addresses, {args.agents} SNMP agents with LLDP, "
        f"{len(silent)} silent); agents ready after {report['agents_ready_s']:.1f} s"
    )
    print(f"{'':28}{'wall s':>9}{'CPU s':>9}  answered ping  result")
    print(
        f"{'ictmon discover (proposal)':28}{ictmon['wall']:9.2f}{ictmon['cpu']:9.2f}"
        f"  {ictmon['answered_ping']:13}  {ictmon['found_ok']} identified, "
        f"{ictmon['kind_and_parent_right']} with kind and parent right"
        + (f", stopped: {ictmon['stopped']}" if ictmon["stopped"] else "")
    )
    print(
        f"{'fping -g + snmpbulkwalk':28}{reference['wall']:9.2f}{reference['cpu']:9.2f}"
        f"  {reference['answered_ping']:13}  {reference['rows']} var-binds walked, no proposal"
    )
    print(
        f"ratio ictmon / reference: wall {ictmon['wall'] / reference['wall']:.2f}, "
        f"CPU {ictmon['cpu'] / max(reference['cpu'], 1e-9):.2f}; "
        f"targets: wall <= 60 s, CPU <= 30 s; ictmon peak RSS {ictmon['maxrss_mb']:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
