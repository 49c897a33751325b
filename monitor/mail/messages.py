"""Alert mails in Thai and English, their words from the catalogue ("mail_" keys): plain text
plus simple HTML.

Pure functions from facts to (subject, text, html). Device and site names are whatever someone
typed or a device reported: the HTML escapes them, and subjects drop line breaks so a name can
never add a mail header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import escape

from monitor import i18n
from monitor.localtime import format_datetime, format_duration


@dataclass(frozen=True)
class ContactFacts:
    """Who to call about the school (site_contacts); empty strings where nobody typed one."""

    person: str = ""
    phone: str = ""
    line_id: str = ""
    isp: str = ""
    circuit_id: str = ""
    isp_hotline: str = ""


@dataclass(frozen=True)
class DeviceFacts:
    device_id: int
    device: str
    address: str
    site_code: str
    site_name: str
    contact: ContactFacts | None = None


@dataclass(frozen=True)
class IncidentFacts:
    incident_id: int
    device: DeviceFacts
    opened_at: datetime
    resolved_at: datetime | None = None
    children: tuple[str, ...] = ()
    link: str = ""
    # The signed link that acknowledges this incident without signing in (outages only;
    # monitor.incidents.ack_tokens), made for the route the message goes to.
    ack_link: str = ""


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


def _w(lang: str, key: str, **values) -> str:
    return i18n.translate(key, lang, **values)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _site(d: DeviceFacts) -> str:
    return f"{d.site_name} ({d.site_code})"


def _subject(word: str, d: DeviceFacts) -> str:
    return _one_line(f"[ictmon] {word}: {d.site_name} — {d.device}")[:300]


def _html(
    paragraphs: list[str], link: str = "", link_label: str = "", ack: tuple[str, str] = ("", "")
) -> str:
    """The paragraphs, the link, the acknowledge link (url, words) if any, the footer last."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs[:-1])
    if link:
        body += f'<p><a href="{escape(link)}">{escape(link_label or link)}</a></p>'
    if ack[0]:
        body += f'<p><a href="{escape(ack[0])}">{escape(ack[1])}</a></p>'
    body += f'<p style="color:#666;font-size:small">{escape(paragraphs[-1])}</p>'
    return f'<!doctype html><html><body style="font-family:sans-serif">{body}</body></html>'


def _lines_for(i: IncidentFacts, lang: str, *, recovered: bool) -> list[str]:
    d = i.device
    fields = {"device": d.device, "address": d.address, "site": _site(d)}
    if recovered:
        duration = format_duration((i.resolved_at or i.opened_at) - i.opened_at, lang)
        lines = [
            _w(
                lang,
                "mail_recovered_body",
                at=format_datetime(i.resolved_at, lang),
                duration=duration,
                **fields,
            )
        ]
    else:
        lines = [_w(lang, "mail_down_body", at=format_datetime(i.opened_at, lang), **fields)]
    if i.children:
        lines.append(
            _w(
                lang,
                "mail_children",
                n=len(i.children),
                names=", ".join(i.children[:20]) + (" …" if len(i.children) > 20 else ""),
            )
        )
    if not recovered:
        lines += contact_lines(d.contact, lang)
    return lines


def contact_lines(c: ContactFacts | None, lang: str) -> list[str]:
    """Who to call about the school: its person, then its provider (empty parts left out)."""
    if c is None:
        return []
    lines = []
    person = " ".join(x for x in (c.person, c.phone) if x)
    line_id = f"LINE {c.line_id}" if c.line_id else ""
    who = " · ".join(x for x in (person, line_id) if x)
    if who:
        lines.append(_one_line(_w(lang, "mail_contact_person", who=who)))
    isp = " · ".join(
        x
        for x in (
            c.isp,
            f"{_w(lang, 'contact_circuit_id')} {c.circuit_id}" if c.circuit_id else "",
            f"{_w(lang, 'contact_isp_hotline')} {c.isp_hotline}" if c.isp_hotline else "",
        )
        if x
    )
    if isp:
        lines.append(_one_line(_w(lang, "mail_contact_isp", isp=isp)))
    return lines


def incident_mail(i: IncidentFacts, lang: str, *, recovered: bool) -> Mail:
    word = _w(lang, "mail_recovered") if recovered else _w(lang, "mail_down")
    lines = _lines_for(i, lang, recovered=recovered)
    label = _w(lang, "mail_incident", id=i.incident_id)
    ack = [_w(lang, "mail_ack", link=i.ack_link)] if i.ack_link else []
    text = "\n\n".join(
        [*lines, f"{label}: {i.link}" if i.link else label, *ack, _w(lang, "mail_footer")]
    )
    html = _html(
        [*lines, _w(lang, "mail_footer")],
        i.link,
        label,
        ack=(i.ack_link, _w(lang, "mail_ack_button")),
    )
    return Mail(_subject(word, i.device), text + "\n", html)


def grouped_mail(incidents: list[IncidentFacts], lang: str, *, recovered: bool) -> Mail:
    """Many sites in one sweep (the office core, a provider outage): one mail listing them all."""
    n = len({i.device.site_code for i in incidents})
    many = _w(lang, "mail_many_recovered", n=n) if recovered else _w(lang, "mail_many_down", n=n)
    subject = _one_line(f"[ictmon] {many}")
    blocks = []
    for i in incidents:
        label = _w(lang, "mail_incident", id=i.incident_id)
        blocks.append(
            " ".join(_lines_for(i, lang, recovered=recovered))
            + (f" — {label}: {i.link}" if i.link else f" — {label}")
            + (f" — {_w(lang, 'mail_ack', link=i.ack_link)}" if i.ack_link else "")
        )
    text = "\n\n".join([f"- {b}" for b in blocks] + [_w(lang, "mail_footer")]) + "\n"
    items = "".join(f"<li>{escape(b)}</li>" for b in blocks)
    html = (
        f'<!doctype html><html><body style="font-family:sans-serif"><ul>{items}</ul>'
        f'<p style="color:#666;font-size:small">{escape(_w(lang, "mail_footer"))}</p></body></html>'
    )
    return Mail(subject, text, html)


def flapping_mail(
    d: DeviceFacts, lang: str, *, changes: int, window: timedelta, link: str = ""
) -> Mail:
    lines = [
        _w(
            lang,
            "mail_flapping_body",
            device=d.device,
            address=d.address,
            site=_site(d),
            n=changes,
            window=format_duration(window, lang),
        ),
        _w(lang, "mail_footer"),
    ]
    return Mail(
        _subject(_w(lang, "mail_flapping"), d),
        "\n\n".join(lines + ([link] if link else [])) + "\n",
        _html(lines, link),
    )


def settled_mail(
    d: DeviceFacts, lang: str, *, state: str, window: timedelta, link: str = ""
) -> Mail:
    lines = [
        _w(
            lang,
            "mail_settled_body",
            device=d.device,
            address=d.address,
            site=_site(d),
            window=format_duration(window, lang),
            state=_w(lang, f"mail_state_{state}"),
        ),
        _w(lang, "mail_footer"),
    ]
    return Mail(
        _subject(_w(lang, "mail_settled"), d),
        "\n\n".join(lines + ([link] if link else [])) + "\n",
        _html(lines, link),
    )
