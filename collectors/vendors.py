"""Vendor knowledge as data: where each vendor's agent keeps model, serial, firmware, CPU, memory,
temperature and UPS values, and how they scale. Like the SSH device types in collectors/ssh.py,
adding a vendor is adding an entry here, not code.

A device is matched on its sysObjectID (the longest listed prefix wins); agents that share
Net-SNMP's enterprise number (UniFi, Synology, plain Linux) are told apart by sysDescr or by a
probe OID only that vendor answers. Identity is then taken in this order by the collector: the
ENTITY-MIB chassis (class chassis(3) or stack(11), never a module or a USB controller), the
vendor's own scalars, then the vendor's sysDescr pattern. Health: the vendor's values where it
has them, else the standard MIBs (HOST-RESOURCES, UCD-SNMP for Net-SNMP memory, RFC 1628 UPS).

PURE: no I/O; the OIDs are numeric (no MIB files anywhere).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    """One number: a scalar (`oid` ends in its instance, e.g. `.0`) or, with `column`, a table
    column walked at each visit, its rows combined by `pick` (mean, max or first)."""

    oid: str
    scale: float = 1.0
    column: bool = False
    pick: str = "mean"


@dataclass(frozen=True)
class Memory:
    """Memory in use, as a percentage (`pct`) or from two of used / free / total (any unit)."""

    pct: Reading | None = None
    used: Reading | None = None
    free: Reading | None = None
    total: Reading | None = None

    def readings(self) -> tuple[Reading, ...]:
        return tuple(r for r in (self.pct, self.used, self.free, self.total) if r is not None)


@dataclass(frozen=True)
class UpsRules:
    """A vendor UPS MIB beside RFC 1628: output state numbers meaning battery or mains, charge
    in percent and runtime converted to minutes by `scale`."""

    source: str  # the output-status scalar
    on_battery: frozenset[int]
    on_mains: frozenset[int]
    charge: tuple[Reading, ...] = ()  # first that answers
    minutes: tuple[Reading, ...] = ()  # scaled to minutes
    battery: str | None = None  # battery-status scalar
    battery_states: tuple[tuple[int, str], ...] = ()

    def oids(self) -> tuple[str, ...]:
        found = [self.source, *(r.oid for r in self.charge), *(r.oid for r in self.minutes)]
        if self.battery:
            found.append(self.battery)
        return tuple(found)


# A fan's or power supply's condition, whatever words the vendor's MIB uses.
NORMAL, WARNING, CRITICAL, NOT_PRESENT = "normal", "warning", "critical", "not_present"
SENSOR_STATES = (NORMAL, WARNING, CRITICAL, NOT_PRESENT)
FAN, PSU = "fan", "psu"


@dataclass(frozen=True)
class Sensors:
    """Fans or power supplies in one table (columns walked at each poll) or one scalar.

    `state` is the status column (or scalar: `column=False`); `states` maps its numbers to
    NORMAL/WARNING/CRITICAL/NOT_PRESENT (a number not listed is left out: an unknown state is
    no evidence). `kind` is FAN or PSU; where one table holds several kinds (ProCurve's
    hpicfSensorTable, Juniper's jnxOperatingTable, FortiGate's fgHwSensorTable) `kind_column`
    and `kinds` tell them apart by a type OID, or `kind_from_name` patterns by the row's name,
    and rows of no listed kind are skipped. `present` is a presence column whose `absent`
    number makes the row NOT_PRESENT. `alarm`: the state column is an alarm flag (FortiGate:
    1 = alarm), so anything else is NORMAL.
    """

    state: str
    states: tuple[tuple[int, str], ...] = ()
    kind: str | None = None
    name: str | None = None  # name column (same index as the state column)
    column: bool = True
    kind_column: str | None = None
    kinds: tuple[tuple[str, str], ...] = ()  # (type OID, FAN/PSU)
    kind_from_name: tuple[tuple[str, str], ...] = ()  # (regex, FAN/PSU)
    present: str | None = None
    absent: int | None = None
    label: str | None = None  # scalar's shown name
    alarm: bool = False
    otherwise: str | None = None  # the state of a number not in `states` (None: left out)

    def oids(self) -> tuple[str, ...]:
        return tuple(o for o in (self.state, self.name, self.kind_column, self.present) if o)


def sensor_kind(rules: Sensors, type_oid: str | None, name: str | None) -> str | None:
    """FAN / PSU for one row, or None when the row is of another kind (a temperature sensor)."""
    if rules.kind_column:
        return dict(rules.kinds).get((type_oid or "").lstrip("."))
    if rules.kind_from_name:
        for pattern, kind in rules.kind_from_name:
            if re.search(pattern, name or "", re.IGNORECASE):
                return kind
        return None
    return rules.kind


def sensor_state(rules: Sensors, value: int | None, present: int | None) -> str | None:
    """The shown state of one reading; None when the agent's number means nothing we know."""
    if rules.present and present is not None and present == rules.absent:
        return NOT_PRESENT
    if value is None:
        return None
    if rules.alarm:
        return CRITICAL if value == 1 else NORMAL
    return dict(rules.states).get(value, rules.otherwise)


