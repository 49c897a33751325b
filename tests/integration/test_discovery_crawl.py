"""The discovery crawl against real SNMP agents on loopback: one snmpsim per device of a school
(tests/support/discovery_site.py: a router, two switches one behind the other, four APs, all with
LLDP tables that agree, and a Cisco switch that speaks only CDP), every agent on its own
127.40.1.x address with the same community, as one SNMP profile would reach a real site.

From the router alone the crawl finds all eight; the proposal names each one's kind and parent
with the ports as evidence; a second run over what the first stored proposes nothing; a
neighbour outside the allowed range is not visited; a silent seed costs its timeout only.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from collectors.discovery import crawl
from collectors.snmp import SnmpCollector, SnmpCredentials
from monitor.cli.main import main
from monitor.db.engine import transaction
from monitor.db.models import Device
from monitor.demo import agents as snmp_agents
from monitor.demo.agents import Agent
from monitor.discovery import proposal
from tests.conftest import add_device, add_site
from tests.support import discovery_site as site
from tests.support import snmp_agents as agents_support

COMMUNITY = "school-s012"
RANGE = "127.40.1.0/24"


@pytest.fixture(scope="module")
def agents(tmp_path_factory):
    """snmpsim picks a recording by community, not by the address asked: one process per device,
    all on the same port, so one community reaches every device as it would at a school."""
    agents_support.require_snmpsim()
    port = agents_support.free_udp_port(site.ROUTER.address)
    base = tmp_path_factory.mktemp("discovery-agents")

    def start(box):
        agent = Agent(box.address, site.recording(box), COMMUNITY, port)
        return snmp_agents.start_snmpsim(base / box.name, [agent])

    processes = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(start, box) for box in site.BOXES]
        try:
            for future in futures:
                processes.append(future.result())
        except BaseException:
            for future in futures:
                if future.done() and future.exception() is None:
                    snmp_agents.stop(future.result())
            raise
    yield port
    for process in processes:
        snmp_agents.stop(process)


@pytest.fixture
def collector():
    c = SnmpCollector(timeout=1.0, retries=1, max_concurrency=16)
    yield c
    c.close()


def run(collector, port, *, seeds=(site.ROUTER.address,), allowed=(RANGE,), **kw):
    return crawl(
        collector, list(seeds), list(allowed), SnmpCredentials("2c", COMMUNITY), port=port, **kw
    )


def test_crawl_from_the_router_finds_the_school_with_kinds_and_parents(agents, collector):
    result = run(collector, agents)
    assert result.stopped is None
    assert [f.address for f in result.found] == sorted(
        (b.address for b in site.BOXES), key=lambda a: int(a.rsplit(".", 1)[1])
    )
    assert all(f.state == "ok" for f in result.found), [(f.address, f.error) for f in result.found]

    plan = proposal.propose(result.found, site.ROUTER.address, [], [RANGE])
    assert plan.counts["new"] == 8
    by_address = {e.address: e.proposed for e in plan.entries}
    for box in site.BOXES:
        seen = by_address[box.address]
        assert seen.name == box.name
        assert seen.kind.kind == box.kind, (box.name, seen.kind)
        assert seen.placement.parent == box.parent, (box.name, seen.placement)

    # The evidence: the ports on both ends, and which protocol saw the link.
    sw2 = by_address[site.SW2.address].placement
    assert (sw2.local_port, sw2.parent_port, sw2.protocols) == ("24", "24", ("lldp",))
    ap3 = by_address[site.APS[2].address].placement
    assert (ap3.local_port, ap3.parent_port) == ("eth0", "3")
    cisco = by_address[site.CISCO.address].placement
    assert (cisco.local_port, cisco.parent_port, cisco.protocols) == ("Gi0/1", "ether5", ("cdp",))
    assert by_address[site.CISCO.address].kind.confidence == "high"  # CDP said "switch"
    assert by_address[site.SW1.address].vendor == "HPE"
    assert proposal.evidence(sw2, {e.address: e.proposed.name for e in plan.entries}) == (
        "sw2-s012 24 ↔ sw1-s012 24 (lldp)"
    )

    # What the first run would store, run again: nothing to propose.
    stored = [
        proposal.StoredDevice(
            id=n,
            name=e.proposed.name,
            address=e.address,
            kind=e.proposed.kind.kind.value,
            parent=e.proposed.placement.parent,
            model=e.proposed.model,
            discovered_fields=frozenset(proposal.FIELDS),
        )
        for n, e in enumerate(plan.entries, start=1)
    ]
    again = proposal.propose(run(collector, agents).found, site.ROUTER.address, stored, [RANGE])
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 8, "silent": 0}


def test_neighbours_outside_the_allowed_ranges_are_not_visited(agents, collector):
    # Only the router and the first switch's /31 are allowed: the rest is named, not visited.
    result = run(collector, agents, allowed=("127.40.1.0/31", "127.40.1.2/32"))
    assert {f.address for f in result.found} == {site.ROUTER.address, site.SW1.address}
    assert set(result.skipped) == {
        site.SW2.address,
        site.CISCO.address,
        site.APS[0].address,
        site.APS[1].address,
    }


def test_the_address_bound_stops_the_crawl_and_says_so(agents, collector):
    result = run(collector, agents, max_addresses=3)
    assert len(result.found) == 3 and result.stopped == "max_addresses"


def test_a_silent_seed_is_proposed_as_other_and_the_rest_still_found(agents, collector):
    quiet = SnmpCollector(timeout=0.3, retries=0, max_concurrency=16)
    try:
        # 127.40.1.99 has no agent: its timeout, then the crawl goes on from the router.
        result = run(quiet, agents, seeds=("127.40.1.99", site.ROUTER.address))
    finally:
        quiet.close()
    states = {f.address: f.state for f in result.found}
    assert states["127.40.1.99"] == "timeout"
    assert sum(1 for s in states.values() if s == "ok") == 8
    plan = proposal.propose(result.found, site.ROUTER.address, [], [RANGE])
    silent = next(e for e in plan.entries if e.address == "127.40.1.99").proposed
    assert (silent.kind.kind, silent.name, silent.placement.reason) == (
        "other",
        "127.40.1.99",
        "not_connected",
    )


def test_the_deadline_stops_the_crawl_inside_a_wave_and_says_so(agents):
    """A first wave holding a silent address would last its timeout, longer than the whole
    deadline: the wave is cut at the deadline, the silent address left out, the router kept,
    its neighbours not visited."""
    quiet = SnmpCollector(timeout=2.0, retries=0, max_concurrency=16)
    try:
        result = run(quiet, agents, seeds=("127.40.1.99", site.ROUTER.address), deadline_s=1.0)
    finally:
        quiet.close()
    assert result.stopped == "deadline"
    assert {f.address for f in result.found} == {site.ROUTER.address}


def test_a_wrong_community_is_a_state_not_a_crash(agents, collector):
    result = crawl(
        collector,
        [site.ROUTER.address],
        [RANGE],
        SnmpCredentials("2c", "wrong"),
        port=agents,
        deadline_s=30,
    )
    assert [(f.address, f.state) for f in result.found] == [(site.ROUTER.address, "timeout")]


# -- the command line --------------------------------------------------------------------------


@pytest.fixture
def cli(db, settings, tmp_path):
    config = tmp_path / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "{settings.database.url}"\n'
        f'[paths]\ndata_dir = "{settings.paths.data_dir}"\n'
        "[snmp]\ntimeout = 1.0\nretries = 1\n",
        encoding="utf-8",
    )

    def run(*args: str):
        return CliRunner().invoke(
            main, ["--config", str(config), *args], env={"ICTMON_SNMP_COMMUNITY": COMMUNITY}
        )

    return run


def test_ictmon_discover_prints_the_proposal_and_writes_nothing(agents, cli, db):
    made = cli("snmp", "profile", "schools", "--version", "2c", "--port", str(agents))
    assert made.exit_code == 0, made.output
    with transaction(db) as s:
        school = add_site(s, "S012")
        router = add_device(s, school, "เราเตอร์", site.ROUTER.address, "router")
        # A person hung ap4 on the router: kept, the links' answer shown for review.
        add_device(s, school, "AP ห้องสมุด", site.APS[3].address, "ap", parent=router)
    with db() as s:
        before = s.scalar(select(func.count()).select_from(Device))

    # Loopback answers ping at every address of the /24: the sweep is tried in
    # tests/integration/test_discovery_survey.py, inside a namespace of its own.
    out = cli("discover", "--site", "S012", RANGE, "--no-sweep", "--language", "en")
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert "  new 6, changed 2, silent 0, unchanged 0" in lines
    assert any(
        line.startswith("new       sw2-s012 127.40.1.3 switch (high: capabilities bridge)")
        and "under sw1-s012 (port 24 ↔ 24, lldp)" in line
        for line in lines
    ), out.output
    assert any(
        "lib-c2960 127.40.1.20 switch" in line and "port Gi0/1 ↔ ether5, cdp" in line
        for line in lines
    ), out.output
    assert (
        "          parent: เราเตอร์ → sw2-s012 [review (a person's value)] "
        "AP ห้องสมุด eth0 ↔ sw2-s012 4 (lldp)"
    ) in lines
    assert "          model: — → RB4011iGS+ [apply]" in lines  # an empty field is filled
    assert lines[-1] == "nothing written: this is a proposal"
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Device)) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--site", "S999", RANGE), "no site with code 'S999'"),
        (("--site", "S012", "127.40.0.0/16"), "more than the 4096 one run may visit"),
        (("--site", "S012", RANGE, "127.40.1.128/25"), "ranges overlap"),
        (("--site", "S012", RANGE, "--seed", "127.40.2.1"), "outside the ranges given"),
        (("--site", "S012", RANGE, "--no-sweep"), "the site has no router inside the ranges"),
        (
            ("--site", "S012", "127.40.2.0/24"),
            "outside the site's allowed ranges (127.40.1.0/24, 127.40.3.0/24)",
        ),
        (("--site", "S012", RANGE, "--snmp-profile", "nope"), "no SNMP profile named 'nope'"),
        (("--site", "S012", RANGE, "--max-addresses", "100"), "more than the 100 one run"),
        (("--site", "S012", "127.40.1.0/33"), "not an address range"),
    ],
)
def test_ictmon_discover_refuses_bad_requests_before_sending_anything(cli, db, args, message):
    assert cli("snmp", "profile", "schools", "--version", "2c").exit_code == 0
    with transaction(db) as s:
        add_site(s, "S012").address_ranges = "127.40.1.0/24, 127.40.3.0/24"
    out = cli("discover", *args)
    assert out.exit_code != 0 and message in out.output, out.output


def test_ictmon_discover_needs_an_snmp_profile(cli, db):
    with transaction(db) as s:
        add_site(s, "S012")
    out = cli("discover", "--site", "S012", RANGE, "--seed", site.ROUTER.address)
    assert out.exit_code != 0 and "no SNMP profile yet" in out.output
