"""All configuration in one validated object.

Settings come from a TOML file (`--config` or ICTMON_CONFIG) with every key overridable by an
environment variable ICTMON_<SECTION>_<KEY>. Every error names the key (and where the bad value came
from) so the officer can fix it without reading code.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from monitor.domain import DeviceKind

ENV_PREFIX = "ICTMON_"
EMBLEM_SUFFIXES = (".png", ".jpg", ".jpeg")


class ConfigError(ValueError):
    """A setting is missing, unknown or has a bad value; the message names the key."""


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///var/ictmon.db"


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    # Empty means "generate one on `ictmon init` and keep it in the data directory".
    secret_key: str = ""
    # Used in links that leave the browser (emails, chat alerts and their acknowledge links,
    # printed reports): http(s)://host[:port][/path], checked when loaded.
    base_url: str = ""
    default_language: str = "th"
    # Reverse proxies in front (nginx: 1) whose X-Forwarded-For/-Proto/-Host are believed; 0
    # believes none, so a client cannot pick the address the audit log and lock-out record.
    trusted_proxies: int = 0

    def __post_init__(self):
        check_base_url(self.base_url)


@dataclass(frozen=True)
class PingSettings:
    interval: float = 60.0
    timeout: float = 1.0
    count: int = 3
    # Echo requests spaced within one device's probe, seconds.
    spacing: float = 0.2
    # A device is declared down only after this many consecutive failed sweeps.
    confirmations: int = 3
    # Upper bound of echo requests in flight at once (the sweep's "pool").
    max_in_flight: int = 1024


@dataclass(frozen=True)
class RetentionSettings:
    # Raw per-sweep samples feed the 24-hour chart; rollups carry the longer views.
    raw_hours: int = 26
    five_minute_days: int = 8
    hourly_days: int = 800
    # Sent mails (and the reports attached to them) are deleted this long after sending; mails
    # not yet sent, or given up on, stay until someone has seen them.
    sent_mail_days: int = 90


@dataclass(frozen=True)
class PathSettings:
    # Where generated keys live when not given in the config (encryption key, web secret).
    data_dir: str = "var"


@dataclass(frozen=True)
class SecuritySettings:
    # Fernet key for credentials at rest; empty means read/generate <data_dir>/secret.key.
    encryption_key: str = ""
    # Sign-in lock-out (monitor.accounts.login_limits): this many failed sign-ins for one username within
    # login_lockout_minutes lock that username until the window passes, the right password too.
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    # Failed sign-ins from one address (any usernames) in the same window: stops one machine
    # from spraying many usernames.
    login_max_failures_per_address: int = 20
    # A browser session ends after this long without a request, and this long after sign-in.
    session_idle_minutes: int = 480
    session_max_hours: int = 168


@dataclass(frozen=True)
class OfficeSettings:
    # The office's full name as it signs its letters, area number included ("... เขต 1").
    name: str = "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษา"
    timezone: str = "Asia/Bangkok"
    # The emblem printed at the head of the report's memo: a PNG or JPEG file; "" for none.
    emblem: str = ""

    def __post_init__(self):
        if not self.name.strip():
            raise ConfigError("[office] name: must not be empty (the name reports are signed with)")
        if self.emblem and Path(self.emblem).suffix.lower() not in EMBLEM_SUFFIXES:
            raise ConfigError(
                f"[office] emblem: must be a PNG or JPEG image file, got {self.emblem!r}"
            )


@dataclass(frozen=True)
class ReportSettings:
    """The monthly report: availability targets, who receives it and when (monitor.reports)."""

    # Percent of measured time (up + down) a site or device must be up.
    target: float = 99.5
    # Overrides, "key=percent" separated by commas: kinds ("router=99.9, ap=98") and site codes.
    kind_targets: str = ""
    site_targets: str = ""
    # Superiors who receive the report, comma separated; empty: generated and kept, not mailed.
    recipients: str = ""
    # Day of the month (1-28) and Bangkok time (HH:MM) the previous month's report goes out.
    send_day: int = 1
    send_time: str = "07:00"
    # "uplink": a school is up while its uplink (root device) is up; "all": every device must be.
    site_rule: str = "uplink"
    # Months before the report's month shown in the trend.
    trend_months: int = 6
    # Names on the memo's signature lines.
    prepared_by: str = ""
    prepared_by_position: str = "นักวิชาการคอมพิวเตอร์"
    approver_position: str = "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษามัธยมศึกษา"

    def __post_init__(self):
        _validate_reports(self)


# [reports] values that need more than a type check: targets, recipients, the send time.
_ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


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
            raise ConfigError(
                f"[reports] {key}: expected entries like 'router=99.9' with a percent "
                f"0-100, got {entry!r}"
            )
        targets[name] = pct
    return targets


def parse_recipients(
    text: str, key: str = "[reports] recipients", separators: str = r"[,;]"
) -> list[str]:
    addresses = [a.strip() for a in re.split(separators, text or "") if a.strip()]
    for address in addresses:
        if not _ADDRESS.match(address):
            raise ConfigError(f"{key}: {address!r} is not an email address")
    return addresses


def check_base_url(url: str) -> None:
    """[web] base_url: empty, or an absolute http/https address without user, query or
    fragment — alerts put it in front of every link they carry."""
    if not url:
        return
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
        or any(c.isspace() for c in url)
    ):
        raise ConfigError(
            f"[web] base_url: {url!r} is not an http(s) address like https://ictmon.example.go.th"
        )
    try:
        parts.port  # noqa: B018 — raises on a port that is not a number
    except ValueError:
        raise ConfigError(f"[web] base_url: {url!r} has a port that is not a number") from None


def parse_site_recipients(text: str) -> dict[str, list[str]]:
    """'S001=a@x b@y; S002=c@z' → {'S001': [...], ...}; an entry without '=', a code or an
    address is refused rather than dropped, or that school's head would silently get nothing."""
    key = "[alerts] site_recipients"
    table: dict[str, list[str]] = {}
    for entry in filter(None, (part.strip() for part in (text or "").split(";"))):
        code, sep, addresses = entry.partition("=")
        if not sep or not code.strip() or " " in code.strip() or not addresses.strip():
            raise ConfigError(
                f"{key}: expected entries like 'S001=head@school.ac.th', got {entry!r}"
            )
        table[code.strip()] = parse_recipients(addresses, key, separators=r"[,\s]")
    return table


