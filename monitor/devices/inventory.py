"""The inventory and a device's SNMP side, as the web front and the API read them; the typed
fields an operator edits; the Excel/CSV export.

Typed values (devices.model/serial, typed or imported) and collected values (snmp_status.model/
serial, from ENTITY-MIB) are kept apart. A row carries both; `shown_*` is what a page shows first
(the typed value when there is one), and `*_differs` says when the device reports something else,
so the page can show both instead of silently choosing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import desc, func, select

from monitor.db.models import (
    Device,
    DeviceReboot,
    DeviceState,
    Site,
    SnmpInterface,
    SnmpProfile,
    SnmpStatus,
    TrafficRollup,
    TrafficSample,
)
from monitor.devices import collected as cv
from monitor.domain import Status
from monitor.localtime import as_utc, common_era_year, to_local, utcnow
from monitor.reports import spreadsheet

NOT_CONFIGURED = "not_configured"
SNMP_STATES = ("ok", "timeout", "auth_error", "error", NOT_CONFIGURED, "pending")


# --------------------------------------------------------------------------------------------
# Inventory rows


@dataclass(frozen=True)
class InventoryRow:
    id: int
    site_code: str
    site_name: str
    name: str
    kind: str
    address: str | None  # None: an asset nothing polls
    state: str  # ping state
    snmp_state: str  # SNMP_STATES
    typed_model: str | None
    typed_serial: str | None
    vendor: str | None
    collected_model: str | None
    collected_serial: str | None
    firmware: str | None
    uptime_seconds: int | None
    location: str | None
    purchase_date: date | None
    warranty_end: date | None
    eol_date: date | None
    last_seen: datetime | None
    notes: str | None = None

    @property
    def shown_model(self) -> str | None:
        return self.typed_model or self.collected_model

    @property
    def shown_serial(self) -> str | None:
        return self.typed_serial or self.collected_serial

    @property
    def model_differs(self) -> bool:
        return _differs(self.typed_model, self.collected_model)

    @property
    def serial_differs(self) -> bool:
        return _differs(self.typed_serial, self.collected_serial)


def _differs(typed: str | None, collected: str | None) -> bool:
    if not typed or not collected:
        return False
    a, b = typed.strip().casefold(), collected.strip().casefold()
    # "C9300-48P" typed and "Cisco C9300-48P" reported are the same device
    return not (a in b or b in a)


# Stands in for "never seen"; only compared with itself, since the None flag before it decides.
_NEVER = datetime.min.replace(tzinfo=UTC)
SORT_KEYS = {
    "site": lambda r: (r.site_code, r.name),
    "name": lambda r: (r.name.casefold(), r.site_code),
    "kind": lambda r: (r.kind, r.site_code, r.name),
    "vendor": lambda r: ((r.vendor or "\uffff").casefold(), r.site_code, r.name),
    "model": lambda r: ((r.shown_model or "\uffff").casefold(), r.site_code, r.name),
    "serial": lambda r: ((r.shown_serial or "\uffff"), r.site_code, r.name),
    "firmware": lambda r: ((r.firmware or "\uffff"), r.site_code, r.name),
    "uptime": lambda r: (r.uptime_seconds is None, r.uptime_seconds or 0, r.site_code),
    "address": lambda r: (_address_key(r.address), r.site_code),
    "purchase": lambda r: (r.purchase_date is None, r.purchase_date or date.min, r.site_code),
    "warranty": lambda r: (r.warranty_end is None, r.warranty_end or date.min, r.site_code),
    "eol": lambda r: (r.eol_date is None, r.eol_date or date.min, r.site_code),
    "seen": lambda r: (r.last_seen is None, r.last_seen or _NEVER, r.site_code),
}


def _address_key(address: str | None):
    if address is None:  # an asset nothing polls: after every address
        return (2, (), "")
    parts = address.split(".")
    if len(parts) == 4 and all(p.isdigit() for p in parts):
        return (0, tuple(int(p) for p in parts), "")
    return (1, (), address)


@dataclass(frozen=True)
class InventoryFilter:
    q: str = ""
    site: str = ""
    kind: str = ""
    snmp: str = ""
    sort: str = "site"
    descending: bool = False


def inventory_rows(
    session,
    flt: InventoryFilter = InventoryFilter(),
    now: datetime | None = None,
    device_id: int | None = None,
) -> list[InventoryRow]:
    """Every enabled device with its typed and collected facts, in one query of plain columns.

    The site and kind filters (and `device_id`, for the edit page) narrow the query itself: a
    service area's register holds 30,000 assets, and a page of one school must not read them all
    (bench/asset_register.py). The free-text and SNMP-state filters and the sort stay in Python,
    over what is left."""
    now = now or utcnow()
    query = (
        select(*_INVENTORY_COLUMNS)
        .join(Site, Site.id == Device.site_id)
        .outerjoin(DeviceState, DeviceState.device_id == Device.id)
        .outerjoin(SnmpStatus, SnmpStatus.device_id == Device.id)
        .where(Device.enabled.is_(True), Site.enabled.is_(True))
    )
    if flt.site:
        query = query.where(Site.code == flt.site)
    if flt.kind:
        query = query.where(Device.kind == flt.kind)
    if device_id is not None:
        query = query.where(Device.id == device_id)
    result = [_row(_Fetched(*r), now) for r in session.execute(query)]
    return filter_and_sort(result, flt)


# What the page shows, and no more: ORM objects of 30,000 devices cost seconds to build.
_INVENTORY_COLUMNS = (
    Device.id,
    Site.code,
    Site.name,
    Device.name,
    Device.kind,
    Device.address,
    Device.snmp_version,
    Device.snmp_profile_id,
    Device.model,
    Device.serial,
    Device.location,
    Device.purchase_date,
    Device.warranty_end,
    Device.eol_date,
    Device.notes,
    DeviceState.status,
    DeviceState.last_check_at,
    SnmpStatus.state,
    SnmpStatus.ok_at,
    SnmpStatus.uptime_cs,
    SnmpStatus.vendor,
    SnmpStatus.model,
    SnmpStatus.serial,
    SnmpStatus.firmware,
)


@dataclass(frozen=True)
class _Fetched:
    """One row of `_INVENTORY_COLUMNS`, by name."""

    id: int
    site_code: str
    site_name: str
    name: str
    kind: str
    address: str | None
    snmp_version: str | None
    snmp_profile_id: int | None
    model: str | None
    serial: str | None
    location: str | None
    purchase_date: date | None
    warranty_end: date | None
    eol_date: date | None
    notes: str | None
    status: str | None
    last_check_at: datetime | None
    snmp_state: str | None  # None: no snmp_status row yet
    ok_at: datetime | None
    uptime_cs: int | None
    vendor: str | None
    collected_model: str | None
    collected_serial: str | None
    firmware: str | None


def filter_and_sort(rows: list[InventoryRow], flt: InventoryFilter) -> list[InventoryRow]:
    needle = flt.q.strip().casefold()
    if needle:
        rows = [
            r
            for r in rows
            if needle
            in " ".join(
                str(v)
                for v in (
                    r.site_code,
                    r.site_name,
                    r.name,
                    r.address,
                    r.vendor,
                    r.typed_model,
                    r.collected_model,
                    r.typed_serial,
                    r.collected_serial,
                    r.firmware,
                    r.location,
                )
                if v
            ).casefold()
        ]
    if flt.site:
        rows = [r for r in rows if r.site_code == flt.site]
    if flt.kind:
        rows = [r for r in rows if r.kind == flt.kind]
    if flt.snmp:
        rows = [r for r in rows if r.snmp_state == flt.snmp]
    key = SORT_KEYS.get(flt.sort, SORT_KEYS["site"])
    return sorted(rows, key=key, reverse=flt.descending)


def _configured(device: Device) -> bool:
    return bool(device.snmp_version or device.snmp_profile_id)


def _state_of(configured: bool, state: str | None) -> str:
    if not configured:
        return NOT_CONFIGURED
    return state if state is not None else "pending"


def _snmp_state(device: Device, snmp: SnmpStatus | None) -> str:
    return _state_of(_configured(device), snmp.state if snmp is not None else None)


def _uptime_from(uptime: object, ok_at: datetime | None, now: datetime) -> int | None:
    """sysUpTime at the last good poll, plus the time since (while the device keeps answering)."""
    uptime_cs = cv.integer(uptime)
    if uptime_cs is None or ok_at is None:
        return None
    return uptime_cs // 100 + max(0, int((now - as_utc(ok_at)).total_seconds()))


def _uptime(snmp: SnmpStatus | None, now: datetime) -> int | None:
    return None if snmp is None else _uptime_from(snmp.uptime_cs, snmp.ok_at, now)


def _row(f: _Fetched, now: datetime) -> InventoryRow:
    has_snmp = f.snmp_state is not None
    seen = [t for t in (f.ok_at, (f.last_check_at if f.status == Status.UP else None)) if t]
    return InventoryRow(
        id=f.id,
        site_code=f.site_code,
        site_name=f.site_name,
        name=f.name,
        kind=f.kind,
        address=f.address,
        state=f.status or "unknown",
        snmp_state=_state_of(bool(f.snmp_version or f.snmp_profile_id), f.snmp_state),
        typed_model=f.model,
        typed_serial=f.serial,
        vendor=cv.text(f.vendor, 100) if has_snmp else None,
        collected_model=cv.text(f.collected_model, 200) if has_snmp else None,
        collected_serial=cv.text(f.collected_serial, 100) if has_snmp else None,
        firmware=cv.text(f.firmware, 100) if has_snmp else None,
        uptime_seconds=_uptime_from(f.uptime_cs, f.ok_at, now) if f.snmp_state == "ok" else None,
        location=f.location,
        purchase_date=f.purchase_date,
        warranty_end=f.warranty_end,
        eol_date=f.eol_date,
        last_seen=max(as_utc(t) for t in seen) if seen else None,
        notes=f.notes,
    )


# --------------------------------------------------------------------------------------------
# Typed fields


TYPED_FIELDS = ("model", "serial", "location", "purchase_date", "warranty_end", "eol_date", "notes")
TEXT_LIMITS = {"model": 200, "serial": 200, "location": 200, "notes": 2000}


class TypedFieldError(ValueError):
    """A typed value is not acceptable; `field` names it."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def parse_typed_fields(form: dict[str, str]) -> dict[str, object]:
    """Form text → typed values (empty → None). Dates as YYYY-MM-DD (HTML date inputs), with a
    Buddhist-era year (> 2400) taken back to the common era."""
    values: dict[str, object] = {}
    for name in TYPED_FIELDS:
        raw = (form.get(name) or "").strip()
        if name in TEXT_LIMITS:
            if len(raw) > TEXT_LIMITS[name]:
                raise TypedFieldError(name, f"at most {TEXT_LIMITS[name]} characters")
            values[name] = raw or None
            continue
        if not raw:
            values[name] = None
            continue
        try:
            year, month, day = (int(p) for p in raw.split("-"))
            values[name] = date(common_era_year(year), month, day)
        except ValueError:
            raise TypedFieldError(name, "not a date (YYYY-MM-DD)") from None
    return values


