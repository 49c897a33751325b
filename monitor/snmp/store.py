"""SNMP rows: who to poll (with decrypted credentials), and what a round found → rows.

Every function takes an open Session inside the caller's transaction. Rates are computed here
from the previous stored counters with the pure functions of monitor.snmp.counters; the collector only
reports raw readings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from collectors.snmp import HealthPlan, SnmpCredentials, SnmpResult, SnmpTarget
from monitor.credentials import holds
from monitor.db.bulk import insert_rows
from monitor.db.engine import rowcount
from monitor.db.models import (
    Device,
    DeviceReboot,
    Site,
    SnmpInterface,
    SnmpProfile,
    SnmpStatus,
    TrafficRollup,
    TrafficSample,
)
from monitor.localtime import stored_utc
from monitor.secrets import SecretsError, Vault
from monitor.snmp import counters, health
from monitor.status.store import collector_measured

HOUR = timedelta(hours=1)
_SIGNED = 2**63


def to_signed64(value: int | None) -> int | None:
    """Counter64 values ≥ 2^63 do not fit a BIGINT: store them as their two's complement."""
    if value is None:
        return None
    value %= 2**64
    return value - 2**64 if value >= _SIGNED else value


def from_signed64(value: int | None) -> int | None:
    return None if value is None else value % 2**64


@dataclass(frozen=True)
class SnmpPlan:
    poll: list[SnmpTarget]  # lean interval poll
    inventory: list[SnmpTarget]  # full walk due (never done, or older than the interval)
    unusable: list[tuple[int, str]]  # (device id, why) — e.g. a credential that won't decrypt


def credentials_of(
    device: Device, profile: SnmpProfile | None, vault: Vault
) -> SnmpCredentials | None:
    """The device's effective credentials (a profile wins), decrypted; None if SNMP is off."""
    if profile is not None:
        return SnmpCredentials(
            version=profile.version,
            community=vault.decrypt(profile.community),
            user=profile.v3_user,
            auth_protocol=profile.v3_auth_protocol,
            auth_key=vault.decrypt(profile.v3_auth_key),
            priv_protocol=profile.v3_priv_protocol,
            priv_key=vault.decrypt(profile.v3_priv_key),
        )
    if not device.snmp_version:
        return None
    return SnmpCredentials(
        version=device.snmp_version,
        community=vault.decrypt(device.snmp_community),
        user=device.snmp_v3_user,
        auth_protocol=device.snmp_v3_auth_protocol,
        auth_key=vault.decrypt(device.snmp_v3_auth_key),
        priv_protocol=device.snmp_v3_priv_protocol,
        priv_key=vault.decrypt(device.snmp_v3_priv_key),
    )


def load_plan(
    session: Session, vault: Vault, now: datetime, inventory_interval: timedelta
) -> SnmpPlan:
    """Enabled devices of enabled sites that have SNMP configured, but those an edge collector
    polls (monitor.edge.ingest records its rounds). Five queries."""
    elsewhere = collector_measured(session)
    devices = (
        session.execute(
            select(Device)
            .join(Site, Site.id == Device.site_id)
            .where(
                Device.enabled.is_(True),
                Site.enabled.is_(True),
                Device.address.is_not(None),
                (Device.snmp_version.is_not(None)) | (Device.snmp_profile_id.is_not(None)),
            )
            .order_by(Device.id)
        )
        .scalars()
        .all()
    )
    profiles = {p.id: p for p in session.execute(select(SnmpProfile)).scalars()}
    ids = [d.id for d in devices]
    status = {
        s.device_id: s
        for s in session.execute(select(SnmpStatus).where(SnmpStatus.device_id.in_(ids))).scalars()
    }
    if_counts = dict(
        session.execute(
            select(SnmpInterface.device_id, func.count())
            .where(SnmpInterface.device_id.in_(ids))
            .group_by(SnmpInterface.device_id)
        ).all()
    )
    plan = SnmpPlan([], [], [])
    for device in devices:
        if device.id in elsewhere:
            continue
        profile = profiles.get(device.snmp_profile_id) if device.snmp_profile_id else None
        held = holds.waiting_message(device.credentials_held_at, device.credentials_held_for)
        if held is not None:  # no community or key to an address no admin approved
            plan.unusable.append((device.id, held))
            continue
        try:
            credentials = credentials_of(device, profile, vault)
        except SecretsError as exc:
            plan.unusable.append((device.id, str(exc)))
            continue
        if credentials is None:
            continue
        known = status.get(device.id)
        if device.address is None:  # the query keeps these out; this tells the type checker
            continue
        port = (profile.port if profile and profile.port else None) or device.snmp_port or 161
        target = SnmpTarget(
            device.id,
            device.address,
            credentials,
            port=port,
            host_resources=bool(known and known.has_host_resources),
            ups=bool(known and known.has_ups),
            if_count=if_counts.get(device.id),
            plan=HealthPlan.from_json(known.health_plan) if known else None,
        )
        due = (
            known is None
            or known.inventory_at is None
            or now - known.inventory_at >= inventory_interval
        )
        (plan.inventory if due else plan.poll).append(target)
    return plan


