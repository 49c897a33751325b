"""Sites, devices and credential profiles changed one at a time or in bulk (monitor.devices.admin,
monitor.devices.profiles), on SQLite and PostgreSQL: the importer's checks, nothing written on
error, secrets write-only, loops refused, the audit log filled by itself."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from monitor.db import audit
from monitor.db.models import AuditEvent, Device, Site, SnmpProfile, SshAccess
from monitor.devices import admin, profiles
from monitor.devices.import_preview import plan_import
from monitor.devices.importer import _rows_from_table, csv_table, import_rows
from monitor.secrets import Vault
from tests.conftest import add_device, add_site


@pytest.fixture
def vault(settings):
    return Vault.from_settings(settings)


@pytest.fixture
def tree(any_db):
    """OFFICE/core ← S01/router ← S01/switch; ids by name."""
    with any_db.begin() as s:
        office, school = add_site(s, "OFFICE", "สำนักงาน"), add_site(s, "S01", "โรงเรียนหนึ่ง")
        core = add_device(s, office, "core", "127.0.0.1")
        router = add_device(s, school, "router", "127.0.1.1", parent=core)
        switch = add_device(s, school, "switch", "127.0.1.2", "switch", parent=router)
        return {
            "core": core.id,
            "router": router.id,
            "switch": switch.id,
            "office": office.id,
            "s01": school.id,
        }


def snapshot(db):
    """Everything a failed change must leave as it was."""
    with db() as s:
        devices = [
            (
                d.id,
                d.site_id,
                d.name,
                d.address,
                d.kind,
                d.parent_id,
                d.enabled,
                d.model,
                d.purchase_date,
                d.ssh_password,
                d.snmp_community,
            )
            for d in s.scalars(select(Device).order_by(Device.id))
        ]
        sites = [
            (x.id, x.code, x.name, x.enabled) for x in s.scalars(select(Site).order_by(Site.id))
        ]
        return devices, sites


NEW = {"site": "S01", "name": "ap-1", "address": "127.1.1.5", "kind": "ap"}


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("address", "10.0.0.300", "'10.0.0.300' is not an IP address or host name"),
        ("kind", "toaster", "unknown kind 'toaster'"),
        ("snmp_port", "70000", "'70000' is not a port number (1-65535)"),
        ("ssh_port", "abc", "'abc' is not a port number"),
        ("snmp_version", "4", "unknown SNMP version '4'"),
        ("purchase_date", "31/02/2567", "'31/02/2567' is not a real date"),
        ("warranty_end", "next year", "'next year' is not a date"),
        ("enabled", "perhaps", "'perhaps' is not yes or no"),
        ("site", "S99", "no site with code 'S99'"),
        ("site", "", "required"),
        ("name", "", "required"),
        ("name", "router", "a device named 'router' already exists in site S01"),
        ("parent", "nowhere", "parent 'nowhere' is not a device in this file or in the database"),
        ("parent_id", 999999, "no device with id 999999"),
        ("model", "x" * 201, "is longer than 200 characters"),
        ("colour", "blue", "unknown field"),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_written(any_db, tree, vault, field, value, message):
    before = snapshot(any_db)
    with any_db() as s:
        with pytest.raises(admin.Invalid) as caught:
            admin.create_device(s, {**NEW, field: value}, vault)
        s.commit()
    assert message in caught.value.errors[field]
    assert snapshot(any_db) == before


def test_every_bad_field_is_reported_at_once(any_db, tree, vault):
    with any_db() as s, pytest.raises(admin.Invalid) as caught:
        admin.create_device(
            s, {**NEW, "address": "300.1.1.1", "kind": "fridge", "eol_date": "2567-13-01"}, vault
        )
    assert set(caught.value.errors) == {"address", "kind", "eol_date"}
    assert "address: '300.1.1.1'" in str(caught.value)


def test_a_new_device_missing_required_fields_names_each_of_them(any_db, tree, vault):
    # An API script that leaves keys out must hear which, with the other fields' errors too.
    with any_db() as s, pytest.raises(admin.Invalid) as caught:
        admin.create_device(s, {"site": "S01", "kind": "fridge"}, vault)
    # No address is not an error: such a device is an asset of the register that is not polled.
    assert caught.value.errors == {"name": "required", "kind": caught.value.errors["kind"]}
    assert "fridge" in caught.value.errors["kind"]


def test_a_new_device_takes_buddhist_era_dates_and_a_parent_in_another_site(any_db, tree, vault):
    with any_db() as s:
        device = admin.create_device(
            s,
            {
                **NEW,
                "parent": "OFFICE/core",
                "purchase_date": "31/05/2567",
                "warranty_end": "2570-05-31",
                "enabled": True,
            },
            vault,
        )
        s.commit()
        device_id = device.id
    with any_db() as s:
        device = s.get(Device, device_id)
        assert (device.purchase_date, device.warranty_end) == (date(2024, 5, 31), date(2027, 5, 31))
        assert device.parent_id == tree["core"]
        assert device.site.code == "S01" and device.enabled


def test_a_parent_loop_is_refused(any_db, tree, vault):
    before = snapshot(any_db)
    with any_db() as s, pytest.raises(admin.Invalid) as caught:
        admin.update_device(s, tree["router"], {"parent_id": tree["switch"]}, vault)
    assert caught.value.errors["parent_id"] == "parent loop: S01/router → S01/switch → S01/router"
    with any_db() as s, pytest.raises(admin.Invalid) as caught:
        admin.update_device(s, tree["core"], {"parent": "S01/switch"}, vault)
    assert "parent loop" in caught.value.errors["parent"]
    assert snapshot(any_db) == before


def test_renaming_a_device_keeps_its_children_and_still_sees_loops(any_db, tree, vault):
    with any_db() as s, pytest.raises(admin.Invalid) as caught:
        admin.update_device(s, tree["router"], {"name": "gateway", "parent_id": tree["switch"]})
    assert "S01/gateway → S01/switch → S01/gateway" in caught.value.errors["parent_id"]
    with any_db() as s:
        admin.update_device(s, tree["router"], {"name": "gateway"})
        s.commit()
    with any_db() as s:
        assert s.get(Device, tree["switch"]).parent.name == "gateway"


def test_only_the_keys_given_change_and_an_empty_field_clears_it(any_db, tree, vault):
    with any_db() as s:
        admin.update_device(s, tree["switch"], {"model": "SG350", "serial": "X1"}, vault)
        s.commit()
    with any_db() as s:
        admin.update_device(s, tree["switch"], {"serial": ""}, vault)
        s.commit()
    with any_db() as s:
        switch = s.get(Device, tree["switch"])
        assert (switch.model, switch.serial, switch.address) == ("SG350", None, "127.0.1.2")
        assert switch.parent_id == tree["router"]


def test_secrets_are_kept_when_left_empty_cleared_when_asked_never_returned(any_db, tree, vault):
    with any_db() as s:
        admin.update_device(
            s, tree["router"], {"ssh_password": "s3cret!", "snmp_community": "public-xyz"}, vault
        )
        s.commit()
    with any_db() as s:
        admin.update_device(
            s, tree["router"], {"ssh_password": "", "snmp_community": "", "model": "ISR"}, vault
        )
        s.commit()
    with any_db() as s:
        router = s.get(Device, tree["router"])
        assert vault.decrypt(router.ssh_password) == "s3cret!"
        assert vault.decrypt(router.snmp_community) == "public-xyz"
        shown = admin.public_fields(s, router)
        assert shown["has_ssh_password"] and shown["has_snmp_community"]
        assert "s3cret!" not in repr(shown) and "public-xyz" not in repr(shown)
        assert "ssh_password" not in shown and "snmp_community" not in shown
    with any_db() as s:
        admin.update_device(s, tree["router"], {"clear_ssh_password": "yes"}, vault)
        s.commit()
    with any_db() as s:
        router = s.get(Device, tree["router"])
        assert router.ssh_password is None
        assert vault.decrypt(router.snmp_community) == "public-xyz"


def test_a_new_secret_and_a_clear_flag_together_are_refused(any_db, tree, vault):
    with any_db() as s, pytest.raises(admin.Invalid) as caught:
        admin.update_device(
            s, tree["router"], {"ssh_password": "new-one", "clear_ssh_password": True}, vault
        )
    assert "not both" in caught.value.errors["ssh_password"]
    assert "new-one" not in str(caught.value)


def test_changes_are_audited_with_secrets_masked(any_db, tree, vault):
    with any_db() as s:
        audit.act_as(s, audit.Actor("somchai"))
        admin.update_device(s, tree["router"], {"ssh_password": "hunter22", "model": "ISR"}, vault)
        s.commit()
    with any_db() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.object_type == "device")).one()
    assert (event.actor, event.action, event.object_id) == (
        "somchai",
        "update",
        str(tree["router"]),
    )
    assert event.changes["model"] == [None, "ISR"]
    assert event.changes["ssh_password"] == [None, audit.SECRET]
    assert "hunter22" not in repr(event.changes)


def test_profiles_are_chosen_from_existing_ones(any_db, tree, vault):
    with any_db() as s:
        snmp = profiles.save_snmp_profile(
            s, None, {"name": "schools", "version": "2c", "community": "c0mm"}, vault
        )
        ssh = profiles.save_ssh_profile(
            s, None, {"name": "switches", "username": "backup", "password": "pw"}, vault
        )
        admin.update_device(
            s, tree["switch"], {"snmp_profile_id": str(snmp.id), "ssh_profile_id": ssh.id}
        )
        s.commit()
        ids = snmp.id, ssh.id
    with any_db() as s:
        assert s.get(Device, tree["switch"]).snmp_profile_id == ids[0]
        assert s.get(SshAccess, tree["switch"]).profile_id == ids[1]
        with pytest.raises(admin.Invalid) as caught:
            admin.update_device(s, tree["switch"], {"snmp_profile_id": 4242})
        assert caught.value.errors == {"snmp_profile_id": "no profile with id 4242"}


# --- sites ----------------------------------------------------------------------------------------


def test_sites_are_created_renamed_and_disabled(any_db, tree):
    with any_db() as s:
        site = admin.create_site(s, {"code": "S02", "name": "โรงเรียนสอง"})
        s.commit()
        admin.update_site(s, site.id, {"code": "S002", "enabled": "no"})
        s.commit()
    with any_db() as s:
        site = s.scalars(select(Site).where(Site.code == "S002")).one()
        assert (site.name, site.enabled) == ("โรงเรียนสอง", False)


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"code": "S 01", "name": "x"}, "code", "must not contain spaces or '/'"),
        ({"code": "S01", "name": "x"}, "code", "a site with code 'S01' already exists"),
        ({"code": "S09", "name": ""}, "name", "required"),
        ({"name": "x"}, "code", "required"),
    ],
)
def test_a_bad_site_is_refused(any_db, tree, data, field, message):
    before = snapshot(any_db)
    with any_db() as s, pytest.raises(admin.Invalid) as caught:
        admin.create_site(s, data)
    assert message in caught.value.errors[field]
    assert snapshot(any_db) == before


# --- bulk -----------------------------------------------------------------------------------------


def test_bulk_parent_with_a_loop_is_refused_naming_the_device(any_db, tree):
    before = snapshot(any_db)
    with any_db() as s, pytest.raises(admin.Invalid) as caught:
        admin.set_parent(s, [tree["core"], tree["router"]], tree["switch"])
    # core would hang below the loop but is not in it: only router is named.
    assert caught.value.errors == {
        "S01/router": "parent loop: S01/router → S01/switch → S01/router"
    }
    assert snapshot(any_db) == before


def test_bulk_move_with_a_name_clash_is_refused_and_nothing_moves(any_db, tree):
    with any_db.begin() as s:
        add_device(s, s.get(Site, tree["office"]), "switch", "127.0.0.9", "switch")
    before = snapshot(any_db)
    with any_db() as s, pytest.raises(admin.Invalid) as caught:
        admin.move_to_site(s, [tree["router"], tree["switch"]], tree["office"])
    assert caught.value.errors == {"S01/switch": "site OFFICE already has a device named 'switch'"}
    assert snapshot(any_db) == before


def test_bulk_disable_writes_one_audit_row_per_changed_device(any_db, tree):
    with any_db() as s:
        audit.act_as(s, audit.Actor("somchai"))
        admin.set_enabled(s, [tree["router"]], False)
        s.commit()
        changed = admin.set_enabled(s, [tree["router"], tree["switch"]], False)
        s.commit()
    assert [d.id for d in changed] == [tree["switch"]]
    with any_db() as s:
        rows = s.execute(
            select(AuditEvent.object_id, AuditEvent.changes)
            .where(AuditEvent.object_type == "device")
            .order_by(AuditEvent.id)
        ).all()
        assert not s.get(Device, tree["router"]).enabled
    assert [r[0] for r in rows] == [str(tree["router"]), str(tree["switch"])]
    assert rows[0][1]["enabled"] == [True, False]


def test_parent_loops_is_pure_and_finds_only_real_loops():
    tree = {1: None, 2: 1, 3: 2}
    assert admin.parent_loops(tree, {1: 3}) == {1: [1, 3, 2, 1]}
    assert admin.parent_loops(tree, {3: 1}) == {}
    assert admin.parent_loops(tree, {2: 2}) == {2: [2, 2]}


# --- credential profiles --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"name": "v3", "version": "3"}, "v3_user", "required for SNMPv3"),
        (
            {
                "name": "v3",
                "version": "3",
                "v3_user": "u",
                "v3_auth_protocol": "SHA",
                "v3_auth_key": "short",
            },
            "v3_auth_key",
            "at least 8 characters",
        ),
        (
            {
                "name": "v3",
                "version": "3",
                "v3_user": "u",
                "v3_priv_protocol": "AES",
                "v3_priv_key": "longenough",
            },
            "v3_priv_protocol",
            "needs an authentication protocol",
        ),
        (
            {"name": "v3", "version": "3", "v3_user": "u", "v3_auth_protocol": "ROT13"},
            "v3_auth_protocol",
            "unknown protocol 'ROT13'",
        ),
        ({"name": "v2", "version": "2c"}, "community", "required for SNMP v1/v2c"),
        ({"name": "", "version": "2c", "community": "x"}, "name", "required"),
    ],
)
def test_a_bad_snmp_profile_is_refused(any_db, vault, data, field, message):
    with any_db() as s, pytest.raises(admin.Invalid) as caught:
        profiles.save_snmp_profile(s, None, data, vault)
    assert message in caught.value.errors[field]
    with any_db() as s:
        assert s.scalar(select(func.count()).select_from(SnmpProfile)) == 0


def test_a_v3_profile_keeps_its_keys_when_edited_without_them(any_db, vault):
    with any_db() as s:
        row = profiles.save_snmp_profile(
            s,
            None,
            {
                "name": "schools-v3",
                "version": "3",
                "v3_user": "monitor",
                "v3_auth_protocol": "sha",
                "v3_auth_key": "authkey123",
                "v3_priv_protocol": "AES",
                "v3_priv_key": "privkey123",
            },
            vault,
        )
        s.commit()
        profiles.save_snmp_profile(
            s, row.id, {"v3_user": "monitor2", "v3_auth_key": "", "v3_priv_key": ""}, vault
        )
        s.commit()
    with any_db() as s:
        row = s.scalars(select(SnmpProfile)).one()
        assert (row.v3_user, row.v3_auth_protocol) == ("monitor2", "SHA")
        assert vault.decrypt(row.v3_priv_key) == "privkey123"
        listed = profiles.profile_rows(s)
    assert listed[0].secrets == ("v3_auth_key", "v3_priv_key")
    assert "authkey123" not in repr(listed) and "privkey123" not in repr(listed)


def test_a_profile_in_use_is_not_deleted_and_says_by_how_many(any_db, tree, vault):
    with any_db() as s:
        row = profiles.save_ssh_profile(s, None, {"name": "switches", "password": "pw"}, vault)
        for name in ("router", "switch"):
            admin.update_device(s, tree[name], {"ssh_profile_id": row.id})
        s.commit()
        with pytest.raises(admin.Invalid) as caught:
            profiles.delete_ssh_profile(s, row.id)
        assert "used by 2 devices" in caught.value.errors["profile"]
        admin.update_device(s, tree["router"], {"ssh_profile_id": None})
        admin.update_device(s, tree["switch"], {"ssh_profile_id": ""})
        profiles.delete_ssh_profile(s, row.id)
        s.commit()
        assert profiles.profile_rows(s) == []


# --- the import's preview -------------------------------------------------------------------------


def test_the_preview_counts_what_the_import_then_does(any_db, tree, vault):
    text = (
        "site,site_name,name,address,kind,parent,model\n"
        "S01,โรงเรียนหนึ่ง,router,127.0.1.1,router,OFFICE/core,ISR\n"
        "S01,โรงเรียนหนึ่ง,switch,127.0.1.2,switch,router,\n"
        "S02,โรงเรียนสอง,router,127.0.2.1,router,OFFICE/core,\n"
    )
    header, rows = _rows_from_table("x.csv", csv_table(text))
    with any_db() as s:
        plan = plan_import(s, header, rows, vault)
    assert [(d.name, d.action, d.changes) for d in plan.devices] == [
        ("router", "update", ("model",)),
        ("switch", "unchanged", ()),
        ("router", "create", ()),
    ]
    assert import_rows(any_db, header, rows, vault) == plan.report
