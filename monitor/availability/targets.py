"""The availability targets of [reports]: which percent each site and device kind must reach.

The settings themselves are validated by monitor.settings when they are loaded."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.settings import ReportSettings, parse_targets


@dataclass(frozen=True)
class Targets:
    """Which percent each site and each device kind must reach."""

    default: float
    by_kind: dict[str, float]
    by_site: dict[str, float]

    @classmethod
    def from_settings(cls, settings: ReportSettings) -> Targets:
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
