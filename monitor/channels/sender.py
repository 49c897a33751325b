"""The scheduler's channel job: drain each enabled channel's queued messages through Apprise.

Each channel is drained on its own (monitor.mail.outbox.deliver_due with its id), so LINE being
down delays only the LINE messages; the retry policy is the mail's ([smtp] retry_*).
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from monitor.channels import store
from monitor.channels.transport import ChannelTransport
from monitor.mail.outbox import DrainReport, deliver_due
from monitor.mail.sender import retry_policy
from monitor.secrets import SecretsError, Vault
from monitor.settings import Settings

log = logging.getLogger(__name__)

# Seconds Apprise may wait to connect, and then for the answer, per request.
TIMEOUT = 10.0


def drain_channels(sessions: sessionmaker[Session], settings: Settings) -> DrainReport:
    total = DrainReport()
    try:
        vault = Vault.from_settings(settings)
        with sessions() as session:
            targets = store.enabled_urls(session, vault)
    except SecretsError as exc:
        log.error("alert channels not sent: %s", exc)
        return total
    policy = retry_policy(settings.smtp)
    for channel, url in targets:
        report = deliver_due(
            sessions, ChannelTransport(url, timeout=TIMEOUT), policy, channel_id=channel.id
        )
        total.sent += report.sent
        total.retrying += report.retrying
        total.failed += report.failed
        if report.sent or report.failed or report.retrying:
            log.info(
                "channel %s: %d sent, %d to retry, %d failed",
                channel.name,
                report.sent,
                report.retrying,
                report.failed,
            )
    return total
