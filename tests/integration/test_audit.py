"""The audit log: every change to an audited table is recorded with who, when, before → after,
in the change's own transaction, and never a secret (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import func, select

from monitor.db import audit
from monitor.db.models import AuditEvent, Device, PingSample, Site
from monitor.secrets import Vault
from tests.conftest import NOW, add_device, add_site
from tests.web.conftest import PASSWORD, make_app, sign_in

COMMUNITY = "s3cret-community"


def _events(factory) -> list[AuditEvent]:
    with factory() as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_create_update_delete_are_recorded_with_secrets_masked(any_db, settings):
    vault = Vault.from_settings(settings)
    with any_db.begin() as s:
        audit.act_as(s, audit.Actor("somchai", "127.0.0.9"))
        site = add_site(s, "S07", "โรงเรียนบ้านนา")
        device = add_device(s, site, "router", address="127.0.0.7")
        device.snmp_community = vault.encrypt(COMMUNITY)
        device.snmp_version = "2c"
    with any_db.begin() as s:
        audit.act_as(s, audit.Actor("somchai"))
        device = s.get(Device, device.id)
        device.name = "router-main"
        device.snmp_community = vault.encrypt("another-secret")
    with any_db.begin() as s:
        audit.act_as(s, audit.Actor("admin"))
        s.delete(s.get(Device, device.id))

    events = _events(any_db)
    # Each flush is recorded: the device was flushed, then given credentials in the same tx.
    assert [(e.actor, e.action, e.object_type) for e in events] == [
        ("somchai", "create", "site"),
        ("somchai", "create", "device"),
        ("somchai", "update", "device"),
        ("somchai", "update", "device"),
        ("admin", "delete", "device"),
    ]
    site_created, device_created, credentials_set, updated, deleted = events
    assert credentials_set.changes["snmp_community"] == [None, audit.SECRET]
    assert site_created.object_label == "S07 โรงเรียนบ้านนา"
    assert site_created.changes["name"] == [None, "โรงเรียนบ้านนา"]
    assert site_created.address == "127.0.0.9"
    assert device_created.changes["address"] == [None, "127.0.0.7"]
    assert updated.object_id == str(device.id)
    assert updated.changes["name"] == ["router", "router-main"]
    assert updated.changes["snmp_community"] == [audit.SECRET, audit.SECRET]
    assert "updated_at" not in updated.changes
    assert deleted.changes["name"] == ["router-main", None]
    everything = json.dumps([e.changes for e in events], ensure_ascii=False)
    assert COMMUNITY not in everything and "another-secret" not in everything
    assert "gAAAA" not in everything  # no Fernet ciphertext either


def test_unchanged_assignment_and_machine_sessions_leave_no_rows(any_db):
    with any_db.begin() as s:  # no actor: the poller, the rule engine
        site = add_site(s)
        add_device(s, site, "router")
    with any_db.begin() as s:
        audit.act_as(s, audit.Actor("somchai"))
        s.get(Site, site.id).name = s.get(Site, site.id).name  # same value: not a change
        s.add(PingSample(device_id=1, at=NOW, sent=1, received=1, rtt_avg_ms=1.0))  # not audited
    assert _events(any_db) == []


def test_a_rolled_back_change_leaves_no_audit_row(any_db):
    try:
        with any_db.begin() as s:
            audit.act_as(s, audit.Actor("somchai"))
            add_site(s)
            raise RuntimeError("the view failed after the change")
    except RuntimeError:
        pass
    assert _events(any_db) == []
    with any_db() as s:
        assert s.scalar(select(func.count()).select_from(Site)) == 0


def test_record_and_filter(any_db):
    with any_db.begin() as s:
        audit.act_as(s, audit.Actor("somchai", "127.0.0.5"))
        audit.record(
            s,
            "import",
            "devices",
            label="district.csv",
            changes={"created": [None, 12], "updated": [None, 3]},
        )
        add_site(s, "S01", "โรงเรียนหนึ่ง")
        audit.record(s, "login", "user", label="admin", actor=audit.Actor("admin"))
    with any_db() as s:
        assert [e.action for e in audit.events(s)] == ["login", "create", "import"]
        assert [e.action for e in audit.events(s, audit.AuditFilter(actor="somchai"))] == [
            "create",
            "import",
        ]
        only = audit.events(s, audit.AuditFilter(object_type="devices"))
        assert only[0].changes == {"created": [None, 12], "updated": [None, 3]}
        assert [e.object_label for e in audit.events(s, audit.AuditFilter(q="หนึ่ง"))] == [
            "S01 โรงเรียนหนึ่ง"
        ]
        assert audit.events(s, audit.AuditFilter(q="%")) == []  # a wildcard is just a character


def test_a_change_through_the_web_names_the_signed_in_user_and_address(settings, db):
    from monitor.accounts.users import create_user

    with db.begin() as s:
        create_user(s, "officer", PASSWORD, role="operator")
        site = add_site(s)
        device = add_device(s, site, "switch", kind="switch")
    client = make_app(settings, db).test_client()
    sign_in(client)
    answer = client.post(
        f"/inventory/{device.id}/edit",
        data={"model": "Catalyst 2960", "serial": "FOC123", "snmp_profile": "keep"},
    )
    assert answer.status_code == 302
    [event] = [e for e in _events(db) if e.object_type == "device"]
    assert (event.actor, event.action, event.address) == ("officer", "update", "127.0.0.1")
    assert event.changes["model"] == [None, "Catalyst 2960"]


def test_an_import_from_the_command_line_is_recorded_as_cli(settings, db, tmp_path, monkeypatch):
    from monitor.cli.main import main

    csv = tmp_path / "district.csv"
    csv.write_text(
        "site,site_name,name,address,kind,parent\nS01,โรงเรียนหนึ่ง,router,127.0.0.11,router,\n",
        encoding="utf-8",
    )
    config = tmp_path / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "{settings.database.url}"\n'
        f'[paths]\ndata_dir = "{settings.paths.data_dir}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("USER", "somchai")
    monkeypatch.setenv("LOGNAME", "somchai")
    result = CliRunner().invoke(main, ["--config", str(config), "import", str(csv)])
    assert result.exit_code == 0, result.output
    actors = {(e.actor, e.object_type) for e in _events(db)}
    assert ("cli:somchai", "site") in actors and ("cli:somchai", "device") in actors