@dataclass(frozen=True)
class Vendor:
    key: str
    name: str | None  # shown vendor; None = the IANA registry's name of the enterprise number
    prefixes: tuple[str, ...]  # sysObjectID prefixes, numeric, no leading dot
    descr: str | None = None  # sysDescr must match (agents sharing an enterprise number)
    probe: str | None = None  # or: this scalar must answer
    model: tuple[str, ...] = ()  # scalars; several are joined with a space (vendor + model)
    serial: tuple[str, ...] = ()  # scalars, first that answers
    firmware: tuple[str, ...] = ()
    model_column: str | None = None  # a table column whose first row names the model
    firmware_column: str | None = None
    model_from_descr: str | None = None  # regex on sysDescr, group 1
    firmware_from_descr: str | None = None
    firmware_pattern: str | None = None  # regex on the firmware text, group 1 kept
    model_rewrite: tuple[str, str] | None = None  # (regex, replacement) on the model
    # The chassis' entPhysicalDescr is the product's name and entPhysicalModelName only a part
    # number (Aruba CX: "6100 12G Class4 PoE 2G/2SFP+ 139W Switch", "JL679A"): show both.
    model_with_descr: bool = False
    cpu: tuple[Reading, ...] = ()  # first that answers
    memory: Memory | None = None
    temperature: Reading | None = None
    ups: UpsRules | None = None
    sensors: tuple[Sensors, ...] = ()  # fans and power supplies

    def identity_oids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.model, *self.serial, *self.firmware)))

    def health_scalars(self) -> tuple[str, ...]:
        readings = [*self.cpu, *(self.memory.readings() if self.memory else ())]
        if self.temperature:
            readings.append(self.temperature)
        found = [r.oid for r in readings if not r.column]
        found += [o for t in self.sensors if not t.column for o in t.oids()]
        return tuple(dict.fromkeys(found))

    def health_columns(self) -> tuple[str, ...]:
        readings = [*self.cpu, *(self.memory.readings() if self.memory else ())]
        if self.temperature:
            readings.append(self.temperature)
        found = [r.oid for r in readings if r.column]
        found += [o for t in self.sensors if t.column for o in t.oids()]
        return tuple(dict.fromkeys(found))

    @property
    def has_health(self) -> bool:
        return bool(self.cpu or self.memory or self.temperature or self.ups or self.sensors)


E = "1.3.6.1.4.1"  # enterprises


def _r(oid: str, scale: float = 1.0) -> Reading:
    return Reading(oid, scale)


def _col(oid: str, pick: str = "mean", scale: float = 1.0) -> Reading:
    return Reading(oid, scale, column=True, pick=pick)


# Shared by Eaton's and MGE's cards (Eaton bought MGE; the 9PX answers in MGE's MIB).
_MGE = f"{E}.705.1"
_APC_UPS = f"{E}.318.1.1.1"
_CPS_UPS = f"{E}.3808.1.1.1"
_XUPS = f"{E}.534.1"

