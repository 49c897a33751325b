"""The database schema (SQLAlchemy 2 ORM). Alembic migrations in monitor/db/migrations mirror it.

Times are stored as naive UTC and come back as aware UTC (see UTCDateTime), on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from monitor.domain import (
    AssetCondition,
    DeviceKind,
    IncidentCause,
    IncidentState,
    OutboxStatus,
    RiskCategory,
    RiskStatus,
    Role,
)

# The value sets as plain strings, for choices, validation messages and the API schema.
DEVICE_KINDS = tuple(k.value for k in DeviceKind)
ASSET_CONDITIONS = tuple(c.value for c in AssetCondition)
ROLES = tuple(r.value for r in Role)

# Every row id is an INTEGER column: PostgreSQL's holds at most 2^31 - 1, and a larger number
# sent to a query fails in the driver instead of finding nothing.
MAX_ROW_ID = 2**31 - 1


class UTCDateTime(TypeDecorator):
    """Aware UTC in Python, naive UTC in the database: one convention for every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


naming = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=naming)


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The address ranges discovery may sweep for this site ("10.12.0.0/24, 10.12.1.0/24");
    # empty: any range given, within [discovery] max_addresses.
    address_ranges: Mapped[str | None] = mapped_column(String(500))

    devices: Mapped[list[Device]] = relationship(back_populates="site")


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("site_id", "name", name="uq_devices_site_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # NULL: an asset nothing polls (a notebook, a projector); it is in the register only.
    address: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    snmp_version: Mapped[str | None] = mapped_column(String(8))
    snmp_community: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted (monitor.secrets)
    snmp_port: Mapped[int | None] = mapped_column(Integer)
    # SNMPv3; keys encrypted like the community. A profile, when set, wins over these.
    snmp_v3_user: Mapped[str | None] = mapped_column(String(128))
    snmp_v3_auth_protocol: Mapped[str | None] = mapped_column(String(16))
    snmp_v3_auth_key: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted
    snmp_v3_priv_protocol: Mapped[str | None] = mapped_column(String(16))
    snmp_v3_priv_key: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted
    snmp_profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("snmp_profiles.id", ondelete="SET NULL"), index=True
    )
    ssh_device_type: Mapped[str | None] = mapped_column(String(64))
    ssh_username: Mapped[str | None] = mapped_column(String(128))
    ssh_password: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted (monitor.secrets)
    ssh_port: Mapped[int | None] = mapped_column(Integer)
    # Set when someone other than an admin pointed stored credentials somewhere new (address,
    # profile): nothing is sent to the device until an admin confirms (monitor.devices.holds).
    credentials_held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    credentials_held_for: Mapped[str | None] = mapped_column(String(300))

    model: Mapped[str | None] = mapped_column(String(200))
    serial: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200))
    purchase_date: Mapped[date | None] = mapped_column(Date)
    warranty_end: Mapped[date | None] = mapped_column(Date)
    eol_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    # The government asset register (migration 0012; docs/architecture.md says why these are
    # columns here). budget_year is the Christian-era fiscal year; pages show it as พ.ศ.
    asset_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    budget_year: Mapped[int | None] = mapped_column(Integer)
    acquisition_method: Mapped[str | None] = mapped_column(String(100))
    fund_source: Mapped[str | None] = mapped_column(String(100))
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    supplier: Mapped[str | None] = mapped_column(String(200))
    responsible_person: Mapped[str | None] = mapped_column(String(200))
    room: Mapped[str | None] = mapped_column(String(200))
    condition: Mapped[str | None] = mapped_column(String(20))
    disposed_on: Mapped[date | None] = mapped_column(Date)
    disposal_reference: Mapped[str | None] = mapped_column(String(200))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship(back_populates="devices")
    parent: Mapped[Device | None] = relationship(remote_side=[id])
    state: Mapped[DeviceState | None] = relationship(back_populates="device", uselist=False)


