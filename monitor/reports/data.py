"""The report's content as plain data: what every renderer (PDF, XLSX, HTML page) shows.

`build_report` reads the history once (the period and the months of the trend), computes the
figures with monitor.availability.intervals and sorts every table worst first. Renderers only format.
The major incidents come from the incident log (monitor.reports.incident_rows); a month that has
none there (history imported without incidents) lists the outages computed from history instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from monitor.availability.history import History, first_observed, load_history
from monitor.availability.intervals import Availability, Figures
from monitor.availability.periods import Period, month_period
from monitor.availability.targets import Targets, met
from monitor.reports import incident_rows
from monitor.reports.network_changes import NetworkChangeRow, network_changes
from monitor.reports.risks import RiskRow, report_risks
from monitor.settings import Settings

MAJOR_OUTAGES = 10
# Monitoring that began this long after the period's start makes the report say it covers less.
LATE_START = timedelta(hours=1)


@dataclass(frozen=True)
class Row:
    """One line of a table: a site, a device kind or a device."""

    key: str  # site code, kind, or device id as text
    name: str
    figures: Figures
    target: float
    site: str = ""  # devices: the site's name
    site_code: str = ""  # devices: the site's code
    kind: str = ""  # devices: their kind
    address: str = ""  # devices: the address pinged
    members: int = 0  # sites and kinds: how many devices

    @property
    def pct(self) -> float | None:
        return self.figures.availability_pct

    @property
    def met(self) -> bool | None:
        return met(self.pct, self.target)


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    figures: Figures
    sites_met: int
    sites_measured: int


@dataclass(frozen=True)
class OutageRow:
    """A major incident of the period, worst first: from the incident log when the
    period has incidents there, otherwise a site's outage computed from state history."""

    site_code: str
    site_name: str
    start: datetime  # opened (incident) or the outage's start inside the period
    end: datetime  # resolved, or the window's end while it continues
    continues: bool  # still open/down when the period (or the report's "now") ended
    cause: str = ""  # an INCIDENT_CAUSES key, "none" when not set yet; "" when not from the log
    device: str = ""
    title: str = ""  # manual incidents: what the person logged; device-less ones: their title
    notes: str = ""  # the people's latest notes, one line
    manual: bool = False
    within: timedelta | None = None  # incidents: the downtime inside the period

    @property
    def duration(self) -> timedelta:
        return self.within if self.within is not None else self.end - self.start


@dataclass
class MonthlyReport:
    office_name: str
    period: Period
    window_end: datetime  # the period's end, or "now" for a period still running
    generated_at: datetime
    prepared_by: str
    prepared_by_position: str
    approver_position: str
    target: float
    site_rule: str
    district: Figures
    sites: list[Row]
    kinds: list[Row]
    devices: list[Row]
    trend: list[TrendPoint]
    outages: list[OutageRow]
    # "incidents": the outages list comes from the incident log; "history": from state intervals
    # (a month without incident rows, e.g. history imported from an older system).
    outage_source: str = "history"
    outage_total: int = 0  # all incidents (or outages) of the period, the list shows the worst
    # None: that register does not exist in this installation yet, so the report says so.
    risks: list[RiskRow] | None = None
    notes: list[str] = field(default_factory=list)
    emblem: str = ""  # the office's emblem image (PNG/JPEG path) for the memo's head; "" for none
    # The first moment of the period at which any device was observed; None: not one (a month
    # before monitoring began). Reports built by hand leave it None with `monitored` True.
    observed_from: datetime | None = None
    monitored: bool = True
    # Devices that appeared and uplinks that changed (confirmed discovery runs); the section is
    # left out when there are none.
    network_changes: list[NetworkChangeRow] = field(default_factory=list)

    @property
    def sites_measured(self) -> int:
        return sum(row.pct is not None for row in self.sites)

    @property
    def sites_met(self) -> int:
        return sum(bool(row.met) for row in self.sites)

    @property
    def complete(self) -> bool:
        return self.window_end >= self.period.end

    @property
    def partly_monitored(self) -> bool:
        """Monitoring began inside the period: the figures cover only its end."""
        return self.observed_from is not None and (
            self.observed_from - self.period.start > LATE_START
        )


def worst_first(rows: list[Row]) -> list[Row]:
    """Lowest availability first; rows with nothing measured last; then most downtime, then name."""
    return sorted(
        rows,
        key=lambda r: (
            r.pct is None,
            r.pct if r.pct is not None else 0.0,
            -r.figures.down.total_seconds(),
            r.name,
        ),
    )


def trend_periods(period: Period, months: int) -> list[Period]:
    """A month: the months before it and itself. A fiscal year or a range: its own months."""
    if period.kind == "month":
        return [*period.previous_months(months), period]
    periods: list[Period] = []
    year, month = period.first_day.year, period.first_day.month
    while len(periods) < 24:
        current = month_period(year, month)
        if current.start >= period.end:
            break
        periods.append(current)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return periods if period.kind == "fiscal_year" else []


