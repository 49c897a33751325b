"""Simulated SNMP agents for the demo district, the tests and the benchmark.

Writes snmpsim recordings (.snmprec: `OID|type|value`, numeric OIDs) for a few device profiles —
a router, 24- and 48-port switches, an access point, a Linux server/NAS, a UPS, a firewall — with
counters that grow by themselves (snmpsim's `numeric` variation), and runs snmpsim serving each
recording on its own loopback address.

snmpsim picks a recording by community: `<data>/<community>.snmprec` answers requests with that
community on every endpoint. Each simulated device gets a community of its own (`community_for`),
so each address answers as its own device. (snmpsim's per-endpoint selection needs community
names like "public/1.3.6.1.6.1.1.0", and its lighter v2c responder does not run on pysnmp 7.)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from collectors import snmp as oids


@dataclass(frozen=True)
class Profile:
    object_id: str
    vendor: str
    descr: str
    ports: list[tuple[str, int, int]]  # (name, ifType, speed Mbit/s)
    software: str
    host_resources: bool = False  # the generic HOST-RESOURCES rows (families write their own)
    ups: bool = False  # the generic RFC 1628 rows
    # Vendor family (VENDOR_ROWS): the vendor MIB rows its agents answer, modelled on real
    # walks; and whether the plain ENTITY-MIB chassis row is written (a family may write its own).
    family: str | None = None
    entity: bool = True


def _ethernet(prefix: str, count: int, speed: int = 1000, start: int = 1) -> list:
    return [(f"{prefix}{n}", 6, speed) for n in range(start, start + count)]


PROFILES = {
    "router": Profile(
        "1.3.6.1.4.1.14988.1",
        "MikroTik",
        "RouterOS RB4011iGS+",
        [*_ethernet("ether", 4), ("pppoe-out1", 23, 500)],
        "7.14.3",
    ),
    "router-cisco": Profile(
        "1.3.6.1.4.1.9.1.2068",
        "Cisco",
        "Cisco IOS Software [Fuji], ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 16.9.4",
        _ethernet("GigabitEthernet0/0/", 3, start=0),
        "16.9.4",
    ),
    "firewall": Profile(
        "1.3.6.1.4.1.12356.101.1.1004",
        "Fortinet",
        "FortiGate-100F v7.2.8",
        [*_ethernet("port", 8), ("wan1", 6, 1000), ("wan2", 6, 1000)],
        "v7.2.8",
    ),
    "switch24": Profile(
        "1.3.6.1.4.1.11.2.3.7.11.181",
        "HPE",
        "HPE OfficeConnect Switch 1920S 24G",
        [*_ethernet("", 24), ("25", 6, 10000), ("26", 6, 10000)],
        "PD.02.22",
    ),
    "switch48": Profile(
        "1.3.6.1.4.1.9.1.2494",
        "Cisco",
        "Cisco IOS-XE Software, Catalyst 9300 Software, Version 17.9.4",
        _ethernet("GigabitEthernet1/0/", 48) + _ethernet("TenGigabitEthernet1/1/", 4, 10000),
        "17.9.4",
    ),
    "ap": Profile(
        "1.3.6.1.4.1.41112.1.6",
        "Ubiquiti",
        "UniFi U6 Lite 6.6.55",
        [("eth0", 6, 1000), ("wifi0", 71, 300), ("wifi1", 71, 1200)],
        "6.6.55",
    ),
    "server": Profile(
        "1.3.6.1.4.1.8072.3.2.10",
        "Net-SNMP",
        "Linux fileserver 6.1.0-18-amd64 #1 SMP Debian 6.1.76-1 x86_64",
        [("lo", 24, 10000), ("eno1", 6, 1000), ("eno2", 6, 1000)],
        "Debian 12",
        host_resources=True,
    ),
    "ups": Profile(
        "1.3.6.1.4.1.318.1.3.27",
        "APC",
        "APC Web/SNMP Management Card",
        [("eth0", 6, 100)],
        "UPS 09.8",
        ups=True,
    ),
    # -- one per vendor family, as their real agents answer (see VENDOR_ROWS) ------------------
    "cisco-stack": Profile(
        "1.3.6.1.4.1.9.1.1208",
        "Cisco",
        "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E8, RELEASE "
        "SOFTWARE (fc2) Technical Support: http://www.cisco.com/techsupport Copyright (c) "
        "1986-2023 by Cisco Systems, Inc. Compiled Thu 02-Mar-23 by prod_rel_team",
        _ethernet("Gi1/0/", 24) + _ethernet("Te1/0/", 2, 10000),
        "15.2(7)E8",
        family="cisco",
        entity=False,
    ),
    "mikrotik": Profile(
        "1.3.6.1.4.1.14988.1",
        "MikroTik",
        "RouterOS RB5009UG+S+",
        [*_ethernet("ether", 8), ("sfp-sfpplus1", 6, 10000)],
        "7.15.2",
        family="mikrotik",
        entity=False,
    ),
    "ups-apc": Profile(
        "1.3.6.1.4.1.318.1.3.27",
        "APC",
        "APC Web/SNMP Management Card (MB:v4.1.0 PF:v7.0.6 PN:apc_hw05_aos_706.bin AF1:v7.0.6 "
        "AN1:apc_hw05_sumx_706.bin MN:AP9631 HR:08 SN: ZA0000000000 MD:01/01/2020)",
        [("eth0", 6, 100)],
        "v7.0.6",
        family="apc",
        entity=False,
    ),
    "linux-ucd": Profile(
        "1.3.6.1.4.1.8072.3.2.10",
        "Net-SNMP",
        "Linux nas01 5.10.60 #1 SMP Tue Jan 9 2024 x86_64",
        [("lo", 24, 10000), ("eth0", 6, 1000)],
        "5.10.60",
        family="linux",
        entity=False,
    ),
    "pfsense": Profile(
        "1.3.6.1.4.1.12325.1.1.2.1.1",
        "pfSense",
        "pfSense fw01.school 2.7.2-RELEASE pfSense FreeBSD 14.0-CURRENT amd64",
        [("igc0", 6, 1000), ("igc1", 6, 1000), ("lo0", 24, 0)],
        "2.7.2-RELEASE",
        family="pfsense",
        entity=False,
    ),
    "juniper": Profile(
        "1.3.6.1.4.1.2636.1.1.1.2.132",
        "Juniper",
        "Juniper Networks, Inc. ex2300-24p Ethernet Switch, kernel JUNOS 21.4R3-S5.4, Build date: "
        "2023-08-01 00:00:00 UTC Copyright (c) 1996-2023 Juniper Networks, Inc.",
        _ethernet("ge-0/0/", 24, start=0),
        "21.4R3-S5.4",
        family="juniper",
        entity=False,
    ),
    "tplink": Profile(
        "1.3.6.1.4.1.11863.5.28",
        "TP-Link",
        "JetStream 24-Port Gigabit L2+ Managed Switch with 4 SFP Slots",
        _ethernet("gigabitEthernet 1/0/", 28),
        "3.0.6 Build 20230805 Rel.55968",
        family="tplink",
        entity=False,
    ),
    "huawei": Profile(
        "1.3.6.1.4.1.2011.2.23.294",
        "Huawei",
        "S5735-L24T4S-A1 Huawei Versatile Routing Platform Software VRP (R) software,Version "
        "5.170 (S5735 V200R022C00SPC500) Copyright (C) 2000-2023 HUAWEI TECH Co., Ltd.",
        _ethernet("GigabitEthernet0/0/", 24),
        "V200R022C00SPC500",
        family="huawei",
        entity=False,
    ),
    "fortigate": Profile(
        "1.3.6.1.4.1.12356.101.1.1041",
        "Fortinet",
        "FortiGate",
        [*_ethernet("port", 8), ("wan1", 6, 1000)],
        "v7.2.8,build1639,240313 (GA.M)",
        family="fortigate",
    ),
}


# Which profile answers for a device, by the demo's kind and model.
def profile_for(kind: str, model: str = "") -> str | None:
    if kind == "ups":
        return "ups"
    if kind == "server":
        return "server"
    if kind == "ap":
        return "ap"
    if kind == "firewall":
        return "firewall"
    if kind == "router":
        return "router-cisco" if "Cisco" in model else "router"
    if kind == "switch":
        return "switch48" if "48" in model else "switch24"
    return None


def _serial(seed: str) -> str:
    return "SN" + hashlib.sha256(seed.encode()).hexdigest()[:10].upper()


# --------------------------------------------------------------------------------------------
# Vendor families: where their agents keep identity and health, in the shapes real walks show
# (ENTITY chassis rows without a model, a USB controller's row beside the chassis, PowerNet
# instead of UPS-MIB, Net-SNMP's buffers/cache rows, pseudo filesystems, devfs mounts of 1 kB).

E = "1.3.6.1.4.1"
Rows = list[tuple[str, str, str]]


def _entity(index: int, cls: int, *, descr="", model="", serial="", mfg="", software="") -> Rows:
    return [
        (f"{oids.ENT_DESCR}.{index}", "4", descr),
        (f"{oids.ENT_CLASS}.{index}", "2", str(cls)),
        (f"{oids.ENT_SOFTWARE}.{index}", "4", software),
        (f"{oids.ENT_SERIAL}.{index}", "4", serial),
        (f"{oids.ENT_MFG}.{index}", "4", mfg),
        (f"{oids.ENT_MODEL}.{index}", "4", model),
    ]


def _storage(rows: Sequence[tuple[int, str, str, int, int, int]]) -> Rows:
    found: Rows = []
    for index, kind, descr, units, size, used in rows:
        found += [
            (f"{oids.HR_STORAGE_TYPE}.{index}", "6", kind),
            (f"{oids.HR_STORAGE_DESCR}.{index}", "4", descr),
            (f"{oids.HR_STORAGE_UNITS}.{index}", "2", str(units)),
            (f"{oids.HR_STORAGE_SIZE}.{index}", "2", str(size)),
            (f"{oids.HR_STORAGE_USED}.{index}", "2", str(used)),
        ]
    return found


def _cpu_load(h: int, processors: int = 2) -> Rows:
    return [
        (f"{oids.HR_PROCESSOR_LOAD}.{196608 + n}", "2", str(10 + (h + n) % 20))
        for n in range(processors)
    ]


def _cisco(h: int, model: str, seed: str) -> Rows:
    # A stack: an empty stack(11) row first, then the member's chassis row with the facts.
    return [
        *_entity(1, 11, descr="Catalyst C29xx Switch Stack"),
        *_entity(1001, 3, descr=model, model=model, serial=_serial(seed), software="15.2(7)E8"),
        *_entity(1002, 10, descr="GigabitEthernet1/0/1", serial="PORT-SERIAL"),
        (f"{E}.9.9.109.1.1.1.1.2.1", "2", "1001"),
        (f"{E}.9.9.109.1.1.1.1.8.1", "66", "23"),  # cpmCPUTotal5minRev
        (f"{E}.9.9.48.1.1.1.2.1", "4", "Processor"),
        (f"{E}.9.9.48.1.1.1.5.1", "66", "60000000"),  # used
        (f"{E}.9.9.48.1.1.1.6.1", "66", "340000000"),  # free → 15 %
        *_cisco_envmon(seed),
    ]


def _cisco_envmon(seed: str) -> Rows:
    # CISCO-ENVMON-MIB as a 2960X stack member answers: one fan, one supply, an absent RPS, a
    # temperature. "psu-failed" in the seed makes the supply critical(3).
    env = f"{E}.9.9.13.1"
    return [
        (f"{env}.3.1.2.1006", "4", "SW#1, Sensor#1, GREEN"),
        (f"{env}.3.1.3.1006", "66", "38"),
        (f"{env}.4.1.2.1007", "4", "Switch#1, Fan#1"),
        (f"{env}.4.1.3.1007", "2", "1"),
        (f"{env}.5.1.2.1008", "4", "Sw1, PS1"),
        (f"{env}.5.1.3.1008", "2", "3" if "psu-failed" in seed else "1"),
        (f"{env}.5.1.2.1009", "4", "Sw1, RPS"),
        (f"{env}.5.1.3.1009", "2", "5"),  # notPresent
    ]


def _mikrotik(h: int, model: str, seed: str) -> Rows:
    # The chassis row has no model; the USB controller's row has model, maker and serial.
    return [
        *_entity(65536, 3, descr=f"RouterOS 7.15.2 on {model}"),
        *_entity(
            262144,
            9,
            descr="xHCI Host Controller",
            model="0x0002",
            mfg="0x1d6b",
            serial="1e1c0000.xhci",
        ),
        (f"{E}.14988.1.1.7.3.0", "4", _serial(seed)),
        (f"{E}.14988.1.1.4.4.0", "4", "7.15.2"),
        (f"{E}.14988.1.1.7.9.0", "4", model),
        *_cpu_load(h, 4),
        *_storage(
            [
                (65536, oids.HR_STORAGE_RAM, "main memory", 1024, 1048576, 262144),
                (131072, oids.HR_STORAGE_FIXED_DISK, "system disk", 1024, 1048576, 80000),
            ]
        ),
    ]


def _apc(h: int, model: str, seed: str) -> Rows:
    ups = f"{E}.318.1.1.1"
    on_battery = "battery" in seed
    return [
        (f"{ups}.1.1.1.0", "4", model),
        (f"{ups}.1.2.1.0", "4", "UPS 15.5 (ID1015)"),
        (f"{ups}.1.2.3.0", "4", _serial(seed)),
        (f"{ups}.2.1.1.0", "2", "3" if on_battery else "2"),  # batteryLow / batteryNormal
        (f"{ups}.2.2.1.0", "66", "42" if on_battery else "100"),
        (f"{ups}.2.2.3.0", "67", "72000" if on_battery else "1098000"),  # 12 / 183 min
        (f"{ups}.2.3.1.0", "66", "423" if on_battery else "1000"),  # tenths of a percent
        (f"{ups}.4.1.1.0", "2", "3" if on_battery else "2"),  # onBattery / onLine
    ]


def _ucd(total_kb: int, free_kb: int, buffers_kb: int, cached_kb: int) -> Rows:
    return [
        (oids.UCD_TOTAL, "2", str(total_kb)),
        (oids.UCD_AVAIL, "2", str(free_kb)),
        (oids.UCD_BUFFER, "2", str(buffers_kb)),
        (oids.UCD_CACHED, "2", str(cached_kb)),
    ]


def _linux(h: int, model: str, seed: str) -> Rows:
    # 8 GB, 1 GB free, 0.5 GB buffers, 4.5 GB cache: `free` says 2 GB used (25 %), not 87 %.
    other = "1.3.6.1.2.1.25.2.1.1"
    return [
        *_cpu_load(h),
        *_ucd(8_000_000, 1_000_000, 500_000, 4_500_000),
        *_storage(
            [
                (1, oids.HR_STORAGE_RAM, "Physical memory", 1024, 8_000_000, 7_000_000),
                (6, other, "Memory buffers", 1024, 8_000_000, 500_000),
                (7, other, "Cached memory", 1024, 4_500_000, 4_500_000),
                (35, oids.HR_STORAGE_FIXED_DISK, "/dev/shm", 4096, 1_000_000, 100),
                (37, oids.HR_STORAGE_FIXED_DISK, "/run", 4096, 200_000, 300),
                (38, oids.HR_STORAGE_FIXED_DISK, "/sys/fs/cgroup", 4096, 1_000_000, 0),
                (54, oids.HR_STORAGE_FIXED_DISK, "/", 4096, 6_000_000, 1_500_000),
                (60, oids.HR_STORAGE_FIXED_DISK, "/share/data", 16384, 900_000_000, 600_000_000),
            ]
        ),
    ]


def _pfsense(h: int, model: str, seed: str) -> Rows:
    # bsnmpd types rows by filesystem (hrFS types), lists devfs mounts and hundreds of kernel
    # "UMA" memory zones as RAM; UCD-SNMP has the real memory figures.
    ffs, fs_other = "1.3.6.1.2.1.25.3.9.3", "1.3.6.1.2.1.25.3.9.1"
    zones = [(10 + n, oids.HR_STORAGE_RAM, f"UMA: zone {n}", 256, 0, 100 + n) for n in range(60)]
    return [
        *_cpu_load(h),
        *_ucd(4_000_000, 3_500_000, 20_000, 200_000),
        *_storage(
            [
                (1, oids.HR_STORAGE_RAM, "Real Memory Metrics", 4096, 1_000_000, 980_000),
                (3, ffs, "/, type: ufs, dev: /dev/ufsid/5f00", 4096, 2_000_000, 200_000),
                (4, fs_other, "/dev, type: devfs, dev: devfs", 512, 2, 2),
                (5, ffs, "/var/run, type: ufs, dev: /dev/md0", 4096, 870, 25),
                *zones,
            ]
        ),
    ]


def _juniper(h: int, model: str, seed: str) -> Rows:
    jnx = f"{E}.2636.3.1"
    return [
        (f"{jnx}.2.0", "4", "Juniper EX2300-24P Switch"),
        (f"{jnx}.3.0", "4", _serial(seed)),
        # jnxOperatingTable: the routing engine row carries CPU, buffer (memory) and temperature
        (f"{jnx}.13.1.5.9.1.0.0", "4", "Routing Engine 0"),
        (f"{jnx}.13.1.7.9.1.0.0", "66", "41"),
        (f"{jnx}.13.1.8.9.1.0.0", "66", "12"),
        (f"{jnx}.13.1.11.9.1.0.0", "66", "58"),
        (f"{jnx}.13.1.5.7.1.0.0", "4", "FPC: EX2300-24P @ 0/*/*"),
        (f"{jnx}.13.1.7.7.1.0.0", "66", "38"),
        (f"{jnx}.13.1.8.7.1.0.0", "66", "0"),
        (f"{jnx}.13.1.11.7.1.0.0", "66", "0"),
        # jnxOperatingState: power supply running(2), fan tray runningAtFullSpeed(5)
        (f"{jnx}.13.1.5.2.1.0.0", "4", "Power Supply 0"),
        (f"{jnx}.13.1.6.2.1.0.0", "2", "2"),
        (f"{jnx}.13.1.6.7.1.0.0", "2", "2"),
        (f"{jnx}.13.1.6.9.1.0.0", "2", "2"),
        (f"{jnx}.13.1.5.4.1.1.0", "4", "Fan Tray 0 Fan 0"),
        (f"{jnx}.13.1.6.4.1.1.0", "2", "5"),
        *_storage(
            [
                (
                    1,
                    oids.HR_STORAGE_FIXED_DISK,
                    "/dev/gpt/junos: root file system, mounted on: /",
                    1024,
                    1_600_000,
                    400_000,
                ),
                (
                    2,
                    oids.HR_STORAGE_FIXED_DISK,
                    "devfs: dev file system, mounted on: /dev",
                    1024,
                    1,
                    1,
                ),
                (
                    3,
                    oids.HR_STORAGE_FIXED_DISK,
                    "/dev/md0: mounted on: /packages/mnt/os-libs",
                    1024,
                    40_000,
                    40_000,
                ),
            ]
        ),
    ]


def _tplink(h: int, model: str, seed: str) -> Rows:
    info = f"{E}.11863.6.1.1"
    return [
        (f"{info}.5.0", "4", model),
        (f"{info}.6.0", "4", "3.0.6 Build 20230805 Rel.55968"),
        (f"{info}.8.0", "4", _serial(seed)),
        (f"{E}.11863.6.4.1.1.1.1.1.1", "2", "1"),
        (f"{E}.11863.6.4.1.1.1.1.3.1", "2", "31"),  # CPU, 1 minute
        (f"{E}.11863.6.4.1.2.1.1.2.1", "2", "64"),  # memory %
    ]


def _huawei(h: int, model: str, seed: str) -> Rows:
    ent = f"{E}.2011.5.25.31.1.1.1.1"
    return [
        # The chassis row names no model: sysDescr does.
        *_entity(
            67108867,
            3,
            descr="HUAWEI S5735 Routing Switch",
            serial=_serial(seed),
            mfg="Huawei",
            software="Version 5.170 V200R022C00SPC500",
        ),
        (f"{ent}.5.67108867", "2", "0"),
        (f"{ent}.5.67108873", "2", "27"),  # the MPU board's CPU
        (f"{ent}.7.67108867", "2", "0"),
        (f"{ent}.7.67108873", "2", "33"),
        (f"{ent}.11.67108867", "2", "0"),
        (f"{ent}.11.67108873", "2", "44"),
        # hwFanStatusTable (slot 0, fan 0 and an empty fan slot) and hwPwrStatusTable
        (f"{E}.2011.5.25.31.1.1.10.1.6.0.0", "2", "1"),
        (f"{E}.2011.5.25.31.1.1.10.1.6.0.1", "2", "2"),
        (f"{E}.2011.5.25.31.1.1.10.1.7.0.0", "2", "1"),
        (f"{E}.2011.5.25.31.1.1.10.1.7.0.1", "2", "2"),
        (f"{E}.2011.5.25.31.1.1.18.1.5.0.1", "2", "1"),
        (f"{E}.2011.5.25.31.1.1.18.1.6.0.1", "2", "1"),
        (f"{E}.2011.5.25.31.1.1.18.1.9.0.1", "4", "PWR1"),
    ]


def _fortigate(h: int, model: str, seed: str) -> Rows:
    sys_ = f"{E}.12356.101.4.1"
    return [
        (f"{E}.12356.100.1.1.1.0", "4", _serial(seed)),
        (f"{sys_}.1.0", "4", "v7.2.8,build1639,240313 (GA.M)"),
        (f"{sys_}.3.0", "66", "7"),
        (f"{sys_}.4.0", "66", "38"),
        # fgHwSensorTable: name, value, alarm flag; a temperature row is neither fan nor PSU
        (f"{E}.12356.101.4.3.2.1.2.1", "4", "CPU ON-DIE Temp"),
        (f"{E}.12356.101.4.3.2.1.4.1", "2", "0"),
        (f"{E}.12356.101.4.3.2.1.2.2", "4", "FAN1"),
        (f"{E}.12356.101.4.3.2.1.4.2", "2", "0"),
        (f"{E}.12356.101.4.3.2.1.2.3", "4", "PS1 Status"),
        (f"{E}.12356.101.4.3.2.1.4.3", "2", "1"),
    ]


VENDOR_ROWS = {
    "cisco": _cisco,
    "mikrotik": _mikrotik,
    "apc": _apc,
    "linux": _linux,
    "pfsense": _pfsense,
    "juniper": _juniper,
    "tplink": _tplink,
    "huawei": _huawei,
    "fortigate": _fortigate,
}


def recording(
    profile_name: str,
    *,
    name: str,
    model: str,
    location: str = "",
    seed: str = "",
    neighbours: Sequence[tuple[str, str]] = (),
) -> str:
    """The .snmprec text of one simulated device."""
    p = PROFILES[profile_name]
    seed = seed or name
    h = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16)
    rows: list[tuple[str, str, str]] = [
        (oids.SYS_DESCR, "4", p.descr),
        (oids.SYS_OBJECT_ID, "6", p.object_id),
        # Uptime grows 100 ticks a second from a few days, like a device that has been running.
        (oids.SYS_UPTIME, "67:numeric", f"rate=100,initial={(3 + h % 40) * 8640000}"),
        (oids.SYS_CONTACT, "4", "ICT office"),
        (oids.SYS_NAME, "4", name),
        (oids.SYS_LOCATION, "4", location),
    ]
    uplink = next((n for n, (_, t, _) in enumerate(p.ports, start=1) if t == 6), 1)
    for index, (port, if_type, speed) in enumerate(p.ports, start=1):
        up = index <= max(2, len(p.ports) * 3 // 4) or if_type != 6
        busy = (h >> (index % 16)) % 7 + 1  # 1..7: how busy this port is
        # bytes per second: a few % of the link on busy ports, ~0 on idle ones
        in_rate = int(speed * 1e6 / 8 * busy / 100) if up else 0
        out_rate = in_rate // 3 if up else 0
        rows += [
            (f"{oids.IF_DESCR}.{index}", "4", port),
            (f"{oids.IF_TYPE}.{index}", "2", str(if_type)),
            (f"{oids.IF_SPEED}.{index}", "66", str(min(speed * 1_000_000, 4294967295))),
            (f"{oids.IF_ADMIN}.{index}", "2", "1"),
            (f"{oids.IF_OPER}.{index}", "2", "1" if up else "2"),
            (f"{oids.IF_IN_OCTETS}.{index}", "65:numeric", f"rate={in_rate},initial={h % 100000}"),
            (f"{oids.IF_IN_DISCARDS}.{index}", "65", "0"),
            (f"{oids.IF_IN_ERRORS}.{index}", "65", "0"),
            (f"{oids.IF_OUT_OCTETS}.{index}", "65:numeric", f"rate={out_rate},initial={h % 70000}"),
            (f"{oids.IF_OUT_DISCARDS}.{index}", "65", "0"),
            (f"{oids.IF_OUT_ERRORS}.{index}", "65", "0"),
            (f"{oids.IF_NAME}.{index}", "4", port),
            (f"{oids.IF_HC_IN}.{index}", "70:numeric", f"rate={in_rate},initial={h % 100000}"),
            (f"{oids.IF_HC_OUT}.{index}", "70:numeric", f"rate={out_rate},initial={h % 70000}"),
            (f"{oids.IF_HIGH_SPEED}.{index}", "66", str(speed)),
            (f"{oids.IF_ALIAS}.{index}", "4", "uplink" if index == uplink else ""),
        ]
    rows += (
        [
            (f"{oids.ENT_DESCR}.1", "4", f"{p.vendor} {model}"),
            (f"{oids.ENT_CLASS}.1", "2", str(oids.ENT_CLASS_CHASSIS)),
            (f"{oids.ENT_SOFTWARE}.1", "4", p.software),
            (f"{oids.ENT_SERIAL}.1", "4", _serial(seed)),
            (f"{oids.ENT_MFG}.1", "4", p.vendor),
            (f"{oids.ENT_MODEL}.1", "4", model),
        ]
        if profile_name not in ("server", "ups") and p.entity
        else []
    )
    if p.family:
        rows += VENDOR_ROWS[p.family](h, model, seed)
    if p.host_resources:
        rows += [
            (
                f"{oids.HR_PROCESSOR_LOAD}.{196608 + n}",
                "2:numeric",
                f"function=sin,rate=0.01,scale=20,offset={30 + n * 5},min=0,max=100",
            )
            for n in range(4)
        ]
        storage = [
            (1, oids.HR_STORAGE_RAM, "Physical memory", 1024, 16 * 1024**2, 11 * 1024**2),
            (31, oids.HR_STORAGE_FIXED_DISK, "/", 4096, 120 * 1024**2 // 4, 61 * 1024**2 // 4),
            (
                36,
                oids.HR_STORAGE_FIXED_DISK,
                "/srv/share",
                4096,
                3800 * 1024**2 // 4,
                2900 * 1024**2 // 4,
            ),
        ]
        for index, kind, descr, units, size, used in storage:
            rows += [
                (f"{oids.HR_STORAGE_TYPE}.{index}", "6", kind),
                (f"{oids.HR_STORAGE_DESCR}.{index}", "4", descr),
                (f"{oids.HR_STORAGE_UNITS}.{index}", "2", str(units)),
                (f"{oids.HR_STORAGE_SIZE}.{index}", "2", str(size)),
                (f"{oids.HR_STORAGE_USED}.{index}", "2", str(used)),
            ]
    if p.ups:
        rows += [
            (oids.UPS_MFG, "4", "APC"),
            (oids.UPS_MODEL, "4", model),
            (oids.UPS_SOFTWARE, "4", p.software),
            (f"{oids.UPS}.1.4.0", "4", "AOS 7.0.4"),
            (oids.UPS_BATTERY_STATUS, "2", "2"),
            (oids.UPS_SECONDS_ON_BATTERY, "2", "0"),
            (oids.UPS_MINUTES_REMAINING, "2", str(35 + h % 30)),
            (oids.UPS_CHARGE, "2", str(90 + h % 11)),
            (oids.UPS_OUTPUT_SOURCE, "2", "3"),
        ]
    for n, (local, remote) in enumerate(neighbours, start=1):
        rows += [
            (f"{oids.LLDP_LOC_PORT_DESCR}.{n}", "4", local),
            (
                f"{oids.LLDP_REM_CHASSIS}.0.{n}.1",
                "4x",
                hashlib.md5(remote.encode()).hexdigest()[:12],
            ),
            (f"{oids.LLDP_REM_PORT_ID}.0.{n}.1", "4", "uplink"),
            (f"{oids.LLDP_REM_SYS_NAME}.0.{n}.1", "4", remote),
        ]
    return snmprec(rows)


def snmprec(rows) -> str:
    """Rows (oid, type, value) → .snmprec text, sorted the way agents walk."""
    ordered = sorted(rows, key=lambda r: tuple(int(x) for x in r[0].split(".")))
    return "".join(f"{oid}|{tag}|{value}\n" for oid, tag, value in ordered)


@dataclass(frozen=True)
class Agent:
    address: str
    text: str  # the .snmprec recording
    community: str
    port: int = 161


def community_for(prefix: str, address: str, port: int = 161) -> str:
    """A community of the device's own (at most 32 characters: snmpsim hashes longer ones)."""
    return f"{prefix}-{address}" + (f"-{port}" if port != 161 else "")