class DiscoveryRun(Base):
    """One discovery run of a site (monitor.discovery): what was asked, by whom, what it found.
    `proposal` is the preview exactly as shown (monitor.discovery.record), so a confirmation
    applies what the person saw; `stored_digest` is the site's stored devices as the run
    compared them: a confirmation refuses when they changed since."""

    __tablename__ = "discovery_runs"
    __table_args__ = (Index("ix_discovery_runs_site_started", "site_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    ranges: Mapped[str] = mapped_column(String(500))
    seeds: Mapped[str] = mapped_column(String(500), default="")
    profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("snmp_profiles.id", ondelete="SET NULL")
    )
    profile_name: Mapped[str] = mapped_column(String(64), default="")
    started_by: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # running / proposed / failed / confirmed / interrupted (its process ended)
    state: Mapped[str] = mapped_column(String(16))
    stopped: Mapped[str | None] = mapped_column(String(32))  # cut short: "deadline", ...
    error: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[dict | None] = mapped_column(JSON)
    proposal: Mapped[dict | None] = mapped_column(JSON)
    stored_digest: Mapped[str | None] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(128))


class DeviceDiscovery(Base):
    """What discovery last saw of a device, and which of its fields discovery wrote (`fields`):
    those a later confirmed run may update; every other value is a person's and stays."""

    __tablename__ = "device_discovery"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("discovery_runs.id", ondelete="SET NULL"), index=True
    )
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fields: Mapped[list | None] = mapped_column(JSON)
    object_id: Mapped[str | None] = mapped_column(String(200))
    sys_descr: Mapped[str | None] = mapped_column(String(500))
    sys_name: Mapped[str | None] = mapped_column(String(255))
    vendor: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(16))
    confidence: Mapped[str | None] = mapped_column(String(8))
    profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("snmp_profiles.id", ondelete="SET NULL")
    )
    parent_evidence: Mapped[str | None] = mapped_column(String(500))
    silent_since: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NetworkChange(Base):
    """A change a confirmed discovery run recorded: a device that appeared, an uplink that
    changed, a device gone silent. Names are kept as they were: the monthly report lists them."""

    __tablename__ = "network_changes"
    __table_args__ = (Index("ix_network_changes_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("discovery_runs.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    device_name: Mapped[str] = mapped_column(String(200))
    change: Mapped[str] = mapped_column(String(16))  # new / parent_changed / gone_silent
    old_parent: Mapped[str | None] = mapped_column(String(200))
    new_parent: Mapped[str | None] = mapped_column(String(200))
    evidence: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeviceState(Base):
    """The current state of a device, and what the state function needs to decide the next one."""

    __tablename__ = "device_states"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(12))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    fail_count: Mapped[int] = mapped_column(Integer, default=0)
    first_fail_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_rtt_ms: Mapped[float | None] = mapped_column(Float)
    last_loss_pct: Mapped[float | None] = mapped_column(Float)
    last_error: Mapped[str | None] = mapped_column(String(200))
    # Flapping: times of recent up/down changes inside [alerts] flap_window.
    flapping: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    recent_changes: Mapped[list | None] = mapped_column(JSON)

    device: Mapped[Device] = relationship(back_populates="state")


class StateInterval(Base):
    """A device was in `status` from started_at until ended_at (NULL while it still is).

    Exact and small: availability is interval arithmetic over these rows, never a count of samples.
    """

    __tablename__ = "state_intervals"
    __table_args__ = (
        Index("ix_state_intervals_device_start", "device_id", "started_at"),
        Index("ix_state_intervals_open", "device_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PingSample(Base):
    """One sweep's result for one device; kept only for a short window (RetentionSettings)."""

    __tablename__ = "ping_samples"
    # WITHOUT ROWID: the composite key is the row's only B-tree, about half the bytes per row.
    __table_args__ = (Index("ix_ping_samples_at", "at"), {"sqlite_with_rowid": False})

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    sent: Mapped[int] = mapped_column(SmallInteger)
    received: Mapped[int] = mapped_column(SmallInteger)
    rtt_avg_ms: Mapped[float | None] = mapped_column(Float)
    rtt_max_ms: Mapped[float | None] = mapped_column(Float)


class PingRollup(Base):
    """Latency/loss summarised per bucket (resolution 300 s or 3600 s)."""

    __tablename__ = "ping_rollups"
    __table_args__ = ({"sqlite_with_rowid": False},)

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    resolution: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    sent: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer)
    rtt_sum_ms: Mapped[float] = mapped_column(Float)  # sum of per-sweep averages with a reply
    rtt_samples: Mapped[int] = mapped_column(Integer)  # sweeps that had a reply
    rtt_max_ms: Mapped[float | None] = mapped_column(Float)


class MaintenanceWindow(Base):
    """Planned work on a device or a whole site: alerts silenced, time excluded from availability."""

    __tablename__ = "maintenance_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Recurrence: empty = one-off from starts_at to ends_at. "weekly": on the local
    # (Asia/Bangkok) weekdays listed in `weekdays` ("5" = Saturday, Monday = 0), from
    # `local_start` to `local_end` ("08:00"-"12:00"), while starts_at <= that time < ends_at.
    recurrence: Mapped[str] = mapped_column(String(16), default="", server_default="")
    weekdays: Mapped[str] = mapped_column(String(20), default="", server_default="")
    local_start: Mapped[str | None] = mapped_column(String(5))
    local_end: Mapped[str | None] = mapped_column(String(5))


# The name of the heartbeat row the scheduler's sweep keeps (monitor.status.store).
POLLER_HEARTBEAT = "poller"


class ServiceHeartbeat(Base):
    """When the poller last proved it was alive; a restart after a gap turns the gap into unknown."""

    __tablename__ = "service_heartbeats"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DatabaseLife(Base):
    """One row: a random id made when this database was created, renewed when a copy is restored
    in its place (monitor.db.installation). Row ids repeat across installations and after a
    restore; this id with them does not (the outbox's Message-IDs)."""

    __tablename__ = "database_life"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    life: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Lease(Base):
    """A duty only one process may hold at a time ("scheduler"): who holds it and until when
    (monitor.runtime.lease). Times are seconds since the epoch by the database's clock."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    acquired_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Every browser session carries the epoch it was signed in under; raising it ("log out
    # everywhere", a password change, disabling the user) ends all of them at their next request.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """Only a hash of the token is kept; the token itself is shown once, when created."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


# --- Monthly reports: generated files kept for download and mailing -----------------------------


class GeneratedReport(Base):
    """A report made by the schedule (or by hand) and kept: the PDF and XLSX bytes themselves.

    Kept in the database rather than as files so the web front on another machine can serve them
    and one backup of the database holds them; a month's pair is ~100-200 KB.
    """

    __tablename__ = "generated_reports"
    __table_args__ = (UniqueConstraint("period_key", name="uq_generated_reports_period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_key: Mapped[str] = mapped_column(String(32))  # "2026-10", "fiscal-2026"
    period_label: Mapped[str] = mapped_column(String(100))  # "ตุลาคม 2569"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128), default="")  # "schedule" or a username
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    xlsx: Mapped[bytes] = mapped_column(LargeBinary)
    # Who it was mailed to (comma separated), empty when no recipients were configured.
    mailed_to: Mapped[str] = mapped_column(Text, default="")


# --- SNMP: credentials profiles, inventory, interfaces, traffic, health -------------------------

from sqlalchemy import JSON, BigInteger  # noqa: E402  (kept with the section that uses them)


class SnmpProfile(Base):
    """Named SNMP credentials shared by many devices ("schools-v3"); secrets encrypted."""

    __tablename__ = "snmp_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[str] = mapped_column(String(8))
    community: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted
    v3_user: Mapped[str | None] = mapped_column(String(128))
    v3_auth_protocol: Mapped[str | None] = mapped_column(String(16))
    v3_auth_key: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted
    v3_priv_protocol: Mapped[str | None] = mapped_column(String(16))
    v3_priv_key: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted
    port: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SnmpStatus(Base):
    """A device's SNMP side: last visit, what the agent says about itself, health and UPS.

    Collected values live here, apart from the typed ones on `devices` (model, serial), so a
    collected value never overwrites what an officer typed: pages show both when they differ.
    """

    __tablename__ = "snmp_status"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16))  # ok / timeout / auth_error / error
    error: Mapped[str | None] = mapped_column(String(200))
    polled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    uptime_cs: Mapped[int | None] = mapped_column(BigInteger)  # sysUpTime at ok_at
    inventory_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sys_descr: Mapped[str | None] = mapped_column(Text)  # whole (≤ 2048 chars), not cut at 255
    sys_object_id: Mapped[str | None] = mapped_column(String(128))
    sys_name: Mapped[str | None] = mapped_column(String(200))
    sys_location: Mapped[str | None] = mapped_column(String(200))
    sys_contact: Mapped[str | None] = mapped_column(String(200))
    vendor: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(200))
    serial: Mapped[str | None] = mapped_column(String(100))
    firmware: Mapped[str | None] = mapped_column(String(100))
    has_host_resources: Mapped[bool] = mapped_column(Boolean, default=False)
    has_ups: Mapped[bool] = mapped_column(Boolean, default=False)
    cpu_pct: Mapped[float | None] = mapped_column(Float)
    memory_pct: Mapped[float | None] = mapped_column(Float)
    storage: Mapped[list | None] = mapped_column(JSON)  # [{descr, size_bytes, used_bytes}]
    ups_on_battery: Mapped[bool | None] = mapped_column(Boolean)
    ups_battery_status: Mapped[str | None] = mapped_column(String(16))
    ups_charge_pct: Mapped[int | None] = mapped_column(Integer)
    ups_minutes_remaining: Mapped[int | None] = mapped_column(Integer)
    neighbours: Mapped[list | None] = mapped_column(JSON)  # LLDP [{local_port, remote_name, ...}]
    temperature_c: Mapped[float | None] = mapped_column(Float)  # the vendor's system sensor
    # What the last inventory found worth polling (collectors.snmp.HealthPlan.as_json()).
    health_plan: Mapped[dict | None] = mapped_column(JSON)
    # Fans and power supplies at the last poll: [{kind: fan/psu, name, state}] (vendors.py states).
    sensors: Mapped[list | None] = mapped_column(JSON)


class SnmpInterface(Base):
    """One interface: names from the inventory, the last counters, and the rates they gave."""

    __tablename__ = "snmp_interfaces"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    if_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    descr: Mapped[str | None] = mapped_column(String(255))
    alias: Mapped[str | None] = mapped_column(String(255))
    if_type: Mapped[int | None] = mapped_column(Integer)
    admin_status: Mapped[str | None] = mapped_column(String(16))
    oper_status: Mapped[str | None] = mapped_column(String(16))
    speed_mbps: Mapped[float | None] = mapped_column(Float)
    counter_bits: Mapped[int] = mapped_column(SmallInteger, default=64)
    # Counter64 as signed 64-bit (values ≥ 2^63 stored minus 2^64; monitor.snmp.store converts)
    in_octets: Mapped[int | None] = mapped_column(BigInteger)
    out_octets: Mapped[int | None] = mapped_column(BigInteger)
    in_errors: Mapped[int | None] = mapped_column(BigInteger)
    out_errors: Mapped[int | None] = mapped_column(BigInteger)
    in_discards: Mapped[int | None] = mapped_column(BigInteger)
    out_discards: Mapped[int | None] = mapped_column(BigInteger)
    counters_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    uptime_cs: Mapped[int | None] = mapped_column(BigInteger)
    in_bps: Mapped[float | None] = mapped_column(Float)
    out_bps: Mapped[float | None] = mapped_column(Float)
    utilisation_pct: Mapped[float | None] = mapped_column(Float)
    errors_per_min: Mapped[float | None] = mapped_column(Float)
    discards_per_min: Mapped[float | None] = mapped_column(Float)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrafficSample(Base):
    """Rates of one interface at one poll (interfaces that are up only); short retention."""

    __tablename__ = "traffic_samples"
    __table_args__ = (Index("ix_traffic_samples_at", "at"), {"sqlite_with_rowid": False})

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    if_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    in_bps: Mapped[float | None] = mapped_column(Float)
    out_bps: Mapped[float | None] = mapped_column(Float)


class TrafficRollup(Base):
    """Hourly traffic per interface: mean and peak of the polls in the hour (7 d and 30 d charts)."""

    __tablename__ = "traffic_rollups"
    __table_args__ = ({"sqlite_with_rowid": False},)

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    if_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    samples: Mapped[int] = mapped_column(Integer)
    in_bps_sum: Mapped[float] = mapped_column(Float)
    out_bps_sum: Mapped[float] = mapped_column(Float)
    in_bps_max: Mapped[float | None] = mapped_column(Float)
    out_bps_max: Mapped[float | None] = mapped_column(Float)


class HealthSample(Base):
    """CPU, memory, temperature and UPS values of one device at one SNMP round; short retention
    like ping_samples (RetentionSettings.raw_hours), summarised into health_rollups."""

    __tablename__ = "health_samples"
    __table_args__ = (Index("ix_health_samples_at", "at"), {"sqlite_with_rowid": False})

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    cpu_pct: Mapped[float | None] = mapped_column(Float)
    memory_pct: Mapped[float | None] = mapped_column(Float)
    temperature_c: Mapped[float | None] = mapped_column(Float)
    ups_charge_pct: Mapped[float | None] = mapped_column(Float)
    ups_minutes: Mapped[float | None] = mapped_column(Float)
    ups_on_battery: Mapped[bool | None] = mapped_column(Boolean)


class HealthRollup(Base):
    """Health summarised per bucket (resolution 300 s or 3600 s), as ping_rollups: per value a
    sum and a count (the mean) and the worst reading (max; for the UPS charge the min)."""

    __tablename__ = "health_rollups"
    __table_args__ = ({"sqlite_with_rowid": False},)

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    resolution: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    samples: Mapped[int] = mapped_column(Integer)
    cpu_sum: Mapped[float] = mapped_column(Float)
    cpu_count: Mapped[int] = mapped_column(Integer)
    cpu_max: Mapped[float | None] = mapped_column(Float)
    memory_sum: Mapped[float] = mapped_column(Float)
    memory_count: Mapped[int] = mapped_column(Integer)
    memory_max: Mapped[float | None] = mapped_column(Float)
    temperature_sum: Mapped[float] = mapped_column(Float)
    temperature_count: Mapped[int] = mapped_column(Integer)
    temperature_max: Mapped[float | None] = mapped_column(Float)
    charge_sum: Mapped[float] = mapped_column(Float)
    charge_count: Mapped[int] = mapped_column(Integer)
    charge_min: Mapped[float | None] = mapped_column(Float)
    on_battery_count: Mapped[int] = mapped_column(Integer)  # samples that said "on battery"


class DeviceReboot(Base):
    """sysUpTime went backwards: the device restarted (detected at the poll that saw it)."""

    __tablename__ = "device_reboots"
    __table_args__ = (Index("ix_device_reboots_device_at", "device_id", "detected_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    booted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # detected_at − new uptime
    uptime_before_s: Mapped[int | None] = mapped_column(BigInteger)


class DeviceEvent(Base):
    """One thing a device told us happened (an SNMP trap, decoded): its timeline on the device
    page. `kind` is collectors.traps.TrapKind; `details` its decoded values (if_index, if_name,
    trap_oid...), shown through the catalogue, never as stored sentences."""

    __tablename__ = "device_events"
    __table_args__ = (Index("ix_device_events_device_at", "device_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16), default="trap")  # trap version: v1/v2c/v3
    details: Mapped[dict | None] = mapped_column(JSON)


class TrapCount(Base):
    """Running totals of the trap receiver ("received", "dropped.<reason>"), for /metrics: the
    receiver runs in the scheduler's process, /metrics in the web's."""

    __tablename__ = "trap_counts"

    counter: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


# --------------------------------------------------------------------------------------------
# SSH configuration backups: credential profiles, per-device SSH extras, host keys,
# configuration versions, the latest backup state with facts from `show version`, change events.


class SshCredentialProfile(Base):
    """Named credentials shared by many devices ("school-switches"); a device's own username /
    password / secret, when set, win over its profile's."""

    __tablename__ = "ssh_credential_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    username: Mapped[str | None] = mapped_column(String(128))
    password: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted (monitor.secrets)
    enable_secret: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted (monitor.secrets)
    key_path: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SshAccess(Base):
    """What a device's SSH login needs beyond the columns on `devices`."""

    __tablename__ = "ssh_access"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("ssh_credential_profiles.id", ondelete="SET NULL"), index=True
    )
    enable_secret: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted (monitor.secrets)
    key_path: Mapped[str | None] = mapped_column(String(500))
    config_path: Mapped[str | None] = mapped_column(String(500))  # `linux`: the file to cat


class SshHostKey(Base):
    """The key a device presented on first contact; a different one later is a warning (or, in
    strict mode, a refusal)."""

    __tablename__ = "ssh_host_keys"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    host_key: Mapped[str] = mapped_column(Text)  # "<type> <base64>"
    fingerprint: Mapped[str] = mapped_column(String(100))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set while the device presents another key than the recorded one.
    offered_key: Mapped[str | None] = mapped_column(Text)
    offered_fingerprint: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConfigVersion(Base):
    """One distinct configuration of a device: a new row only when the normalised text changed."""

    __tablename__ = "config_versions"
    __table_args__ = (Index("ix_config_versions_device_taken", "device_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    size: Mapped[int] = mapped_column(Integer)  # bytes of `text` in UTF-8
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the normalised text
    trigger: Mapped[str] = mapped_column(String(160))  # "schedule", "cli", "web:<user>"
    text: Mapped[str] = mapped_column(Text)


class SshBackupState(Base):
    """The latest backup attempt of a device, and the facts its CLI reported."""

    __tablename__ = "ssh_backup_states"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(String(500))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    trigger: Mapped[str] = mapped_column(String(160))
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    facts_model: Mapped[str | None] = mapped_column(String(200))
    facts_serial: Mapped[str | None] = mapped_column(String(200))
    facts_firmware: Mapped[str | None] = mapped_column(String(200))
    facts_uptime: Mapped[str | None] = mapped_column(String(200))
    facts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SshBackupRequest(Base):
    """An officer's "back up now" for a device an edge collector measures: the office cannot
    reach it, so the request goes to the collector with its configuration (monitor.edge.config)
    and is forgotten once a backup answering it arrives (monitor.edge.backups)."""

    __tablename__ = "ssh_backup_requests"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[str] = mapped_column(String(160))


class ConfigChangeEvent(Base):
    """A configuration changed (a new version after an earlier one): for risk rules and the
    incident log ("config changed outside a maintenance window")."""

    __tablename__ = "config_change_events"
    __table_args__ = (Index("ix_config_change_events_device_at", "device_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("config_versions.id", ondelete="CASCADE"))
    previous_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("config_versions.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    in_maintenance: Mapped[bool] = mapped_column(Boolean)
    lines_added: Mapped[int] = mapped_column(Integer)
    lines_removed: Mapped[int] = mapped_column(Integer)


# --- Incidents, alerts and the mail outbox -------------------------------------------------------

INCIDENT_STATES = tuple(s.value for s in IncidentState)
INCIDENT_CAUSES = tuple(c.value for c in IncidentCause)


class Incident(Base):
    """One root cause: a device confirmed DOWN (its unreachable children attach), or logged by hand."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_device_state", "device_id", "state"),
        Index("ix_incidents_opened_at", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default=IncidentState.OPEN.value)
    cause: Mapped[str | None] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[str] = mapped_column(String(128), default="")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(128))


class IncidentDevice(Base):
    """A device affected by an incident it did not cause (a child behind the failed router)."""

    __tablename__ = "incident_devices"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IncidentEvent(Base):
    """One step of an incident's timeline: who did what, when (ictmon itself is "ictmon")."""

    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident_at", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text, default="")


class OutboxMessage(Base):
    """A mail to send, written in the transaction that decided it (see monitor.mail.outbox)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),
        UniqueConstraint("dedupe_key", name="uq_outbox_messages_dedupe_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    recipients: Mapped[str] = mapped_column(Text)  # comma separated
    subject: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    smtp_reply: Mapped[str | None] = mapped_column(String(1000))
    # None: a mail over SMTP; else a message for that alert channel (monitor.channels).
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("alert_channels.id"), index=True)

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="OutboxAttachment.id"
    )


class OutboxAttachment(Base):
    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class SiteContact(Base):
    """Who to call about a school: shown on its page and in its alerts (monitor.devices.contacts)."""

    __tablename__ = "site_contacts"

    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    person: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    line_id: Mapped[str] = mapped_column(String(100), default="")
    isp: Mapped[str] = mapped_column(String(100), default="")
    circuit_id: Mapped[str] = mapped_column(String(100), default="")
    isp_hotline: Mapped[str] = mapped_column(String(64), default="")


class AlertChannel(Base):
    """Somewhere alerts go besides mail: a LINE group, a Telegram chat, a webhook (one target).

    The Apprise URL carries the service's token, so it is stored encrypted (monitor.secrets) and
    never shown again; routing is on the row: which sites (all, or the codes listed) and which
    events (monitor.channels.kinds.EVENTS).
    """

    __tablename__ = "alert_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    url_secret: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted Apprise URL
    language: Mapped[str] = mapped_column(String(8), default="th")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    all_sites: Mapped[bool] = mapped_column(Boolean, default=True)
    site_codes: Mapped[str] = mapped_column(Text, default="")  # space separated
    events: Mapped[str] = mapped_column(String(200), default="down")  # comma separated
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MailSettings(Base):
    """The mail server and the report's recipients as set from the browser (one row, id 1).

    A NULL column means "the config file's value" ([smtp] / [reports]), so the file stays the
    default until someone sets a value here. The password is encrypted with the vault
    (monitor.secrets) and never shown again (monitor.mail.server).
    """

    __tablename__ = "mail_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str | None] = mapped_column(String(255))
    port: Mapped[int | None] = mapped_column(Integer)
    security: Mapped[str | None] = mapped_column(String(16))
    username: Mapped[str | None] = mapped_column(String(255))
    password_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    from_address: Mapped[str | None] = mapped_column(String(255))
    report_recipients: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(128))


class UsedAckToken(Base):
    """An acknowledge link from an alert that has been used: a link works once
    (monitor.incidents.ack_links)."""

    __tablename__ = "used_ack_tokens"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[str] = mapped_column(String(200))


# --- Risk register: risks found by rules (monitor.risks.rules) or added by hand ------------------

RISK_CATEGORIES = tuple(c.value for c in RiskCategory)
RISK_STATUSES = tuple(s.value for s in RiskStatus)


class Risk(Base):
    """One risk. A rule's risk is identified by (rule_key, subject_key): one row per rule and
    device/site, ever. Hand-made risks have both NULL. The level is not stored: it follows the
    configured matrix from `score` when shown, so changing the matrix re-grades every risk."""

    __tablename__ = "risks"
    __table_args__ = (
        UniqueConstraint("rule_key", "subject_key", name="uq_risks_rule_key"),
        Index("ix_risks_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(24))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    likelihood: Mapped[int] = mapped_column(SmallInteger)
    impact: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[int] = mapped_column(SmallInteger)
    mitigation: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    review_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=RiskStatus.OPEN.value)
    rule_key: Mapped[str | None] = mapped_column(String(64))
    subject_key: Mapped[str | None] = mapped_column(String(64))
    # What the rule saw: {"summary": "...", "figures": {...}, "incidents": [ids]}.
    evidence: Mapped[dict | None] = mapped_column(JSON)
    # The condition has not held since cleared_since; after the rule's close_after_days the
    # risk is proposed for closing (a person closes it).
    cleared_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proposed_close: Mapped[bool] = mapped_column(Boolean, default=False)
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(128), default="")


class RiskEvent(Base):
    """One change of a risk: who ("ictmon" for the rules), when, and {field: [old, new]}."""

    __tablename__ = "risk_events"
    __table_args__ = (Index("ix_risk_events_risk_at", "risk_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(24))  # created / edited / raised / proposed_close...
    changes: Mapped[dict | None] = mapped_column(JSON)


# --- Running it for real: login throttling, the audit log, job timings --------------------------


class LoginFailure(Base):
    """One failed sign-in. Recent rows per username and per address decide a lock-out; kept in
    the database (not in memory) so the web front behind several workers or processes agrees."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))  # as typed, lower-cased, cut to 64
    address: Mapped[str] = mapped_column(String(64))  # the client address
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Who changed what, when, from what to what. `changes` is {field: [before, after]} with
    every secret replaced by a marker (monitor.db.audit), so the log can be shown and exported."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))  # username, "cli:<os user>", "api:<user>"
    action: Mapped[str] = mapped_column(String(32))  # create / update / delete / login …
    object_type: Mapped[str] = mapped_column(String(32))  # device, site, user, snmp_profile …
    object_id: Mapped[str | None] = mapped_column(String(64))
    object_label: Mapped[str] = mapped_column(String(300), default="")
    changes: Mapped[dict | None] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))  # the client address, for web changes


class JobRun(Base):
    """The latest run of each scheduled job: how long it took and how late it started.
    Written by the scheduler, read by /metrics (which may run in another process)."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_s: Mapped[float] = mapped_column(Float)
    lag_s: Mapped[float] = mapped_column(Float)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str] = mapped_column(Text, default="")
    # Kept apart from finished_at: after a failed run, the last good one is what an alert needs.
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)


# --- The annual asset check (การตรวจสอบพัสดุประจำปี; monitor.assets.check) ----------------------


class AssetCheckRound(Base):
    """One year's check: opened by an admin over a set of sites, frozen when closed.
    fiscal_year is the Christian-era year the Thai fiscal year ends in (2569 → 2026)."""

    __tablename__ = "asset_check_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))


class AssetCheckSite(Base):
    """A site the round covers."""

    __tablename__ = "asset_check_sites"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("asset_check_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )


class AssetCheckChecker(Base):
    """A user assigned to check one site of a round."""

    __tablename__ = "asset_check_checkers"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("asset_check_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class AssetCheckMark(Base):
    """An asset seen in a round: the condition found, beside the register's at the time."""

    __tablename__ = "asset_check_marks"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("asset_check_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    condition: Mapped[str] = mapped_column(String(20))
    condition_before: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    how: Mapped[str] = mapped_column(String(8))  # "seen" by a person, "answered" in bulk
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    marked_by: Mapped[str] = mapped_column(String(64))


class Collector(Base):
    """An edge collector: ictmon's collectors running on a machine inside a school's network,
    measuring its sites' devices the office cannot reach and uploading what they saw.

    Secrets are kept only as sha256 hashes: the single-use enrolment code until it is used, then
    the collector's token. `offline_since`/`offline_snapshot` remember what the central wrote
    when it lost contact (every measured device unknown from the last applied sweep), so the
    results buffered meanwhile can replace that stretch exactly when they arrive."""

    __tablename__ = "collectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128), default="")
    enrolment_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrolment_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the current code was used: a second use is told "already used", not "unknown".
    enrolment_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(128))
    # What the collector last told about itself.
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sweep_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clock_offset_seconds: Mapped[float | None] = mapped_column(Float)
    queue_length: Mapped[int | None] = mapped_column(Integer)
    dropped_total: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    version: Mapped[str | None] = mapped_column(String(64))
    hostname: Mapped[str | None] = mapped_column(String(255))
    config_etag: Mapped[str | None] = mapped_column(String(64))
    # Set while the central considers the collector offline.
    offline_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offline_snapshot: Mapped[dict | None] = mapped_column(JSON)
    offline_incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL")
    )


class CollectorSite(Base):
    """A site a collector measures; a site has at most one collector."""

    __tablename__ = "collector_sites"

    collector_id: Mapped[int] = mapped_column(
        ForeignKey("collectors.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )


class CollectorBatch(Base):
    """An upload already applied: a repeated upload with the same id is answered, not applied."""

    __tablename__ = "collector_batches"

    collector_id: Mapped[int] = mapped_column(
        ForeignKey("collectors.id", ondelete="CASCADE"), primary_key=True
    )
    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    results: Mapped[int] = mapped_column(Integer, default=0)
