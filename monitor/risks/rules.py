"""Risk rules: a declarative rules file, its validation, and the pure engine facts → desired risks.

The rules file (monitor/risks/default_rules.toml, or [risks] rules_file) holds one table per rule:

    [rules.repeated_outages]
    check = "repeated_outages"   # what is measured (CHECKS below)
    count = 3                    # the check's own thresholds, defaults in CHECKS
    likelihood = 3               # 1-5 when the rule just fires; more evidence raises it
    impact = 3                   # 1-5
    impact_by_kind = { router = 5, firewall = 5 }    # per device kind (likelihood_by_kind too)
    close_after_days = 7         # cleared this long → proposed for closing

`evaluate(rules, facts)` is pure: it returns the risks the facts call for right now, one per
(rule, subject), each with its likelihood raised by `steps` of extra evidence (capped at 5).

Rules that judge a period (availability, repeated_outages) also need `min_observed_days` of it
observed (time with a known state, not "unknown"): fifteen minutes of monitoring with a six-minute
outage is 60 % of nothing, not a very high risk. The risk's summary says how much was observed.
Storing them, and respecting what people decided, is monitor.risks.register.reconcile.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.domain import DeviceKind, RiskCategory, RiskLevel
from monitor.risks.texts import render, text
from monitor.risks.windows import HealthPoint, Run, longest_run

_DEVICE_KINDS = tuple(DeviceKind)
_RISK_CATEGORIES = tuple(RiskCategory)

# Shipped inside the package so a plain (non-editable) install finds it too.
DEFAULT_RULES_FILE = Path(__file__).with_name("default_rules.toml")


class RuleError(ValueError):
    """The rules file is unreadable or a rule is wrong; the message names the rule and field."""


# --- Facts: what the database knows, gathered by monitor.risks.facts ---------------------------


@dataclass(frozen=True)
class DeviceFact:
    id: int
    name: str
    kind: str
    site_id: int
    site_code: str
    site_name: str = ""
    purchase_date: date | None = None
    warranty_end: date | None = None
    eol_date: date | None = None
    target: float = 99.5
    # Percent up over the last N days, per N asked for by the rules (None: nothing measured).
    availability: dict[int, float | None] = field(default_factory=dict)
    # Automatic incidents this device caused: (incident id, opened at).
    incidents: tuple[tuple[int, datetime], ...] = ()
    backup_tracked: bool = False  # has an SSH backup state at all
    last_backup_success: datetime | None = None
    # (change event id, at, inside a maintenance window)
    config_changes: tuple[tuple[int, datetime, bool], ...] = ()
    is_uplink: bool = False  # a root of its site (see availability.site_uplinks)
    # Hourly ping rollups: (hour start, mean rtt ms or None, loss percent).
    latency_hours: tuple[tuple[datetime, float | None, float], ...] = ()
    # SNMP, the latest successful poll (None: not known).
    cpu_pct: float | None = None
    memory_pct: float | None = None
    storage_pct: float | None = None  # the fullest storage area
    ups_on_battery: bool | None = None
    ups_charge_pct: float | None = None
    ups_minutes: float | None = None
    # Hourly mean utilisation per interface: (interface name, hour start, percent of speed).
    utilisation_hours: tuple[tuple[str, datetime, float], ...] = ()
    # Days of the last N days with a known state (not unknown), per N the rules ask for.
    observed_days: dict[int, float] = field(default_factory=dict)
    # The end of the useful life the office sets for its kind (monitor.assets.depreciation);
    # None: no price or date to count from, or disposed.
    useful_life_end: date | None = None
    # Health samples of the last hours (one per SNMP round), oldest first: the sustained-window
    # rules judge these, never one reading.
    health: tuple[HealthPoint, ...] = ()
    # Fans and power supplies at the last SNMP poll: (kind fan/psu, name, state).
    sensors: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class SiteFact:
    id: int
    code: str
    name: str
    target: float = 99.5
    availability: dict[int, float | None] = field(default_factory=dict)
    device_count: int = 0
    uplinks: tuple[int, ...] = ()  # root devices (parent none or in another site)
    observed_days: dict[int, float] = field(default_factory=dict)  # as DeviceFact's


@dataclass(frozen=True)
class Facts:
    now: datetime
    today: date  # Bangkok calendar day
    devices: tuple[DeviceFact, ...] = ()
    sites: tuple[SiteFact, ...] = ()


@dataclass(frozen=True)
class DesiredRisk:
    rule_key: str
    subject_key: str  # "device:12" / "site:3"
    # The title column's text (Thai, the default language); pages render evidence["title"].
    title: str
    category: str
    site_id: int | None
    device_id: int | None
    likelihood: int
    impact: int
    # {"title": text, "summary": text, "figures": {...}, ...}: texts as keys and arguments.
    evidence: dict[str, Any]


# --- Rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    key: str
    check: str
    likelihood: int
    impact: int
    impact_by_kind: dict[str, int]
    category: str
    close_after_days: int
    params: dict[str, Any]
    enabled: bool = True
    likelihood_by_kind: dict[str, int] = field(default_factory=dict)

    def impact_for(self, kind: str | None) -> int:
        return self.impact_by_kind.get(kind or "", self.impact)

    def likelihood_for(self, kind: str | None) -> int:
        return self.likelihood_by_kind.get(kind or "", self.likelihood)


@dataclass(frozen=True)
class Finding:
    subject: DeviceFact | SiteFact
    title: dict[str, Any]  # a text: key and arguments (monitor.risks.texts)
    steps: int
    evidence: dict[str, Any]


@dataclass(frozen=True)
class Check:
    category: str
    params: dict[str, tuple[type, Any, float]]  # name → (type, default, minimum)
    run: Callable[[dict[str, Any], Facts], list[Finding]]
    likelihood: int = 3
    impact: int = 3


def _clamp(value: int) -> int:
    return max(1, min(5, value))


def _device_label(d: DeviceFact) -> str:
    return f"{d.name} ({d.site_code})"


def _observed_enough(subject: DeviceFact | SiteFact, p: dict[str, Any]) -> float | None:
    """The days observed of the rule's window, or None when fewer than the rule requires."""
    observed = subject.observed_days.get(p["window_days"], 0.0)
    return observed if observed >= p["min_observed_days"] else None