# -- Fans and power supplies ---------------------------------------------------------------
# CISCO-ENVMON-MIB CiscoEnvMonState: normal, warning, critical, shutdown, notPresent,
# notFunctioning.
_ENVMON = ((1, NORMAL), (2, WARNING), (3, CRITICAL), (4, CRITICAL), (5, NOT_PRESENT), (6, CRITICAL))
CISCO_SENSORS = (
    Sensors(f"{E}.9.9.13.1.4.1.3", _ENVMON, FAN, name=f"{E}.9.9.13.1.4.1.2"),
    Sensors(f"{E}.9.9.13.1.5.1.3", _ENVMON, PSU, name=f"{E}.9.9.13.1.5.1.2"),
)
# HP-ICF-CHASSIS hpicfSensorTable: the type OID says fan or power supply; status unknown(1),
# bad(2), warning(3), good(4), notPresent(5).
_HP_SENSOR = f"{E}.11.2.14.11.1.2.6.1"
HP_SENSORS = (
    Sensors(
        f"{_HP_SENSOR}.4",
        ((2, CRITICAL), (3, WARNING), (4, NORMAL), (5, NOT_PRESENT)),
        name=f"{_HP_SENSOR}.7",
        kind_column=f"{_HP_SENSOR}.2",
        kinds=((f"{E}.11.2.3.7.8.3.1", PSU), (f"{E}.11.2.3.7.8.3.2", FAN)),
    ),
)
# HUAWEI-ENTITY-EXTENT-MIB: hwFanStatusTable (present(1)/absent(2), normal(1)/abnormal(2)) and
# hwPwrStatusTable (supply(1), notSupply(2), sleep(3), unknown(4)).
_HW = f"{E}.2011.5.25.31.1.1"
HUAWEI_SENSORS = (
    Sensors(
        f"{_HW}.10.1.7",
        ((1, NORMAL), (2, CRITICAL)),
        FAN,
        name=f"{_HW}.10.1.8",
        present=f"{_HW}.10.1.6",
        absent=2,
    ),
    Sensors(
        f"{_HW}.18.1.6",
        ((1, NORMAL), (2, CRITICAL), (3, WARNING)),
        PSU,
        name=f"{_HW}.18.1.9",
        present=f"{_HW}.18.1.5",
        absent=2,
    ),
)
# JUNIPER-MIB jnxOperatingTable: one table for every component; the description says which.
# running(2), ready(3), runningAtFullSpeed(5: a fan making up for a failed one), down(6),
# standby(7), reset(4).
JUNIPER_SENSORS = (
    Sensors(
        f"{E}.2636.3.1.13.1.6",
        ((2, NORMAL), (3, NORMAL), (4, WARNING), (5, WARNING), (6, CRITICAL), (7, NORMAL)),
        name=f"{E}.2636.3.1.13.1.5",
        kind_from_name=((r"\bfan", FAN), (r"\b(PEM|power supply|PSU)", PSU)),
    ),
)
# FORTINET-FORTIGATE-MIB fgHwSensorTable: name and an alarm flag per sensor.
FORTIGATE_SENSORS = (
    Sensors(
        f"{E}.12356.101.4.3.2.1.4",
        name=f"{E}.12356.101.4.3.2.1.2",
        kind_from_name=((r"\bfan", FAN), (r"\b(PS|PSU)\d|power supply", PSU)),
        alarm=True,
    ),
)
# SYNOLOGY-SYSTEM-MIB: scalars, normal(1) / failed(2).
SYNOLOGY_SENSORS = (
    Sensors(
        f"{E}.6574.1.4.1.0", ((1, NORMAL), (2, CRITICAL)), FAN, column=False, label="System fan"
    ),
    Sensors(f"{E}.6574.1.4.2.0", ((1, NORMAL), (2, CRITICAL)), FAN, column=False, label="CPU fan"),
    Sensors(f"{E}.6574.1.3.0", ((1, NORMAL), (2, CRITICAL)), PSU, column=False, label="Power"),
)
# QNAP NAS-MIB (QTS 4.4+): systemFan2Table and systemPower2Table, status 0 = ok, -1 = failed.
_QNAP = f"{E}.24681.1.4.1.1.1.1"
QNAP_SENSORS = (
    Sensors(f"{_QNAP}.2.2.1.4", ((0, NORMAL), (-1, CRITICAL)), FAN),
    Sensors(f"{_QNAP}.3.2.1.4", ((0, NORMAL), (-1, CRITICAL)), PSU),
)
# MIKROTIK-MIB: mtxrHlPowerSupplyState / mtxrHlBackupPowerSupplyState, true(1) = ok; only
# dual-supply models answer.
MIKROTIK_SENSORS = (
    Sensors(f"{E}.14988.1.1.3.15.0", ((1, NORMAL), (0, CRITICAL)), PSU, column=False, label="PSU1"),
    Sensors(f"{E}.14988.1.1.3.16.0", ((1, NORMAL), (0, CRITICAL)), PSU, column=False, label="PSU2"),
)
# LM-SENSORS-MIB (Net-SNMP on Linux) has fan speeds and no state: a fan at 0 rpm is either
# stopped or not connected, which SNMP cannot tell apart; shown as not present, never failed.
LM_SENSORS = (
    Sensors(
        f"{E}.2021.13.16.3.1.3",
        ((0, NOT_PRESENT),),
        FAN,
        name=f"{E}.2021.13.16.3.1.2",
        otherwise=NORMAL,
    ),
)
# ENTITY-SENSOR-MIB: entPhySensorType rpm(10) is a fan; entPhySensorOperStatus ok(1),
# unavailable(2), nonoperational(3).
ENTITY_SENSORS = (
    Sensors(
        "1.3.6.1.2.1.99.1.1.1.5",
        ((1, NORMAL), (3, CRITICAL)),
        kind_column="1.3.6.1.2.1.99.1.1.1.1",
        kinds=(("10", FAN),),
    ),
)

