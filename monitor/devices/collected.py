"""PURE: values a device reported, made safe to show. Everything SNMP stored came from an agent
(or from an older version of ictmon, or from a hand-edited database), so a page or the API takes
it through here: a number that is not finite, out of its range or not a number at all becomes
None ("—" on the page, null in JSON); text that is not text becomes text; JSON rows that are not
the expected mapping are dropped. Nothing here raises, whatever it is given.
"""

from __future__ import annotations

import math
from typing import Any

UPS_BATTERY_STATES = frozenset({"normal", "low", "depleted", "unknown"})
IF_STATES = frozenset(
    {"up", "down", "testing", "unknown", "dormant", "notPresent", "lowerLayerDown"}
)
# 100 Tbit/s: more than any interface carries; a larger rate is a counter gone wrong.
MAX_BPS = 1e14
MAX_BYTES = 2**63 - 1


def number(value: Any, low: float | None = 0.0, high: float | None = None) -> float | None:
    """A finite number within [low, high], else None. Booleans are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:  # an int beyond float range
        return None
    if not math.isfinite(result):
        return None
    if (low is not None and result < low) or (high is not None and result > high):
        return None
    return result


def integer(value: Any, low: int | None = 0, high: int | None = None) -> int | None:
    """A whole number within [low, high], else None (a float is taken only if it is whole)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            return None
        value = int(value)
    if not isinstance(value, int):
        return None
    if (low is not None and value < low) or (high is not None and value > high):
        return None
    return value


def percent(value: Any) -> float | None:
    return number(value, 0.0, 100.0)


def bits_per_second(value: Any) -> float | None:
    return number(value, 0.0, MAX_BPS)


def text(value: Any, limit: int = 4096) -> str | None:
    """Any value as printable text (bytes decoded as UTF-8 with U+FFFD), at most `limit`
    characters; None and empty text stay None."""
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", errors="replace")
    elif not isinstance(value, str):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        value = str(value)
    # Lone surrogates (from a surrogateescape decode) cannot be encoded into the page.
    value = value.encode("utf-8", errors="replace").decode("utf-8")
    cleaned = "".join(c if c >= " " and c != "\x7f" else " " for c in value).strip()
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned or None


def choice(value: Any, allowed: frozenset[str]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


def flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def storage_rows(rows: Any) -> list[dict]:
    """snmp_status.storage → [{descr, size_bytes, used_bytes, used_pct}], bad rows dropped."""
    if not isinstance(rows, list):
        return []
    shown = []
    for row in rows[:64]:
        if not isinstance(row, dict):
            continue
        size = integer(row.get("size_bytes"), 1, MAX_BYTES)
        used = integer(row.get("used_bytes"), 0, MAX_BYTES)
        if used is not None and size is not None and used > size:
            used = None
        shown.append(
            {
                "descr": text(row.get("descr"), 100) or "?",
                "size_bytes": size,
                "used_bytes": used,
                "used_pct": None if size is None or used is None else round(100.0 * used / size, 1),
            }
        )
    return shown


SENSOR_KINDS = frozenset({"fan", "psu"})
SENSOR_STATES = frozenset({"normal", "warning", "critical", "not_present"})


def sensor_rows(rows: Any) -> list[dict]:
    """snmp_status.sensors → [{kind, name, state}] (fans, then power supplies), bad rows
    dropped."""
    if not isinstance(rows, list):
        return []
    shown = [
        {
            "kind": row.get("kind"),
            "name": text(row.get("name"), 100) or "?",
            "state": row.get("state"),
        }
        for row in rows[:64]
        if isinstance(row, dict)
        and choice(row.get("kind"), SENSOR_KINDS)
        and choice(row.get("state"), SENSOR_STATES)
    ]
    return sorted(shown, key=lambda r: r["kind"] != "fan")


def neighbour_rows(rows: Any) -> list[dict] | None:
    """snmp_status.neighbours → [{local_port, remote_name, remote_port, remote_chassis}]."""
    if rows is None:
        return None
    if not isinstance(rows, list):
        return []
    return [
        {
            "local_port": text(row.get("local_port"), 100) or "?",
            "remote_name": text(row.get("remote_name"), 200),
            "remote_port": text(row.get("remote_port"), 100),
            "remote_chassis": text(row.get("remote_chassis"), 100),
        }
        for row in rows[:256]
        if isinstance(row, dict)
    ]
