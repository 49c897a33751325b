"""collectors.vendors (PURE): which rules a device gets, how storage rows are judged, how memory
is computed; HealthPlan read back from storage; the IANA registry file and its script."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from collectors import vendors
from collectors.snmp import HealthPlan, enterprise_name, vendor_from_object_id

REPO = Path(__file__).resolve().parents[2]
FIXED, FFS, FS_OTHER = "1.3.6.1.2.1.25.2.1.4", "1.3.6.1.2.1.25.3.9.3", "1.3.6.1.2.1.25.3.9.1"
GB = 2**30


@pytest.mark.parametrize(
    "object_id, descr, probes, key",
    [
        ("1.3.6.1.4.1.9.1.1208", "Cisco IOS Software", (), "cisco"),
        ("1.3.6.1.4.1.9.6.1.1004.28.5", "CBS350-24P-4G", (), "cisco-business"),
        (".1.3.6.1.4.1.2011.6.174.4.1.2.4", "SNMP Card", (), "huawei-ups"),
        ("1.3.6.1.4.1.2011.2.23.294", "S5720 Huawei", (), "huawei"),
        ("1.3.6.1.4.1.8072.3.2.10", "UAP-nanoHD 5.43.36.12724", (), "unifi"),
        ("1.3.6.1.4.1.8072.3.2.10", "Linux nas 4.4.59+ #25426 SMP", (), "linux"),
        ("1.3.6.1.4.1.8072.3.2.10", "Linux nas", ("1.3.6.1.4.1.6574.1.5.1.0",), "synology"),
        ("1.3.6.1.4.1.12325.1.1.2.1.1", "pfSense fw 2.7.2-RELEASE", (), "pfsense"),
        ("1.3.6.1.4.1.10002.1", "Linux 2.6.32.68 #1 mips", (), "airos"),
        ("1.3.6.1.4.1.99999.1", "something", (), None),
        (None, None, (), None),
        ("not an oid", "", (), None),
    ],
)
def test_match_picks_the_longest_prefix_whose_condition_holds(object_id, descr, probes, key):
    rules = vendors.match(object_id, descr, frozenset(probes))
    assert (rules.key if rules else None) == key


@pytest.mark.parametrize(
    "kind, descr, size, used, disk",
    [
        (FIXED, "/", 20 * GB, 5 * GB, True),
        (FIXED, "/dev/shm", 4 * GB, 0, False),
        (FIXED, "/run", GB, 0, False),
        (FIXED, "/sys/fs/cgroup", GB, 0, False),
        (FIXED, "devfs: dev file system, mounted on: /dev", 1024, 1024, False),
        (FIXED, "/dev/gpt/junos: root file system, mounted on: /", 2 * GB, GB, True),
        (FFS, "/, type: ufs, dev: /dev/ufsid/5be5", 8 * GB, GB, True),
        (FS_OTHER, "/dev, type: devfs, dev: devfs", 1024, 1024, False),
        (FIXED, "/boot", 2 * 2**20, 2**20, False),  # tiny
        (FIXED, "/compress", 50 * 2**20, 50 * 2**20, False),  # read-only image, full
        (FIXED, "/share/full", 4000 * GB, 4000 * GB, True),  # a real disk that is full
        ("1.3.6.1.2.1.25.2.1.2", "Physical memory", 8 * GB, GB, False),
    ],
)
def test_is_disk(kind, descr, size, used, disk):
    assert vendors.is_disk(kind, descr, size, used) is disk


def test_memory_from_any_two_of_used_free_total():
    m = vendors.Memory
    r = vendors.Reading
    assert vendors.memory_pct(m(pct=r("p")), {"p": 42.0}) == 42.0
    assert vendors.memory_pct(m(pct=r("p")), {"p": 420.0}) is None
    assert vendors.memory_pct(m(used=r("u"), free=r("f")), {"u": 25.0, "f": 75.0}) == 25.0
    assert vendors.memory_pct(m(free=r("f"), total=r("t")), {"f": 30.0, "t": 40.0}) == 25.0
    assert vendors.memory_pct(m(used=r("u"), total=r("t")), {"u": 5.0, "t": 0.0}) is None
    assert vendors.memory_pct(m(used=r("u"), total=r("t")), {}) is None


def test_text_rules():
    assert vendors.from_descr(r"^RouterOS (\S+)", "RouterOS RB750Gr3") == "RB750Gr3"
    assert vendors.from_descr(r"^RouterOS (\S+)", "Linux") is None
    assert vendors.tidy("V2.40(AAHN.0) | 11/14/2017", r"^(\S+)") == "V2.40(AAHN.0)"
    assert vendors.tidy('\\"4.3.3', r"^[\\\"' ]*(.*?)[\\\"' ]*$") == "4.3.3"
    assert vendors.rewrite("FGT_100E", (r"^FGT_?", "FortiGate ")) == "FortiGate 100E"


@pytest.mark.parametrize(
    "stored",
    [None, "x", [], {"vendor": 5}, {"memory_rows": [[1, "a", "x"]]}, {"disk_rows": 7}],
)
def test_a_malformed_stored_plan_is_no_plan_or_an_empty_one(stored):
    plan = HealthPlan.from_json(stored)
    assert plan is None or (plan.vendor is None and not plan.memory_rows)


def test_plan_round_trip():
    plan = HealthPlan("cisco", True, False, ((1, 1024, "physical"),), ((31, 4096, "/"),))
    assert HealthPlan.from_json(plan.as_json()) == plan
    assert HealthPlan.from_json({**plan.as_json(), "vendor": "no-such"}).vendor is None


def test_vendor_names_come_from_the_rules_then_the_iana_registry():
    assert vendor_from_object_id("1.3.6.1.4.1.14988.1") == "MikroTik"
    assert vendor_from_object_id("1.3.6.1.4.1.4413.1", "EdgeSwitch 24-Port, 1.9.1") == "Ubiquiti"
    assert enterprise_name(2604) == "Sophos Plc"
    assert enterprise_name(311) == "Microsoft"
    assert enterprise_name(171) == "D-Link Systems"  # ", Inc." left out
    assert vendor_from_object_id("1.3.6.1.2.1.1") is None
    assert enterprise_name(10**9) is None


def test_the_registry_script_reads_ianas_own_layout(tmp_path):
    spec = importlib.util.spec_from_file_location("enterprises", REPO / "scripts/enterprises.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    iana = "PRIVATE ENTERPRISE NUMBERS\n\n" + "".join(
        f"{n}\n  Org {n}\n    Someone\n      someone&example.org\n" for n in range(1500)
    )
    assert module.parse(iana)[1499] == "Org 1499"
    source = tmp_path / "enterprise-numbers"
    source.write_text(iana)
    assert module.main([str(source), str(tmp_path / "out.tsv.gz")]) == 0
    assert module.main([str(tmp_path / "out.tsv.gz")]) == 1  # not the registry: refused