@dataclass
class RecordSummary:
    reboots: list[int]  # device ids whose uptime went backwards
    samples: int = 0
    health_samples: int = 0


def record_results(
    session: Session,
    at: datetime,
    results: Iterable[SnmpResult],
    unusable: Iterable[tuple[int, str]] = (),
) -> RecordSummary:
    """Status, interfaces (with rates from the previous counters), samples and reboots."""
    return record_rounds(session, [(at, list(results))], unusable)


def record_rounds(
    session: Session,
    rounds: Sequence[tuple[datetime, Sequence[SnmpResult]]],
    unusable: Iterable[tuple[int, str]] = (),
) -> RecordSummary:
    """Rounds in time order recorded as `record_results` records each in turn (`unusable` at
    the last one's time), with the rows read once and written once: a collector's backlog of
    hours costs a few statements per upload, not a few per round. The same rows in the end."""
    unusable = list(unusable)
    summary = RecordSummary([])
    if not rounds:
        return summary
    ids = {r.key for _, results in rounds for r in results} | {d for d, _ in unusable}
    if not ids:
        return summary
    status = {
        s.device_id: s
        for s in session.execute(select(SnmpStatus).where(SnmpStatus.device_id.in_(ids))).scalars()
    }
    interfaces = _Interfaces.read(session, ids)

    samples: list[dict] = []
    health_rows: list[dict] = []
    for at, results in rounds:
        failed: list[int] = []
        for result in results:
            row = status.get(result.key)
            if row is None:
                row = SnmpStatus(
                    device_id=result.key,
                    state=result.state,
                    polled_at=at,
                    has_host_resources=False,
                    has_ups=False,
                )
                session.add(row)
                status[result.key] = row
            if not result.ok:
                _record_failure(row, at, result.state, result.error)
                failed.append(result.key)
                continue
            previous_uptime, previous_at = row.uptime_cs, row.ok_at
            rebooted = previous_at is not None and counters.rebooted(
                previous_uptime, result.uptime_cs, (at - previous_at).total_seconds()
            )
            if rebooted and result.uptime_cs is not None:  # both uptimes were read
                summary.reboots.append(result.key)
                session.add(
                    DeviceReboot(
                        device_id=result.key,
                        detected_at=at,
                        booted_at=at - timedelta(seconds=result.uptime_cs / 100),
                        uptime_before_s=(
                            previous_uptime // 100 if previous_uptime is not None else None
                        ),
                    )
                )
            row.state, row.error, row.polled_at, row.ok_at = result.state, None, at, at
            row.failing_since = None
            row.uptime_cs = result.uptime_cs
            _record_health(row, result)
            sample = health.sample_row(result, at)
            if sample is not None:
                health_rows.append(sample)
            if result.inventory:
                _record_inventory(row, result, at)
            samples += _record_interfaces(result, interfaces.of(result.key), at, rebooted)
        # Rates of a device that stopped answering are not current any more: no stale figures
        # on the page. Counters stay, so the next answer gives the mean rate over the gap.
        for device_id in failed:
            for iface in interfaces.of(device_id).values():
                iface.update(_NO_RATES)
    last_at = rounds[-1][0]
    for device_id, why in unusable:
        row = status.get(device_id)
        if row is None:
            row = SnmpStatus(
                device_id=device_id,
                state="error",
                polled_at=last_at,
                has_host_resources=False,
                has_ups=False,
            )
            session.add(row)
        _record_failure(row, last_at, "error", why)
    session.flush()
    interfaces.write(session)
    insert_rows(session, TrafficSample, samples)
    summary.samples = len(samples)
    summary.health_samples = health.record_samples(session, health_rows)
    return summary


def _record_failure(row: SnmpStatus, at: datetime, state: str, error: str | None) -> None:
    if row.state == "ok" or row.failing_since is None:
        row.failing_since = at
    row.state, row.error, row.polled_at = state, (error or state)[:200], at


