"""Time at the edges: UTC inside the program, Asia/Bangkok and the Buddhist era for people.

Every place that shows a time to a person (pages, emails, reports) formats it here, so the rules
(time zone, พ.ศ. = ค.ศ. + 543, Thai month names, Thai durations) live in one module.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import overload
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
BUDDHIST_ERA_OFFSET = 543
# A four-digit year above this is a Buddhist-era year (2400 BE = 1857 CE: no overlap with our data).
BUDDHIST_ERA_THRESHOLD = 2400

THAI_MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
THAI_MONTHS_SHORT = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
ENGLISH_MONTHS_SHORT = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes from the database are UTC by convention; give them their zone back."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@overload
def stored_utc(moment: datetime | str) -> datetime: ...
@overload
def stored_utc(moment: datetime | str | None) -> datetime | None: ...
def stored_utc(moment: datetime | str | None) -> datetime | None:
    """A time read back from an aggregate (MIN/MAX) as aware UTC. Aggregates bypass the UTC
    column type: they come back naive (they are UTC), and from SQLite as text."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return as_utc(moment)


def to_local(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(BANGKOK)


def iso_local(moment: datetime | None) -> str | None:
    """ISO 8601 with the +07:00 offset, for the API."""
    return None if moment is None else to_local(moment).isoformat(timespec="seconds")


def display_year(year: int, lang: str = "th") -> int:
    """The year as a reader of `lang` counts it: พ.ศ. in Thai, ค.ศ. otherwise."""
    return year + BUDDHIST_ERA_OFFSET if lang == "th" else year


def common_era_year(year: int) -> int:
    """A year as a person typed it, either era, taken to ค.ศ. (how dates are stored)."""
    return year - BUDDHIST_ERA_OFFSET if year > BUDDHIST_ERA_THRESHOLD else year


def format_datetime(moment: datetime | None, lang: str = "th", *, short: bool = True) -> str:
    """'24 พ.ย. 2569 14:05' in Thai, '24 Nov 2026 14:05' in English, Bangkok time."""
    if moment is None:
        return "—"
    local = to_local(moment)
    if lang == "th":
        months = THAI_MONTHS_SHORT if short else THAI_MONTHS
        return (
            f"{local.day} {months[local.month - 1]} {local.year + BUDDHIST_ERA_OFFSET} "
            f"{local:%H:%M}"
        )
    return f"{local.day} {ENGLISH_MONTHS_SHORT[local.month - 1]} {local.year} {local:%H:%M}"


def format_date(day: date | None, lang: str = "th", *, short: bool = False) -> str:
    if day is None:
        return "—"
    if lang == "th":
        months = THAI_MONTHS_SHORT if short else THAI_MONTHS
        return f"{day.day} {months[day.month - 1]} {day.year + BUDDHIST_ERA_OFFSET}"
    return f"{day.day} {ENGLISH_MONTHS_SHORT[day.month - 1]} {day.year}"


def format_duration(delta: timedelta | float | None, lang: str = "th") -> str:
    """A duration the way people say it: '2 ชั่วโมง 5 นาที', '3 days 4 h'. Two largest units."""
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds() if isinstance(delta, timedelta) else delta)
    seconds = max(seconds, 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    units_th = (("วัน", days), ("ชั่วโมง", hours), ("นาที", minutes), ("วินาที", secs))
    units_en = (("d", days), ("h", hours), ("min", minutes), ("s", secs))
    units = units_th if lang == "th" else units_en
    largest = next((i for i, (_, value) in enumerate(units) if value), None)
    if largest is None:
        return "0 วินาที" if lang == "th" else "0 s"
    # The largest unit and the one right below it: "1 วัน", never "1 วัน 12 วินาที".
    return " ".join(f"{value} {name}" for name, value in units[largest : largest + 2] if value)
