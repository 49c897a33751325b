"""The whole discovery run (`ictmon discover`: ping sweep, SNMP profiles in turn, LLDP/CDP crawl)
inside a network namespace of the test's own, where only the school's agents answer: the other
addresses of 127.40.1.0/27 are silenced on the input hook, so they time out as empty addresses
of a real school do (on the host's loopback every 127.x address answers ping).

The school of tests/support/discovery_site.py (a router, two switches one behind the other, four
APs with LLDP, a Cisco that speaks only CDP), one snmpsim process per device, plus a printer-ish
box at 127.40.1.30 whose agent wants another community: it answers ping, not our SNMP.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from monitor.cli.main import main
from monitor.db.engine import transaction
from monitor.db.models import Device, Site
from monitor.demo import agents as snmp_agents
from monitor.demo.agents import Agent, snmprec
from tests.conftest import NOW, add_site
from tests.support import discovery_site as site
from tests.support import snmp_agents as agents_support
from tests.support.netns import NetNS, netns_problem, network_namespace
from tests.support.requirements import require

pytestmark = pytest.mark.netns

COMMUNITY = "school-s012"
PORT = 16161
RANGE = "127.40.1.0/27"
REFUSER = "127.40.1.30"  # answers ping; its agent wants another community
REPO = str(Path(__file__).resolve().parents[2])

# A neighbour table after ap4 was moved from sw2 port 4 to sw1 port 7.
MOVED_LINKS = tuple(
    (site.SW1, "7", b, b_port, protocol) if b is site.APS[3] else (a, a_port, b, b_port, protocol)
    for a, a_port, b, b_port, protocol in site.LINKS
)

# Runs inside the namespace: one discovery run, its proposal as JSON (what the page shows).
RUN = textwrap.dedent("""
    import json, sys
    from monitor.db import engine as dbmod
    from monitor.secrets import Vault
    from monitor.settings import load_settings
    from monitor.snmp import discover
    settings = load_settings(sys.argv[1])
    request = discover.Request(**json.loads(sys.argv[2]))
    sessions = dbmod.session_factory(dbmod.make_engine(settings.database.url))
    collector = discover.collector_for(settings.snmp)
    try:
        outcome = discover.run(sessions, Vault.from_settings(settings), request, collector)
    finally:
        collector.close()
    print(json.dumps({
        "root": outcome.root, "cut_short": outcome.cut_short, "profiles": outcome.profiles,
        "answered_ping": list(outcome.answered_ping), "counts": outcome.proposal.counts,
        "entries": [
            {"status": e.status.value, "address": e.address,
             "name": e.proposed.name if e.proposed else None,
             "kind": e.proposed.kind.kind.value if e.proposed else None,
             "model": e.proposed.model if e.proposed else None,
             "parent": e.proposed.placement.parent if e.proposed else None,
             "profile": e.proposed.profile if e.proposed else None,
             "note": e.proposed.note if e.proposed else None,
             "changes": [[c.field, c.stored, c.proposed, c.action.value] for c in e.changes]}
            for e in outcome.proposal.entries
        ],
    }))
""")

READY = textwrap.dedent("""
    import json, sys
    from collectors.snmp import SnmpCollector, SnmpCredentials, SnmpTarget
    pending = json.loads(sys.argv[1])
    with SnmpCollector(timeout=1.0, retries=0) as c:
        for _ in range(30):
            results = c.poll(SnmpTarget(a, a, SnmpCredentials("2c", community), port=int(sys.argv[2]))
                             for a, community in pending)
            ok = {r.key for r in results if r.ok}
            pending = [p for p in pending if p[0] not in ok]
            if not pending:
                sys.exit(0)
    sys.exit(1)
