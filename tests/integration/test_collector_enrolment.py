"""The central's side of edge collectors on SQLite and PostgreSQL: creating one for some sites,
its single-use enrolment code, enrolment, revocation, tokens, and the configuration it pulls
(its own sites' devices only, no uplink, credentials only where they may go)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from monitor.db.models import AuditEvent, Collector, CollectorSite, Device, SnmpProfile
from monitor.edge import assignment, enrolment, protocol
from monitor.edge.config import config_document
from monitor.secrets import Vault
from tests.conftest import NOW, add_device, add_site

HOURS = 24.0


def district(s):
    """The office core; school S012 (router on the WAN, a switch and an AP inside); S013."""
    office = add_site(s, "OFFICE", "Office")
    core = add_device(s, office, "core", "127.0.0.1")
    s012 = add_site(s, "S012", "School twelve")
    router = add_device(s, s012, "s012-router", "127.0.12.1", parent=core)
    switch = add_device(s, s012, "s012-sw", "127.0.12.2", "switch", parent=router)
    ap = add_device(s, s012, "s012-ap", "127.0.12.3", "access_point", parent=switch)
    s013 = add_site(s, "S013", "School thirteen")
    other = add_device(s, s013, "s013-sw", "127.0.13.2", "switch")
    return {"router": router.id, "switch": switch.id, "ap": ap.id, "other": other.id}


def created(factory, name="S012-pi", sites=("S012",), now=NOW):
    with factory.begin() as s:
        issued = enrolment.create_collector(s, name, sites, now=now, enrolment_hours=HOURS)
        return issued.collector.id, issued.code


def enrol(factory, code, now=NOW + timedelta(minutes=5)):
    with factory.begin() as s:
        return enrolment.enrol(
            s, protocol.EnrolRequest(code, "pi-s012", "1.0"), now=now, address="127.0.0.9"
        )


def refused(factory, code, now=NOW + timedelta(minutes=5)) -> enrolment.CollectorError:
    with factory() as s, s.begin(), pytest.raises(enrolment.CollectorError) as caught:
        enrolment.enrol(s, protocol.EnrolRequest(code, "pi"), now=now)
        # What the route does: the refusal's audit row is committed, nothing else.
    return caught.value


def audit_actions(factory) -> list[str]:
    with factory() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_enrolment_gives_a_token_that_authenticates_and_is_stored_only_as_a_hash(any_db):
    with any_db.begin() as s:
        district(s)
    collector_id, code = created(any_db)
    answer = enrol(any_db, code)
    assert answer.name == "S012-pi" and answer.sites == ("S012",)
    assert answer.token.startswith(protocol.TOKEN_PREFIX)
    with any_db() as s:
        row = s.get(Collector, collector_id)
        assert row.token_hash == enrolment.digest(answer.token)
        assert answer.token not in (row.token_hash, row.enrolment_code_hash)
        assert row.hostname == "pi-s012" and row.enrolled_at is not None
        found = enrolment.authenticate(s, f"Bearer {answer.token}")
        assert found.collector is not None and found.collector.id == collector_id
    assert audit_actions(any_db) == ["create", "enrol"]


def test_an_expired_code_is_refused_and_only_the_refusal_is_written(any_db):
    with any_db.begin() as s:
        district(s)
    collector_id, code = created(any_db)
    error = refused(any_db, code, now=NOW + timedelta(hours=HOURS, seconds=1))
    assert error.code == "expired" and error.status == 403
    assert "expired" in str(error)
    with any_db() as s:
        assert s.get(Collector, collector_id).token_hash is None
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "enrol_refused")).one()
        assert event.changes["reason"] == "expired"
        assert code not in str(event.changes)


def test_a_code_works_once(any_db):
    with any_db.begin() as s:
        district(s)
    _, code = created(any_db)
    first = enrol(any_db, code)
    error = refused(any_db, code)
    assert error.code == "used" and "used already" in str(error)
    with any_db() as s:  # the first token still works
        assert enrolment.authenticate(s, f"Bearer {first.token}").collector is not None


def test_an_unknown_code_is_refused(any_db):
    error = refused(any_db, "no-such-code")
    assert error.code == "unknown" and str(error) == "unknown enrolment code"
    assert audit_actions(any_db) == ["enrol_refused"]


def test_a_new_code_replaces_the_old_and_re_enrolment_replaces_the_token(any_db):
    with any_db.begin() as s:
        district(s)
    collector_id, old_code = created(any_db)
    first = enrol(any_db, old_code)
    with any_db.begin() as s:
        issued = enrolment.issue_code(
            s, s.get(Collector, collector_id), now=NOW, enrolment_hours=HOURS
        )
    assert refused(any_db, old_code).code == "unknown"
    second = enrol(any_db, issued.code)
    with any_db() as s:
        assert enrolment.authenticate(s, f"Bearer {first.token}").collector is None
        assert enrolment.authenticate(s, f"Bearer {second.token}").collector is not None


def test_a_site_has_one_collector(any_db):
    with any_db.begin() as s:
        district(s)
    created(any_db)
    with any_db() as s, pytest.raises(enrolment.CollectorError) as caught:
        enrolment.create_collector(s, "other-pi", ["S013", "S012"], now=NOW, enrolment_hours=HOURS)
    assert caught.value.code == "site_taken"
    assert "S012 is measured by collector 'S012-pi'" in str(caught.value)
    for name, sites, code in [
        ("S012-pi", ["S013"], "name_taken"),
        ("bad name!", ["S013"], "name"),
        ("x", ["NOPE"], "no_site"),
        ("x", [], "no_sites"),
    ]:
        with any_db() as s, pytest.raises(enrolment.CollectorError) as caught:
            enrolment.create_collector(s, name, sites, now=NOW, enrolment_hours=HOURS)
        assert caught.value.code == code


def test_revoking_refuses_the_token_and_a_new_collector_takes_the_sites(any_db):
    with any_db.begin() as s:
        district(s)
    collector_id, code = created(any_db)
    token = enrol(any_db, code).token
    with any_db.begin() as s:
        enrolment.revoke(s, s.get(Collector, collector_id), now=NOW)
    with any_db() as s:
        found = enrolment.authenticate(s, f"Bearer {token}")
        assert found.collector is None and "revoked" in found.refusal
        # The school's inside stays with the revoked collector (unknown), not with the office,
        # which cannot reach it behind NAT.
        assert set(assignment.measured_by(s).values()) == {collector_id}
    new_id, _ = created(any_db, "S012-pi-2")  # a new collector takes the site over
    with any_db() as s:
        assert s.scalar(select(func.count()).select_from(CollectorSite)) == 1
        assert set(assignment.measured_by(s).values()) == {new_id}
    assert audit_actions(any_db)[-2:] == ["revoke", "create"]


def test_a_user_token_or_garbage_is_no_collector(any_db):
    with any_db() as s:
        for header in (None, "", "Bearer", "Basic abc", "Bearer plain-user-token", "Bearer ictc_x"):
            assert enrolment.authenticate(s, header).collector is None


def test_the_config_holds_only_the_collectors_sites_inside_devices(any_db, settings):
    with any_db.begin() as s:
        ids = district(s)
    collector_id, _ = created(any_db)
    with any_db() as s:
        document = config_document(s, s.get(Collector, collector_id), settings, _vault(settings))
    by_name = {d.name: d for d in document.devices}
    # The router hangs from the office's core: the office measures it over the WAN.
    assert sorted(by_name) == ["s012-ap", "s012-sw"]
    assert by_name["s012-sw"].parent is None  # its parent (the router) is not the collector's
    assert by_name["s012-ap"].parent == ids["switch"]
    assert document.sites == ("S012",) and document.collector == "S012-pi"
    assert document.ping.interval == settings.ping.interval
    assert document.push_interval == settings.collector.push_interval
    # What goes over the wire parses back into the same document.
    assert protocol.parse_config(json.loads(json.dumps(document.to_json()))) == document


def test_credentials_go_to_the_collector_of_their_device_only_and_never_while_held(
    any_db, settings
):
    vault = _vault(settings)
    with any_db.begin() as s:
        ids = district(s)
        profile = SnmpProfile(
            name="schools", version="2c", community=vault.encrypt("s3cret"), created_at=NOW
        )
        s.add(profile)
        s.flush()
        s.get(Device, ids["switch"]).snmp_profile_id = profile.id
        s.get(Device, ids["other"]).snmp_profile_id = profile.id
        ap = s.get(Device, ids["ap"])
        ap.snmp_version, ap.snmp_community = "2c", vault.encrypt("ap-community")
        ap.credentials_held_at, ap.credentials_held_for = NOW, "address"
    twelve, _ = created(any_db)
    thirteen, _ = created(any_db, "S013-pi", ("S013",))
    with any_db() as s:
        doc12 = config_document(s, s.get(Collector, twelve), settings, vault)
        doc13 = config_document(s, s.get(Collector, thirteen), settings, vault)
    snmp12 = {d.name: d.snmp for d in doc12.devices}
    assert snmp12["s012-sw"] is not None and snmp12["s012-sw"].community == "s3cret"
    assert snmp12["s012-ap"] is None  # held: an admin has not confirmed its new address
    assert [(d.name, d.snmp.community if d.snmp else None) for d in doc13.devices] == [
        ("s013-sw", "s3cret")
    ]
    assert "s3cret" not in repr(doc12)


def test_the_etag_moves_with_the_configuration_only(any_db, settings):
    with any_db.begin() as s:
        ids = district(s)
    collector_id, _ = created(any_db)
    vault = _vault(settings)

    def etag():
        with any_db() as s:
            return config_document(s, s.get(Collector, collector_id), settings, vault).etag

    first = etag()
    assert etag() == first
    with any_db.begin() as s:
        s.get(Device, ids["ap"]).address = "127.0.12.30"
    assert etag() != first


def _vault(settings) -> Vault:
    return Vault.from_settings(settings)
