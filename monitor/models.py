"""The database schema (SQLAlchemy 2 ORM). Alembic migrations in monitor/migrations mirror it.

Times are stored as naive UTC and come back as aware UTC (see UTCDateTime), on SQLite and
PostgreSQL alike.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from enum import StrEnum

from sqlalchemy import (Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary,
                        MetaData, SmallInteger, String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class Status(StrEnum):
    UP = "up"
    DOWN = "down"
    UNREACHABLE = "unreachable"
    UNKNOWN = "unknown"
    MAINTENANCE = "maintenance"


# Worst first: the order tiles and lists are sorted in, and how a site takes its devices' state.
STATUS_SEVERITY = {Status.DOWN: 4, Status.UNREACHABLE: 3, Status.UNKNOWN: 2,
                   Status.MAINTENANCE: 1, Status.UP: 0}

DEVICE_KINDS = ("router", "switch", "ap", "firewall", "server", "ups", "other")
ROLES = ("admin", "operator", "viewer")


class UTCDateTime(TypeDecorator):
    """Aware UTC in Python, naive UTC in the database: one convention for every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


naming = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
          "pk": "pk_%(table_name)s"}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=naming)


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    devices: Mapped[list[Device]] = relationship(back_populates="site")


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("site_id", "name", name="uq_devices_site_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    snmp_version: Mapped[str | None] = mapped_column(String(8))
    snmp_community: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted (monitor.secrets)
    snmp_port: Mapped[int | None] = mapped_column(Integer)
    ssh_device_type: Mapped[str | None] = mapped_column(String(64))
    ssh_username: Mapped[str | None] = mapped_column(String(128))
    ssh_password: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted (monitor.secrets)
    ssh_port: Mapped[int | None] = mapped_column(Integer)

    model: Mapped[str | None] = mapped_column(String(200))
    serial: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200))
    purchase_date: Mapped[date | None] = mapped_column(Date)
    warranty_end: Mapped[date | None] = mapped_column(Date)
    eol_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship(back_populates="devices")
    parent: Mapped[Device | None] = relationship(remote_side=[id])
    state: Mapped[DeviceState | None] = relationship(back_populates="device", uselist=False)


class DeviceState(Base):
    """The current state of a device, and what the state function needs to decide the next one."""

    __tablename__ = "device_states"

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"),
                                           primary_key=True)
    status: Mapped[str] = mapped_column(String(12))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    fail_count: Mapped[int] = mapped_column(Integer, default=0)
    first_fail_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_rtt_ms: Mapped[float | None] = mapped_column(Float)
    last_loss_pct: Mapped[float | None] = mapped_column(Float)
    last_error: Mapped[str | None] = mapped_column(String(200))

    device: Mapped[Device] = relationship(back_populates="state")


class StateInterval(Base):
    """A device was in `status` from started_at until ended_at (NULL while it still is).

    Exact and small: availability is interval arithmetic over these rows, never a count of samples.
    """

    __tablename__ = "state_intervals"
    __table_args__ = (Index("ix_state_intervals_device_start", "device_id", "started_at"),
                      Index("ix_state_intervals_open", "device_id", "ended_at"))

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

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"),
                                           primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    sent: Mapped[int] = mapped_column(SmallInteger)
    received: Mapped[int] = mapped_column(SmallInteger)
    rtt_avg_ms: Mapped[float | None] = mapped_column(Float)
    rtt_max_ms: Mapped[float | None] = mapped_column(Float)


class PingRollup(Base):
    """Latency/loss summarised per bucket (resolution 300 s or 3600 s)."""

    __tablename__ = "ping_rollups"
    __table_args__ = {"sqlite_with_rowid": False}

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"),
                                           primary_key=True)
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


class ServiceHeartbeat(Base):
    """When the poller last proved it was alive; a restart after a gap turns the gap into unknown."""

    __tablename__ = "service_heartbeats"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


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