def _record_health(row: SnmpStatus, result: SnmpResult) -> None:
    found, ups = result.health, result.ups
    if result.inventory:
        row.has_host_resources = found is not None
        row.has_ups = ups is not None
    if result.inventory:
        row.health_plan = result.plan.as_json() if result.plan else None
    if found is not None:
        row.cpu_pct = found.cpu_pct
        row.memory_pct = found.memory_pct
        row.temperature_c = found.temperature_c
        row.storage = [
            {"descr": d.descr, "size_bytes": d.size_bytes, "used_bytes": d.used_bytes}
            for d in found.disks
        ]
        row.sensors = [{"kind": r.kind, "name": r.name, "state": r.state} for r in found.sensors]
    elif result.inventory:
        row.cpu_pct = row.memory_pct = row.storage = row.temperature_c = row.sensors = None
    if ups is not None:
        row.ups_on_battery = ups.on_battery
        row.ups_battery_status = ups.battery_status
        row.ups_charge_pct = ups.charge_pct
        row.ups_minutes_remaining = ups.minutes_remaining
    elif result.inventory:
        row.ups_on_battery = row.ups_battery_status = None
        row.ups_charge_pct = row.ups_minutes_remaining = None


def _record_inventory(row: SnmpStatus, result: SnmpResult, at: datetime) -> None:
    system = result.system
    row.inventory_at = at
    if system is not None:
        row.sys_descr, row.sys_object_id, row.sys_name = system.descr, system.object_id, system.name
        row.sys_location, row.sys_contact = system.location, system.contact
        row.vendor, row.model, row.serial, row.firmware = (
            system.vendor,
            system.model,
            system.serial,
            system.firmware,
        )
    row.neighbours = (
        None
        if result.neighbours is None
        else [
            {
                "local_port": n.local_port,
                "remote_name": n.remote_name,
                "remote_port": n.remote_port,
                "remote_chassis": n.remote_chassis,
            }
            for n in result.neighbours
        ]
    )


_NO_RATES = {
    "in_bps": None,
    "out_bps": None,
    "utilisation_pct": None,
    "errors_per_min": None,
    "discards_per_min": None,
}


def _new_interface(device_id: int, if_index: int, at: datetime) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(_Interfaces.COLUMNS)
    row.update(device_id=device_id, if_index=if_index, counter_bits=64, seen_at=at)
    return row


class _Interfaces:
    """The interface rows of a call's devices as plain values: read once, changed in memory
    round after round, and only the rows that changed written once at the end. (As ORM objects,
    a 72-h backlog spent most of its time in attribute bookkeeping: 2 million sets.)"""

    COLUMNS = tuple(c.name for c in SnmpInterface.__table__.columns)

    def __init__(self, stored: dict[tuple[int, int], dict[str, Any]]):
        self.stored = stored
        self.current: dict[int, dict[int, dict[str, Any]]] = {}
        for (device_id, if_index), row in stored.items():
            self.current.setdefault(device_id, {})[if_index] = dict(row)

    @classmethod
    def read(cls, session: Session, devices: set[int]) -> _Interfaces:
        table = SnmpInterface.__table__
        rows = session.execute(select(table).where(table.c.device_id.in_(devices))).mappings()
        return cls({(r["device_id"], r["if_index"]): dict(r) for r in rows})

    def of(self, device_id: int) -> dict[int, dict[str, Any]]:
        return self.current.setdefault(device_id, {})

    def write(self, session: Session) -> None:
        final = {(d, i): row for d, rows in self.current.items() for i, row in rows.items()}
        for device_id, if_index in self.stored.keys() - final.keys():
            session.execute(
                delete(SnmpInterface).where(
                    SnmpInterface.device_id == device_id, SnmpInterface.if_index == if_index
                )
            )
        insert_rows(session, SnmpInterface, [r for k, r in final.items() if k not in self.stored])
        changed = [r for k, r in final.items() if k in self.stored and r != self.stored[k]]
        if changed:
            # One executemany in Core: the ORM's bulk update by key costs twice the CPU.
            table = cast(Table, SnmpInterface.__table__)
            values = [c for c in self.COLUMNS if c not in ("device_id", "if_index")]
            session.execute(
                table.update()
                .where(
                    table.c.device_id == bindparam("b_device_id"),
                    table.c.if_index == bindparam("b_if_index"),
                )
                .values({c: bindparam(c) for c in values}),
                [
                    {"b_device_id": r["device_id"], "b_if_index": r["if_index"]}
                    | {c: r[c] for c in values}
                    for r in changed
                ],
            )


