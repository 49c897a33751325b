"""Confirming a discovery run: what it writes, what it keeps, what it refuses.

The school of tests/support/discovery_site.py (a router, two switches one behind the other, four
APs, a Cisco switch that speaks only CDP) is fed as the crawl's own rows, so the database side is
tested without agents; `ictmon discover --confirm` at the end runs against real snmpsim agents.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from collectors.discovery import Crawl
from monitor.cli.main import main
from monitor.db import audit
from monitor.db.engine import transaction
from monitor.db.models import AuditEvent, Device, DeviceDiscovery, NetworkChange, SnmpProfile
from monitor.discovery import apply
from monitor.snmp import discover, discovery_runs
from tests.conftest import NOW, add_device, add_site
from tests.support import discovery_site as site
from tests.support.discovery_agents import COMMUNITY, school_agents

RANGE = "127.40.1.0/24"
ACTOR = audit.Actor("somchai")


@pytest.fixture
def school(db):
    with transaction(db) as s:
        s.add(SnmpProfile(name="schools", version="2c", created_at=NOW))
        school = add_site(s, "S012")
        add_device(s, school, "เราเตอร์", site.ROUTER.address, "router")
    return db


def run_found(db, found, root=site.ROUTER.address) -> int:
    """A discovery run of S012 whose crawl found `found`: begun, proposed, not confirmed."""
    request = discover.Request("S012", (RANGE,), (root,))
    with transaction(db) as s:
        audit.act_as(s, ACTOR)
        run_id = discovery_runs.begin(s, request, "somchai", NOW).id
    outcome = discover.Outcome("S012", root, Crawl(tuple(found)), None)  # type: ignore[arg-type]
    discovery_runs.record_outcome(db, run_id, outcome)
    return run_id


def confirm(db, run_id, chosen=None, **kw):
    with transaction(db) as s:
        audit.act_as(s, ACTOR)
        return apply.confirm(s, run_id, chosen, now=NOW + timedelta(hours=1), actor="somchai", **kw)


def tree(db) -> dict[str, str | None]:
    with db() as s:
        devices = s.scalars(select(Device)).all()
        return {d.name: d.parent.name if d.parent else None for d in devices}


def test_confirm_writes_the_new_devices_with_their_parents_and_audits_it(school):
    rows = site.moved(site.site(), address=site.ROUTER.address, model="RB4011iGS+")
    written = confirm(school, run_found(school, rows))
    # The router a person typed had no model: discovery fills it in.
    assert written.counts == {"created": 7, "updated": 1, "parents_changed": 0, "silent": 0}
    assert tree(school) == {
        "เราเตอร์": None,
        "sw1-s012": "เราเตอร์",
        "sw2-s012": "sw1-s012",
        "ap1-s012": "sw1-s012",
        "ap2-s012": "sw1-s012",
        "ap3-s012": "sw2-s012",
        "ap4-s012": "sw2-s012",
        "lib-c2960": "เราเตอร์",
    }
    with school() as s:
        sw2 = s.scalar(select(Device).where(Device.name == "sw2-s012"))
        assert (sw2.address, sw2.kind, sw2.snmp_profile_id) == (site.SW2.address, "switch", 1)
        seen = s.get(DeviceDiscovery, sw2.id)
        assert seen.parent_evidence == "sw2-s012 24 ↔ sw1-s012 24 (lldp)"
        assert (seen.kind, seen.confidence, seen.sys_name) == ("switch", "high", "sw2-s012")
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        created = [e for e in events if e.object_type == "device" and e.action == "create"]
        assert len(created) == 7 and {e.actor for e in created} == {"somchai"}
        whole = [e for e in events if e.action == "discovery_confirm"]
        assert len(whole) == 1 and whole[0].changes["created"] == [None, 7]
        changes = s.scalars(select(NetworkChange).order_by(NetworkChange.id)).all()
        assert {(c.device_name, c.change, c.new_parent) for c in changes} >= {
            ("sw2-s012", "new", "sw1-s012"),
            ("lib-c2960", "new", "เราเตอร์"),
        }


def test_a_second_run_after_confirming_proposes_nothing(school):
    confirm(school, run_found(school, site.site()))
    again = run_found(school, site.site())
    with school() as s:
        run = s.get(apply.DiscoveryRun, again)
        assert run.counts == {"new": 0, "changed": 0, "unchanged": 8, "silent": 0}


def test_a_moved_ap_is_one_changed_parent_and_confirming_moves_it(school):
    confirm(school, run_found(school, site.site()))
    ap4 = site.APS[3]
    links = tuple(
        (site.SW1, "7", ap4, "eth0", site.LLDP) if link[2] is ap4 else link for link in site.LINKS
    )
    run_id = run_found(school, site.site(links))
    with school() as s:
        run = s.get(apply.DiscoveryRun, run_id)
        assert run.counts["changed"] == 1
        entry = next(e for e in run.proposal["entries"] if e["status"] == "changed")
        assert entry["name"] == "ap4-s012"
        assert entry["changes"] == [
            {
                "field": "parent",
                "stored": site.SW2.address,
                "proposed": site.SW1.address,
                "action": "apply",
                "evidence": "ap4-s012 eth0 ↔ sw1-s012 7 (lldp)",
            }
        ]
    written = confirm(school, run_id)
    assert written.parents_changed == (("ap4-s012", "sw2-s012", "sw1-s012"),)
    assert tree(school)["ap4-s012"] == "sw1-s012"
    with school() as s:
        moved = s.scalars(
            select(NetworkChange).where(NetworkChange.change == "parent_changed")
        ).all()
        assert [(m.device_name, m.old_parent, m.new_parent) for m in moved] == [
            ("ap4-s012", "sw2-s012", "sw1-s012")
        ]


def test_a_change_not_ticked_is_not_applied(school):
    confirm(school, run_found(school, site.site()))
    ap4 = site.APS[3]
    links = tuple(
        (site.SW1, "7", ap4, "eth0", site.LLDP) if link[2] is ap4 else link for link in site.LINKS
    )
    written = confirm(school, run_found(school, site.site(links)), chosen=set())
    assert written.parents_changed == ()
    assert tree(school)["ap4-s012"] == "sw2-s012"


def test_what_people_typed_is_kept(school):
    with transaction(school) as s:
        router = s.scalar(select(Device).where(Device.name == "เราเตอร์"))
        ap = add_device(s, router.site, "AP ห้องสมุด", site.APS[3].address, "ap", parent=router)
        ap.model = "UAP รุ่นที่ครูพิมพ์"
    run_id = run_found(school, site.site())
    with school() as s:
        entry = next(
            e for e in s.get(apply.DiscoveryRun, run_id).proposal["entries"]
            if e["address"] == site.APS[3].address
        )  # fmt: skip
        assert {c["field"]: c["action"] for c in entry["changes"]} == {"parent": "review"}
    confirm(school, run_id)
    with school() as s:
        ap = s.scalar(select(Device).where(Device.address == site.APS[3].address))
        assert (ap.name, ap.parent.name, ap.model) == ("AP ห้องสมุด", "เราเตอร์", "UAP รุ่นที่ครูพิมพ์")


def test_new_only_leaves_stored_devices_alone(school):
    rows = site.moved(site.site(), address=site.ROUTER.address, model="RB4011iGS+")
    written = confirm(school, run_found(school, rows), new_only=True)
    assert written.counts["created"] == 7 and written.updated == ()
    with school() as s:
        assert s.scalar(select(Device.model).where(Device.name == "เราเตอร์")) is None


def test_a_stale_proposal_is_refused_and_writes_nothing(school):
    run_id = run_found(school, site.site())
    with transaction(school) as s:
        s.scalar(select(Device).where(Device.name == "เราเตอร์")).name = "r-office"
    with pytest.raises(apply.ConfirmRefused, match="changed since this run"):
        confirm(school, run_id)
    assert set(tree(school)) == {"r-office"}


def test_a_run_is_confirmed_once(school):
    run_id = run_found(school, site.site())
    confirm(school, run_id)
    with pytest.raises(apply.ConfirmRefused, match="confirmed already"):
        confirm(school, run_id)


def test_a_silent_device_is_kept_listed_and_recorded_once(school):
    confirm(school, run_found(school, site.site()))
    quiet = [f for f in site.site() if f.address != site.APS[0].address]
    written = confirm(school, run_found(school, quiet))
    assert written.silent == ("ap1-s012",)
    confirm(school, run_found(school, quiet))
    with school() as s:
        assert s.scalar(select(Device).where(Device.name == "ap1-s012")) is not None
        gone = s.scalars(select(NetworkChange).where(NetworkChange.change == "gone_silent")).all()
        assert [g.device_name for g in gone] == ["ap1-s012"]


def test_a_range_outside_the_sites_ranges_is_refused(school):
    with transaction(school) as s:
        router = s.scalar(select(Device).where(Device.name == "เราเตอร์"))
        router.site.address_ranges = "127.40.1.0/25"
    request = discover.Request("S012", ("127.40.1.128/25",))
    with transaction(school) as s, pytest.raises(discover.DiscoveryError, match="outside the site"):
        discovery_runs.begin(s, request, "somchai", NOW)


# -- the command line, against real agents ---------------------------------------------------


@pytest.fixture(scope="module")
def agents(tmp_path_factory):
    with school_agents(tmp_path_factory.mktemp("confirm-agents")) as port:
        yield port


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


def test_ictmon_discover_confirm_writes_the_school_and_a_rerun_proposes_nothing(agents, cli, db):
    assert (
        cli("snmp", "profile", "schools", "--version", "2c", "--port", str(agents)).exit_code == 0
    )
    with transaction(db) as s:
        add_device(s, add_site(s, "S012"), "เราเตอร์", site.ROUTER.address, "router")

    # Without the ping sweep (every loopback address answers ping): the crawl from the router.
    out = cli("discover", "--site", "S012", RANGE, "--no-sweep", "--confirm")
    assert out.exit_code == 0, out.output
    assert "  created sw2-s012" in out.output.splitlines()
    assert "created 7, updated 1, parents changed 0, silent 0" in out.output
    assert tree(db)["ap3-s012"] == "sw2-s012"
    with db() as s:
        actors = {e.actor for e in s.scalars(select(AuditEvent)) if e.object_type == "device"}
        assert len(actors) == 1 and actors.pop().startswith("cli:")

    again = cli("discover", "--site", "S012", RANGE, "--no-sweep")
    assert "new 0, changed 0, silent 0, unchanged 8" in again.output, again.output