def build_report(
    session: Session, period: Period, settings: Settings, now: datetime
) -> MonthlyReport:
    config = settings.reports
    targets = Targets.from_settings(config)
    trend = trend_periods(period, config.trend_months)
    load_start = min([period.start, *(p.start for p in trend)])
    window_end = max(min(period.end, now), period.start)
    history = load_history(session, load_start, window_end)
    current = history.availability(period.start, window_end, site_rule=config.site_rule)

    sites = worst_first(_site_rows(history, current, targets))
    points = []
    for month in trend:
        if month.start >= window_end:
            continue
        figures_ = (
            current
            if month == period
            else history.availability(
                month.start, min(month.end, window_end), site_rule=config.site_rule
            )
        )
        rows = _site_rows(history, figures_, targets)
        points.append(
            TrendPoint(
                month,
                figures_.district,
                sum(bool(r.met) for r in rows),
                sum(r.pct is not None for r in rows),
            )
        )

    # Months before monitoring began measured nothing: the trend starts where the data does.
    while len(points) > 1 and points[0].figures.availability_pct is None:
        points.pop(0)
    observed = first_observed(history.spans, period.start, window_end)
    outages, source, total = _incident_outages(session, period.start, window_end)
    if not total:
        outages, total = _major_outages(history, current, window_end)
        source = "history"
    return MonthlyReport(
        office_name=settings.office.name,
        period=period,
        window_end=window_end,
        generated_at=now,
        prepared_by=config.prepared_by,
        prepared_by_position=config.prepared_by_position,
        approver_position=config.approver_position,
        target=config.target,
        site_rule=config.site_rule,
        district=current.district,
        sites=sites,
        kinds=worst_first(_kind_rows(history, current, targets)),
        devices=worst_first(_device_rows(history, current, targets)),
        trend=points,
        outages=outages,
        outage_source=source,
        outage_total=total,
        risks=report_risks(session, settings),
        emblem=settings.office.emblem,
        observed_from=observed,
        monitored=observed is not None,
        network_changes=network_changes(session, period.start, window_end),
    )


@dataclass
class Snapshot:
    """Availability for one period without the report's extras (trend, outages): the API's view."""

    period: Period
    window_end: datetime
    district: Figures
    sites: list[Row]
    kinds: list[Row]
    devices: list[Row]


def availability_snapshot(
    session: Session, period: Period, settings: Settings, now: datetime
) -> Snapshot:
    targets = Targets.from_settings(settings.reports)
    window_end = max(min(period.end, now), period.start)
    history = load_history(session, period.start, window_end)
    result = history.availability(period.start, window_end, site_rule=settings.reports.site_rule)
    return Snapshot(
        period,
        window_end,
        result.district,
        worst_first(_site_rows(history, result, targets)),
        worst_first(_kind_rows(history, result, targets)),
        worst_first(_device_rows(history, result, targets)),
    )


def _site_rows(history: History, result: Availability, targets: Targets) -> list[Row]:
    members: dict[int, int] = {}
    for d in history.devices:
        members[d.site] = members.get(d.site, 0) + 1
    return [
        Row(
            site.code,
            site.name,
            result.sites[site_id],
            targets.for_site(site.code),
            members=members.get(site_id, 0),
        )
        for site_id, site in history.sites.items()
        if site_id in result.sites
    ]


def _kind_rows(history: History, result: Availability, targets: Targets) -> list[Row]:
    members: dict[str, int] = {}
    for d in history.devices:
        members[d.kind] = members.get(d.kind, 0) + 1
    return [
        Row(kind, kind, f, targets.for_kind(kind), members=members[kind])
        for kind, f in result.kinds.items()
    ]


def _device_rows(history: History, result: Availability, targets: Targets) -> list[Row]:
    rows = []
    for device_id, f in result.devices.items():
        name = history.device_names[device_id]
        rows.append(
            Row(
                str(device_id),
                name.name,
                f,
                targets.for_kind(name.kind),
                site=name.site_name,
                site_code=name.site_code,
                kind=name.kind,
                address=name.address,
            )
        )
    return rows


def _incident_outages(
    session: Session, start: datetime, end: datetime
) -> tuple[list[OutageRow], str, int]:
    logged = incident_rows.overlapping(session, start, end)
    shown = incident_rows.worst_first(logged, start, end)[:MAJOR_OUTAGES]
    notes = incident_rows.people_notes(session, [i.id for i in shown])
    rows = [
        OutageRow(
            i.site_code or "",
            i.site_name or "",
            i.opened_at,
            min(i.resolved_at or end, end),
            continues=i.resolved_at is None or i.resolved_at > end,
            cause=i.cause or "none",
            device=i.device or "",
            # An incident with no device (a collector out of contact) is known by its title.
            title=i.title if i.manual or not i.device else "",
            notes=notes.get(i.id, ""),
            manual=i.manual,
            within=i.downtime_within(start, end),
        )
        for i in shown
    ]
    return rows, "incidents", len(logged)


def _major_outages(
    history: History, result: Availability, window_end: datetime
) -> tuple[list[OutageRow], int]:
    rows = []
    for site_id, segments in result.site_outages.items():
        site = history.sites[site_id]
        for seg in segments:
            rows.append(
                OutageRow(site.code, site.name, seg.start, seg.end, continues=seg.end >= window_end)
            )
    rows.sort(key=lambda o: (-o.duration.total_seconds(), o.site_code, o.start))
    return rows[:MAJOR_OUTAGES], len(rows)
