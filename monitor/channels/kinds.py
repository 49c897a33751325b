"""What ictmon knows about each kind of channel and each routable event (PURE).

A channel is one Apprise URL with one target. The kinds are the services the officers asked
for; each has the length its messages must fit in (the service's own limit, or less where a
shorter text reads better on a phone).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelKind:
    name: str
    label: str
    # Characters the whole message may hold: LINE 5,000, Telegram 4,096, Discord 2,000, Power
    # Automate 1,000 (Apprise's limit for Teams workflows); Slack and webhooks allow far more,
    # 4,000 keeps a grouped outage readable.
    limit: int
    # The Apprise plugin class that serves it (how a pasted URL is recognised).
    plugin: str
    example: str


KINDS: dict[str, ChannelKind] = {
    k.name: k
    for k in (
        ChannelKind("line", "LINE Messaging API", 5000, "NotifyLine", "line://TOKEN/GROUP_ID"),
        ChannelKind("telegram", "Telegram", 4096, "NotifyTelegram", "tgram://BOT_TOKEN/CHAT_ID"),
        ChannelKind(
            "teams",
            "Microsoft Teams (Power Automate)",
            1000,
            "NotifyWorkflows",
            "workflows://HOST:443/WORKFLOW/SIGNATURE",
        ),
        ChannelKind("discord", "Discord", 2000, "NotifyDiscord", "discord://WEBHOOK_ID/TOKEN"),
        ChannelKind("slack", "Slack", 4000, "NotifySlack", "https://hooks.slack.com/services/…"),
        ChannelKind("webhook", "JSON webhook", 4000, "NotifyJSON", "jsons://host/path"),
    )
}

KIND_BY_PLUGIN = {k.plugin: k.name for k in KINDS.values()}

# What a channel can be routed: "down" covers an outage and its recovery; "grouped" the one
# message for many sites at once; "flapping" its notice and the settled one; "report" the
# monthly report when it is kept (channels for all sites only: it is the district's);
# "risk_high" a risk in the register whose level rose to high or very high (monitor.risks.alerts);
# "collector_offline" a remote collector that stopped reporting — routable now, it fires once
# remote collectors exist (no code sends it yet).
EVENTS = ("down", "grouped", "flapping", "report", "risk_high", "collector_offline")
# The district's own messages (the report, a risk without a school) carry this instead of site
# codes: only channels routed for all sites take them.
DISTRICT = "*"
DEFAULT_EVENTS = ("down", "grouped")


class ChannelError(ValueError):
    """A channel that cannot be saved: unknown kind, unreadable URL, several targets, bad routing."""


def parse_events(text: str) -> tuple[str, ...]:
    """'down, grouped' → ('down', 'grouped'); an unknown event is an error naming it."""
    chosen = [e.strip().lower() for e in text.replace(";", ",").split(",") if e.strip()]
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown:
        raise ChannelError(f"unknown event {unknown[0]!r}: use {', '.join(EVENTS)}")
    if not chosen:
        raise ChannelError(f"a channel needs at least one event: {', '.join(EVENTS)}")
    return tuple(dict.fromkeys(chosen))


def parse_site_codes(text: str) -> tuple[str, ...]:
    """Site codes separated by spaces or commas; empty means every site."""
    return tuple(dict.fromkeys(c for c in text.replace(",", " ").split() if c))


def routed(
    *, events: str, all_sites: bool, site_codes: str, event: str, sites: set[str]
) -> set[str] | None:
    """Which of `sites` this channel wants for `event`: None when it wants none of them."""
    if event not in parse_events(events):
        return None
    if all_sites:
        return set(sites)
    wanted = set(parse_site_codes(site_codes)) & sites
    return wanted or None


def is_permanent(status: int | None) -> bool:
    """A 4xx answer says this message will never be accepted (bad token, unknown group, too
    long); 408 and 429 only say "not now". 5xx and no answer at all are worth retrying."""
    return status is not None and 400 <= status < 500 and status not in (408, 425, 429)
