"""The importer's reading and checking of a file, without a database."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook

from monitor.devices.importer import (
    ExistingDevice,
    ImportRejected,
    RowError,
    parse_date,
    read_rows,
    validate_rows,
)

HEADER = "site,site_name,name,address,kind,parent"
OFFICE = "OFFICE,สำนักงานเขต,core-sw,10.1.0.3,switch,"


def check(tmp_path, *lines, existing=(), name="devices.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    header, rows = read_rows(path)
    return validate_rows(header, rows, existing)


def only_error(tmp_path, *lines, existing=()) -> RowError:
    devices, errors = check(tmp_path, *lines, existing=existing)
    assert devices == []
    assert len(errors) == 1, errors
    return errors[0]


def test_a_good_file_gives_one_row_per_device(tmp_path):
    devices, errors = check(
        tmp_path, HEADER, OFFICE, "S001,โรงเรียนบ้านหนองบัว,router,10.20.1.1,Router,core-sw"
    )
    assert errors == []
    assert [(d.line, d.site_code, d.name, d.kind) for d in devices] == [
        (2, "OFFICE", "core-sw", "switch"),
        (3, "S001", "router", "router"),
    ]
    assert devices[1].site_name == "โรงเรียนบ้านหนองบัว"
    assert devices[1].parent == ("OFFICE", "core-sw")


def test_bad_ip_address_is_reported_with_its_line(tmp_path):
    error = only_error(tmp_path, HEADER, OFFICE, "S001,รร.,router,10.0.0.300,router,")
    assert (error.line, error.column) == (3, "address")
    assert str(error) == "line 3, address: '10.0.0.300' is not an IP address or host name"


def test_host_names_and_ipv6_are_good_addresses(tmp_path):
    devices, errors = check(
        tmp_path,
        HEADER,
        "S001,รร.,a,router.school.local,router,",
        "S001,รร.,b,2001:db8::1,router,",
        "S001,รร.,c,gw-01,router,",
    )
    assert errors == []
    assert [d.address for d in devices] == ["router.school.local", "2001:db8::1", "gw-01"]


def test_host_name_with_bad_characters_is_rejected(tmp_path):
    error = only_error(tmp_path, HEADER, "S001,รร.,a,router_1.local,router,")
    assert (error.line, error.column) == (2, "address")


def test_unknown_kind_lists_the_kinds(tmp_path):
    error = only_error(tmp_path, HEADER, OFFICE, "S001,รร.,router,10.0.0.1,rotuer,")
    assert (error.line, error.column) == (3, "kind")
    assert "rotuer" in error.reason and "router, switch, ap" in error.reason


def test_missing_required_value(tmp_path):
    error = only_error(tmp_path, HEADER, OFFICE, "S001,รร.,,10.0.0.9,router,")
    assert (error.line, error.column) == (3, "name")
    assert "required" in error.reason


def test_a_row_without_an_address_is_an_asset_nothing_polls(tmp_path):
    devices, errors = check(tmp_path, HEADER, OFFICE, "S001,รร.,notebook-1,,notebook,")
    assert errors == []
    assert devices[1].address is None and devices[1].kind == "notebook"


def test_bad_date_names_the_accepted_formats(tmp_path):
    error = only_error(
        tmp_path,
        "site,site_name,name,address,kind,warranty_end",
        "S001,รร.,router,10.0.0.1,router,31/13/2567",
    )
    assert (error.line, error.column) == (2, "warranty_end")
    assert "YYYY-MM-DD" in error.reason and "DD/MM/YYYY" in error.reason


def test_words_are_not_dates(tmp_path):
    error = only_error(
        tmp_path,
        "site,site_name,name,address,kind,eol_date",
        "S001,รร.,router,10.0.0.1,router,next year",
    )
    assert (error.line, error.column) == (2, "eol_date")
    assert "'next year' is not a date" in error.reason


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-05-31", date(2024, 5, 31)),
        ("31/05/2024", date(2024, 5, 31)),
        ("31/05/2567", date(2024, 5, 31)),
        ("2567-05-31", date(2024, 5, 31)),
        ("1/6/2567", date(2024, 6, 1)),
    ],
)
def test_buddhist_era_years_become_christian_era(text, expected):
    assert parse_date(text) == expected


def test_buddhist_era_date_in_a_file(tmp_path):
    devices, errors = check(
        tmp_path,
        "site,site_name,name,address,kind,purchase_date",
        "S001,รร.,router,10.0.0.1,router,15/05/2567",
    )
    assert errors == []
    assert devices[0].values["purchase_date"] == date(2024, 5, 15)


def test_port_out_of_range(tmp_path):
    error = only_error(
        tmp_path,
        "site,site_name,name,address,kind,snmp_port",
        "S001,รร.,router,10.0.0.1,router,70000",
    )
    assert (error.line, error.column) == (2, "snmp_port")
    assert "1-65535" in error.reason


def test_port_must_be_a_number(tmp_path):
    error = only_error(
        tmp_path, "site,site_name,name,address,kind,ssh_port", "S001,รร.,router,10.0.0.1,router,ssh"
    )
    assert (error.line, error.column) == (2, "ssh_port")


def test_bad_snmp_version(tmp_path):
    error = only_error(
        tmp_path,
        "site,site_name,name,address,kind,snmp_version",
        "S001,รร.,router,10.0.0.1,router,4",
    )
    assert (error.line, error.column) == (2, "snmp_version")
    assert "1, 2c or 3" in error.reason


def test_snmp_versions_are_normalised(tmp_path):
    devices, errors = check(
        tmp_path,
        "site,site_name,name,address,kind,snmp_version",
        "S001,รร.,a,10.0.0.1,router,2C",
        "S001,รร.,b,10.0.0.2,router,v3",
        "S001,รร.,c,10.0.0.3,router,1",
    )
    assert errors == []
    assert [d.values["snmp_version"] for d in devices] == ["2c", "3", "1"]


def test_bad_enabled_word(tmp_path):
    error = only_error(
        tmp_path,
        "site,site_name,name,address,kind,enabled",
        "S001,รร.,router,10.0.0.1,router,maybe",
    )
    assert (error.line, error.column) == (2, "enabled")


def test_enabled_words(tmp_path):
    devices, errors = check(
        tmp_path,
        "site,site_name,name,address,kind,enabled",
        "S001,รร.,a,10.0.0.1,router,No",
        "S001,รร.,b,10.0.0.2,router,TRUE",
        "S001,รร.,c,10.0.0.3,router,0",
        "S001,รร.,d,10.0.0.4,router,",
    )
    assert errors == []
    assert [d.values.get("enabled") for d in devices] == [False, True, False, None]


def test_duplicate_device_in_one_site_points_at_the_first_line(tmp_path):
    error = only_error(
        tmp_path,
        HEADER,
        OFFICE,
        "S001,รร.,router,10.0.0.1,router,",
        "S001,รร.,router,10.0.0.2,router,",
    )
    assert (error.line, error.column) == (4, "name")
    assert "already on line 3" in error.reason


def test_same_device_name_in_two_sites_is_fine(tmp_path):
    devices, errors = check(
        tmp_path, HEADER, "S001,รร.1,router,10.0.1.1,router,", "S002,รร.2,router,10.0.2.1,router,"
    )
    assert errors == [] and len(devices) == 2


def test_unknown_parent(tmp_path):
    error = only_error(tmp_path, HEADER, OFFICE, "S001,รร.,router,10.0.0.1,router,core-switch")
    assert (error.line, error.column) == (3, "parent")
    assert "'core-switch' is not a device" in error.reason


def test_parent_already_in_the_database_is_known(tmp_path):
    in_db = [ExistingDevice("OFFICE", "core-sw", id=7, parent_id=None)]
    devices, errors = check(
        tmp_path, HEADER, "S001,รร.,router,10.0.0.1,router,core-sw", existing=in_db
    )
    assert errors == []
    assert devices[0].parent == ("OFFICE", "core-sw")


def test_parent_in_the_same_site_wins_over_other_sites(tmp_path):
    devices, errors = check(
        tmp_path,
        HEADER,
        "S001,รร.1,router,10.0.1.1,router,",
        "S002,รร.2,router,10.0.2.1,router,",
        "S002,รร.2,sw-1,10.0.2.2,switch,router",
    )
    assert errors == []
    assert devices[2].parent == ("S002", "router")


def test_ambiguous_parent_asks_for_the_site_code(tmp_path):
    error = only_error(
        tmp_path,
        HEADER,
        "S001,รร.1,router,10.0.1.1,router,",
        "S002,รร.2,router,10.0.2.1,router,",
        "S003,รร.3,sw-1,10.0.3.2,switch,router",
    )
    assert (error.line, error.column) == (4, "parent")
    assert "S001, S002" in error.reason and "S001/router" in error.reason


def test_explicit_site_slash_name_parent(tmp_path):
    devices, errors = check(
        tmp_path,
        HEADER,
        "S001,รร.1,router,10.0.1.1,router,",
        "S002,รร.2,router,10.0.2.1,router,",
        "S003,รร.3,sw-1,10.0.3.2,switch,S002/router",
    )
    assert errors == []
    assert devices[2].parent == ("S002", "router")


def test_device_that_is_its_own_parent(tmp_path):
    error = only_error(tmp_path, HEADER, "S001,รร.,router,10.0.0.1,router,router")
    assert (error.line, error.column) == (2, "parent")
    assert "own parent" in error.reason


def test_two_devices_that_are_each_others_parent(tmp_path):
    devices, errors = check(
        tmp_path, HEADER, OFFICE, "S001,รร.,a,10.0.0.1,switch,b", "S001,รร.,b,10.0.0.2,switch,a"
    )
    assert devices == []
    assert [(e.line, e.column) for e in errors] == [(3, "parent"), (4, "parent")]
    assert errors[0].reason == "parent loop: S001/a → S001/b → S001/a"


def test_longer_parent_loop_across_sites(tmp_path):
    _, errors = check(
        tmp_path,
        HEADER,
        "S001,รร.1,a,10.0.1.1,switch,S002/b",
        "S002,รร.2,b,10.0.2.1,switch,S003/c",
        "S003,รร.3,c,10.0.3.1,switch,S001/a",
        "S003,รร.3,d,10.0.3.2,switch,c",
    )
    assert [e.line for e in errors] == [2, 3, 4]
    assert all("parent loop" in e.reason for e in errors)


def test_loop_through_a_device_already_in_the_database(tmp_path):
    # In the database b's parent is a; the file makes a's parent b.
    in_db = [
        ExistingDevice("S001", "a", id=1, parent_id=None),
        ExistingDevice("S001", "b", id=2, parent_id=1),
    ]
    error = only_error(tmp_path, HEADER, "S001,รร.,a,10.0.0.1,switch,b", existing=in_db)
    assert (error.line, error.column) == (2, "parent")
    assert "parent loop" in error.reason


def test_one_site_code_with_two_names(tmp_path):
    error = only_error(
        tmp_path,
        HEADER,
        "S001,โรงเรียนบ้านหนองบัว,a,10.0.0.1,router,",
        "S001,โรงเรียนบ้านหนองบัวใหม่,b,10.0.0.2,switch,a",
    )
    assert (error.line, error.column) == (3, "site_name")
    assert "line 2" in error.reason


def test_unknown_column_is_named(tmp_path):
    error = only_error(tmp_path, HEADER + ",colour", OFFICE + ",red")
    assert error.line == 1
    assert "unknown column 'colour'" in error.reason


def test_missing_required_column_is_named(tmp_path):
    error = only_error(tmp_path, "site,site_name,address,kind", "S001,รร.,10.0.0.9,router")
    assert error.line == 1
    assert "name" in error.reason


def test_header_case_and_spaces_do_not_matter(tmp_path):
    devices, errors = check(
        tmp_path,
        " Site , SITE_NAME,Name ,Address,KIND , Parent",
        "S001,รร.,router,10.0.0.1,router,",
    )
    assert errors == []
    assert devices[0].address == "10.0.0.1"


def test_value_without_a_column_is_reported(tmp_path):
    error = only_error(tmp_path, HEADER, OFFICE + ",hunter2")
    assert error.line == 2
    assert "hunter2" not in error.reason


def test_every_bad_line_is_reported_in_order(tmp_path):
    devices, errors = check(
        tmp_path,
        HEADER,
        OFFICE,
        "S001,รร.,a,10.0.0.300,router,",
        "S001,รร.,b,10.0.0.2,switch,",
        "S001,รร.,c,10.0.0.3,toaster,",
        "S001,รร.,d,10.0.0.4,ap,nowhere",
    )
    assert devices == []
    assert [(e.line, e.column) for e in errors] == [(3, "address"), (5, "kind"), (6, "parent")]


def test_errors_never_show_passwords(tmp_path):
    _, errors = check(
        tmp_path,
        "site,site_name,name,address,kind,snmp_community,ssh_password,ssh_port",
        "S001,รร.,router,10.0.0.300,router,s3cretCommunity,Pa55w0rd!,99999",
    )
    assert len(errors) == 2
    text = str(ImportRejected(errors))
    assert "s3cretCommunity" not in text and "Pa55w0rd!" not in text


def test_rows_do_not_show_passwords_in_their_repr(tmp_path):
    devices, errors = check(
        tmp_path,
        "site,site_name,name,address,kind,ssh_password",
        "S001,รร.,router,10.0.0.1,router,Pa55w0rd!",
    )
    assert errors == []
    assert devices[0].credentials == {"ssh_password": "Pa55w0rd!"}
    assert "Pa55w0rd!" not in repr(devices[0])


def test_quoted_cell_over_two_lines_keeps_physical_line_numbers(tmp_path):
    devices, errors = check(
        tmp_path,
        "site,site_name,name,address,kind,notes",
        'S001,รร.,a,10.0.0.1,router,"first line',
        'second line"',
        "S001,รร.,b,10.0.0.300,router,",
    )
    assert devices == []
    assert [e.line for e in errors] == [4]


def test_blank_lines_are_skipped_but_counted(tmp_path):
    _, errors = check(tmp_path, HEADER, "", OFFICE, ",,,,,", "S001,รร.,a,bad_host,router,")
    assert [e.line for e in errors] == [5]


def test_csv_with_excel_bom(tmp_path):
    devices, errors = check(tmp_path, HEADER, OFFICE, encoding="utf-8-sig")
    assert (tmp_path / "devices.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert errors == []
    assert devices[0].site_code == "OFFICE"


def test_semicolon_separated_csv(tmp_path):
    devices, errors = check(tmp_path, HEADER.replace(",", ";"), OFFICE.replace(",", ";"))
    assert errors == []
    assert devices[0].name == "core-sw"


def test_file_that_is_not_utf8_is_rejected_with_its_line(tmp_path):
    path = tmp_path / "devices.csv"
    path.write_bytes(
        (HEADER + "\n" + OFFICE + "\n").encode("utf-8")
        + "S001,โรงเรียน,a,10.0.0.1,router,\n".encode("cp874")
    )
    with pytest.raises(ImportRejected) as rejected:
        read_rows(path)
    [error] = rejected.value.errors
    assert error.line == 3
    assert "UTF-8" in error.reason


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "devices.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportRejected) as rejected:
        read_rows(path)
    assert rejected.value.errors[0].line == 0
    assert ".xls" in str(rejected.value)


def test_xlsx_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "devices.xlsx"
    path.write_text(HEADER + "\n")
    with pytest.raises(ImportRejected) as rejected:
        read_rows(path)
    assert "not an .xlsx workbook" in str(rejected.value)


def test_xlsx_first_sheet_with_sheet_row_numbers(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["Site", "Site_Name", "Name", "Address", "Kind", "snmp_port", "purchase_date", "enabled"]
    )
    sheet.append(
        ["S001", "โรงเรียนบ้านหนองบัว", "router", "10.0.0.1", "router", 161, date(2024, 5, 31), True]
    )
    sheet.append([])
    sheet.append(
        ["S001", "โรงเรียนบ้านหนองบัว", "sw-1", "10.0.0.300", "switch", None, "31/05/2567", False]
    )
    workbook.create_sheet("notes").append(["ignored"])
    path = tmp_path / "devices.xlsx"
    workbook.save(path)

    header, rows = read_rows(path)
    assert [line for line, _ in rows] == [2, 4]
    devices, errors = validate_rows(header, rows)
    assert [(e.line, e.column) for e in errors] == [(4, "address")]

    sheet.cell(row=4, column=4, value="10.0.0.2")
    workbook.save(path)
    devices, errors = validate_rows(*read_rows(path))
    assert errors == []
    assert devices[0].values == {
        "address": "10.0.0.1",
        "snmp_port": 161,
        "purchase_date": date(2024, 5, 31),
        "enabled": True,
    }
    assert devices[1].values == {
        "address": "10.0.0.2",
        "purchase_date": date(2024, 5, 31),
        "enabled": False,
    }


def test_rejection_message_counts_and_lists_errors():
    errors = [
        RowError(7, "address", "'10.0.0.300' is not an IP address or host name"),
        RowError(3, None, "a value in a column that has no name in the header line"),
    ]
    text = str(ImportRejected(errors))
    assert text.splitlines() == [
        "2 errors, nothing imported",
        "line 3: a value in a column that has no name in the header line",
        "line 7, address: '10.0.0.300' is not an IP address or host name",
    ]