def update_typed_fields(
    session, device_id: int, values: dict[str, object], profile_id: int | str | None = "keep"
) -> bool:
    device = session.get(Device, device_id)
    if device is None:
        return False
    for name, value in values.items():
        setattr(device, name, value)
    if profile_id != "keep":
        device.snmp_profile_id = profile_id
    device.updated_at = utcnow()
    return True


def profile_choices(session) -> list[tuple[int, str]]:
    return [
        (p.id, p.name)
        for p in session.execute(select(SnmpProfile).order_by(SnmpProfile.name)).scalars()
    ]


# --------------------------------------------------------------------------------------------
# A device's SNMP side (device page, API)


@dataclass(frozen=True)
class InterfaceRow:
    if_index: int
    name: str
    alias: str | None
    descr: str | None
    oper_status: str | None
    admin_status: str | None
    speed_mbps: float | None
    in_bps: float | None
    out_bps: float | None
    utilisation_pct: float | None
    errors_per_min: float | None
    discards_per_min: float | None


@dataclass(frozen=True)
class DeviceSnmp:
    state: str  # SNMP_STATES
    error: str | None
    polled_at: datetime | None
    ok_at: datetime | None
    failing_since: datetime | None
    inventory_at: datetime | None
    sys_descr: str | None
    sys_name: str | None
    sys_location: str | None
    sys_contact: str | None
    sys_object_id: str | None
    vendor: str | None
    model: str | None
    serial: str | None
    firmware: str | None
    uptime_seconds: int | None
    cpu_pct: float | None
    memory_pct: float | None
    storage: list[dict]
    temperature_c: float | None
    ups: dict | None
    neighbours: list[dict] | None
    interfaces: list[InterfaceRow] = field(default_factory=list)
    reboots: list[datetime] = field(default_factory=list)
    configured: bool = True
    sensors: list[dict] = field(default_factory=list)  # fans and power supplies

    @property
    def traffic_ports(self) -> list[InterfaceRow]:
        """Up interfaces for the chart's port picker, busiest first; those without a rate yet
        (first poll, no counters) after them in index order."""
        live = [i for i in self.interfaces if i.oper_status == "up"]
        return sorted(live, key=lambda i: (i.in_bps is None, -(i.in_bps or 0.0)))