def _availability(p: dict[str, Any], facts: Facts) -> list[Finding]:
    days, step = p["window_days"], p["escalate_pct"]
    subjects = facts.sites if p["subject"] == "site" else facts.devices
    found = []
    for s in subjects:
        pct = s.availability.get(days)
        if pct is None or pct >= s.target:
            continue
        observed = _observed_enough(s, p)
        if observed is None:
            continue
        label = s.name if isinstance(s, SiteFact) else _device_label(s)
        found.append(
            Finding(
                s,
                text("risk_t_availability", subject=label),
                int((s.target - pct) // step),
                {
                    "summary": text(
                        "risk_s_availability_observed",
                        pct=pct,
                        days=days,
                        target=s.target,
                        observed=observed,
                        minimum=p["min_observed_days"],
                    ),
                    "figures": {
                        "availability_pct": round(pct, 3),
                        "target_pct": s.target,
                        "window_days": days,
                        "observed_days": round(observed, 2),
                        "min_observed_days": p["min_observed_days"],
                    },
                },
            )
        )
    return found


def _repeated_outages(p: dict[str, Any], facts: Facts) -> list[Finding]:
    since = facts.now - timedelta(days=p["window_days"])
    found = []
    for d in facts.devices:
        ids = sorted(i for i, at in d.incidents if at >= since)
        if len(ids) < p["count"]:
            continue
        observed = _observed_enough(d, p)
        if observed is None:
            continue
        found.append(
            Finding(
                d,
                text("risk_t_repeated_outages", subject=_device_label(d)),
                (len(ids) - p["count"]) // p["count"],
                {
                    "summary": text(
                        "risk_s_repeated_outages_observed",
                        n=len(ids),
                        days=p["window_days"],
                        observed=observed,
                        minimum=p["min_observed_days"],
                    ),
                    "figures": {
                        "outages": len(ids),
                        "window_days": p["window_days"],
                        "observed_days": round(observed, 2),
                        "min_observed_days": p["min_observed_days"],
                    },
                    "incidents": ids,
                },
            )
        )
    return found


def _warranty(p: dict[str, Any], facts: Facts) -> list[Finding]:
    found = []
    for d in facts.devices:
        if d.warranty_end is None:
            continue
        left = (d.warranty_end - facts.today).days
        if left > p["within_days"]:
            continue
        expired = left < 0
        found.append(
            Finding(
                d,
                (
                    text("risk_t_warranty_expired", subject=_device_label(d))
                    if expired
                    else text("risk_t_warranty_ending", subject=_device_label(d))
                ),
                1 if expired else 0,
                {
                    "summary": text("risk_s_warranty", date=d.warranty_end.isoformat()),
                    "figures": {"warranty_end": d.warranty_end.isoformat(), "days_left": left},
                },
            )
        )
    return found


def _eol(p: dict[str, Any], facts: Facts) -> list[Finding]:
    found = []
    for d in facts.devices:
        if d.eol_date is None:
            continue
        left = (d.eol_date - facts.today).days
        if left > p["within_days"]:
            continue
        passed = left < 0
        found.append(
            Finding(
                d,
                (
                    text("risk_t_eol_passed", subject=_device_label(d))
                    if passed
                    else text("risk_t_eol_near", subject=_device_label(d))
                ),
                1 if passed else 0,
                {
                    "summary": text("risk_s_eol", date=d.eol_date.isoformat()),
                    "figures": {"eol_date": d.eol_date.isoformat(), "days_left": left},
                },
            )
        )
    return found


def _age(p: dict[str, Any], facts: Facts) -> list[Finding]:
    found = []
    for d in facts.devices:
        if d.purchase_date is None:
            continue
        years = (facts.today - d.purchase_date).days / 365.25
        if years < p["years"]:
            continue
        found.append(
            Finding(
                d,
                text("risk_t_device_age", subject=_device_label(d)),
                int((years - p["years"]) // 2),
                {
                    "summary": text(
                        "risk_s_device_age", years=years, bought=d.purchase_date.isoformat()
                    ),
                    "figures": {
                        "age_years": round(years, 1),
                        "purchase_date": d.purchase_date.isoformat(),
                    },
                },
            )
        )
    return found


def _replacement(p: dict[str, Any], facts: Facts) -> list[Finding]:
    """Assets past the useful life of their kind: fully depreciated, due for replacement."""
    found = []
    for d in facts.devices:
        if d.useful_life_end is None:
            continue
        over = (facts.today - d.useful_life_end).days
        if over < -p["within_days"]:
            continue
        found.append(
            Finding(
                d,
                text("risk_t_replacement", subject=_device_label(d)),
                max(over, 0) // 730,  # every two years past its life adds one likelihood
                {
                    "summary": text("risk_s_replacement", date=d.useful_life_end.isoformat()),
                    "figures": {
                        "useful_life_end": d.useful_life_end.isoformat(),
                        "days_past": over,
                    },
                },
            )
        )
    return found


def _backup_missing(p: dict[str, Any], facts: Facts) -> list[Finding]:
    found = []
    for d in facts.devices:
        if not d.backup_tracked:
            continue
        last = d.last_backup_success
        days = None if last is None else (facts.now - last).total_seconds() / 86400
        if days is not None and days < p["days"]:
            continue
        found.append(
            Finding(
                d,
                text("risk_t_backup_missing", subject=_device_label(d)),
                1 if days is None else int((days - p["days"]) // p["days"]),
                {
                    "summary": text("risk_s_backup_never")
                    if days is None
                    else text("risk_s_backup_last", days=days),
                    "figures": {
                        "days_since_success": None if days is None else round(days, 1),
                        "last_success": None if last is None else last.isoformat(),
                    },
                },
            )
        )
    return found


def _config_outside_maintenance(p: dict[str, Any], facts: Facts) -> list[Finding]:
    since = facts.now - timedelta(days=p["window_days"])
    found = []
    for d in facts.devices:
        events = sorted(i for i, at, inside in d.config_changes if at >= since and not inside)
        if len(events) < p["count"]:
            continue
        found.append(
            Finding(
                d,
                text("risk_t_config_outside_maintenance", subject=_device_label(d)),
                len(events) - p["count"],
                {
                    "summary": text("risk_s_config_changes", n=len(events), days=p["window_days"]),
                    "figures": {"changes": len(events), "window_days": p["window_days"]},
                    "config_changes": events,
                },
            )
        )
    return found


def _single_uplink(p: dict[str, Any], facts: Facts) -> list[Finding]:
    return [
        Finding(
            s,
            text("risk_t_single_uplink", subject=s.name),
            0,
            {
                "summary": text("risk_s_single_uplink", n=s.device_count),
                "figures": {"devices": s.device_count, "uplink_device": s.uplinks[0]},
            },
        )
        for s in facts.sites
        if len(s.uplinks) == 1 and s.device_count >= p["min_devices"]
    ]


def _latency(p: dict[str, Any], facts: Facts) -> list[Finding]:
    since = facts.now - timedelta(days=p["window_days"])
    found = []
    for d in facts.devices:
        if not d.is_uplink:
            continue
        hours = [(rtt, loss) for at, rtt, loss in d.latency_hours if at >= since]
        bad = sum(
            (rtt is not None and rtt >= p["rtt_ms"]) or loss >= p["loss_pct"] for rtt, loss in hours
        )
        if bad < p["min_hours"]:
            continue
        found.append(
            Finding(
                d,
                text("risk_t_uplink_latency", subject=_device_label(d)),
                (bad - p["min_hours"]) // p["min_hours"],
                {
                    "summary": text(
                        "risk_s_uplink_latency",
                        hours=bad,
                        days=p["window_days"],
                        rtt=p["rtt_ms"],
                        loss=p["loss_pct"],
                    ),
                    "figures": {"bad_hours": bad, "hours_measured": len(hours)},
                },
            )
        )
    return found


def _utilisation(p: dict[str, Any], facts: Facts) -> list[Finding]:
    since = facts.now - timedelta(days=p["window_days"])
    found = []
    for d in facts.devices:
        busy: dict[str, int] = {}
        for name, at, pct in d.utilisation_hours:
            if at >= since and pct >= p["threshold_pct"]:
                busy[name] = busy.get(name, 0) + 1
        worst = max(busy.items(), key=lambda kv: (kv[1], kv[0]), default=None)
        if worst is None or worst[1] < p["min_hours"]:
            continue
        found.append(
            Finding(
                d,
                text("risk_t_utilisation", subject=_device_label(d), interface=worst[0]),
                (worst[1] - p["min_hours"]) // p["min_hours"],
                {
                    "summary": text(
                        "risk_s_utilisation",
                        interface=worst[0],
                        hours=worst[1],
                        threshold=p["threshold_pct"],
                    ),
                    "figures": {
                        "interface": worst[0],
                        "busy_hours": worst[1],
                        "interfaces": dict(sorted(busy.items())),
                    },
                },
            )
        )
    return found


def _health(metric: str, check: str) -> Callable[[dict[str, Any], Facts], list[Finding]]:
    """The latest reading against a threshold (storage: it fills slowly, a spike is no concern)."""

    def run(p: dict[str, Any], facts: Facts) -> list[Finding]:
        found = []
        for d in facts.devices:
            value = getattr(d, metric)
            if value is None or value < p["threshold_pct"]:
                continue
            found.append(
                Finding(
                    d,
                    text(f"risk_t_{check}", subject=_device_label(d)),
                    int((value - p["threshold_pct"]) // 5),
                    {
                        "summary": text(
                            f"risk_s_{check}", value=value, threshold=p["threshold_pct"]
                        ),
                        "figures": {metric: round(value, 1)},
                    },
                )
            )
        return found

    return run


def _run(
    d: DeviceFact,
    p: dict[str, Any],
    now: datetime,
    value: Callable[[HealthPoint], Any],
    holds: Callable[[Any], bool],
) -> Run | None:
    """The device's longest run of samples meeting the condition within the rule's lookback."""
    return longest_run(
        d.health,
        value,
        holds,
        timedelta(minutes=p["max_gap_minutes"]),
        since=now - timedelta(hours=p["lookback_hours"]),
    )


def _window_figures(run: Run, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "from": run.start.isoformat(),
        "to": run.end.isoformat(),
        "minutes": run.minutes,
        "samples": run.samples,
        "window_minutes": p["window_minutes"],
    }


def _sustained(
    metric: str, check: str, threshold: str
) -> Callable[[dict[str, Any], Facts], list[Finding]]:
    """A health value at or above the threshold for a whole window (e.g. CPU ≥ 90 % for 2 h),
    judged from the samples: a single spike, or a window broken by a normal reading, is no risk.
    Every 5 units the run's lowest value stands above the threshold adds one likelihood."""

    def run(p: dict[str, Any], facts: Facts) -> list[Finding]:
        found = []
        limit = p[threshold]
        for d in facts.devices:
            longest = _run(d, p, facts.now, lambda h: getattr(h, metric), lambda v: v >= limit)
            if longest is None or longest.minutes < p["window_minutes"]:
                continue
            low, high = min(longest.values), max(longest.values)
            found.append(
                Finding(
                    d,
                    text(f"risk_t_{check}", subject=_device_label(d)),
                    int((low - limit) // 5),
                    {
                        "summary": text(
                            f"risk_s_{check}_window",
                            threshold=limit,
                            minutes=longest.minutes,
                            window=p["window_minutes"],
                            hours=p["lookback_hours"],
                            peak=high,
                        ),
                        "figures": {
                            **_window_figures(longest, p),
                            f"{metric}_lowest": round(low, 1),
                            f"{metric}_peak": round(high, 1),
                        },
                    },
                )
            )
        return found

    return run


def _ups(p: dict[str, Any], facts: Facts) -> list[Finding]:
    """On battery for `on_battery_minutes`, or the charge / minutes left below their limits for
    `window_minutes`, all from the samples: a UPS self-test's minute on battery is no risk."""
    found = []
    for d in facts.devices:
        problems: list[dict[str, Any]] = []
        figures: dict[str, Any] = {}
        battery = _run(d, p, facts.now, lambda h: h.ups_on_battery, bool)
        if battery is not None and battery.minutes >= p["on_battery_minutes"]:
            problems.append(text("risk_s_ups_on_battery_for", minutes=battery.minutes))
            figures["on_battery_minutes"] = battery.minutes
        charge = _run(d, p, facts.now, lambda h: h.ups_charge_pct, lambda v: v < p["charge_pct"])
        if charge is not None and charge.minutes >= p["window_minutes"]:
            problems.append(text("risk_s_ups_charge", pct=min(charge.values)))
            figures["charge_pct"] = min(charge.values)
        left = _run(d, p, facts.now, lambda h: h.ups_minutes, lambda v: v < p["minutes"])
        if left is not None and left.minutes >= p["window_minutes"]:
            problems.append(text("risk_s_ups_minutes", minutes=min(left.values)))
            figures["minutes_remaining"] = min(left.values)
        if not problems:
            continue
        found.append(
            Finding(
                d,
                text("risk_t_ups", subject=_device_label(d)),
                len(problems) - 1,
                {
                    "summary": text("risk_s_ups", problems=problems),
                    "figures": {
                        **figures,
                        "on_battery": d.ups_on_battery,
                        "latest_charge_pct": d.ups_charge_pct,
                        "latest_minutes_remaining": d.ups_minutes,
                    },
                },
            )
        )
    return found


def _hardware(p: dict[str, Any], facts: Facts) -> list[Finding]:
    """A fan or power supply the device itself reports failed (critical) at the last poll; each
    further failed one adds one likelihood. Warnings and empty slots raise nothing."""
    found = []
    for d in facts.devices:
        failed = [(kind, name) for kind, name, state in d.sensors if state == "critical"]
        if not failed:
            continue
        found.append(
            Finding(
                d,
                text("risk_t_hardware", subject=_device_label(d)),
                len(failed) - 1,
                {
                    "summary": text(
                        "risk_s_hardware",
                        items=[text(f"risk_s_hardware_{kind}", name=name) for kind, name in failed],
                    ),
                    "figures": {"failed": [{"kind": k, "name": n} for k, n in failed]},
                },
            )
        )
    return found


# Shared by the sustained-window checks: how far back to look, and the longest pause between
# two samples that still counts as one run (the SNMP round is 5 minutes; a missed round or two
# is not a break, an hour without data is).
_WINDOW = {
    "lookback_hours": (float, 24.0, 0.1),
    "max_gap_minutes": (float, 15.0, 1.0),
}


CHECKS: dict[str, Check] = {
    "availability": Check(
        "availability",
        {
            "window_days": (int, 30, 1),
            "escalate_pct": (float, 1.0, 0.001),
            "subject": (str, "site", 0),
            "min_observed_days": (float, 7.0, 0.0),
        },
        _availability,
    ),
    "repeated_outages": Check(
        "availability",
        {
            "window_days": (int, 30, 1),
            "count": (int, 3, 1),
            "min_observed_days": (float, 3.0, 0.0),
        },
        _repeated_outages,
    ),
    "warranty": Check("lifecycle", {"within_days": (int, 90, 0)}, _warranty, 2, 2),
    "end_of_life": Check("lifecycle", {"within_days": (int, 180, 0)}, _eol, 3, 3),
    "device_age": Check("lifecycle", {"years": (float, 7.0, 0.1)}, _age, 2, 2),
    "replacement": Check("lifecycle", {"within_days": (int, 0, 0)}, _replacement, 2, 2),
    "backup_missing": Check("configuration", {"days": (int, 7, 1)}, _backup_missing, 2, 3),
    "config_outside_maintenance": Check(
        "configuration",
        {"window_days": (int, 30, 1), "count": (int, 1, 1)},
        _config_outside_maintenance,
        2,
        3,
    ),
    "single_uplink": Check("availability", {"min_devices": (int, 2, 1)}, _single_uplink, 2, 4),
    "uplink_latency": Check(
        "availability",
        {
            "window_days": (int, 7, 1),
            "rtt_ms": (float, 200.0, 0.001),
            "loss_pct": (float, 5.0, 0.001),
            "min_hours": (int, 24, 1),
        },
        _latency,
        2,
        3,
    ),
    "utilisation": Check(
        "capacity",
        {
            "window_days": (int, 7, 1),
            "threshold_pct": (float, 80.0, 0.001),
            "min_hours": (int, 20, 1),
        },
        _utilisation,
        2,
        3,
    ),
    "cpu_high": Check(
        "capacity",
        {"threshold_pct": (float, 90.0, 0.001), "window_minutes": (int, 120, 1), **_WINDOW},
        _sustained("cpu_pct", "cpu_high", "threshold_pct"),
        2,
        3,
    ),
    "memory_high": Check(
        "capacity",
        {"threshold_pct": (float, 90.0, 0.001), "window_minutes": (int, 120, 1), **_WINDOW},
        _sustained("memory_pct", "memory_high", "threshold_pct"),
        2,
        3,
    ),
    "temperature_high": Check(
        "other",
        {"threshold_c": (float, 70.0, -40.0), "window_minutes": (int, 30, 1), **_WINDOW},
        _sustained("temperature_c", "temperature_high", "threshold_c"),
        2,
        3,
    ),
    "storage_high": Check(
        "capacity",
        {"threshold_pct": (float, 90.0, 0.001)},
        _health("storage_pct", "storage_high"),
        2,
        3,
    ),
    "ups": Check(
        "power",
        {
            "charge_pct": (float, 50.0, 0.0),
            "minutes": (float, 10.0, 0.0),
            "on_battery_minutes": (int, 5, 1),
            "window_minutes": (int, 15, 1),
            **_WINDOW,
        },
        _ups,
        3,
        4,
    ),
    "hardware": Check("availability", {}, _hardware, 2, 4),
}
_CHOICES = {("availability", "subject"): ("site", "device")}
_COMMON = {
    "check",
    "enabled",
    "likelihood",
    "impact",
    "impact_by_kind",
    "likelihood_by_kind",
    "category",
    "close_after_days",
}


# --- Loading and validation ------------------------------------------------------------------


def _level(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise RuleError(f"{where}: must be a whole number 1-5, got {value!r}")
    return value


def parse_rules(document: dict[str, Any], source: str = "rules file") -> list[Rule]:
    rules_table = document.get("rules", {})
    unknown = set(document) - {"rules"}
    if unknown:
        raise RuleError(
            f"{source}: unknown table(s) {', '.join(sorted(unknown))} "
            "(rules go under [rules.<name>])"
        )
    if not isinstance(rules_table, dict):
        raise RuleError(f"{source}: [rules] must be a table of rules")
    rules = []
    for key, body in rules_table.items():
        where = f"{source}: [rules.{key}]"
        if not isinstance(body, dict):
            raise RuleError(f"{where}: must be a table")
        check_name = body.get("check", key)
        if not isinstance(check_name, str) or check_name not in CHECKS:
            raise RuleError(
                f"{where} check: unknown check {check_name!r} (known: {', '.join(sorted(CHECKS))})"
            )
        check = CHECKS[check_name]
        for name in body:
            if name not in _COMMON and name not in check.params:
                raise RuleError(
                    f"{where} {name}: unknown field (known: "
                    f"{', '.join(sorted(_COMMON | set(check.params)))})"
                )
        enabled = body.get("enabled", True)
        if not isinstance(enabled, bool):
            raise RuleError(f"{where} enabled: must be true or false, got {enabled!r}")
        likelihood = _level(body.get("likelihood", check.likelihood), f"{where} likelihood")
        impact = _level(body.get("impact", check.impact), f"{where} impact")
        per_kind = {}
        for table in ("impact_by_kind", "likelihood_by_kind"):
            by_kind = body.get(table, {})
            if not isinstance(by_kind, dict):
                raise RuleError(f"{where} {table}: must be a table like {{ router = 5 }}")
            for kind, value in by_kind.items():
                if kind not in _DEVICE_KINDS:
                    raise RuleError(
                        f"{where} {table}.{kind}: unknown device kind "
                        f"(known: {', '.join(_DEVICE_KINDS)})"
                    )
                _level(value, f"{where} {table}.{kind}")
            per_kind[table] = dict(by_kind)
        category = body.get("category", check.category)
        if category not in _RISK_CATEGORIES:
            raise RuleError(
                f"{where} category: must be one of {', '.join(_RISK_CATEGORIES)}, got {category!r}"
            )
        close_after = body.get("close_after_days", 7)
        if isinstance(close_after, bool) or not isinstance(close_after, int) or close_after < 0:
            raise RuleError(
                f"{where} close_after_days: must be a whole number ≥ 0, got {close_after!r}"
            )
        params = {}
        for name, (kind, default, minimum) in check.params.items():
            value = body.get(name, default)
            choices = _CHOICES.get((check_name, name))
            if choices:
                if value not in choices:
                    raise RuleError(
                        f"{where} {name}: must be one of {', '.join(choices)}, got {value!r}"
                    )
            elif (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (kind is int and not isinstance(value, int))
                or value < minimum
            ):
                what = "a whole number" if kind is int else "a number"
                raise RuleError(f"{where} {name}: must be {what} ≥ {minimum:g}, got {value!r}")
            params[name] = kind(value)
        if params.get("min_observed_days", 0) > params.get("window_days", float("inf")):
            raise RuleError(
                f"{where} min_observed_days: must be at most window_days "
                f"({params['window_days']}), got {params['min_observed_days']:g}"
            )
        rules.append(
            Rule(
                key,
                check_name,
                likelihood,
                impact,
                per_kind["impact_by_kind"],
                category,
                close_after,
                params,
                enabled,
                per_kind["likelihood_by_kind"],
            )
        )
    return rules


def load_rules(path: str | Path | None = None) -> list[Rule]:
    p = Path(path) if path else DEFAULT_RULES_FILE
    try:
        document = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuleError(f"risk rules file not found: {p}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{p}: not valid TOML: {exc}") from None
    return parse_rules(document, str(p))


# --- The engine ------------------------------------------------------------------------------


def evaluate(rules: list[Rule], facts: Facts) -> list[DesiredRisk]:
    """The risks the facts call for now: one per (enabled rule, subject)."""
    desired = []
    for rule in rules:
        if not rule.enabled:
            continue
        for f in CHECKS[rule.check].run(rule.params, facts):
            s = f.subject
            if isinstance(s, DeviceFact):
                subject, site_id, device_id, kind = f"device:{s.id}", s.site_id, s.id, s.kind
            else:
                subject, site_id, device_id, kind = f"site:{s.id}", s.id, None, None
            desired.append(
                DesiredRisk(
                    rule.key,
                    subject,
                    render(f.title, "th")[:300],
                    rule.category,
                    site_id,
                    device_id,
                    _clamp(rule.likelihood_for(kind) + max(0, f.steps)),
                    rule.impact_for(kind),
                    {"title": f.title, **f.evidence},
                )
            )
    return desired


def level_of(score: int, low_max: int = 4, medium_max: int = 9, high_max: int = 16) -> RiskLevel:
    """low / medium / high / very_high from likelihood × impact."""
    if score <= low_max:
        return RiskLevel.LOW
    if score <= medium_max:
        return RiskLevel.MEDIUM
    if score <= high_max:
        return RiskLevel.HIGH
    return RiskLevel.VERY_HIGH