def parse_send_time(text: str) -> time:
    m = _TIME.match((text or "").strip())
    if not m:
        raise ConfigError(f"[reports] send_time: expected HH:MM (Bangkok time), got {text!r}")
    return time(int(m.group(1)), int(m.group(2)))


def _validate_reports(settings: ReportSettings) -> None:
    if not 0 <= settings.target <= 100:
        raise ConfigError(f"[reports] target: must be a percent 0-100, got {settings.target!r}")
    kinds = parse_targets(settings.kind_targets, "kind_targets")
    known = [k.value for k in DeviceKind]
    unknown = sorted(set(kinds) - set(known))
    if unknown:
        raise ConfigError(
            f"[reports] kind_targets: unknown kind {unknown[0]!r} (known: {', '.join(known)})"
        )
    parse_targets(settings.site_targets, "site_targets")
    parse_recipients(settings.recipients)
    parse_send_time(settings.send_time)
    if not 1 <= settings.send_day <= 28:
        raise ConfigError(
            f"[reports] send_day: must be 1-28 (every month has it), got {settings.send_day!r}"
        )
    if settings.site_rule not in ("uplink", "all"):
        raise ConfigError(
            f"[reports] site_rule: must be one of uplink, all, got {settings.site_rule!r}"
        )
    if not 0 <= settings.trend_months <= 24:
        raise ConfigError(f"[reports] trend_months: must be 0-24, got {settings.trend_months!r}")


@dataclass(frozen=True)
class SnmpSettings:
    """The SNMP collector: interface/health polls and the daily inventory walk."""

    # Seconds between interval polls (rates, utilisation, health, UPS).
    interval: float = 300.0
    # Seconds between full inventory walks of a device (names, model, serial, LLDP...).
    inventory_interval: float = 86400.0
    # Per request; a silent device costs timeout × (retries + 1).
    timeout: float = 2.0
    retries: int = 1
    # Devices visited at once.
    max_concurrency: int = 64
    # Rows per GETBULK response and column.
    max_repetitions: int = 25
    # Hourly traffic rollups kept for the 7- and 30-day charts.
    traffic_hourly_days: int = 35


