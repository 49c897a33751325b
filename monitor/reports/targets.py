"""[reports] settings that need more than a type check: targets, recipients, the send time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from monitor.db.models import DEVICE_KINDS

_ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _error(message: str):
    from monitor.settings import ConfigError

    return ConfigError(message)


def parse_targets(text: str, key: str) -> dict[str, float]:
    """'router=99.9, ap=98' → {'router': 99.9, 'ap': 98.0}; errors name the key and the entry."""
    targets: dict[str, float] = {}
    for entry in filter(None, (part.strip() for part in (text or "").split(","))):
        name, sep, value = entry.partition("=")
        name = name.strip()
        try:
            pct = float(value)
        except ValueError:
            pct = float("nan")
        if not sep or not name or not 0 <= pct <= 100:
            raise _error(
                f"[reports] {key}: expected entries like 'router=99.9' with a percent "
                f"0-100, got {entry!r}"
            )
        targets[name] = pct
    return targets


def parse_recipients(text: str) -> list[str]:
    addresses = [a.strip() for a in re.split(r"[,;]", text or "") if a.strip()]
    for address in addresses:
        if not _ADDRESS.match(address):
            raise _error(f"[reports] recipients: {address!r} is not an email address")
    return addresses


def parse_send_time(text: str) -> time:
    m = _TIME.match((text or "").strip())
    if not m:
        raise _error(f"[reports] send_time: expected HH:MM (Bangkok time), got {text!r}")
    return time(int(m.group(1)), int(m.group(2)))


def validate(settings) -> None:
    if not 0 <= settings.target <= 100:
        raise _error(f"[reports] target: must be a percent 0-100, got {settings.target!r}")
    kinds = parse_targets(settings.kind_targets, "kind_targets")
    unknown = sorted(set(kinds) - set(DEVICE_KINDS))
    if unknown:
        raise _error(
            f"[reports] kind_targets: unknown kind {unknown[0]!r} "
            f"(known: {', '.join(DEVICE_KINDS)})"
        )
    parse_targets(settings.site_targets, "site_targets")
    parse_recipients(settings.recipients)
    parse_send_time(settings.send_time)
    if not 1 <= settings.send_day <= 28:
        raise _error(
            f"[reports] send_day: must be 1-28 (every month has it), got {settings.send_day!r}"
        )
    if settings.site_rule not in ("uplink", "all"):
        raise _error(f"[reports] site_rule: must be one of uplink, all, got {settings.site_rule!r}")
    if not 0 <= settings.trend_months <= 24:
        raise _error(f"[reports] trend_months: must be 0-24, got {settings.trend_months!r}")


@dataclass(frozen=True)
class Targets:
    """Which percent each site and each device kind must reach."""

    default: float
    by_kind: dict[str, float]
    by_site: dict[str, float]

    @classmethod
    def from_settings(cls, settings) -> Targets:
        return cls(
            settings.target,
            parse_targets(settings.kind_targets, "kind_targets"),
            parse_targets(settings.site_targets, "site_targets"),
        )

    def for_site(self, code: str) -> float:
        return self.by_site.get(code, self.default)

    def for_kind(self, kind: str) -> float:
        return self.by_kind.get(kind, self.default)


def met(pct: float | None, target: float) -> bool | None:
    """None when nothing was measured: neither met nor missed."""
    return None if pct is None else pct >= target
