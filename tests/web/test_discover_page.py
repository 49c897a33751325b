"""/manage/discover in the browser's place (Flask's test client): an operator starts a run against
real snmpsim agents on loopback, the run goes on in the web process's background thread, the
preview shows each device with its kind, how sure, and its parent's evidence; confirming writes
the ticked devices. Viewers are refused; the site form takes the address ranges discovery may
sweep."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from monitor.accounts.users import create_user
from monitor.db.engine import transaction
from monitor.db.models import AuditEvent, Device, DiscoveryRun, Site
from monitor.devices import profiles
from monitor.secrets import Vault
from tests.conftest import NOW, add_device, add_site
from tests.support import discovery_site as school
from tests.support.discovery_agents import COMMUNITY, school_agents
from tests.support.discovery_runs import RANGE, proposed_run
from tests.support.waiting import wait_until
from tests.web.conftest import PASSWORD, make_app, sign_in

RUN_URL = re.compile(r"/manage/discover/(\d+)$")
# The school's eight devices lie in .1-.20; every loopback address answers ping, so the 22 others
# of the /27 are "answers ping, SNMP refused".
SWEPT = "127.40.1.0/27"


@pytest.fixture(scope="module")
def agents(tmp_path_factory):
    with school_agents(tmp_path_factory.mktemp("page-agents")) as port:
        yield port


@pytest.fixture
def app(settings, db):
    settings = replace(settings, snmp=replace(settings.snmp, timeout=1.0, retries=1))
    with db.begin() as s:
        create_user(s, "officer", PASSWORD, role="operator")
        create_user(s, "viewer", PASSWORD, role="viewer")
        router = add_device(
            s, add_site(s, "S012", "โรงเรียนบ้านเขา"), "เราเตอร์", school.ROUTER.address
        )
        router.site.address_ranges = RANGE
    return make_app(settings, db)


@pytest.fixture
def operator(app):
    client = app.test_client()
    assert sign_in(client, "officer").status_code == 302
    return client


def make_profile(db, settings, port):
    with transaction(db) as s:
        profiles.save_snmp_profile(
            s,
            None,
            {"name": "schools", "version": "2c", "community": COMMUNITY, "port": str(port)},
            Vault.from_settings(settings),
        )


def start(client, **form):
    data = {"site": "S012", "ranges": SWEPT, "profile": "schools", "seed": ""} | form
    return client.post("/manage/discover", data=data)


def test_the_form_offers_the_sites_ranges(operator, db, settings):
    make_profile(db, settings, 161)
    page = operator.get("/manage/discover").get_data(as_text=True)
    assert f'name="ranges" id="discover-ranges" value="{RANGE}"' in page
    assert 'data-ranges="127.40.1.0/24"' in page and "<script" in page and "js/discover.js" in page
    assert 'href="/manage/discover"' in page  # the manage navigation links to it


def test_an_operator_discovers_previews_and_confirms(agents, operator, db, settings):
    make_profile(db, settings, agents)
    response = start(operator)
    assert response.status_code == 302, response.get_data(as_text=True)
    run_id = int(RUN_URL.search(response.headers["Location"]).group(1))

    def finished():
        status = operator.get(f"/manage/discover/{run_id}/status").get_json()
        return not status["running"] and status

    status = wait_until(finished, within=120, what="the discovery run to finish")
    assert status["state"] == "proposed" and status["counts"]["new"] == 7 + 22

    page = operator.get(f"/manage/discover/{run_id}").get_data(as_text=True)
    assert "ใหม่ 29" in page and "เปลี่ยนแปลง 1" in page  # the router's empty model is filled
    assert "sw2-s012 24 ↔ sw1-s012 24 (lldp)" in page
    assert "lib-c2960 Gi0/1 ↔ เราเตอร์ ether5 (cdp)" in page
    assert 'สวิตช์ · <span class="sure-high">มั่นใจ</span>' in page
    assert page.count("ตอบ ping แต่ไม่ตอบ SNMP") == 22
    assert page.count('name="pick"') == 30
    assert page.count('name="pick" value="127.40.1.5" form=') == 1  # not ticked
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Device)) == 1  # nothing written yet

    # Only the switches and one AP are ticked.
    picks = [school.SW1.address, school.SW2.address, school.APS[2].address]
    response = operator.post(f"/manage/discover/{run_id}/confirm", data={"pick": picks})
    assert response.status_code == 302
    after = operator.get(f"/manage/discover/{run_id}").get_data(as_text=True)
    assert "อุปกรณ์ใหม่ 3 รายการ" in after and 'id="discover-confirmed"' in after
    with db() as s:
        devices = {d.name: d for d in s.scalars(select(Device))}
        assert set(devices) == {"เราเตอร์", "sw1-s012", "sw2-s012", "ap3-s012"}
        assert devices["ap3-s012"].parent.name == "sw2-s012"
        assert devices["sw1-s012"].parent.name == "เราเตอร์"
        # An operator's new devices wait for an admin before the profile's secrets go to them.
        assert devices["sw2-s012"].credentials_held_at is not None
        assert devices["เราเตอร์"].model is None  # its change was not ticked
        actions = [(e.actor, e.action) for e in s.scalars(select(AuditEvent))]
        assert actions.count(("officer", "create")) == 3
        assert ("officer", "discovery_confirm") in actions
        assert ("officer", "discovery_start") in actions
    # Confirmed once only.
    again = operator.post(f"/manage/discover/{run_id}/confirm", data={"pick": picks})
    assert again.status_code == 409


def test_a_stale_proposal_is_refused_with_a_message(operator, db):
    with db.begin() as s:
        run_id = proposed_run(s, s.scalar(select(Site.id)), NOW)
    with db.begin() as s:
        s.scalar(select(Device)).name = "r-s012"  # someone renames the router meanwhile
    response = operator.post(f"/manage/discover/{run_id}/confirm", data={"pick": ["127.40.1.2"]})
    assert response.status_code == 409
    assert "changed since this run" in response.get_data(as_text=True)
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Device)) == 1


def test_a_range_outside_the_sites_ranges_is_refused_before_anything_runs(operator, db, settings):
    make_profile(db, settings, 161)
    response = start(operator, ranges="127.40.2.0/24")
    assert response.status_code == 400
    assert "outside the site&#39;s allowed ranges" in response.get_data(as_text=True)
    with db() as s:
        assert s.scalar(select(func.count()).select_from(DiscoveryRun)) == 0


def test_viewers_are_refused(app, db):
    with db.begin() as s:
        run_id = proposed_run(s, s.scalar(select(Site.id)), NOW)
    viewer = app.test_client()
    assert sign_in(viewer, "viewer").status_code == 302
    assert viewer.get("/manage/discover").status_code == 403
    assert viewer.get(f"/manage/discover/{run_id}").status_code == 403
    assert start(viewer).status_code == 403
    assert viewer.post(f"/manage/discover/{run_id}/confirm").status_code == 403


def test_the_preview_reads_in_english(operator, db):
    with db.begin() as s:
        run_id = proposed_run(s, s.scalar(select(Site.id)), NOW)
    page = operator.get(f"/manage/discover/{run_id}?lang=en").get_data(as_text=True)
    assert "New: 7" in page and "Parent: <b>sw1-s012</b>" in page
    assert 'Switch · <span class="sure-high">sure</span>' in page


def test_the_site_form_checks_and_keeps_the_address_ranges(operator, db):
    with db() as s:
        site_id = s.scalar(select(Site.id))
    bad = operator.post(
        f"/manage/sites/{site_id}/edit",
        data={
            "code": "S012",
            "name": "โรงเรียนบ้านเขา",
            "address_ranges": "10.40.12.0/24, 10.40.300.0/24",
        },
    )
    assert bad.status_code == 400
    assert "not an address range: &#39;10.40.300.0/24&#39;" in bad.get_data(as_text=True)
    good = operator.post(
        f"/manage/sites/{site_id}/edit",
        data={
            "code": "S012",
            "name": "โรงเรียนบ้านเขา",
            "address_ranges": "10.40.12.7/24; 10.40.13.0/24",
        },
    )
    assert good.status_code == 302
    with db() as s:
        assert s.get(Site, site_id).address_ranges == "10.40.12.0/24, 10.40.13.0/24"