VENDORS: tuple[Vendor, ...] = (
    # -- Cisco ------------------------------------------------------------------------------
    Vendor(
        "cisco-wireless",
        "Cisco",
        (f"{E}.9.6.1.37", f"{E}.14179"),
        model=(f"{E}.14179.1.1.1.3.0",),
        serial=(f"{E}.14179.1.1.1.4.0",),
        firmware=(f"{E}.14179.1.1.1.13.0",),
        cpu=(_r(f"{E}.14179.1.1.5.1.0"),),
        memory=Memory(total=_r(f"{E}.14179.1.1.5.2.0"), free=_r(f"{E}.14179.1.1.5.3.0")),
    ),
    Vendor(
        "cisco-business",
        "Cisco",
        (f"{E}.9.6.1",),
        model_from_descr=r"^(\S+)",
        # rlCpuUtilDuringLast5Minutes
        cpu=(_r(f"{E}.9.6.1.101.1.9.0"),),
    ),
    Vendor(
        "cisco",
        "Cisco",
        (f"{E}.9",),
        firmware_from_descr=r"Version ([^ ,]+)",
        # cpmCPUTotal5minRev, then the older cpmCPUTotal5min
        cpu=(_col(f"{E}.9.9.109.1.1.1.1.8"), _col(f"{E}.9.9.109.1.1.1.1.5")),
        # ciscoMemoryPool row 1 is the processor pool
        memory=Memory(used=_r(f"{E}.9.9.48.1.1.1.5.1"), free=_r(f"{E}.9.9.48.1.1.1.6.1")),
        temperature=_col(f"{E}.9.9.13.1.3.1.3", "max"),
        sensors=CISCO_SENSORS,
    ),
    # -- HPE / Aruba ------------------------------------------------------------------------
    Vendor(
        "aruba-instant",
        "Aruba",
        (f"{E}.14823",),
        cpu=(_col(f"{E}.14823.2.3.3.1.2.1.1.7"),),
        memory=Memory(
            free=_col(f"{E}.14823.2.3.3.1.2.1.1.8", "first"),
            total=_col(f"{E}.14823.2.3.3.1.2.1.1.10", "first"),
        ),
    ),
    Vendor("aruba-cx", "Aruba", (f"{E}.47196",), model_with_descr=True, sensors=ENTITY_SENSORS),
    Vendor(
        "procurve",
        "HPE",
        (f"{E}.11",),
        model_from_descr=r"\b(J\d{4}[A-Z])\b",
        firmware_from_descr=r"revision ([A-Z]{1,2}\.[\d.]+)",
        cpu=(_r(f"{E}.11.2.14.11.5.1.9.6.1.0"),),
        memory=Memory(
            total=_r(f"{E}.11.2.14.11.5.1.1.2.1.1.1.5.1"),
            used=_r(f"{E}.11.2.14.11.5.1.1.2.1.1.1.7.1"),
        ),
        sensors=HP_SENSORS,
    ),
    # -- Huawei (UPS cards first: a longer prefix) ---------------------------------------------
    Vendor("huawei-ups", "Huawei", (f"{E}.2011.6.174",)),
    Vendor(
        "huawei",
        "Huawei",
        (f"{E}.2011",),
        model_from_descr=r"^(\S+) Huawei",
        firmware_from_descr=r"Version ([\d.]+ \([^)]*\))",
        firmware_pattern=r"^(?:Version\s+)?(.+)$",
        # hwEntityCpuUsage / MemUsage / Temperature: one row per board, 0 where not measured
        cpu=(_col(f"{E}.2011.5.25.31.1.1.1.1.5", "max"),),
        memory=Memory(pct=_col(f"{E}.2011.5.25.31.1.1.1.1.7", "max")),
        temperature=_col(f"{E}.2011.5.25.31.1.1.1.1.11", "max"),
        sensors=HUAWEI_SENSORS,
    ),
    Vendor("h3c", "H3C", (f"{E}.25506",)),
    Vendor("ruijie", "Ruijie", (f"{E}.4881",)),
    # -- MikroTik ---------------------------------------------------------------------------
    Vendor(
        "mikrotik",
        "MikroTik",
        (f"{E}.14988",),
        model=(f"{E}.14988.1.1.7.9.0",),
        serial=(f"{E}.14988.1.1.7.3.0",),
        firmware=(f"{E}.14988.1.1.4.4.0", f"{E}.14988.1.1.7.4.0"),
        model_from_descr=r"^RouterOS (\S+)",
        temperature=_r(f"{E}.14988.1.1.3.10.0", 0.1),
        sensors=MIKROTIK_SENSORS,
    ),
    # -- TP-Link, D-Link, Zyxel -----------------------------------------------------------------
    Vendor(
        "tplink",
        "TP-Link",
        (f"{E}.11863",),
        model=(f"{E}.11863.6.1.1.5.0",),
        serial=(f"{E}.11863.6.1.1.8.0",),
        firmware=(f"{E}.11863.6.1.1.6.0",),
        # tpSysMonitorCpu1Minute, tpSysMonitorMemoryUtilization
        cpu=(_col(f"{E}.11863.6.4.1.1.1.1.3"),),
        memory=Memory(pct=_col(f"{E}.11863.6.4.1.2.1.1.2")),
    ),
    Vendor(
        "dlink",
        "D-Link",
        (f"{E}.171",),
        model_from_descr=r"^(D[A-Z]{2}-[\w-]+)",
        # dEntityExtCpuUtilFiveMinutes; dEntityExtMemoryUtilTable row 1 is the DRAM
        cpu=(_col(f"{E}.171.14.5.1.7.1.4", "first"), _r(f"{E}.171.12.1.1.6.3.0")),
        memory=Memory(
            total=_col(f"{E}.171.14.5.1.4.1.3", "first"),
            used=_col(f"{E}.171.14.5.1.4.1.4", "first"),
        ),
    ),
    Vendor(
        "zyxel",
        "Zyxel",
        (f"{E}.890",),
        model=(f"{E}.890.1.15.3.1.11.0",),
        serial=(f"{E}.890.1.15.3.1.12.0",),
        firmware=(f"{E}.890.1.15.3.1.6.0",),
        firmware_pattern=r"^(\S+)",
        cpu=(_r(f"{E}.890.1.15.3.2.7.0"), _r(f"{E}.890.1.15.3.2.4.0")),
        memory=Memory(pct=_r(f"{E}.890.1.15.3.2.5.0")),
    ),
    # -- Firewalls --------------------------------------------------------------------------
    Vendor(
        "fortigate",
        "Fortinet",
        (f"{E}.12356",),
        serial=(f"{E}.12356.100.1.1.1.0",),
        firmware=(f"{E}.12356.101.4.1.1.0",),
        model_rewrite=(r"^FGT_?", "FortiGate "),
        cpu=(_r(f"{E}.12356.101.4.1.3.0"),),
        memory=Memory(pct=_r(f"{E}.12356.101.4.1.4.0")),
        sensors=FORTIGATE_SENSORS,
    ),
    Vendor(
        "pfsense",
        "pfSense",
        (f"{E}.12325",),
        descr=r"pfSense",
        model_from_descr=r"\b(amd64|i386|arm64|armv\w+)\s*$",
        # "pfSense <host> 2.7.2-RELEASE pfSense FreeBSD 14.0-CURRENT amd64": the first version
        firmware_from_descr=r"\b(\d+\.\d+(?:\.\d+)?-(?:RELEASE|RC\d*|BETA\d*|DEVELOPMENT)(?:-p\d+)?)",
    ),
    Vendor(
        "opnsense",
        "OPNsense",
        (f"{E}.12325",),
        descr=r"OPNsense",
        firmware_from_descr=r"\b(\d+\.\d+(?:\.\d+)?(?:_\d+)?)\b",
    ),
    Vendor("sophos", "Sophos", (f"{E}.2604", f"{E}.21067")),
    Vendor(
        "juniper",
        "Juniper",
        (f"{E}.2636",),
        model=(f"{E}.2636.3.1.2.0",),
        serial=(f"{E}.2636.3.1.3.0",),
        firmware_from_descr=r"JUNOS ([\w.\-]+)",
        # jnxOperatingTable: routing engine rows carry CPU and buffer (memory) use
        cpu=(_col(f"{E}.2636.3.1.13.1.8", "max"),),
        memory=Memory(pct=_col(f"{E}.2636.3.1.13.1.11", "max")),
        temperature=_col(f"{E}.2636.3.1.13.1.7", "max"),
        sensors=JUNIPER_SENSORS,
    ),
    # -- Ubiquiti ---------------------------------------------------------------------------
    Vendor(
        "airos",
        "Ubiquiti",
        (f"{E}.10002", f"{E}.41112"),
        descr=r"^Linux",
        model_column="1.2.840.10036.3.1.2.1.3",
        firmware_column="1.2.840.10036.3.1.2.1.4",
        firmware_pattern=r"\.v(\d[\w.\-]*)$",
        cpu=(_r(f"{E}.41112.1.4.8.3.0", 0.01),),
    ),
    Vendor(
        "unifi",
        "Ubiquiti",
        (f"{E}.8072", f"{E}.41112", f"{E}.10002"),
        descr=r"^U[A-Z0-9]*-[\w-]+ \d",
        model=(f"{E}.41112.1.6.3.3.0",),
        firmware=(f"{E}.41112.1.6.3.6.0",),
        model_from_descr=r"^(\S+) ",
        firmware_from_descr=r"^\S+ ([\d.]+)",
        memory=Memory(total=_r(f"{E}.10002.1.1.1.1.1.0"), free=_r(f"{E}.10002.1.1.1.1.2.0")),
    ),
    Vendor(
        "edgeswitch",
        "Ubiquiti",
        (f"{E}.4413",),
        descr=r"EdgeSwitch|EdgeMAX",
        model_from_descr=r"(ES-[\w-]+)",
        firmware_from_descr=r", ([\d.]+),",
    ),
    Vendor(
        "edgeos",
        "Ubiquiti",
        (f"{E}.41112",),
        descr=r"EdgeOS|EdgeRouter",
        firmware_from_descr=r"v([\d.]+)",
    ),
    # -- UPS --------------------------------------------------------------------------------
    Vendor(
        "apc",
        "APC",
        (f"{E}.318",),
        model=(f"{_APC_UPS}.1.1.1.0",),
        serial=(f"{_APC_UPS}.1.2.3.0",),
        firmware_from_descr=r"PF:(v[\d.]+)",
        ups=UpsRules(
            source=f"{_APC_UPS}.4.1.1.0",  # upsBasicOutputStatus
            on_battery=frozenset({3, 11}),  # onBattery, sleepingUntilPowerReturn
            on_mains=frozenset({2, 4, 6, 9, 12, 13, 14}),
            charge=(_r(f"{_APC_UPS}.2.3.1.0", 0.1), _r(f"{_APC_UPS}.2.2.1.0")),
            minutes=(_r(f"{_APC_UPS}.2.2.3.0", 1 / 6000),),  # TimeTicks
            battery=f"{_APC_UPS}.2.1.1.0",
            battery_states=((1, "unknown"), (2, "normal"), (3, "low"), (4, "depleted")),
        ),
    ),
    Vendor(
        "cyberpower",
        "CyberPower",
        (f"{E}.3808",),
        model=(f"{_CPS_UPS}.1.1.1.0",),
        serial=(f"{_CPS_UPS}.1.2.3.0",),
        firmware=(f"{_CPS_UPS}.1.2.1.0",),
        ups=UpsRules(
            source=f"{_CPS_UPS}.4.1.1.0",  # upsBaseOutputStatus
            on_battery=frozenset({3}),
            on_mains=frozenset({2, 4, 6, 9, 12}),
            charge=(_r(f"{_CPS_UPS}.2.2.1.0"),),
            minutes=(_r(f"{_CPS_UPS}.2.2.4.0", 1 / 6000),),
            battery=f"{_CPS_UPS}.2.1.1.0",
            battery_states=((1, "unknown"), (2, "normal"), (3, "low")),
        ),
    ),
    Vendor(
        "eaton-mge",
        "Eaton",
        (f"{E}.705",),
        model=(f"{_MGE}.1.1.0", f"{_MGE}.1.2.0"),
        serial=(f"{_MGE}.1.7.0",),
        firmware=(f"{_MGE}.1.4.0",),
        ups=UpsRules(
            source=f"{_MGE}.7.3.0",  # upsmgOutputOnBattery: yes(1) / no(2)
            on_battery=frozenset({1}),
            on_mains=frozenset({2}),
            charge=(_r(f"{_MGE}.5.2.0"),),
            minutes=(_r(f"{_MGE}.5.1.0", 1 / 60),),  # seconds
        ),
    ),
    Vendor(
        "eaton",
        "Eaton",
        (f"{E}.534",),
        model=(f"{_XUPS}.1.2.0",),
        firmware=(f"{_XUPS}.1.1.0",),
        ups=UpsRules(
            source=f"{_XUPS}.4.5.0",  # xupsOutputSource: battery(5)
            on_battery=frozenset({5}),
            on_mains=frozenset({3, 4, 6, 7, 9}),
            charge=(_r(f"{_XUPS}.2.4.0"),),
            minutes=(_r(f"{_XUPS}.2.1.0", 1 / 60),),
        ),
    ),
    # -- Storage and servers ------------------------------------------------------------------
    Vendor(
        "synology",
        "Synology",
        (f"{E}.8072", f"{E}.6574"),
        probe=f"{E}.6574.1.5.1.0",
        model=(f"{E}.6574.1.5.1.0",),
        serial=(f"{E}.6574.1.5.2.0",),
        firmware=(f"{E}.6574.1.5.3.0",),
        temperature=_r(f"{E}.6574.1.2.0"),
        sensors=SYNOLOGY_SENSORS,
    ),
    Vendor(
        "qnap",
        "QNAP",
        (f"{E}.24681", f"{E}.55062"),
        firmware_pattern=r"^[\\\"' ]*(.*?)[\\\"' ]*$",
        sensors=QNAP_SENSORS,
    ),
    Vendor(
        "windows",
        "Microsoft",
        (f"{E}.311",),
        firmware_from_descr=r"Software: (Windows .*?Version [\d.]+(?: \(Build \d+)?)",
    ),
    Vendor(
        "linux",
        None,
        (f"{E}.8072",),
        firmware_from_descr=r"^Linux \S+ (\S+)",
        sensors=LM_SENSORS,
    ),
)