def device_snmp(session, device_id: int, now: datetime | None = None) -> DeviceSnmp | None:
    """Everything SNMP knows about one device, in four queries; None if no such device."""
    now = now or utcnow()
    device = session.get(Device, device_id)
    if device is None:
        return None
    snmp = session.get(SnmpStatus, device_id)
    interfaces = (
        session.execute(
            select(SnmpInterface)
            .where(SnmpInterface.device_id == device_id)
            .order_by(SnmpInterface.if_index)
        )
        .scalars()
        .all()
    )
    reboots = (
        session.execute(
            select(DeviceReboot.detected_at)
            .where(DeviceReboot.device_id == device_id)
            .order_by(desc(DeviceReboot.detected_at))
            .limit(5)
        )
        .scalars()
        .all()
    )
    ups = None
    if snmp is not None and snmp.has_ups:
        ups = {
            "on_battery": cv.flag(snmp.ups_on_battery),
            "battery_status": cv.choice(snmp.ups_battery_status, cv.UPS_BATTERY_STATES),
            "charge_pct": cv.integer(snmp.ups_charge_pct, 0, 100),
            "minutes_remaining": cv.integer(snmp.ups_minutes_remaining, 0, 1_000_000),
        }
    s = snmp
    return DeviceSnmp(
        state=_snmp_state(device, snmp),
        error=cv.text(s.error, 200) if s else None,
        polled_at=s.polled_at if s else None,
        ok_at=s.ok_at if s else None,
        failing_since=s.failing_since if s else None,
        inventory_at=s.inventory_at if s else None,
        sys_descr=cv.text(s.sys_descr) if s else None,
        sys_name=cv.text(s.sys_name, 200) if s else None,
        sys_location=cv.text(s.sys_location, 200) if s else None,
        sys_contact=cv.text(s.sys_contact, 200) if s else None,
        sys_object_id=cv.text(s.sys_object_id, 128) if s else None,
        vendor=cv.text(s.vendor, 100) if s else None,
        model=cv.text(s.model, 200) if s else None,
        serial=cv.text(s.serial, 100) if s else None,
        firmware=cv.text(s.firmware, 100) if s else None,
        uptime_seconds=_uptime(s, now) if s and s.state == "ok" else None,
        cpu_pct=cv.percent(s.cpu_pct) if s else None,
        memory_pct=cv.percent(s.memory_pct) if s else None,
        storage=cv.storage_rows(s.storage) if s else [],
        temperature_c=cv.number(s.temperature_c, -50.0, 200.0) if s else None,
        ups=ups,
        neighbours=cv.neighbour_rows(s.neighbours) if s else None,
        interfaces=[
            InterfaceRow(
                if_index=i.if_index,
                name=cv.text(i.name, 100) or cv.text(i.descr, 100) or f"#{i.if_index}",
                alias=cv.text(i.alias, 255),
                descr=cv.text(i.descr, 255),
                oper_status=cv.choice(i.oper_status, cv.IF_STATES),
                admin_status=cv.choice(i.admin_status, cv.IF_STATES),
                speed_mbps=cv.number(i.speed_mbps, 0.0, cv.MAX_BPS / 1e6),
                in_bps=cv.bits_per_second(i.in_bps),
                out_bps=cv.bits_per_second(i.out_bps),
                utilisation_pct=cv.number(i.utilisation_pct, 0.0, 1000.0),
                errors_per_min=cv.number(i.errors_per_min),
                discards_per_min=cv.number(i.discards_per_min),
            )
            for i in interfaces
        ],
        reboots=[as_utc(r) for r in reboots],
        configured=_configured(device),
        sensors=cv.sensor_rows(s.sensors) if s else [],
    )