def parse_listen(text: str, key: str = "[traps] listen") -> tuple[str, int] | None:
    """`127.0.0.1:1162` or `[::1]:162` → (address, port); empty → None (no receiver)."""
    text = text.strip()
    if not text:
        return None
    host, sep, port = text.rpartition(":")
    bracketed = host.startswith("[") and host.endswith("]")
    host = host[1:-1] if bracketed else host
    try:
        # An IPv6 address in brackets, or "::1:162" would be read two ways.
        number = int(port) if ipaddress.ip_address(host).version == 4 or bracketed else 0
    except ValueError:
        number = 0
    if not sep or not 1 <= number <= 65535:
        raise ConfigError(
            f"{key}: expected address:port such as 127.0.0.1:1162 or [::]:162, got {text!r}"
        )
    return host, number


@dataclass(frozen=True)
class TrapSettings:
    """The SNMP trap receiver (collectors.trap_listener): off unless `listen` is set."""

    # Where to listen, address:port ("0.0.0.0:162", "[::]:162", "127.0.0.1:1162"); empty: off.
    listen: str = ""
    # Traps waiting to be written; beyond this a trap storm is dropped and counted, never queued.
    queue_size: int = 1000
    # Days a device's trap events are kept.
    keep_days: int = 400

    def __post_init__(self):
        parse_listen(self.listen)


@dataclass(frozen=True)
class SshSettings:
    """Configuration backups over SSH (collectors.ssh)."""

    # Seconds between scheduled backups of every device with SSH set up (daily by default).
    interval: float = 86400.0
    # Hard bound on one device's whole session (login, commands); a hung session is cut then.
    timeout: float = 60.0
    # Devices backed up at once.
    workers: int = 8
    # True: a device presenting another host key than the recorded one is not logged in to.
    strict_host_keys: bool = False
    # The only directory SSH private keys are read from (monitor.credentials.keys); empty: none.
    key_dir: str = ""


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server alerts and reports go through (monitor.mail.smtp)."""

    # Empty host: nothing is sent; messages wait in the outbox until one is configured.
    host: str = ""
    port: int = 25
    security: str = "none"  # none / starttls / ssl
    username: str = ""
    password: str = ""
    from_address: str = "ictmon@localhost"
    # Seconds for connecting and for each SMTP reply.
    timeout: float = 30.0
    # Seconds between outbox drains; first retry after retry_base, doubling up to retry_max.
    send_interval: float = 5.0
    retry_base: float = 30.0
    retry_max: float = 600.0
    # Attempts before a message is marked failed (shown at /admin/outbox); ~4 h with the above.
    max_attempts: int = 30


@dataclass(frozen=True)
class AlertSettings:
    """Who is mailed about incidents and when a device counts as flapping."""

    # The default on-call list, comma separated.
    recipients: str = ""
    # Extra recipients per site: "S001=head@school.ac.th principal@school.ac.th; S002=...".
    site_recipients: str = ""
    language: str = "th"
    # A device with flap_threshold up/down changes within flap_window seconds is flapping: one
    # notice instead of a mail per change, until flap_window passes without a change.
    flap_window: float = 1800.0
    flap_threshold: int = 5
    # This many incidents opening (or resolving) in one sweep go out as one grouped mail.
    group_threshold: int = 3

    def __post_init__(self):
        parse_recipients(self.recipients, "[alerts] recipients", separators=r"[,;\s]")
        parse_site_recipients(self.site_recipients)


@dataclass(frozen=True)
class RiskSettings:
    """The risk register: where the rules live, how often they run, the level matrix."""

    # The rules file; empty: the shipped monitor/risks/default_rules.toml.
    rules_file: str = ""
    # Seconds between scheduled rule evaluations.
    evaluate_interval: float = 3600.0
    # Score (likelihood × impact, 1-25) bounds of the levels: score <= low_max is low, <=
    # medium_max medium, <= high_max high, above it very high (Thai public-sector 5×5 default).
    low_max: int = 4
    medium_max: int = 9
    high_max: int = 16

    def __post_init__(self):
        if not 1 <= self.low_max < self.medium_max < self.high_max < 25:
            raise ConfigError(
                "[risks] low_max, medium_max, high_max: must rise within 1-24 "
                f"(got {self.low_max}, {self.medium_max}, {self.high_max})"
            )


@dataclass(frozen=True)
class AssetSettings:
    """The ICT asset register (monitor.assets): the office's own rules and lists."""

    # A regular expression every asset number must match in full; empty: any text. The default
    # is the usual government form: item class-type-running number/budget year (พ.ศ., 2 digits).
    number_pattern: str = r"\d{4}-\d{3}-\d{4}/\d{2}"
    # The office's lists, comma separated; empty: any text is accepted.
    acquisition_methods: str = "เฉพาะเจาะจง, คัดเลือก, e-bidding, e-market, รับบริจาค, โอนจากหน่วยงานอื่น"
    fund_sources: str = "เงินงบประมาณ, เงินนอกงบประมาณ, เงินบริจาค, เงินรายได้สถานศึกษา"
    # Straight-line useful life in years per kind, "kind=years" separated by commas; kinds not
    # named use default_useful_life.
    useful_life: str = (
        "computer=5, notebook=5, tablet=5, projector=5, printer=5, router=5, switch=5, ap=5, "
        "firewall=5, server=5, ups=5"
    )
    default_useful_life: int = 5

    def __post_init__(self):
        _validate_assets(self)


