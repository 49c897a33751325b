"""All configuration in one validated object.

Settings come from a TOML file (`--config` or ICTMON_CONFIG) with every key overridable by an
environment variable ICTMON_<SECTION>_<KEY>. Every error names the key (and where the bad value came
from) so the officer can fix it without reading code.
"""
from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

ENV_PREFIX = "ICTMON_"


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
    # Used in links that leave the browser (emails, printed reports).
    base_url: str = ""
    default_language: str = "th"


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


@dataclass(frozen=True)
class PathSettings:
    # Where generated keys live when not given in the config (encryption key, web secret).
    data_dir: str = "var"


@dataclass(frozen=True)
class SecuritySettings:
    # Fernet key for credentials at rest; empty means read/generate <data_dir>/secret.key.
    encryption_key: str = ""


@dataclass(frozen=True)
class OfficeSettings:
    name: str = "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษา"
    timezone: str = "Asia/Bangkok"


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    web: WebSettings = field(default_factory=WebSettings)
    ping: PingSettings = field(default_factory=PingSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    paths: PathSettings = field(default_factory=PathSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    office: OfficeSettings = field(default_factory=OfficeSettings)
    source: str = "(defaults)"

    @property
    def data_dir(self) -> Path:
        return Path(self.paths.data_dir)


# Positive-number rules for keys where zero or less makes no sense.
_POSITIVE = {
    ("ping", "interval"), ("ping", "timeout"), ("ping", "count"), ("ping", "confirmations"),
    ("ping", "max_in_flight"), ("retention", "raw_hours"), ("retention", "five_minute_days"),
    ("retention", "hourly_days"), ("web", "port"),
}
_NON_NEGATIVE = {("ping", "spacing")}
_CHOICES = {("web", "default_language"): ("th", "en")}


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
        else:
            if not isinstance(raw, str):
                raise ValueError
            value = raw
    except (TypeError, ValueError):
        raise ConfigError(
            f"{where}: expected {target.__name__}, got {raw!r} ({origin})"
        ) from None
    if (section, key) in _POSITIVE and value <= 0:
        raise ConfigError(f"{where}: must be greater than 0, got {raw!r} ({origin})")
    if (section, key) in _NON_NEGATIVE and value < 0:
        raise ConfigError(f"{where}: must not be negative, got {raw!r} ({origin})")
    if key == "port" and value > 65535:
        raise ConfigError(f"{where}: must be a port number 1-65535, got {raw!r} ({origin})")
    choices = _CHOICES.get((section, key))
    if choices and value not in choices:
        raise ConfigError(f"{where}: must be one of {', '.join(choices)}, got {raw!r} ({origin})")
    return value


def _field_types(cls: type) -> dict[str, type]:
    hints = {"str": str, "int": int, "float": float, "bool": bool}
    return {f.name: hints[f.type] if isinstance(f.type, str) else f.type for f in fields(cls)}


def load_settings(path: str | os.PathLike | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file (if any), apply ICTMON_<SECTION>_<KEY> overrides, validate everything."""
    environ = os.environ if environ is None else environ
    path = path or environ.get("ICTMON_CONFIG") or None
    document: dict[str, Any] = {}
    source = "(defaults)"
    if path:
        p = Path(path)
        try:
            document = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {p}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from None
        source = str(p)

    sections = _sections()
    for name, value in document.items():
        if name not in sections:
            raise ConfigError(f"[{name}]: unknown section in {source} "
                              f"(known: {', '.join(sorted(sections))})")
        if not isinstance(value, dict):
            raise ConfigError(f"{name}: must be a [section] table in {source}")

    built: dict[str, Any] = {}
    for section, cls in sections.items():
        types = _field_types(cls)
        given = dict(document.get(section, {}))
        values: dict[str, Any] = {}
        for key, raw in given.items():
            if key not in types:
                raise ConfigError(f"[{section}] {key}: unknown key in {source} "
                                  f"(known: {', '.join(sorted(types))})")
            values[key] = _convert(section, key, raw, types[key], f"from {source}")
        for key, target in types.items():
            env_name = f"{ENV_PREFIX}{section.upper()}_{key.upper()}"
            if env_name in environ:
                values[key] = _convert(section, key, environ[env_name], target, f"from {env_name}")
        built[section] = cls(**values)

    # Relative data paths are relative to the config file, so a service started from / still works.
    settings = Settings(**built, source=source)
    if path:
        base = Path(path).resolve().parent
        if not Path(settings.paths.data_dir).is_absolute():
            settings = dataclasses.replace(
                settings, paths=PathSettings(data_dir=str(base / settings.paths.data_dir)))
        settings = _resolve_sqlite_path(settings, base)
    return settings


def _resolve_sqlite_path(settings: Settings, base: Path) -> Settings:
    url = settings.database.url
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        relative = url[len(prefix):]
        if relative and not relative.startswith(":"):
            url = prefix + str(base / relative)
            return dataclasses.replace(settings, database=DatabaseSettings(url=url))
    return settings


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """(section, key, value) rows for `ictmon check-config`, secrets masked."""
    secret_keys = {("web", "secret_key"), ("security", "encryption_key")}
    rows = []
    for section in _sections():
        obj = getattr(settings, section)
        for f in fields(obj):
            value = getattr(obj, f.name)
            if (section, f.name) in secret_keys:
                shown = "(set)" if value else "(generated in data dir)"
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
