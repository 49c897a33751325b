"""The shared value types: each member is the very string stored in the database and shown."""

import json

from monitor.db import models
from monitor.domain import (
    DeviceKind,
    IncidentCause,
    IncidentState,
    OutboxStatus,
    RiskCategory,
    RiskLevel,
    RiskStatus,
    Role,
    Status,
)


def test_a_member_equals_its_stored_string_and_prints_as_it():
    assert Status.DOWN == "down"
    assert {"down": 1}[Status.DOWN] == 1
    assert f"{IncidentState.ACKNOWLEDGED}" == "acknowledged"
    assert json.dumps({OutboxStatus.PENDING: RiskLevel.VERY_HIGH}) == '{"pending": "very_high"}'


def test_the_schema_value_lists_are_the_enums_as_plain_strings():
    pairs = [
        (models.DEVICE_KINDS, DeviceKind),
        (models.ROLES, Role),
        (models.INCIDENT_STATES, IncidentState),
        (models.INCIDENT_CAUSES, IncidentCause),
        (models.RISK_CATEGORIES, RiskCategory),
        (models.RISK_STATUSES, RiskStatus),
    ]
    for values, enum in pairs:
        assert values == tuple(member.value for member in enum)
        assert all(type(v) is str for v in values)


def test_stored_values_are_unchanged():
    assert [s.value for s in Status] == ["up", "down", "unreachable", "unknown", "maintenance"]
    assert [s.value for s in OutboxStatus] == ["pending", "sending", "sent", "failed"]
    assert [s.value for s in RiskStatus] == ["open", "mitigating", "accepted", "closed"]
    assert [s.value for s in IncidentState] == ["open", "acknowledged", "resolved"]
    assert [s.value for s in RiskLevel] == ["low", "medium", "high", "very_high"]
