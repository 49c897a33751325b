"""Importing sites and devices into a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.db.models import Device, DeviceState, Site
from monitor.devices.importer import (
    ImportRejected,
    ImportReport,
    import_file,
    import_rows,
    read_rows,
)
from monitor.secrets import Vault
from tests.conftest import add_device, add_site

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "devices.example.csv"
HEADER = "site,site_name,name,address,kind,parent"


@pytest.fixture
def vault(settings):
    return Vault.from_settings(settings)


def write_csv(tmp_path, *lines, name="devices.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def counts(db):
    with db() as session:
        return (
            session.scalar(select(func.count()).select_from(Site)),
            session.scalar(select(func.count()).select_from(Device)),
        )


def device(db, site_code, name) -> Device:
    with db() as session:
        return session.scalars(
            select(Device).join(Site).where(Site.code == site_code, Device.name == name)
        ).one()


def parent_of(db, site_code, name) -> tuple[str, str] | None:
    with db() as session:
        child = session.scalars(
            select(Device).join(Site).where(Site.code == site_code, Device.name == name)
        ).one()
        if child.parent is None:
            return None
        return child.parent.site.code, child.parent.name


def test_example_district_imports_with_parents_across_sites(any_db, vault):
    report = import_file(any_db, EXAMPLE, vault)

    assert report == ImportReport(
        sites_created=3, sites_updated=0, devices_created=14, devices_updated=0
    )
    with any_db() as session:
        sites = {s.code: s.name for s in session.scalars(select(Site))}
    assert sites == {
        "OFFICE": "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษา เขต 1",
        "S001": "โรงเรียนบ้านหนองบัว",
        "S002": "โรงเรียนวัดป่าสามัคคี",
    }
    assert parent_of(any_db, "OFFICE", "core-router") is None
    assert parent_of(any_db, "OFFICE", "core-sw") == ("OFFICE", "firewall")
    assert parent_of(any_db, "S001", "router") == ("OFFICE", "core-sw")
    assert parent_of(any_db, "S002", "router") == ("OFFICE", "core-sw")
    assert parent_of(any_db, "S002", "ap-1") == ("S002", "sw-2")
    assert parent_of(any_db, "S001", "ap-library") == ("S001", "sw-1")

    router = device(any_db, "S001", "router")
    assert (router.kind, router.address, router.snmp_version, router.ssh_port) == (
        "router",
        "10.20.1.1",
        "2c",
        22,
    )
    assert router.purchase_date == date(2024, 5, 15)  # written 15/05/2567
    assert router.created_at.tzinfo == UTC and router.updated_at == router.created_at
    assert device(any_db, "S002", "ap-old").enabled is False
    assert device(any_db, "S002", "ap-1").snmp_port is None


def test_import_does_not_create_device_states(any_db, vault):
    import_file(any_db, EXAMPLE, vault)
    with any_db() as session:
        assert session.scalar(select(func.count()).select_from(DeviceState)) == 0


def test_parent_already_in_the_database(any_db, vault, tmp_path):
    with any_db.begin() as session:
        office = add_site(session, "OFFICE", "สำนักงานเขต")
        add_device(session, office, "core-sw", kind="switch")
    path = write_csv(tmp_path, HEADER, "S001,โรงเรียนบ้านหนองบัว,router,10.20.1.1,router,core-sw")

    import_file(any_db, path, vault)

    assert parent_of(any_db, "S001", "router") == ("OFFICE", "core-sw")


def test_child_listed_before_its_parent_gets_the_right_parent(any_db, vault, tmp_path):
    path = write_csv(
        tmp_path,
        HEADER,
        "S001,รร.,ap-1,10.0.0.3,ap,sw-1",
        "S001,รร.,sw-1,10.0.0.2,switch,router",
        "S001,รร.,router,10.0.0.1,router,",
    )

    import_file(any_db, path, vault)

    assert parent_of(any_db, "S001", "ap-1") == ("S001", "sw-1")
    assert parent_of(any_db, "S001", "sw-1") == ("S001", "router")


def test_bad_rows_are_all_listed_and_nothing_is_written(any_db, vault, tmp_path):
    path = write_csv(
        tmp_path,
        HEADER,
        "S001,รร.,router,10.0.0.1,router,",
        "S001,รร.,sw-1,10.0.0.300,switch,router",
        "S001,รร.,sw-2,10.0.0.3,swich,router",
        "S002,รร.2,router,10.0.1.1,router,core",
        "S002,รร.2,router,10.0.1.2,router,",
    )

    with pytest.raises(ImportRejected) as rejected:
        import_file(any_db, path, vault)

    assert [e.line for e in rejected.value.errors] == [3, 4, 5, 6]
    assert str(rejected.value).startswith("4 errors, nothing imported\nline 3, address:")
    assert counts(any_db) == (0, 0)


def test_rejected_file_leaves_existing_devices_untouched(any_db, vault, tmp_path):
    import_file(any_db, EXAMPLE, vault)
    before = counts(any_db)
    path = write_csv(
        tmp_path,
        HEADER,
        "S001,โรงเรียนบ้านหนองบัว,router,10.99.0.1,router,",  # a good change
        "S003,โรงเรียนใหม่,router,10.99.3.1,router,OFFICE/core-sw",  # a good new one
        "S003,โรงเรียนใหม่,sw-1,10.99.3.2,switch,sw-9",
    )  # unknown parent

    with pytest.raises(ImportRejected) as rejected:
        import_file(any_db, path, vault)

    assert [(e.line, e.column) for e in rejected.value.errors] == [(4, "parent")]
    assert counts(any_db) == before
    assert device(any_db, "S001", "router").address == "10.20.1.1"


def test_reimport_updates_by_site_and_name(any_db, vault, tmp_path):
    import_file(any_db, EXAMPLE, vault)
    before = counts(any_db)
    old = device(any_db, "S001", "router")
    path = write_csv(
        tmp_path,
        "site,site_name,name,address,kind,model,notes",
        "S001,โรงเรียนบ้านหนองบัว (ชื่อใหม่),router,10.20.1.254,router,,",
        "S002,โรงเรียนวัดป่าสามัคคี,router,10.20.2.1,router,,",
    )

    report = import_file(any_db, path, vault)

    assert report == ImportReport(
        sites_created=0, sites_updated=1, devices_created=0, devices_updated=1
    )
    assert counts(any_db) == before
    new = device(any_db, "S001", "router")
    assert new.id == old.id and new.address == "10.20.1.254"
    assert new.model == old.model == "MikroTik hEX RB750Gr3"  # empty cell: left as it was
    assert new.parent_id == old.parent_id  # no parent column: left as it was
    assert new.updated_at > old.updated_at and new.created_at == old.created_at
    with any_db() as session:
        assert (
            session.scalar(select(Site.name).where(Site.code == "S001"))
            == "โรงเรียนบ้านหนองบัว (ชื่อใหม่)"
        )


def test_reimporting_the_same_file_changes_nothing(any_db, vault):
    import_file(any_db, EXAMPLE, vault)
    community = device(any_db, "OFFICE", "core-sw").snmp_community

    report = import_file(any_db, EXAMPLE, vault)

    assert report == ImportReport(0, 0, 0, 0)
    assert counts(any_db) == (3, 14)
    assert device(any_db, "OFFICE", "core-sw").snmp_community == community


def test_reimport_moves_a_device_to_a_new_parent(any_db, vault, tmp_path):
    import_file(any_db, EXAMPLE, vault)
    path = write_csv(tmp_path, HEADER, "S002,โรงเรียนวัดป่าสามัคคี,ap-1,10.20.2.11,ap,sw-1")

    report = import_file(any_db, path, vault)

    assert report.devices_updated == 1
    assert parent_of(any_db, "S002", "ap-1") == ("S002", "sw-1")


def test_credentials_are_stored_encrypted(any_db, vault, tmp_path):
    path = write_csv(
        tmp_path,
        "site,site_name,name,address,kind,snmp_community,ssh_password",
        "S001,รร.,router,10.0.0.1,router,s3cretCommunity,Pa55w0rd!",
    )

    import_file(any_db, path, vault)

    router = device(any_db, "S001", "router")
    assert b"s3cretCommunity" not in router.snmp_community
    assert b"Pa55w0rd!" not in router.ssh_password
    assert vault.decrypt(router.snmp_community) == "s3cretCommunity"
    assert vault.decrypt(router.ssh_password) == "Pa55w0rd!"


def test_empty_password_cell_keeps_the_stored_password(any_db, vault, tmp_path):
    import_file(
        any_db,
        write_csv(
            tmp_path,
            "site,site_name,name,address,kind,ssh_password",
            "S001,รร.,router,10.0.0.1,router,Pa55w0rd!",
        ),
        vault,
    )
    import_file(
        any_db,
        write_csv(
            tmp_path,
            "site,site_name,name,address,kind,ssh_password",
            "S001,รร.,router,10.0.0.1,router,",
        ),
        vault,
    )

    assert vault.decrypt(device(any_db, "S001", "router").ssh_password) == "Pa55w0rd!"


def test_rejection_never_shows_credentials(any_db, vault, tmp_path, caplog):
    path = write_csv(
        tmp_path,
        "site,site_name,name,address,kind,snmp_community,ssh_password,ssh_port",
        "S001,รร.,router,10.0.0.300,router,s3cretCommunity,Pa55w0rd!,0",
    )

    with pytest.raises(ImportRejected) as rejected:
        import_file(any_db, path, vault)

    assert len(rejected.value.errors) == 2
    shown = str(rejected.value) + "".join(str(e) for e in rejected.value.errors) + caplog.text
    assert "Pa55w0rd!" not in shown and "s3cretCommunity" not in shown


def test_import_rows_from_a_web_upload(any_db, vault):
    header = ["site", "site_name", "name", "address", "kind"]
    rows = [
        (
            2,
            {
                "site": "S001",
                "site_name": "รร.",
                "name": "router",
                "address": "10.0.0.1",
                "kind": "router",
            },
        )
    ]

    report = import_rows(any_db, header, rows, vault)

    assert report.devices_created == 1
    assert counts(any_db) == (1, 1)


def test_xlsx_file_imports(any_db, vault, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    header, rows = read_rows(EXAMPLE)
    workbook.active.append(header)
    for _, values in rows:
        workbook.active.append([values[h] for h in header])
    path = tmp_path / "devices.xlsx"
    workbook.save(path)

    report = import_file(any_db, path, vault)

    assert report.devices_created == 14
    assert parent_of(any_db, "S001", "router") == ("OFFICE", "core-sw")