def _record_interfaces(
    result: SnmpResult, known: dict[int, dict[str, Any]], at: datetime, rebooted: bool
) -> list[dict]:
    samples = []
    seen = set()
    for sample in result.interfaces:
        seen.add(sample.if_index)
        row = known.get(sample.if_index)
        if row is None:
            row = _new_interface(result.key, sample.if_index, at)
            known[sample.if_index] = row  # the next round of the same call finds it
        in_bps = out_bps = errors = discards = None
        if row["counters_at"] is not None:
            elapsed = (at - row["counters_at"]).total_seconds()
            before = row["uptime_cs"]
            in_bps = counters.rate_bps(
                counters.Reading(from_signed64(row["in_octets"]), row["counter_bits"], before),
                counters.Reading(sample.in_octets, sample.counter_bits, result.uptime_cs),
                elapsed,
                sample.speed_mbps,
            )
            out_bps = counters.rate_bps(
                counters.Reading(from_signed64(row["out_octets"]), row["counter_bits"], before),
                counters.Reading(sample.out_octets, sample.counter_bits, result.uptime_cs),
                elapsed,
                sample.speed_mbps,
            )
            errors = _per_minute(
                [(row["in_errors"], sample.in_errors), (row["out_errors"], sample.out_errors)],
                elapsed,
                rebooted,
            )
            discards = _per_minute(
                [
                    (row["in_discards"], sample.in_discards),
                    (row["out_discards"], sample.out_discards),
                ],
                elapsed,
                rebooted,
            )
        if result.inventory:
            row["name"], row["descr"], row["alias"] = sample.name, sample.descr, sample.alias
            row["if_type"], row["admin_status"] = sample.if_type, sample.admin_status
        row["oper_status"], row["speed_mbps"] = sample.oper_status, sample.speed_mbps
        row["counter_bits"] = sample.counter_bits
        row["in_octets"], row["out_octets"] = (
            to_signed64(sample.in_octets),
            to_signed64(sample.out_octets),
        )
        row["in_errors"], row["out_errors"] = sample.in_errors, sample.out_errors
        row["in_discards"], row["out_discards"] = sample.in_discards, sample.out_discards
        row["counters_at"], row["uptime_cs"], row["seen_at"] = at, result.uptime_cs, at
        row["in_bps"], row["out_bps"] = in_bps, out_bps
        row["utilisation_pct"] = counters.utilisation_pct(in_bps, out_bps, sample.speed_mbps)
        row["errors_per_min"], row["discards_per_min"] = errors, discards
        if (in_bps is not None or out_bps is not None) and sample.oper_status == "up":
            samples.append(
                {
                    "device_id": result.key,
                    "if_index": sample.if_index,
                    "at": at,
                    "in_bps": in_bps,
                    "out_bps": out_bps,
                }
            )
    if result.inventory:
        # Interfaces the agent no longer lists (a removed module) leave the page.
        for index in [i for i in known if i not in seen]:
            del known[index]
    return samples


def _per_minute(pairs, elapsed: float, rebooted: bool) -> float | None:
    all_deltas = [counters.count_delta(a, b, 32, rebooted) for a, b in pairs]
    deltas = [d for d in all_deltas if d is not None]
    if not deltas or elapsed <= 0:
        return None
    return round(sum(deltas) * 60 / elapsed, 2)


# --------------------------------------------------------------------------------------------
# Hourly rollups and retention


def roll_up_traffic(session: Session, now: datetime) -> int:
    """Complete hours of samples not yet rolled up → one row per interface per hour."""
    last = session.execute(select(func.max(TrafficRollup.bucket_start))).scalar()
    if last is not None:
        start = stored_utc(last) + HOUR
    else:
        first = session.execute(select(func.min(TrafficSample.at))).scalar()
        if first is None:
            return 0
        start = stored_utc(first).replace(minute=0, second=0, microsecond=0)
    end = now.replace(minute=0, second=0, microsecond=0)
    if start >= end:
        return 0
    buckets: dict[tuple[int, int, datetime], list] = {}
    for device_id, if_index, at, in_bps, out_bps in session.execute(
        select(
            TrafficSample.device_id,
            TrafficSample.if_index,
            TrafficSample.at,
            TrafficSample.in_bps,
            TrafficSample.out_bps,
        ).where(TrafficSample.at >= start, TrafficSample.at < end)
    ):
        bucket = stored_utc(at).replace(minute=0, second=0, microsecond=0)
        buckets.setdefault((device_id, if_index, bucket), []).append((in_bps, out_bps))
    rows = []
    for (device_id, if_index, bucket), values in buckets.items():
        ins = [v[0] for v in values if v[0] is not None]
        outs = [v[1] for v in values if v[1] is not None]
        rows.append(
            {
                "device_id": device_id,
                "if_index": if_index,
                "bucket_start": bucket,
                "samples": len(values),
                "in_bps_sum": sum(ins),
                "out_bps_sum": sum(outs),
                "in_bps_max": max(ins, default=None),
                "out_bps_max": max(outs, default=None),
            }
        )
    if rows:
        session.execute(insert(TrafficRollup), rows)
    return len(rows)


def prune_traffic(session: Session, now: datetime, raw_hours: int, hourly_days: int) -> int:
    deleted = (
        rowcount(
            session.execute(
                delete(TrafficSample).where(TrafficSample.at < now - timedelta(hours=raw_hours))
            )
        )
        or 0
    )
    deleted += (
        rowcount(
            session.execute(
                delete(TrafficRollup).where(
                    TrafficRollup.bucket_start < now - timedelta(days=hourly_days)
                )
            )
        )
        or 0
    )
    return deleted