# Probes asked at every inventory of an agent with a shared enterprise number.
PROBES = tuple(v.probe for v in VENDORS if v.probe)
_BY_KEY = {v.key: v for v in VENDORS}


def by_key(key: str | None) -> Vendor | None:
    return _BY_KEY.get(key) if key else None


def match(object_id: str | None, descr: str | None, answered: frozenset[str] = frozenset()):
    """The vendor rules for a device: the longest sysObjectID prefix whose sysDescr pattern or
    probe (if any) holds. `answered` = the probe OIDs that got a value. None when nothing fits."""
    oid = (object_id or "").lstrip(".")
    best: tuple[tuple[int, bool], Vendor] | None = None
    for vendor in VENDORS:
        for prefix in vendor.prefixes:
            if oid != prefix and not oid.startswith(prefix + "."):
                continue
            if vendor.descr and not re.search(vendor.descr, descr or ""):
                continue
            if vendor.probe and vendor.probe not in answered:
                continue
            # Longer prefix first; among equals, a rule with a condition (descr, probe) first;
            # then the earlier entry.
            rank = (len(prefix), bool(vendor.descr or vendor.probe))
            if best is None or rank > best[0]:
                best = (rank, vendor)
    return best[1] if best else None


def from_descr(pattern: str | None, descr: str | None) -> str | None:
    if not pattern or not descr:
        return None
    found = re.search(pattern, descr)
    return found.group(1).strip() or None if found else None


