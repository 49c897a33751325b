"""The values ictmon's statuses take, shared by the pure core, storage, the web and the collectors.

Each is a StrEnum: a member equals its string value, so rows stored as plain strings, templates and
JSON keep working unchanged. The database columns stay plain strings. This module imports nothing
from the project, so anything may import it.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A device's state, as decided by monitor.status.state."""

    UP = "up"
    DOWN = "down"
    UNREACHABLE = "unreachable"
    UNKNOWN = "unknown"
    MAINTENANCE = "maintenance"


# Worst first: the order tiles and lists are sorted in, and how a site takes its devices' state.
STATUS_SEVERITY = {
    Status.DOWN: 4,
    Status.UNREACHABLE: 3,
    Status.UNKNOWN: 2,
    Status.MAINTENANCE: 1,
    Status.UP: 0,
}


class DeviceKind(StrEnum):
    """What a device or asset is. The network kinds are usually polled; the office kinds
    (computer to printer) are usually assets without an address, which nothing polls."""

    ROUTER = "router"
    SWITCH = "switch"
    AP = "ap"
    FIREWALL = "firewall"
    SERVER = "server"
    UPS = "ups"
    COMPUTER = "computer"
    NOTEBOOK = "notebook"
    TABLET = "tablet"
    PROJECTOR = "projector"
    PRINTER = "printer"
    OTHER = "other"


class AssetCondition(StrEnum):
    """An asset's condition in the register (ใช้งานได้ / ชำรุด / รอจำหน่าย / จำหน่ายแล้ว).
    A disposed asset keeps its row, with the date and reference of the disposal."""

    USABLE = "usable"
    DAMAGED = "damaged"
    AWAITING_DISPOSAL = "awaiting_disposal"
    DISPOSED = "disposed"


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"


class IncidentState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class IncidentCause(StrEnum):
    ISP = "isp"
    POWER = "power"
    HARDWARE = "hardware"
    CONFIG = "config"
    PLANNED = "planned"
    THEFT = "theft"
    OTHER = "other"


class OutboxStatus(StrEnum):
    """A queued mail: PENDING until claimed, SENDING while a sender has it, then SENT or FAILED."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class RiskStatus(StrEnum):
    OPEN = "open"
    MITIGATING = "mitigating"
    ACCEPTED = "accepted"
    CLOSED = "closed"


class RiskCategory(StrEnum):
    AVAILABILITY = "availability"
    CAPACITY = "capacity"
    POWER = "power"
    LIFECYCLE = "lifecycle"
    CONFIGURATION = "configuration"
    SECURITY = "security"
    OTHER = "other"


class RiskLevel(StrEnum):
    """Graded from likelihood × impact by the configured matrix; never stored."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"