def parse_list(text: str) -> tuple[str, ...]:
    """'a, b ,c' → ('a', 'b', 'c'); empty entries dropped."""
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def parse_useful_life(text: str) -> dict[str, int]:
    """'computer=5, ups=3' → {'computer': 5, 'ups': 3}; errors name the key and the entry."""
    known = [k.value for k in DeviceKind]
    table: dict[str, int] = {}
    for entry in parse_list(text):
        kind, sep, years = (part.strip() for part in entry.partition("="))
        if not sep or kind not in known or not years.isdigit() or not 1 <= int(years) <= 50:
            raise ConfigError(
                f"[assets] useful_life: expected entries like 'computer=5' (a kind of "
                f"{', '.join(known)}; 1-50 years), got {entry!r}"
            )
        table[kind] = int(years)
    return table


def _validate_assets(settings: AssetSettings) -> None:
    try:
        re.compile(settings.number_pattern)
    except re.error as exc:
        raise ConfigError(
            f"[assets] number_pattern: not a regular expression ({exc}): "
            f"{settings.number_pattern!r}"
        ) from None
    parse_useful_life(settings.useful_life)
    if not 1 <= settings.default_useful_life <= 50:
        raise ConfigError(
            f"[assets] default_useful_life: must be 1-50 years, got {settings.default_useful_life!r}"
        )


@dataclass(frozen=True)
class CollectorSettings:
    """Edge collectors (`ictmon collector`). The central reads offline_after, enrolment_hours and
    the clock limits; a collector on a school's machine reads the rest."""

    # Seconds between a collector's uploads; its ping and SNMP timing comes from the central.
    push_interval: float = 30.0
    # Seconds without contact before the central calls a collector offline; 0: 3 × push_interval.
    offline_after: float = 0.0
    # How long a new collector's enrolment code stays valid.
    enrolment_hours: float = 24.0
    # How much a collector keeps while the central is unreachable; older results are dropped
    # (and counted).
    buffer_hours: float = 72.0
    # A collector's clock this far from the central's: a warning on its page; past the second,
    # its results are refused until the clock is right (timestamps decide availability).
    clock_warn_seconds: float = 5.0
    clock_refuse_seconds: float = 60.0
    # Largest upload the central takes in one request, in bytes.
    max_batch_bytes: int = 8_000_000
    # An HTTP(S) proxy a school's network makes its collector use, e.g. http://proxy:3128.
    proxy: str = ""
    # Where a collector keeps its queue, its token and its copy of the config; empty: the
    # `collector` folder in [paths] data_dir.
    state_dir: str = ""

    @property
    def offline_after_seconds(self) -> float:
        """Seconds without contact before a collector is offline: offline_after, or when that is
        0, three push intervals."""
        return self.offline_after or 3 * self.push_interval


@dataclass(frozen=True)
class DiscoverySettings:
    """`ictmon discover` and /manage/discover."""

    # Most addresses one run may sweep (a /20); a larger range is refused, not cut.
    max_addresses: int = 4096
    # Seconds a whole run may take; what was found by then is proposed, marked as cut short.
    deadline: float = 120.0
    # New probes per second (ping and SNMP alike), so a sweep never floods a school's link.
    rate: float = 200.0


