"""Gather the facts the risk rules need from the database, and run one evaluation.

Thin I/O around the pure engine (monitor.risks.rules): availability from monitor.availability.intervals over
the state intervals (monitor.availability.history), automatic incidents, device lifecycle dates, SSH
backup states and configuration change events.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.assets.depreciation import AssetCost, UsefulLife, life_end
from monitor.availability.history import load_history
from monitor.availability.intervals import DeviceInfo, Figures, site_uplinks
from monitor.availability.targets import Targets
from monitor.db.engine import transaction
from monitor.db.models import (
    ConfigChangeEvent,
    Device,
    HealthSample,
    Incident,
    PingRollup,
    Site,
    SnmpInterface,
    SnmpStatus,
    SshBackupState,
    TrafficRollup,
)
from monitor.domain import AssetCondition
from monitor.localtime import as_utc, to_local, utcnow
from monitor.risks import alerts
from monitor.risks.register import Change, reconcile
from monitor.risks.rules import DeviceFact, Facts, Rule, RuleError, SiteFact, evaluate, load_rules
from monitor.risks.windows import HealthPoint
from monitor.settings import Settings

log = logging.getLogger(__name__)


def gather(session: Session, settings: Settings, rules: list[Rule], now: datetime) -> Facts:
    targets = Targets.from_settings(settings.reports)
    # Windows of the rules that judge a period: availability and observed time for each.
    windows = sorted(
        {
            r.params["window_days"]
            for r in rules
            if r.enabled and r.check in ("availability", "repeated_outages")
        }
    )
    longest = max([30, *(r.params.get("window_days", 0) for r in rules)])
    since = now - timedelta(days=longest)

    device_pct: dict[int, dict[int, float | None]] = defaultdict(dict)
    site_pct: dict[int, dict[int, float | None]] = defaultdict(dict)
    device_seen: dict[int, dict[int, float]] = defaultdict(dict)
    site_seen: dict[int, dict[int, float]] = defaultdict(dict)
    if windows:
        history = load_history(session, now - timedelta(days=windows[-1]), now)
        for days in windows:
            result = history.availability(
                now - timedelta(days=days), now, site_rule=settings.reports.site_rule
            )
            for device_id, figures in result.devices.items():
                device_pct[device_id][days] = figures.availability_pct
                device_seen[device_id][days] = _observed_days(figures)
            for site_id, figures in result.sites.items():
                site_pct[site_id][days] = figures.availability_pct
                site_seen[site_id][days] = _observed_days(figures)

    incidents: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for i in session.execute(
        select(Incident.id, Incident.device_id, Incident.opened_at).where(
            Incident.manual.is_(False), Incident.device_id.is_not(None), Incident.opened_at >= since
        )
    ):
        incidents[i.device_id].append((i.id, i.opened_at))
    backups = {b.device_id: b.last_success_at for b in session.scalars(select(SshBackupState))}
    changes: dict[int, list[tuple[int, datetime, bool]]] = defaultdict(list)
    for c in session.execute(
        select(
            ConfigChangeEvent.id,
            ConfigChangeEvent.device_id,
            ConfigChangeEvent.at,
            ConfigChangeEvent.in_maintenance,
        ).where(ConfigChangeEvent.at >= since)
    ):
        changes[c.device_id].append((c.id, c.at, c.in_maintenance))

    latency: dict[int, list] = defaultdict(list)
    for r in session.execute(
        select(PingRollup).where(PingRollup.resolution == 3600, PingRollup.bucket_start >= since)
    ).scalars():
        rtt = r.rtt_sum_ms / r.rtt_samples if r.rtt_samples else None
        loss = 100.0 * (r.sent - r.received) / r.sent if r.sent else 0.0
        latency[r.device_id].append((r.bucket_start, rtt, loss))
    snmp = {
        s.device_id: s for s in session.scalars(select(SnmpStatus).where(SnmpStatus.state == "ok"))
    }
    utilisation = _utilisation_hours(session, since)
    health = _health_points(session, rules, now)

    rows = session.execute(
        select(Device, Site)
        .join(Site, Site.id == Device.site_id)
        .where(Site.enabled.is_(True), Device.enabled.is_(True))
        .order_by(Site.code, Device.name)
    ).all()

    # Only what is polled can be a school's uplink: a notebook without a parent is no uplink.
    infos = [DeviceInfo(d.id, s.id, d.kind, d.parent_id) for d, s in rows if d.address]
    life = UsefulLife.from_settings(settings.assets)
    roots = site_uplinks(infos)
    root_ids = {i for ids in roots.values() for i in ids}
    devices = tuple(
        DeviceFact(
            d.id,
            d.name,
            d.kind,
            s.id,
            s.code,
            s.name,
            d.purchase_date,
            d.warranty_end,
            d.eol_date,
            targets.for_kind(d.kind),
            device_pct.get(d.id, {}),
            tuple(incidents.get(d.id, ())),
            d.id in backups,
            backups.get(d.id),
            tuple(changes.get(d.id, ())),
            d.id in root_ids,
            tuple(latency.get(d.id, ())),
            **_snmp_facts(snmp.get(d.id)),
            utilisation_hours=tuple(utilisation.get(d.id, ())),
            observed_days=device_seen.get(d.id, {}),
            useful_life_end=_useful_life_end(d, life),
            health=tuple(health.get(d.id, ())),
        )
        for d, s in rows
    )
    members: dict[int, int] = defaultdict(int)
    site_objs = {}
    for _, s in rows:
        members[s.id] += 1
        site_objs[s.id] = s
    sites = tuple(
        SiteFact(
            s.id,
            s.code,
            s.name,
            targets.for_site(s.code),
            site_pct.get(s.id, {}),
            members[s.id],
            tuple(roots.get(s.id, ())),
            observed_days=site_seen.get(s.id, {}),
        )
        for s in site_objs.values()
    )
    return Facts(now, to_local(now).date(), devices, sites)


def _observed_days(figures: Figures) -> float:
    """Time with a known state (up, down, unreachable, maintenance), in days."""
    return (figures.total - figures.unknown).total_seconds() / 86400


def _useful_life_end(device: Device, life: UsefulLife):
    """When the asset's useful life ends; None once it is (or waits to be) disposed of."""
    if device.condition in (AssetCondition.DISPOSED, AssetCondition.AWAITING_DISPOSAL):
        return None
    asset = AssetCost(
        device.id,
        device.kind,
        device.price,
        device.purchase_date,
        device.budget_year,
        device.disposed_on,
    )
    return life_end(asset, life)


