"""GET /metrics in the Prometheus text exposition format (version 0.0.4), for a scrape job.

Viewer role, by session or `Authorization: Bearer <token>` (a scrape job has no session: it sends
a token, web.accounts.auth accepts tokens here). What is reported is read by monitor.runtime.metrics in a
fixed number of queries; this module only writes it out. The format is written here rather than
with prometheus_client's registry, which is built for a process counting its own events: these
figures are rows in the database, read afresh on every scrape, whichever process wrote them.

Device and site names are people's text: label values are escaped as the format requires
(backslash, double quote, newline), so a device called `a"b\\c` cannot break a line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import Blueprint, Response

from monitor.runtime import metrics as metrics_data
from web import access
from web.database import db

bp = Blueprint("metrics", __name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Labels = dict[str, str]


@dataclass
class Family:
    name: str
    kind: str  # gauge / counter
    help: str
    samples: list[tuple[Labels, float | int | bool]] = field(default_factory=list)

    def add(self, value, **labels: str) -> Family:
        self.samples.append((labels, value))
        return self


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def exposition(families: list[Family]) -> str:
    """Pure: the families as the text format, one HELP and TYPE line per family."""
    lines = []
    for family in families:
        lines.append(f"# HELP {family.name} {escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        for labels, value in family.samples:
            label_text = ",".join(
                f'{key}="{escape_label(str(val))}"' for key, val in labels.items()
            )
            name = f"{family.name}{{{label_text}}}" if labels else family.name
            lines.append(f"{name} {format_value(value)}")
    return "\n".join(lines) + "\n"


def _timestamp(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def families(data: metrics_data.MetricsData) -> list[Family]:
    """Pure: what the scrape reports, from what was read."""
    devices = Family("ictmon_devices", "gauge", "Enabled devices by current state.")
    for state, n in data.device_counts().items():
        devices.add(n, state=state)
    sites = Family("ictmon_site_devices", "gauge", "Enabled devices by site and current state.")
    for site, counts in data.site_counts().items():
        for state, n in counts.items():
            sites.add(n, site=site, state=state)
    per_device = Family(
        "ictmon_device_state",
        "gauge",
        "1 for each enabled device, labelled with its current state.",
    )
    for line in data.devices:
        per_device.add(1, site=line.site, device=line.name, kind=line.kind, state=line.state)

    out = [devices, sites, per_device]
    sweep = data.job(metrics_data.PING_JOB)
    if sweep is not None:
        out.append(
            Family(
                "ictmon_ping_sweep_duration_seconds",
                "gauge",
                "How long the latest ping sweep took.",
            ).add(sweep.duration_s)
        )
    if data.poller_beat_at is not None:
        out.append(
            Family(
                "ictmon_poller_heartbeat_timestamp_seconds",
                "gauge",
                "When the poller last finished a sweep (Unix time).",
            ).add(_timestamp(data.poller_beat_at))
        )

    duration = Family(
        "ictmon_job_last_duration_seconds",
        "gauge",
        "How long each scheduled job's latest run took.",
    )
    lag = Family(
        "ictmon_job_lag_seconds",
        "gauge",
        "How late each job's latest run started after its scheduled time.",
    )
    last_run = Family(
        "ictmon_job_last_run_timestamp_seconds",
        "gauge",
        "When each job's latest run finished (Unix time).",
    )
    last_ok = Family("ictmon_job_last_run_ok", "gauge", "1 if the job's latest run succeeded.")
    success = Family(
        "ictmon_job_last_success_timestamp_seconds",
        "gauge",
        "When each job last finished without error (Unix time).",
    )
    runs = Family("ictmon_job_runs_total", "counter", "Runs of each scheduled job.")
    failures = Family("ictmon_job_failures_total", "counter", "Failed runs of each job.")
    for job in data.jobs:
        duration.add(job.duration_s, job=job.job)
        lag.add(job.lag_s, job=job.job)
        last_run.add(_timestamp(job.finished_at), job=job.job)
        last_ok.add(bool(job.ok), job=job.job)
        if job.last_success_at is not None:
            success.add(_timestamp(job.last_success_at), job=job.job)
        runs.add(job.runs, job=job.job)
        failures.add(job.failures, job=job.job)
    out += [duration, lag, last_run, last_ok, success, runs, failures]

    out.append(
        _by_state("ictmon_outbox_messages", "Mails in the outbox by status.", data.outbox, "status")
    )
    out.append(
        _by_state(
            "ictmon_alert_failures",
            "Alert messages that failed for good and wait in the outbox, per route "
            "(mail, or an alert channel's name).",
            data.route_failures,
            "route",
        )
    )
    out.append(
        _by_state(
            "ictmon_snmp_devices",
            "Devices by the state of their latest SNMP poll.",
            data.snmp,
            "state",
        )
    )
    out.append(
        _by_state(
            "ictmon_ssh_backups",
            "Devices by the state of their latest configuration backup.",
            data.ssh,
            "state",
        )
    )
    out.append(
        _by_state(
            "ictmon_incidents", "Incidents not yet resolved, by state.", data.incidents, "state"
        )
    )
    out.append(
        Family(
            "ictmon_traps_received_total",
            "counter",
            "SNMP trap datagrams that reached the receiver, accepted or not.",
        ).add(data.traps_received)
    )
    dropped = Family(
        "ictmon_traps_dropped_total",
        "counter",
        "SNMP traps dropped, by reason (unknown_source, bad_community, bad_user, malformed, "
        "queue_full, standby).",
    )
    for reason in sorted(data.traps_dropped):
        dropped.add(data.traps_dropped[reason], reason=reason)
    out.append(dropped)
    return out


def _by_state(name: str, help_: str, counts: dict[str, int], label: str) -> Family:
    family = Family(name, "gauge", help_)
    for key in sorted(counts):
        family.add(counts[key], **{label: key})
    return family


@bp.get("/metrics")
def metrics():
    text = exposition(families(metrics_data.read(db())))
    return Response(text, content_type=CONTENT_TYPE)


def init_app(app) -> None:
    app.register_blueprint(bp)
    access.add_rules({"metrics.metrics": access.VIEWER})