@dataclass(frozen=True)
class DemoSettings:
    """Only `ictmon demo` sets these: the folder its local mail catcher writes to, which the
    web front then shows at /demo/mail. Empty (every real installation): no such page."""

    mail_dir: str = ""


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    web: WebSettings = field(default_factory=WebSettings)
    ping: PingSettings = field(default_factory=PingSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    paths: PathSettings = field(default_factory=PathSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    office: OfficeSettings = field(default_factory=OfficeSettings)
    ssh: SshSettings = field(default_factory=SshSettings)
    snmp: SnmpSettings = field(default_factory=SnmpSettings)
    traps: TrapSettings = field(default_factory=TrapSettings)
    reports: ReportSettings = field(default_factory=ReportSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    risks: RiskSettings = field(default_factory=RiskSettings)
    assets: AssetSettings = field(default_factory=AssetSettings)
    collector: CollectorSettings = field(default_factory=CollectorSettings)
    discovery: DiscoverySettings = field(default_factory=DiscoverySettings)
    demo: DemoSettings = field(default_factory=DemoSettings)
    source: str = "(defaults)"

    @property
    def data_dir(self) -> Path:
        return Path(self.paths.data_dir)


# Positive-number rules for keys where zero or less makes no sense.
_POSITIVE = {
    ("ping", "interval"),
    ("ping", "timeout"),
    ("ping", "count"),
    ("ping", "confirmations"),
    ("ping", "max_in_flight"),
    ("retention", "raw_hours"),
    ("retention", "five_minute_days"),
    ("retention", "hourly_days"),
    ("retention", "sent_mail_days"),
    ("web", "port"),
}
_NON_NEGATIVE = {("ping", "spacing"), ("web", "trusted_proxies")}
_POSITIVE |= {
    ("snmp", "interval"),
    ("snmp", "inventory_interval"),
    ("snmp", "timeout"),
    ("snmp", "max_concurrency"),
    ("snmp", "max_repetitions"),
    ("snmp", "traffic_hourly_days"),
}
_NON_NEGATIVE |= {("snmp", "retries")}
_POSITIVE |= {("traps", "queue_size"), ("traps", "keep_days")}
_POSITIVE |= {("ssh", "interval"), ("ssh", "timeout"), ("ssh", "workers")}
_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {("web", "default_language"): ("th", "en")}
_POSITIVE |= {
    ("smtp", "port"),
    ("smtp", "timeout"),
    ("smtp", "send_interval"),
    ("smtp", "retry_base"),
    ("smtp", "retry_max"),
    ("smtp", "max_attempts"),
    ("alerts", "flap_window"),
    ("alerts", "flap_threshold"),
    ("alerts", "group_threshold"),
}
_POSITIVE |= {("risks", "evaluate_interval")}
_POSITIVE |= {
    ("collector", k)
    for k in (
        "push_interval",
        "enrolment_hours",
        "buffer_hours",
        "clock_warn_seconds",
        "clock_refuse_seconds",
        "max_batch_bytes",
    )
}
_NON_NEGATIVE |= {("collector", "offline_after")}
_POSITIVE |= {("discovery", "max_addresses"), ("discovery", "deadline"), ("discovery", "rate")}
_POSITIVE |= {
    ("security", k)
    for k in (
        "login_max_failures",
        "login_lockout_minutes",
        "login_max_failures_per_address",
        "session_idle_minutes",
        "session_max_hours",
    )
}
_CHOICES |= {
    ("smtp", "security"): ("none", "starttls", "ssl"),
    ("alerts", "language"): ("th", "en"),
}
# Upper bounds where a larger value is accepted by the type but stalls the service: a sweep is
# waited for on stop, so a probe of many echoes or a long timeout would keep `run` from ending.
_MAXIMUM: dict[tuple[str, str], float] = {
    ("ping", "count"): 10,
    ("ping", "timeout"): 30,
    ("ping", "spacing"): 5,
}
# Keys holding a list, which the file may give as a TOML array of strings as well as one string;
# the array is joined with the separator the string form uses.
_LISTS: dict[tuple[str, str], str] = {
    ("reports", "recipients"): ", ",
    ("reports", "kind_targets"): ", ",
    ("reports", "site_targets"): ", ",
    ("alerts", "recipients"): ", ",
    ("alerts", "site_recipients"): "; ",
    ("assets", "acquisition_methods"): ", ",
    ("assets", "fund_sources"): ", ",
    ("assets", "useful_life"): ", ",
}
# The databases ictmon ships drivers for; any other URL would fail only when `run` connects.
_DATABASE_URL = re.compile(r"^(sqlite(\+pysqlite)?|postgresql(\+psycopg)?)://")
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOST_NAME.match(host))
    return True


def _sections() -> dict[str, type]:
    return {f.name: f.default_factory for f in fields(Settings) if f.name != "source"}  # type: ignore[misc]


def _convert(section: str, key: str, raw: Any, target: type, origin: str) -> Any:
    where = f"[{section}] {key}"
    try:
        if target is bool:
            if isinstance(raw, bool):
                value: Any = raw
            elif str(raw).strip().lower() in {"1", "true", "yes", "on"}:
                value = True
            elif str(raw).strip().lower() in {"0", "false", "no", "off"}:
                value = False
            else:
                raise ValueError
        elif target is int:
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError
            value = int(str(raw).strip()) if isinstance(raw, str) else int(raw)
        elif target is float:
            if isinstance(raw, bool):
                raise ValueError
            value = float(raw)
            if not math.isfinite(value):  # float() takes "nan" and "inf"; no setting wants them
                raise ValueError
        elif isinstance(raw, list) and (section, key) in _LISTS:
            if not all(isinstance(item, str) for item in raw):
                raise ValueError
            value = _LISTS[section, key].join(item.strip() for item in raw)
        else:
            if not isinstance(raw, str):
                raise ValueError
            value = raw
    except (TypeError, ValueError):
        expected = "a string or a list of strings" if (section, key) in _LISTS else target.__name__
        raise ConfigError(f"{where}: expected {expected}, got {raw!r} ({origin})") from None
    if (section, key) in _POSITIVE and value <= 0:
        raise ConfigError(f"{where}: must be greater than 0, got {raw!r} ({origin})")
    if (section, key) in _NON_NEGATIVE and value < 0:
        raise ConfigError(f"{where}: must not be negative, got {raw!r} ({origin})")
    if key == "port" and value > 65535:
        raise ConfigError(f"{where}: must be a port number 1-65535, got {raw!r} ({origin})")
    maximum = _MAXIMUM.get((section, key))
    if maximum is not None and value > maximum:
        raise ConfigError(f"{where}: must be at most {maximum:g}, got {raw!r} ({origin})")
    if (section, key) == ("web", "host") and not _valid_host(value):
        raise ConfigError(
            f"{where}: expected an IP address or a host name (no port, no scheme), "
            f"got {raw!r} ({origin})"
        )
    if (section, key) == ("database", "url") and not _DATABASE_URL.match(value):
        raise ConfigError(
            f"{where}: expected sqlite:///<file> or postgresql+psycopg://..., "
            f"got {mask_url_password(value)!r} ({origin})"
        )
    choices = _CHOICES.get((section, key))
    if choices and value not in choices:
        raise ConfigError(f"{where}: must be one of {', '.join(choices)}, got {raw!r} ({origin})")
    return value


def _field_types(cls: type) -> dict[str, type]:
    hints = {"str": str, "int": int, "float": float, "bool": bool}
    return {f.name: hints[f.type] if isinstance(f.type, str) else f.type for f in fields(cls)}


def load_settings(
    path: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read the TOML file (if any), apply ICTMON_<SECTION>_<KEY> overrides, validate everything."""
    environ = os.environ if environ is None else environ
    path = path or environ.get("ICTMON_CONFIG") or None
    document: dict[str, Any] = {}
    source = "(defaults)"
    if path:
        p = Path(path)
        try:
            data = p.read_bytes()
            # utf-8-sig: Windows Notepad starts a UTF-8 file with a byte-order mark.
            document = tomllib.loads(data.decode("utf-8-sig"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {p}") from None
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise ConfigError(
                f"{p}: line {line} is not UTF-8 text (a Thai file saved as TIS-620 or "
                "Windows-874?): save the file as UTF-8"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from None
        source = str(p)

    sections = _sections()
    for name, value in document.items():
        if name not in sections:
            raise ConfigError(
                f"[{name}]: unknown section in {source} (known: {', '.join(sorted(sections))})"
            )
        if not isinstance(value, dict):
            raise ConfigError(f"{name}: must be a [section] table in {source}")

    built: dict[str, Any] = {}
    for section, cls in sections.items():
        types = _field_types(cls)
        given = dict(document.get(section, {}))
        values: dict[str, Any] = {}
        origins: dict[str, str] = {}
        for key, raw in given.items():
            if key not in types:
                raise ConfigError(
                    f"[{section}] {key}: unknown key in {source} "
                    f"(known: {', '.join(sorted(types))})"
                )
            origins[key] = f"from {source}"
            values[key] = _convert(section, key, raw, types[key], origins[key])
        for key, target in types.items():
            env_name = f"{ENV_PREFIX}{section.upper()}_{key.upper()}"
            if env_name in environ:
                origins[key] = f"from {env_name}"
                values[key] = _convert(section, key, environ[env_name], target, origins[key])
        built[section] = _build(section, cls, values, origins)

    # Relative data paths are relative to the config file, so a service started from / still works.
    settings = Settings(**built, source=source)
    if path:
        base = Path(path).resolve().parent
        if not Path(settings.paths.data_dir).is_absolute():
            settings = dataclasses.replace(
                settings, paths=PathSettings(data_dir=str(base / settings.paths.data_dir))
            )
        settings = _resolve_sqlite_path(settings, base)
        rules = settings.risks.rules_file
        if rules and not Path(rules).is_absolute():  # like data_dir, beside the config
            settings = dataclasses.replace(
                settings, risks=dataclasses.replace(settings.risks, rules_file=str(base / rules))
            )
        mail_dir = settings.demo.mail_dir
        if mail_dir and not Path(mail_dir).is_absolute():
            settings = dataclasses.replace(
                settings, demo=DemoSettings(mail_dir=str(base / mail_dir))
            )
        emblem = settings.office.emblem
        if emblem and not Path(emblem).is_absolute():
            settings = dataclasses.replace(
                settings, office=dataclasses.replace(settings.office, emblem=str(base / emblem))
            )
        state_dir = settings.collector.state_dir
        if state_dir and not Path(state_dir).is_absolute():  # like data_dir, beside the config
            settings = dataclasses.replace(
                settings,
                collector=dataclasses.replace(settings.collector, state_dir=str(base / state_dir)),
            )
        key_dir = settings.ssh.key_dir
        if key_dir and not Path(key_dir).is_absolute():  # like data_dir, beside the config
            settings = dataclasses.replace(
                settings, ssh=dataclasses.replace(settings.ssh, key_dir=str(base / key_dir))
            )
    if settings.office.emblem and not Path(settings.office.emblem).is_file():
        raise ConfigError(f"[office] emblem: no such file: {settings.office.emblem}")
    if settings.ssh.key_dir and not Path(settings.ssh.key_dir).is_dir():
        raise ConfigError(f"[ssh] key_dir: no such directory: {settings.ssh.key_dir}")
    return settings


def _build(section: str, cls: type, values: dict[str, Any], origins: dict[str, str]) -> Any:
    """The section's object; a check across its values (made in the class) is told where the
    value it names came from, as the checks of single values are."""
    try:
        return cls(**values)
    except ConfigError as exc:
        named = re.match(rf"\[{section}\] (\w+)", str(exc))
        origin = origins.get(named.group(1)) if named else None
        if origin is None:
            raise
        raise ConfigError(f"{exc} ({origin})") from None


def _resolve_sqlite_path(settings: Settings, base: Path) -> Settings:
    url = settings.database.url
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        relative = url[len(prefix) :]
        if relative and not relative.startswith(":"):
            url = prefix + str(base / relative)
            return dataclasses.replace(settings, database=DatabaseSettings(url=url))
    return settings


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """(section, key, value) rows for `ictmon check-config`, secrets masked."""
    secret_keys = {("web", "secret_key"), ("security", "encryption_key"), ("smtp", "password")}
    rows = []
    for section in _sections():
        obj = getattr(settings, section)
        for f in fields(obj):
            value = getattr(obj, f.name)
            if (section, f.name) in secret_keys:
                shown = (
                    "(set)"
                    if value
                    else ("(none)" if section == "smtp" else "(generated in data dir)")
                )
            elif section == "database" and f.name == "url":
                shown = mask_url_password(value)
            else:
                shown = str(value)
            rows.append((section, f.name, shown))
    return rows


def mask_url_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is reported by the database check, not here
        # ...but its password (up to the last "@", as one may hold "@") is still never shown.
        return re.sub(r"(://[^:/@]*:).*@", r"\1***@", url)
