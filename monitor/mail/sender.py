"""The scheduler's outbox job: drain due messages over SMTP with the configured retry policy."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from monitor.db import installation
from monitor.localtime import utcnow
from monitor.mail.outbox import DrainReport, RetryPolicy, deliver_due
from monitor.mail.smtp import SmtpTransport
from monitor.settings import Settings, SmtpSettings

log = logging.getLogger(__name__)


def retry_policy(smtp: SmtpSettings) -> RetryPolicy:
    # An interrupted send is retried only after the longest a send could have taken.
    stale_after = max(6 * smtp.timeout, 60.0)
    return RetryPolicy(
        base=smtp.retry_base,
        maximum=smtp.retry_max,
        max_attempts=smtp.max_attempts,
        stale_after=stale_after,
    )


def drain_outbox(sessions: sessionmaker[Session], settings: Settings) -> DrainReport | None:
    if not settings.smtp.host:
        return None  # messages wait until a mail server is configured
    with sessions.begin() as session:
        life = installation.life(session, utcnow())  # part of every Message-ID
    transport = SmtpTransport(settings.smtp, life)
    report = deliver_due(sessions, transport, retry_policy(settings.smtp))
    if report.sent or report.failed or report.retrying:
        log.info(
            "outbox: %d sent, %d to retry, %d failed", report.sent, report.retrying, report.failed
        )
    return report
