"""PURE: the messages about an edge collector, in Thai or English: gone offline, and back.

Back after a lost link, one message sums up what the collector measured meanwhile ("collector
S012-pi back after 2 h 3 min: inside the school, sw-2 was down 14:02–14:31, everything else
stayed up") instead of replaying an alert for each event already over. Times are Bangkok's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from markupsafe import escape

from monitor import i18n
from monitor.channels.texts import fit
from monitor.domain import Status
from monitor.localtime import format_datetime, format_duration, to_local
from monitor.mail.messages import Mail

# Everything but up is worth a line; unknown inside the window means no results for it.
_WORTH_TELLING = (Status.DOWN, Status.UNREACHABLE, Status.UNKNOWN, Status.MAINTENANCE)
MAX_LINES = 30


@dataclass(frozen=True)
class Spell:
    """A stretch a device was not up, clipped to the window; `end` None: still so."""

    device: str
    status: Status
    start: datetime
    end: datetime | None


def spells(
    rows: Iterable[tuple[str, str, datetime, datetime | None]],
    window_from: datetime,
    window_to: datetime,
) -> list[Spell]:
    """(device name, status, started, ended) intervals → the not-up stretches in the window,
    in time order, each clipped to it."""
    found = []
    for device, status, started, ended in rows:
        state = Status(status)
        if state not in _WORTH_TELLING:
            continue
        if (ended is not None and ended <= window_from) or started >= window_to:
            continue
        end = None if ended is None else min(ended, window_to)
        found.append(Spell(device, state, max(started, window_from), end))
    return sorted(found, key=lambda s: (s.start, s.device))


def _w(lang: str, key: str, **values: object) -> str:
    return i18n.translate(key, lang, **values)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _clock(moment: datetime, lang: str, same_day: bool) -> str:
    return f"{to_local(moment):%H:%M}" if same_day else format_datetime(moment, lang)


def spell_line(spell: Spell, lang: str, *, same_day: bool) -> str:
    state = _w(lang, f"mail_state_{spell.status}")
    start = _clock(spell.start, lang, same_day)
    if spell.end is None:
        return _w(lang, "edge_spell_open", device=_one_line(spell.device), state=state, at=start)
    return _w(
        lang,
        "edge_spell",
        device=_one_line(spell.device),
        state=state,
        start=start,
        end=_clock(spell.end, lang, same_day),
    )


@dataclass(frozen=True)
class Reconnection:
    collector: str
    site: str  # "โรงเรียนบ้านหนองบัว (S012)"
    lost_contact_at: datetime
    back_at: datetime
    window_from: datetime  # the last sweep applied before contact was lost
    window_to: datetime  # the last sweep applied now
    spells: tuple[Spell, ...]
    dropped: int = 0
    link: str = ""


def _reconnection_parts(r: Reconnection, lang: str) -> tuple[str, list[str], list[str]]:
    away = format_duration(r.back_at - r.lost_contact_at, lang)
    subject = _one_line(
        "[ictmon] " + _w(lang, "edge_back_subject", collector=r.collector, duration=away)
    )
    head = [
        _w(
            lang,
            "edge_back_body",
            collector=_one_line(r.collector),
            site=_one_line(r.site),
            start=format_datetime(r.lost_contact_at, lang),
            end=format_datetime(r.back_at, lang),
            duration=away,
        )
    ]
    same_day = to_local(r.window_from).date() == to_local(r.window_to).date()
    items = [spell_line(s, lang, same_day=same_day) for s in r.spells]
    if not items:
        head.append(_w(lang, "edge_all_up"))
    else:
        head.append(_w(lang, "edge_inside"))
    tail = [_w(lang, "edge_others_up")] if items else []
    if r.dropped:
        tail.append(_w(lang, "edge_dropped", n=r.dropped))
    return subject, head, [*items, *tail]


def reconnection_mail(r: Reconnection, lang: str) -> Mail:
    subject, head, lines = _reconnection_parts(r, lang)
    shown = lines[:MAX_LINES] + (
        [_w(lang, "chan_more", n=len(lines) - MAX_LINES)] * (len(lines) > MAX_LINES)
    )
    footer = _w(lang, "mail_footer")
    text = "\n".join(head) + "\n" + "\n".join(f"- {x}" for x in shown)
    text += (f"\n\n{r.link}" if r.link else "") + f"\n\n{footer}\n"
    items = "".join(f"<li>{escape(x)}</li>" for x in shown)
    html = (
        '<!doctype html><html><body style="font-family:sans-serif">'
        + "".join(f"<p>{escape(p)}</p>" for p in head)
        + f"<ul>{items}</ul>"
        + (f'<p><a href="{escape(r.link)}">{escape(r.link)}</a></p>' if r.link else "")
        + f'<p style="color:#666;font-size:small">{escape(footer)}</p></body></html>'
    )
    return Mail(subject[:300], text, html)


def reconnection_chat(r: Reconnection, lang: str, *, limit: int) -> str:
    subject, head, lines = _reconnection_parts(r, lang)
    return fit(
        [subject.removeprefix("[ictmon] "), *head], lines, [r.link] if r.link else [], limit, lang
    )


@dataclass(frozen=True)
class Offline:
    collector: str
    site: str
    last_contact_at: datetime | None
    devices: int
    link: str = ""


def _offline_parts(o: Offline, lang: str) -> tuple[str, list[str]]:
    subject = _one_line(
        "[ictmon] " + _w(lang, "edge_offline_subject", collector=o.collector, site=o.site)
    )
    body = _w(
        lang,
        "edge_offline_body",
        collector=_one_line(o.collector),
        site=_one_line(o.site),
        at=format_datetime(o.last_contact_at, lang),
        n=o.devices,
    )
    return subject, [body]


def offline_mail(o: Offline, lang: str) -> Mail:
    subject, lines = _offline_parts(o, lang)
    footer = _w(lang, "mail_footer")
    text = "\n\n".join([*lines, *([o.link] if o.link else []), footer]) + "\n"
    html = (
        '<!doctype html><html><body style="font-family:sans-serif">'
        + "".join(f"<p>{escape(p)}</p>" for p in lines)
        + (f'<p><a href="{escape(o.link)}">{escape(o.link)}</a></p>' if o.link else "")
        + f'<p style="color:#666;font-size:small">{escape(footer)}</p></body></html>'
    )
    return Mail(subject[:300], text, html)


def offline_chat(o: Offline, lang: str, *, limit: int) -> str:
    subject, lines = _offline_parts(o, lang)
    return fit(
        [subject.removeprefix("[ictmon] "), *lines], [], [o.link] if o.link else [], limit, lang
    )


def offline_title(collector: str, site: str, lang: str) -> str:
    """The "collector offline" incident's title: the school first, like an outage's."""
    return _one_line(_w(lang, "edge_offline_title", collector=collector, site=site))[:300]


def attached_event(collector: str, lang: str) -> str:
    """The event on the uplink's incident the collector's loss is attached to."""
    return _w(lang, "edge_offline_attached", collector=_one_line(collector))


def back_event(collector: str, lang: str) -> str:
    return _w(lang, "edge_back_event", collector=_one_line(collector))