def write_data_dir(directory: Path, agents: list[Agent]) -> Path:
    data = directory / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    for agent in agents:
        (data / f"{agent.community}.snmprec").write_text(agent.text, encoding="utf-8")
    return data


def snmpsim_command() -> str | None:
    """The snmpsim responder installed next to this Python (the venv), else on PATH."""
    local = Path(sys.executable).with_name("snmpsim-command-responder")
    return str(local) if local.exists() else shutil.which("snmpsim-command-responder")


def start_snmpsim(
    directory: Path,
    agents: list[Agent],
    *,
    log_path: Path | None = None,
    wait: float = 30.0,
    prefix: Sequence[str] = (),
) -> subprocess.Popen:
    """Run snmpsim serving `agents`; returns once every endpoint listens (or raises)."""
    command = snmpsim_command()
    if command is None:
        raise RuntimeError("snmpsim is not installed (pip install snmpsim pysmi)")
    data = write_data_dir(directory, agents)
    log_path = log_path or directory / "snmpsim.log"
    argv = [
        *prefix,
        command,
        f"--data-dir={data}",
        f"--cache-dir={directory / 'cache'}",
        "--log-level=error",
    ]
    endpoints = sorted({(a.address, a.port) for a in agents})
    argv += [f"--agent-udpv4-endpoint={address}:{port}" for address, port in endpoints]
    if os.geteuid() == 0:
        # snmpsim drops to nobody by default; nobody cannot import a venv under /root.
        argv += ["--process-user=root", "--process-group=root"]
    log = log_path.open("wb")
    process = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    log.close()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"snmpsim exited: {log_path.read_text(errors='replace')[-2000:]}")
        if _listens(agents[-1]) and _listens(agents[0]) and _all_answer(agents, deadline):
            return process
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(
        f"snmpsim did not start within {wait:g} s: {log_path.read_text(errors='replace')[-2000:]}"
    )


def _listens(agent: Agent) -> bool:
    """Is anything listening on the agent's UDP port? (a bind check, no SNMP needed)"""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind((agent.address, agent.port))
        except OSError:
            return True
    return False


def _all_answer(agents: list[Agent], deadline: float) -> bool:
    """Ask every agent once over SNMP until all answer (or the deadline passes).

    snmpsim indexes a recording on the first request for it; on a busy machine the first round of
    a poller with a short timeout would otherwise meet agents that are still indexing."""
    pending = list(agents)
    with oids.SnmpCollector(timeout=2.0, retries=0) as collector:
        while pending and time.monotonic() < deadline:
            results = collector.poll(
                oids.SnmpTarget(
                    key=i,
                    address=a.address,
                    port=a.port,
                    credentials=oids.SnmpCredentials(version="2c", community=a.community),
                )
                for i, a in enumerate(pending)
            )
            answered = {r.key for r in results if r.ok}
            pending = [a for i, a in enumerate(pending) if i not in answered]
    return not pending


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