""")


def _refuser_recording() -> str:
    return snmprec(
        [
            ("1.3.6.1.2.1.1.1.0", "4", "Office printer"),
            ("1.3.6.1.2.1.1.5.0", "4", "printer"),
        ]
    )


@dataclass
class School:
    """The agents running in the namespace, one snmpsim process per address."""

    ns: NetNS
    base: Path
    processes: dict[str, object] = field(default_factory=dict)

    def start(self, boxes, links=site.LINKS) -> None:
        for box in boxes:
            self._start(box.address, site.recording(box, links), COMMUNITY)
        self.wait({b.address: COMMUNITY for b in boxes})

    def _start(self, address: str, text: str, community: str) -> None:
        old = self.processes.pop(address, None)
        if old is not None:
            snmp_agents.stop(old)  # type: ignore[arg-type]
        directory = self.base / address
        snmp_agents.write_data_dir(directory, [Agent(address, text, community, PORT)])
        argv = [
            snmp_agents.snmpsim_command(),
            f"--data-dir={directory / 'data'}",
            f"--cache-dir={directory / 'cache'}",
            "--log-level=error",
            "--process-user=root",
            "--process-group=root",
            f"--agent-udpv4-endpoint={address}:{PORT}",
        ]
        log = (directory / "snmpsim.log").open("wb")
        self.processes[address] = self.ns.popen(argv, stdout=log, stderr=log)

    def wait(self, communities: dict[str, str]) -> None:
        pending = json.dumps(sorted(communities.items()))
        done = self.ns.run(
            [sys.executable, "-c", READY, pending, str(PORT)], cwd=REPO, check=False, timeout=90
        )
        assert done.returncode == 0, "snmpsim did not answer in the namespace: " + done.stderr


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    problem = netns_problem()
    require(problem is None, problem or "")
    agents_support.require_snmpsim()
    base = tmp_path_factory.mktemp("survey-agents")
    with network_namespace("ictmon-disc") as ns:
        # Every address of the range but the devices' is an empty one: silent.
        devices = {b.address for b in site.BOXES} | {REFUSER}
        ns.silence(*(f"127.40.1.{n}" for n in range(1, 31) if f"127.40.1.{n}" not in devices))
        world = School(ns, base)
        world._start(REFUSER, _refuser_recording(), "not-our-community")
        world.start(site.BOXES)
        world.wait({REFUSER: "not-our-community"})
        yield world


@pytest.fixture
def config(db, settings, tmp_path):
    path = tmp_path / "ictmon.toml"
    path.write_text(
        f'[database]\nurl = "{settings.database.url}"\n'
        f'[paths]\ndata_dir = "{settings.paths.data_dir}"\n'
        "[snmp]\ntimeout = 1.0\nretries = 0\n",
        encoding="utf-8",
    )
    return path


def cli(config: Path, *args: str, community: str = COMMUNITY):
    return CliRunner().invoke(
        main, ["--config", str(config), *args], env={"ICTMON_SNMP_COMMUNITY": community}
    )


def profile(config: Path, name: str, community: str) -> None:
    made = cli(
        config, "snmp", "profile", name, "--version", "2c", "--port", str(PORT), community=community
    )
    assert made.exit_code == 0, made.output


def discover_json(school: School, config: Path, **request) -> dict:
    request = {"site_code": "S012", "ranges": [RANGE], **request}
    done = school.ns.run(
        [sys.executable, "-c", RUN, str(config), json.dumps(request)],
        cwd=REPO,
        timeout=180,
        env={**os.environ, "PYTHONPATH": REPO},
    )
    return json.loads(done.stdout)


def discover_cli(school: School, config: Path, *args: str) -> str:
    argv = [sys.executable, "-c", "from monitor.cli.main import main; main()"]
    done = school.ns.run(
        [*argv, "--config", str(config), "discover", "--site", "S012", *args],
        cwd=REPO,
        timeout=180,
        check=False,
        env={**os.environ, "PYTHONPATH": REPO},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def school_site(db):
    with transaction(db) as s:
        add_site(s, "S012").address_ranges = "127.40.1.0/24"


def by_address(report: dict) -> dict[str, dict]:
    return {e["address"]: e for e in report["entries"]}


# -- the tests -------------------------------------------------------------------------------


def test_from_an_empty_ictmon_the_sweep_finds_the_school_and_the_refuser(
    school, config, school_site
):
    profile(config, "schools", COMMUNITY)
    report = discover_json(school, config)
    # Nothing stored, no seed: the router the run found is the root.
    assert report["root"] == site.ROUTER.address
    assert report["cut_short"] is False
    assert set(report["answered_ping"]) == {b.address for b in site.BOXES} | {REFUSER}
    assert report["counts"] == {"new": 9, "changed": 0, "unchanged": 0, "silent": 0}
    found = by_address(report)
    for box in site.BOXES:
        entry = found[box.address]
        assert (entry["name"], entry["kind"], entry["parent"]) == (box.name, box.kind, box.parent)
        assert entry["profile"] == "schools" and entry["note"] is None
    refuser = found[REFUSER]
    assert (refuser["kind"], refuser["name"], refuser["profile"]) == ("other", REFUSER, None)
    assert refuser["note"] == "discovery.snmp_refused"


def test_the_cli_says_answers_ping_snmp_refused_in_thai_and_english(school, config, school_site):
    profile(config, "schools", COMMUNITY)
    english = discover_cli(school, config, RANGE, "--language", "en")
    line = next(x for x in english.splitlines() if f" {REFUSER} " in x)
    assert line.startswith(f"new       {REFUSER} {REFUSER} other")
    assert "answers ping, SNMP refused" in line
    assert "ping sweep: 9 of 30 answered" in english
    thai = discover_cli(school, config, RANGE)  # Thai is the default language
    assert "ตอบ ping แต่ไม่ตอบ SNMP" in next(x for x in thai.splitlines() if f" {REFUSER} " in x)


def test_two_profiles_where_only_the_second_answers_find_everything_with_the_second(
    school, config, school_site
):
    profile(config, "a-old-community", "retired-community")
    profile(config, "b-schools", COMMUNITY)
    report = discover_json(school, config)
    assert report["profiles"] == ["a-old-community", "b-schools"]
    found = by_address(report)
    assert {found[b.address]["profile"] for b in site.BOXES} == {"b-schools"}
    assert all(found[b.address]["kind"] == b.kind for b in site.BOXES)
    # Named alone, the first profile reaches nothing: every device answers ping only.
    only_first = by_address(discover_json(school, config, profile="a-old-community"))
    assert {e["note"] for e in only_first.values()} == {"discovery.snmp_refused"}


def test_a_range_with_silent_addresses_stops_at_its_deadline_and_says_so(
    school, config, school_site
):
    profile(config, "schools", COMMUNITY)
    # 21 silent addresses cost the sweep its 1 s ping timeout: longer than the whole deadline.
    report = discover_json(school, config, deadline_s=0.5)
    assert report["cut_short"] is True
    english = discover_cli(school, config, RANGE, "--deadline", "1", "--language", "en")
    assert "cut short by the deadline: what was found by then is proposed" in english
    assert english.splitlines()[-1] == "nothing written: this is a proposal"


def test_a_second_run_over_what_the_first_stored_proposes_nothing_and_a_moved_ap_one_parent(
    school, config, school_site, db
):
    profile(config, "schools", COMMUNITY)
    first = discover_json(school, config)
    _store(db, first)  # as confirming the first proposal would
    again = discover_json(school, config)
    # The refuser is stored but still refuses: shown as silent, nothing to change.
    assert again["counts"] == {"new": 0, "changed": 0, "unchanged": 8, "silent": 1}

    moved = (site.SW1, site.SW2, site.APS[3])
    school.start(moved, MOVED_LINKS)
    try:
        after = discover_json(school, config)
    finally:
        school.start(moved)
    assert after["counts"] == {"new": 0, "changed": 1, "unchanged": 7, "silent": 1}
    changed = next(e for e in after["entries"] if e["status"] == "changed")
    assert changed["address"] == site.APS[3].address
    assert changed["changes"] == [
        ["parent", site.SW2.address, site.SW1.address, "review"],
    ]


def _store(db, report: dict) -> None:
    """The first run's devices as rows (each one a person's: nothing records discovery's)."""
    with transaction(db) as s:
        school = s.scalar(select(Site).where(Site.code == "S012"))
        rows = {}
        for entry in report["entries"]:
            rows[entry["address"]] = Device(
                site_id=school.id,
                name=entry["name"],
                address=entry["address"],
                kind=entry["kind"],
                model=entry["model"],
                enabled=True,
                created_at=NOW,
                updated_at=NOW,
            )
            s.add(rows[entry["address"]])
        s.flush()
        for entry in report["entries"]:
            if entry["parent"]:
                rows[entry["address"]].parent_id = rows[entry["parent"]].id


def test_confirming_speaks_the_language_asked_and_a_later_move_is_applied_not_reviewed(
    school, config, school_site
):
    profile(config, "schools", COMMUNITY)
    confirmed = discover_cli(school, config, RANGE, "--confirm", "--language", "en")
    line = next(x for x in confirmed.splitlines() if f" {REFUSER} " in x)
    assert "answers ping, SNMP refused" in line  # the confirm path's notes in English too
    assert "created 8, updated 0, parents changed 0, silent 0" in confirmed

    moved = (site.SW1, site.SW2, site.APS[3])
    school.start(moved, MOVED_LINKS)
    try:
        printed = discover_cli(school, config, RANGE, "--language", "en")
    finally:
        school.start(moved)
    # Discovery wrote ap4's parent, so a print-only run may change it again: "apply".
    assert "parent: sw2-s012 → sw1-s012 [apply] ap4-s012 eth0 ↔ sw1-s012 7 (lldp)" in printed
    assert "review" not in printed
