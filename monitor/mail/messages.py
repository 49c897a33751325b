"""The words of alert mails, in Thai and English: plain text plus simple HTML.

Pure functions from facts to (subject, text, html). Device and site names are whatever someone
typed or a device reported: the HTML escapes them, and subjects drop line breaks so a name can
never add a mail header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import escape

from monitor.localtime import format_datetime, format_duration


@dataclass(frozen=True)
class DeviceFacts:
    device_id: int
    device: str
    address: str
    site_code: str
    site_name: str


@dataclass(frozen=True)
class IncidentFacts:
    incident_id: int
    device: DeviceFacts
    opened_at: datetime
    resolved_at: datetime | None = None
    children: tuple[str, ...] = ()
    link: str = ""


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


WORDS = {
    "th": {
        "down": "ขัดข้อง",
        "recovered": "กลับมาใช้งานได้",
        "down_body": "{device} ({address}) ของ{site} ไม่ตอบสนองตั้งแต่ {at}",
        "recovered_body": "{device} ({address}) ของ{site} กลับมาใช้งานได้เมื่อ {at} — ขัดข้องนาน {duration}",
        "children": "อุปกรณ์ที่ติดต่อไม่ได้เพราะเหตุนี้ {n} เครื่อง: {names}",
        "incident": "เหตุการณ์ #{id}",
        "many_down": "ขัดข้องพร้อมกัน {n} แห่ง",
        "many_recovered": "กลับมาใช้งานได้ {n} แห่ง",
        "flapping": "สถานะไม่แน่นอน",
        "flapping_body": "{device} ({address}) ของ{site} เปลี่ยนสถานะขึ้น-ลง {n} ครั้งภายใน {window} "
        "ระบบจะงดส่งอีเมลแจ้งทุกครั้งที่เปลี่ยนสถานะ จนกว่าสถานะจะคงที่",
        "settled": "สถานะคงที่แล้ว",
        "settled_body": "{device} ({address}) ของ{site} ไม่เปลี่ยนสถานะมา {window} แล้ว "
        "สถานะปัจจุบัน: {state}",
        "state_up": "ปกติ",
        "state_down": "ขัดข้อง",
        "state_unreachable": "ติดต่อไม่ได้",
        "state_unknown": "ไม่ทราบสถานะ",
        "state_maintenance": "ปิดปรับปรุง",
        "footer": "ส่งโดย ictmon ระบบติดตามเครือข่าย เวลาเป็นเวลาประเทศไทย",
    },
    "en": {
        "down": "DOWN",
        "recovered": "RECOVERED",
        "down_body": "{device} ({address}) at {site} has not answered since {at}",
        "recovered_body": "{device} ({address}) at {site} is back since {at} — it was down for {duration}",
        "children": "Unreachable because of this ({n}): {names}",
        "incident": "Incident #{id}",
        "many_down": "{n} sites down at once",
        "many_recovered": "{n} sites recovered",
        "flapping": "FLAPPING",
        "flapping_body": "{device} ({address}) at {site} changed state {n} times within {window}. "
        "No mail per change will be sent until it settles.",
        "settled": "SETTLED",
        "settled_body": "{device} ({address}) at {site} has not changed state for {window}. "
        "Current state: {state}",
        "state_up": "up",
        "state_down": "down",
        "state_unreachable": "unreachable",
        "state_unknown": "unknown",
        "state_maintenance": "maintenance",
        "footer": "Sent by ictmon. Times are Bangkok time (UTC+7).",
    },
}


def _w(lang: str, key: str, **values) -> str:
    return WORDS.get(lang, WORDS["th"])[key].format(**values)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _site(d: DeviceFacts) -> str:
    return f"{d.site_name} ({d.site_code})"


def _subject(word: str, d: DeviceFacts) -> str:
    return _one_line(f"[ictmon] {word}: {d.site_name} — {d.device}")[:300]


def _html(paragraphs: list[str], link: str = "", link_label: str = "") -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs[:-1])
    if link:
        body += f'<p><a href="{escape(link)}">{escape(link_label or link)}</a></p>'
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
                "recovered_body",
                at=format_datetime(i.resolved_at, lang),
                duration=duration,
                **fields,
            )
        ]
    else:
        lines = [_w(lang, "down_body", at=format_datetime(i.opened_at, lang), **fields)]
    if i.children:
        lines.append(
            _w(
                lang,
                "children",
                n=len(i.children),
                names=", ".join(i.children[:20]) + (" …" if len(i.children) > 20 else ""),
            )
        )
    return lines


def incident_mail(i: IncidentFacts, lang: str, *, recovered: bool) -> Mail:
    word = _w(lang, "recovered" if recovered else "down")
    lines = _lines_for(i, lang, recovered=recovered)
    label = _w(lang, "incident", id=i.incident_id)
    text = "\n\n".join(lines + [f"{label}: {i.link}" if i.link else label, _w(lang, "footer")])
    return Mail(
        _subject(word, i.device), text + "\n", _html(lines + [_w(lang, "footer")], i.link, label)
    )


def grouped_mail(incidents: list[IncidentFacts], lang: str, *, recovered: bool) -> Mail:
    """Many sites in one sweep (the office core, a provider outage): one mail listing them all."""
    n = len({i.device.site_code for i in incidents})
    subject = _one_line(f"[ictmon] {_w(lang, 'many_recovered' if recovered else 'many_down', n=n)}")
    blocks = []
    for i in incidents:
        label = _w(lang, "incident", id=i.incident_id)
        blocks.append(
            " ".join(_lines_for(i, lang, recovered=recovered))
            + (f" — {label}: {i.link}" if i.link else f" — {label}")
        )
    text = "\n\n".join([f"- {b}" for b in blocks] + [_w(lang, "footer")]) + "\n"
    items = "".join(f"<li>{escape(b)}</li>" for b in blocks)
    html = (
        f'<!doctype html><html><body style="font-family:sans-serif"><ul>{items}</ul>'
        f'<p style="color:#666;font-size:small">{escape(_w(lang, "footer"))}</p></body></html>'
    )
    return Mail(subject, text, html)


def flapping_mail(
    d: DeviceFacts, lang: str, *, changes: int, window: timedelta, link: str = ""
) -> Mail:
    lines = [
        _w(
            lang,
            "flapping_body",
            device=d.device,
            address=d.address,
            site=_site(d),
            n=changes,
            window=format_duration(window, lang),
        ),
        _w(lang, "footer"),
    ]
    return Mail(
        _subject(_w(lang, "flapping"), d),
        "\n\n".join(lines + ([link] if link else [])) + "\n",
        _html(lines, link),
    )


def settled_mail(
    d: DeviceFacts, lang: str, *, state: str, window: timedelta, link: str = ""
) -> Mail:
    lines = [
        _w(
            lang,
            "settled_body",
            device=d.device,
            address=d.address,
            site=_site(d),
            window=format_duration(window, lang),
            state=_w(lang, f"state_{state}"),
        ),
        _w(lang, "footer"),
    ]
    return Mail(
        _subject(_w(lang, "settled"), d),
        "\n\n".join(lines + ([link] if link else [])) + "\n",
        _html(lines, link),
    )