def tidy(value: str | None, pattern: str | None) -> str | None:
    """A firmware text through the vendor's pattern (group 1), or as it is."""
    if not value or not pattern:
        return value
    found = re.search(pattern, value)
    return (found.group(1).strip() or None) if found else value


def rewrite(model: str | None, rule: tuple[str, str] | None) -> str | None:
    if not model or not rule:
        return model
    return re.sub(rule[0], rule[1], model).strip() or model


def combine(values: list[float], pick: str) -> float | None:
    if not values:
        return None
    if pick == "max":
        return max(values)
    if pick == "first":
        return values[0]
    return sum(values) / len(values)


def memory_pct(rules: Memory, values: dict[str, float]) -> float | None:
    """Percent in use from whichever two of used/free/total the vendor gives."""

    def get(reading: Reading | None) -> float | None:
        return None if reading is None else values.get(reading.oid)

    pct, used, free, total = get(rules.pct), get(rules.used), get(rules.free), get(rules.total)
    if pct is not None:
        return pct if 0 <= pct <= 100 else None
    if total is None and used is not None and free is not None:
        total = used + free
    if used is None and total is not None and free is not None:
        used = total - free
    if used is None or not total or total <= 0 or used < 0 or used > total:
        return None
    return round(100.0 * used / total, 1)