def _snmp_facts(status: SnmpStatus | None) -> dict:
    if status is None:
        return {}
    fullest = None
    for area in status.storage or ():
        # Agents' numbers are untrusted: skip anything that is not a sane size.
        try:
            size, used = float(area.get("size_bytes") or 0), float(area.get("used_bytes") or 0)
        except (TypeError, ValueError, AttributeError):
            continue
        if size > 0 and 0 <= used <= size:
            fullest = max(fullest or 0.0, 100.0 * used / size)
    return {
        "cpu_pct": status.cpu_pct,
        "memory_pct": status.memory_pct,
        "storage_pct": fullest,
        "ups_on_battery": status.ups_on_battery if status.has_ups else None,
        "ups_charge_pct": status.ups_charge_pct if status.has_ups else None,
        "ups_minutes": status.ups_minutes_remaining if status.has_ups else None,
        "sensors": _sensors(status),
    }


def _health_points(session: Session, rules: list[Rule], now: datetime) -> dict[int, list]:
    """Health samples of the longest lookback the enabled window rules ask for, per device."""
    hours = [
        r.params["lookback_hours"] for r in rules if r.enabled and "lookback_hours" in r.params
    ]
    if not hours:
        return {}
    points: dict[int, list] = defaultdict(list)
    for h in session.scalars(
        select(HealthSample)
        .where(HealthSample.at >= now - timedelta(hours=max(hours)), HealthSample.at <= now)
        .order_by(HealthSample.device_id, HealthSample.at)
    ):
        points[h.device_id].append(
            HealthPoint(
                as_utc(h.at),
                h.cpu_pct,
                h.memory_pct,
                h.temperature_c,
                h.ups_on_battery,
                h.ups_charge_pct,
                h.ups_minutes,
            )
        )
    return points


def _sensors(status: SnmpStatus) -> tuple[tuple[str, str, str], ...]:
    """Fans and power supplies as stored (untrusted JSON: anything malformed is left out)."""
    found = []
    for item in status.sensors or ():
        if isinstance(item, dict) and all(
            isinstance(item.get(k), str) for k in ("kind", "name", "state")
        ):
            found.append((item["kind"], item["name"][:100], item["state"]))
    return tuple(found)


def _utilisation_hours(session: Session, since: datetime) -> dict[int, list]:
    speeds = {
        (i.device_id, i.if_index): (i.name or i.descr or str(i.if_index), i.speed_mbps)
        for i in session.scalars(select(SnmpInterface).where(SnmpInterface.speed_mbps > 0))
    }
    hours: dict[int, list] = defaultdict(list)
    for r in session.scalars(select(TrafficRollup).where(TrafficRollup.bucket_start >= since)):
        name, speed = speeds.get((r.device_id, r.if_index), (None, None))
        if not speed or not r.samples:
            continue
        peak = max(r.in_bps_sum, r.out_bps_sum) / r.samples
        hours[r.device_id].append((name, r.bucket_start, 100.0 * peak / (speed * 1e6)))
    return hours


def evaluate_once(
    sessions: sessionmaker[Session], settings: Settings, now: datetime
) -> list[Change]:
    """Load the rules, gather facts, reconcile — one transaction. A bad rules file raises
    RuleError before anything is written."""
    rules = load_rules(settings.risks.rules_file or None)
    with transaction(sessions) as session:
        facts = gather(session, settings, rules, now)
        changes = reconcile(session, rules, evaluate(rules, facts), now)
        # In the same transaction: a risk that became high is announced exactly once.
        alerts.queue_became_high(
            session, changes, settings.risks, now=now, base_url=settings.web.base_url
        )
    log.info("risk rules: %d changes", len(changes))
    return changes


def run_scheduled(sessions: sessionmaker[Session], settings: Settings) -> None:
    """The hourly job: a bad rules file is logged (the officer sees it with `ictmon risks
    check-rules`) and tried again next time; it never stops the other jobs."""
    try:
        evaluate_once(sessions, settings, utcnow())
    except RuleError as exc:
        log.error("risk rules not evaluated: %s", exc)