def snmp_json(detail: DeviceSnmp | None) -> dict:
    """The API's SNMP fields of /api/v1/devices/<id> (no credential is ever read here)."""
    if detail is None:
        detail_state = NOT_CONFIGURED
        return {
            "snmp_state": detail_state,
            "snmp_error": None,
            "sys_descr": None,
            "sys_name": None,
            "vendor": None,
            "model": None,
            "serial": None,
            "firmware": None,
            "uptime_seconds": None,
            "cpu_pct": None,
            "memory_pct": None,
            "temperature_c": None,
            "sensors": [],
            "interfaces": [],
            "ups": None,
        }
    ups = None
    if detail.ups is not None:
        ups = {
            "on_battery": detail.ups["on_battery"],
            "charge_pct": detail.ups["charge_pct"],
            "minutes_remaining": detail.ups["minutes_remaining"],
            "battery_status": detail.ups["battery_status"],
        }
    return {
        "snmp_state": detail.state,
        "snmp_error": detail.error,
        "sys_descr": detail.sys_descr,
        "sys_name": detail.sys_name,
        "vendor": detail.vendor,
        "model": detail.model,
        "serial": detail.serial,
        "firmware": detail.firmware,
        "uptime_seconds": detail.uptime_seconds,
        "cpu_pct": detail.cpu_pct,
        "memory_pct": detail.memory_pct,
        "temperature_c": detail.temperature_c,
        "sensors": [dict(r) for r in detail.sensors],
        "interfaces": [
            {
                "index": i.if_index,
                "name": i.name,
                "alias": i.alias,
                "oper_status": i.oper_status,
                "speed_mbps": i.speed_mbps,
                "in_bps": _round(i.in_bps),
                "out_bps": _round(i.out_bps),
                "utilisation_pct": i.utilisation_pct,
            }
            for i in detail.interfaces
        ],
        "ups": ups,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --------------------------------------------------------------------------------------------
# Traffic charts

TRAFFIC_RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


@dataclass(frozen=True)
class TrafficSeries:
    range: str
    if_index: int
    resolution: int | None  # seconds per point; None = one point per poll
    times: list[datetime]
    in_bps: list[float | None]
    out_bps: list[float | None]


def traffic_series(
    session, device_id: int, if_index: int, range_: str, now: datetime | None = None
) -> TrafficSeries:
    """24 h from the per-poll samples, 7 d and 30 d from hourly means. One query."""
    if range_ not in TRAFFIC_RANGES:
        raise ValueError(f"range must be one of {', '.join(TRAFFIC_RANGES)}")
    end = now or utcnow()
    start = end - TRAFFIC_RANGES[range_]
    times, ins, outs = [], [], []
    if range_ == "24h":
        for at, i, o in session.execute(
            select(TrafficSample.at, TrafficSample.in_bps, TrafficSample.out_bps)
            .where(
                TrafficSample.device_id == device_id,
                TrafficSample.if_index == if_index,
                TrafficSample.at >= start,
                TrafficSample.at <= end,
            )
            .order_by(TrafficSample.at)
        ):
            times.append(as_utc(at))
            ins.append(cv.bits_per_second(i))
            outs.append(cv.bits_per_second(o))
        return TrafficSeries(range_, if_index, None, times, ins, outs)
    for bucket, n, i_sum, o_sum in session.execute(
        select(
            TrafficRollup.bucket_start,
            TrafficRollup.samples,
            TrafficRollup.in_bps_sum,
            TrafficRollup.out_bps_sum,
        )
        .where(
            TrafficRollup.device_id == device_id,
            TrafficRollup.if_index == if_index,
            TrafficRollup.bucket_start >= start,
            TrafficRollup.bucket_start <= end,
        )
        .order_by(TrafficRollup.bucket_start)
    ):
        times.append(as_utc(bucket))
        ins.append(cv.bits_per_second(i_sum / n) if n and i_sum is not None else None)
        outs.append(cv.bits_per_second(o_sum / n) if n and o_sum is not None else None)
    return TrafficSeries(range_, if_index, 3600, times, ins, outs)


# --------------------------------------------------------------------------------------------
# Export (Thai headers by default)

EXPORT_COLUMNS = (
    # key, Thai header, English header
    ("site_code", "รหัสหน่วยงาน", "Site code"),
    ("site_name", "โรงเรียน/หน่วยงาน", "Site"),
    ("name", "ชื่ออุปกรณ์", "Device"),
    ("kind", "ประเภท", "Kind"),
    ("address", "ที่อยู่ IP", "Address"),
    ("vendor", "ผู้ผลิต", "Vendor"),
    ("typed_model", "รุ่น (บันทึก)", "Model (typed)"),
    ("collected_model", "รุ่น (อ่านจากอุปกรณ์)", "Model (from device)"),
    ("typed_serial", "หมายเลขเครื่อง (บันทึก)", "Serial (typed)"),
    ("collected_serial", "หมายเลขเครื่อง (อ่านจากอุปกรณ์)", "Serial (from device)"),
    ("firmware", "เฟิร์มแวร์", "Firmware"),
    ("uptime_days", "เปิดเครื่องต่อเนื่อง (วัน)", "Uptime (days)"),
    ("location", "ที่ตั้ง", "Location"),
    ("purchase_date", "วันที่ซื้อ", "Purchase date"),
    ("warranty_end", "สิ้นสุดการรับประกัน", "Warranty end"),
    ("eol_date", "สิ้นสุดการสนับสนุน (EOL)", "End of life"),
    ("last_seen", "ติดต่อได้ล่าสุด", "Last seen"),
    ("state", "สถานะ", "State"),
    ("snmp_state", "สถานะ SNMP", "SNMP state"),
)


def export_values(row: InventoryRow) -> list[object]:
    values = {
        **{k: getattr(row, k, None) for k, _, _ in EXPORT_COLUMNS},
        "uptime_days": None if row.uptime_seconds is None else round(row.uptime_seconds / 86400, 1),
        "last_seen": None
        if row.last_seen is None
        else to_local(row.last_seen).replace(tzinfo=None, microsecond=0),
    }
    return [values[k] for k, _, _ in EXPORT_COLUMNS]


def _headers(lang: str) -> list[str]:
    return [th if lang == "th" else en for _, th, en in EXPORT_COLUMNS]


def inventory_csv(rows: list[InventoryRow], lang: str = "th") -> bytes:
    return spreadsheet.csv_bytes(_headers(lang), (export_values(row) for row in rows))


def inventory_xlsx(rows: list[InventoryRow], lang: str = "th") -> bytes:
    return spreadsheet.xlsx_bytes(
        "ทะเบียนครุภัณฑ์" if lang == "th" else "Inventory",
        _headers(lang),
        (export_values(row) for row in rows),
    )


def sites_and_kinds(session) -> tuple[list[tuple[str, str]], list[str]]:
    sites = session.execute(
        select(Site.code, Site.name).where(Site.enabled.is_(True)).order_by(Site.code)
    ).all()
    kinds = (
        session.execute(select(func.distinct(Device.kind)).order_by(Device.kind)).scalars().all()
    )
    return [(c, n) for c, n in sites], list(kinds)