# -- Storage: which hrStorage rows are disks worth showing -------------------------------------

HR_STORAGE_FIXED_DISK = "1.3.6.1.2.1.25.2.1.4"
HR_FS_TYPES = "1.3.6.1.2.1.25.3.9."  # BSD agents (pfSense) type rows by filesystem instead
HR_FS_OTHER = "1.3.6.1.2.1.25.3.9.1"
MIN_DISK_BYTES = 4 * 2**20  # smaller is a devfs, a RAM disk or a boot partition, not a disk
MAX_IMAGE_BYTES = 2**30  # a full filesystem this small is a read-only image (squashfs)
_PSEUDO = re.compile(r"^/(dev|proc|sys|run)(/|$)|^/var/run$|^/sys/fs/cgroup")
_PSEUDO_TYPE = re.compile(
    r"\b(devfs|procfs|sysfs|tmpfs|devtmpfs|cgroup2?|overlay|squashfs|nullfs|fdescfs|linprocfs)\b",
    re.IGNORECASE,
)


def _mount_point(descr: str) -> str:
    """Where a filesystem is mounted, from the ways agents describe it: "/", Junos'
    "/dev/gpt/junos: root file system, mounted on: /", bsnmpd's "/, type: ufs, dev: …"."""
    if "mounted on: " in descr:
        return descr.rsplit("mounted on: ", 1)[1].strip()
    return descr.split(", type:", 1)[0].strip()


def is_disk(kind_oid: str, descr: str, size_bytes: int, used_bytes: int) -> bool:
    """A fixed disk (or a BSD filesystem row) that is not a pseudo filesystem, not tiny and not
    a read-only image (full to the last block and small)."""
    if kind_oid != HR_STORAGE_FIXED_DISK and not (
        kind_oid.startswith(HR_FS_TYPES) and kind_oid != HR_FS_OTHER
    ):
        return False
    if _PSEUDO.search(_mount_point(descr)) or _PSEUDO_TYPE.search(descr):
        return False
    if size_bytes < MIN_DISK_BYTES:
        return False
    return not (used_bytes >= size_bytes and size_bytes < MAX_IMAGE_BYTES)
