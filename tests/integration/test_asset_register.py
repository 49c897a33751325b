"""Assets in the register: imported with the government fields, never polled, never counted."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from monitor.assets.fields import AssetRules
from monitor.availability.history import load_history
from monitor.db.models import Device, Site
from monitor.devices.importer import ImportRejected, import_file
from monitor.secrets import Vault
from monitor.settings import AssetSettings
from monitor.status.store import load_plan
from tests.conftest import NOW

RULES = AssetRules.from_settings(AssetSettings())
HEADER = (
    "site,site_name,name,address,kind,asset_number,budget_year,acquisition_method,fund_source,"
    "price,supplier,responsible_person,room,condition,disposed_on,disposal_reference"
)


@pytest.fixture
def vault(settings):
    return Vault.from_settings(settings)


def write_csv(tmp_path, *lines):
    path = tmp_path / "register.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_asset_without_an_address_is_imported_with_its_register_fields(any_db, tmp_path, vault):
    path = write_csv(
        tmp_path,
        HEADER,
        "S01,โรงเรียนบ้านสบาย,s01-router,127.0.1.1,router,7440-001-0001/67,2567,e-bidding,"
        'เงินงบประมาณ,"45,000.00",บริษัท เอ จำกัด,นายสมชาย,ห้อง ICT,ใช้งานได้,,',
        "S01,โรงเรียนบ้านสบาย,nb-01,,notebook,7440-001-0002/67,2567,เฉพาะเจาะจง,"
        'เงินงบประมาณ,"25,900.50",,นางสาวสมหญิง,ห้องวิชาการ,ชำรุด,,',
        "S01,โรงเรียนบ้านสบาย,projector-old,,projector,7440-001-0003/60,2560,,,,,,,จำหน่ายแล้ว,"
        "15/03/2567,ศธ 04001/123",
    )
    report = import_file(any_db, path, vault, RULES)
    assert report.devices_created == 3
    with any_db() as s:
        devices = {d.name: d for d in s.scalars(select(Device))}
        plan = load_plan(s)
    notebook, projector = devices["nb-01"], devices["projector-old"]
    assert notebook.address is None and notebook.kind == "notebook"
    assert notebook.price == Decimal("25900.50")
    assert (notebook.budget_year, notebook.condition, notebook.room) == (
        2024,
        "damaged",
        "ห้องวิชาการ",
    )
    assert (projector.condition, projector.disposed_on) == ("disposed", date(2024, 3, 15))
    assert projector.disposal_reference == "ศธ 04001/123"
    # Only the router is pinged.
    assert [t.address for t in plan.targets] == ["127.0.1.1"]


def test_duplicate_asset_numbers_and_bad_years_are_refused_with_their_lines(
    any_db, tmp_path, vault
):
    with any_db.begin() as s:
        site = Site(code="S01", name="โรงเรียนบ้านสบาย", enabled=True, created_at=NOW)
        s.add(site)
        s.flush()
        s.add(
            Device(
                site_id=site.id,
                name="pc-01",
                kind="computer",
                asset_number="7440-001-0009/66",
                enabled=True,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    path = write_csv(
        tmp_path,
        "site,site_name,name,kind,asset_number,budget_year",
        "S01,โรงเรียนบ้านสบาย,pc-02,computer,7440-001-0001/67,2567",
        "S01,โรงเรียนบ้านสบาย,pc-03,computer,7440-001-0001/67,2567",
        "S01,โรงเรียนบ้านสบาย,pc-04,computer,7440-001-0009/66,2566",
        "S01,โรงเรียนบ้านสบาย,pc-05,computer,7440-1-5/67,67",
    )
    with pytest.raises(ImportRejected) as caught:
        import_file(any_db, path, vault, RULES)
    found = [(e.line, e.column, e.reason) for e in caught.value.errors]
    assert (3, "asset_number", "asset number '7440-001-0001/67' is already on line 2") in found
    assert (
        4,
        "asset_number",
        "asset number '7440-001-0009/66' belongs to S01/pc-01 in the database",
    ) in found
    assert {(line, column) for line, column, _ in found} == {
        (3, "asset_number"),
        (4, "asset_number"),
        (5, "asset_number"),
        (5, "budget_year"),
    }
    with any_db() as s:
        assert [d.name for d in s.scalars(select(Device))] == ["pc-01"]  # nothing written


def test_assets_without_an_address_are_not_counted_in_availability(any_db, tmp_path, vault):
    path = write_csv(
        tmp_path,
        "site,site_name,name,address,kind",
        "S01,โรงเรียนบ้านสบาย,s01-router,127.0.1.1,router",
        "S01,โรงเรียนบ้านสบาย,pc-01,,computer",
    )
    import_file(any_db, path, vault)
    with any_db() as s:
        history = load_history(s, NOW - timedelta(days=1), NOW)
    assert [history.device_names[d.id].name for d in history.devices] == ["s01-router"]


def test_assets_past_their_useful_life_become_replacement_risks(any_db, settings, tmp_path, vault):
    from monitor.risks.facts import gather
    from monitor.risks.rules import load_rules

    path = write_csv(
        tmp_path,
        "site,site_name,name,address,kind,purchase_date,budget_year,condition,disposed_on",
        "S01,โรงเรียนบ้านสบาย,s01-router,127.0.1.1,router,,,,",
        "S01,โรงเรียนบ้านสบาย,pc-old,,computer,01/06/2558,,ใช้งานได้,",
        "S01,โรงเรียนบ้านสบาย,pc-new,,computer,,2569,ใช้งานได้,",
        "S01,โรงเรียนบ้านสบาย,pc-gone,,computer,01/06/2555,,จำหน่ายแล้ว,01/01/2567",
    )
    import_file(any_db, path, vault)
    with any_db() as s:
        facts = gather(s, settings, load_rules(None), NOW)
    ends = {d.name: d.useful_life_end for d in facts.devices}
    assert ends == {
        "s01-router": None,
        "pc-old": date(2020, 6, 1),  # bought 1 June 2558, five years for a computer
        "pc-new": date(2030, 10, 1),  # budget year 2569 starts on 1 October 2568
        "pc-gone": None,
    }
    # Only the router is an uplink: an asset without an address is none.
    [site] = facts.sites
    assert [d.name for d in facts.devices if d.id in site.uplinks] == ["s01-router"]
