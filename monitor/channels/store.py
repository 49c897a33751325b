"""Alert channels as rows: create, change, list, route, and queue a message for each one.

The URL (which holds the service's token) is encrypted with the vault and only ever decrypted
to send; `ChannelView` is everything a page, the CLI or the API may show of a channel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from monitor.channels.kinds import (
    DEFAULT_EVENTS,
    KINDS,
    ChannelError,
    parse_events,
    parse_site_codes,
    routed,
)
from monitor.channels.transport import recognise
from monitor.db.models import AlertChannel, OutboxMessage
from monitor.i18n import LANGUAGES
from monitor.mail import outbox
from monitor.secrets import Vault


@dataclass(frozen=True)
class ChannelView:
    """A channel without its secret."""

    id: int
    name: str
    kind: str
    language: str
    enabled: bool
    all_sites: bool
    site_codes: tuple[str, ...]
    events: tuple[str, ...]

    @property
    def limit(self) -> int:
        return KINDS[self.kind].limit


def _view(c: AlertChannel) -> ChannelView:
    return ChannelView(
        c.id,
        c.name,
        c.kind,
        c.language,
        c.enabled,
        c.all_sites,
        parse_site_codes(c.site_codes),
        parse_events(c.events),
    )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ChannelError("a channel needs a name")
    if len(name) > 100:
        raise ChannelError("the channel name is longer than 100 characters")
    return name


def _clean_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ChannelError(f"language must be one of {', '.join(LANGUAGES)}")
    return language


def add(
    session: Session,
    vault: Vault,
    *,
    name: str,
    url: str,
    now: datetime,
    language: str = "th",
    events: str = ",".join(DEFAULT_EVENTS),
    sites: str = "",
) -> ChannelView:
    """A new channel; the URL is checked by Apprise (kind, one target) before it is stored."""
    name = _clean_name(name)
    if session.scalar(select(AlertChannel.id).where(AlertChannel.name == name)) is not None:
        raise ChannelError(f"a channel named {name!r} already exists")
    plugin = recognise(url)
    codes = parse_site_codes(sites)
    channel = AlertChannel(
        name=name,
        kind=plugin.kind,
        url_secret=vault.encrypt(url.strip()),
        language=_clean_language(language),
        enabled=True,
        all_sites=not codes,
        site_codes=" ".join(codes),
        events=",".join(parse_events(events)),
        created_at=now,
    )
    session.add(channel)
    session.flush()
    return _view(channel)


def change(
    session: Session,
    vault: Vault,
    channel_id: int,
    *,
    url: str | None = None,
    language: str | None = None,
    events: str | None = None,
    sites: str | None = None,
    enabled: bool | None = None,
) -> ChannelView:
    """Change what is given; a URL left out (None or empty) keeps the stored one."""
    channel = session.get(AlertChannel, channel_id)
    if channel is None:
        raise ChannelError(f"no channel {channel_id}")
    if url:
        plugin = recognise(url)
        channel.kind = plugin.kind
        channel.url_secret = vault.encrypt(url.strip()) or b""
    if language is not None:
        channel.language = _clean_language(language)
    if events is not None:
        channel.events = ",".join(parse_events(events))
    if sites is not None:
        codes = parse_site_codes(sites)
        channel.all_sites = not codes
        channel.site_codes = " ".join(codes)
    if enabled is not None:
        channel.enabled = enabled
    session.flush()
    return _view(channel)


def remove(session: Session, channel_id: int) -> bool:
    """Delete a channel and whatever is still queued for it (it has nowhere to go)."""
    channel = session.get(AlertChannel, channel_id)
    if channel is None:
        return False
    session.execute(delete(OutboxMessage).where(OutboxMessage.channel_id == channel_id))
    session.delete(channel)  # through the ORM, so the audit log records it
    session.flush()
    return True


def channels(session: Session) -> list[ChannelView]:
    return [_view(c) for c in session.scalars(select(AlertChannel).order_by(AlertChannel.name))]


def url_of(session: Session, vault: Vault, channel_id: int) -> str:
    """The decrypted URL: only for sending."""
    channel = session.get(AlertChannel, channel_id)
    if channel is None:
        raise ChannelError(f"no channel {channel_id}")
    return vault.decrypt(channel.url_secret) or ""


def enabled_urls(session: Session, vault: Vault) -> list[tuple[ChannelView, str]]:
    return [
        (_view(c), vault.decrypt(c.url_secret) or "")
        for c in session.scalars(
            select(AlertChannel).where(AlertChannel.enabled.is_(True)).order_by(AlertChannel.id)
        )
    ]


# A channel's text for the sites it wants: (channel, those sites) → text, or None for nothing.
TextFor = Callable[[ChannelView, set[str]], str | None]


def queue(
    session: Session,
    *,
    event: str,
    sites: set[str],
    text_for: TextFor,
    dedupe_key: str,
    now: datetime,
    kind: str = "alert",
    routes: list[ChannelView] | None = None,
) -> int:
    """One outbox row per channel routed for `event` at any of `sites`; returns rows written."""
    written = 0
    for channel in channels(session) if routes is None else routes:
        if not channel.enabled:
            continue
        wanted = routed(
            events=",".join(channel.events),
            all_sites=channel.all_sites,
            site_codes=" ".join(channel.site_codes),
            event=event,
            sites=sites,
        )
        if wanted is None:
            continue
        text = text_for(channel, wanted)
        if not text:
            continue
        row = outbox.enqueue(
            session,
            recipients=[f"{KINDS[channel.kind].label}: {channel.name}"],
            subject=text.splitlines()[0],
            text=text,
            kind=kind,
            dedupe_key=f"{dedupe_key}@ch{channel.id}",
            now=now,
            channel_id=channel.id,
        )
        written += row is not None
    return written
