"""Short alert texts for chat channels, in Thai or English (PURE: facts in, text out).

A phone screen, not a mail: the school first, then the device, since when, how many devices
are cut off behind it, and the link. Every text fits the channel's limit
(monitor.channels.kinds): a grouped outage drops the sites that do not fit and says how many
more there are, never the header or the link.
"""

from __future__ import annotations

from datetime import timedelta

from monitor import i18n
from monitor.localtime import format_datetime, format_duration
from monitor.mail.messages import ContactFacts, DeviceFacts, IncidentFacts

ELLIPSIS = "…"


def _w(lang: str, key: str, **values: object) -> str:
    return i18n.translate(key, lang, **values)


def _one_line(text: str) -> str:
    # Names are typed by people and reported by devices: a line break must not forge a line.
    return " ".join(str(text).split())


def _site(d: DeviceFacts) -> str:
    return _one_line(f"{d.site_name} ({d.site_code})")


def _device(d: DeviceFacts) -> str:
    return _one_line(f"{d.device} ({d.address})")


def fit(head: list[str], items: list[str], tail: list[str], limit: int, lang: str) -> str:
    """head + as many items as fit + "and N more" + tail, within `limit` characters."""
    fixed = "\n".join(head + tail)
    lines = list(items)
    while lines:
        more = len(items) - len(lines)
        extra = [_w(lang, "chan_more", n=more)] if more else []
        text = "\n".join(head + lines + extra + tail)
        if len(text) <= limit:
            return text
        lines.pop()
    text = "\n".join([*head, _w(lang, "chan_more", n=len(items)), *tail]) if items else fixed
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS


def contact_lines(c: ContactFacts | None, lang: str) -> list[str]:
    """Who to call, in at most two lines: the school's person, then its provider."""
    if c is None:
        return []
    lines = []
    person = " ".join(x for x in (c.person, c.phone) if x)
    who = " · ".join(x for x in (person, f"LINE {c.line_id}" if c.line_id else "") if x)
    if who:
        lines.append(_one_line(f"📞 {who}"))
    isp = " ".join(
        x
        for x in (
            c.isp,
            f"{_w(lang, 'contact_circuit_id')} {c.circuit_id}" if c.circuit_id else "",
            f"{_w(lang, 'contact_isp_hotline')} {c.isp_hotline}" if c.isp_hotline else "",
        )
        if x
    )
    if isp:
        lines.append(_one_line(f"🌐 {isp}"))
    return lines


def _behind(i: IncidentFacts, lang: str) -> list[str]:
    return [_w(lang, "chan_behind", n=len(i.children))] if i.children else []


def incident_text(i: IncidentFacts, lang: str, *, recovered: bool, limit: int) -> str:
    d = i.device
    if recovered:
        head = [
            _w(lang, "chan_recovered", site=_site(d)),
            _device(d),
            _w(
                lang,
                "chan_duration",
                duration=format_duration((i.resolved_at or i.opened_at) - i.opened_at, lang),
                at=format_datetime(i.resolved_at, lang),
            ),
        ]
    else:
        head = [
            _w(lang, "chan_down", site=_site(d)),
            _device(d),
            _w(lang, "chan_since", at=format_datetime(i.opened_at, lang)),
            *_behind(i, lang),
            *contact_lines(d.contact, lang),
        ]
    # One link on a phone: the one that can acknowledge (its page links to the incident).
    link = i.ack_link or i.link
    return fit(head, [], [link] if link else [], limit, lang)


def grouped_text(
    incidents: list[IncidentFacts], lang: str, *, recovered: bool, limit: int, link: str = ""
) -> str:
    """Many sites in one sweep: one message, one line per site, worst (most behind) first."""
    n = len({i.device.site_code for i in incidents})
    if recovered:
        head = [_w(lang, "chan_many_recovered", n=n)]
    else:
        head = [_w(lang, "chan_many_down", n=n)]
    ordered = sorted(incidents, key=lambda i: (-len(i.children), i.device.site_code))
    items = []
    for i in ordered:
        if recovered:
            when = format_duration((i.resolved_at or i.opened_at) - i.opened_at, lang)
        else:
            when = format_datetime(i.opened_at, lang)
        behind = f" +{len(i.children)}" if i.children else ""
        items.append(f"- {_site(i.device)}: {_one_line(i.device.device)}{behind} · {when}")
    return fit(head, items, [link] if link else [], limit, lang)


def flapping_text(
    d: DeviceFacts, lang: str, *, changes: int, window: timedelta, limit: int, link: str = ""
) -> str:
    head = [
        _w(lang, "chan_flapping", site=_site(d)),
        _device(d),
        _w(lang, "chan_flapping_body", n=changes, window=format_duration(window, lang)),
    ]
    return fit(head, [], [link] if link else [], limit, lang)


def settled_text(
    d: DeviceFacts, lang: str, *, state: str, window: timedelta, limit: int, link: str = ""
) -> str:
    head = [
        _w(lang, "chan_settled", site=_site(d)),
        _device(d),
        _w(
            lang,
            "chan_settled_body",
            window=format_duration(window, lang),
            state=_w(lang, f"mail_state_{state}"),
        ),
    ]
    return fit(head, [], [link] if link else [], limit, lang)


def report_text(
    period: str,
    lang: str,
    *,
    availability: str,
    target: float,
    met: int,
    measured: int,
    limit: int,
    link: str = "",
) -> str:
    """The monthly report is kept (and mailed to the superiors): its headline figures."""
    head = [
        _w(lang, "chan_report", period=_one_line(period)),
        _w(
            lang,
            "chan_report_body",
            pct=availability,
            target=f"{target:g}",
            met=met,
            measured=measured,
        ),
    ]
    return fit(head, [], [link] if link else [], limit, lang)


def risk_high_text(
    title: str, lang: str, *, level: str, where: str, summary: str, limit: int, link: str = ""
) -> str:
    """A risk whose level rose to high or very high: what, where, why."""
    head = [
        _w(lang, "chan_risk_high", level=_w(lang, f"level_{level}")),
        _one_line(title),
        *([_one_line(where)] if where else []),
        *([_one_line(summary)] if summary else []),
    ]
    return fit(head, [], [link] if link else [], limit, lang)


def probe_text(channel_name: str, lang: str, *, at: str) -> str:
    return _w(lang, "chan_test", name=_one_line(channel_name), at=at)
