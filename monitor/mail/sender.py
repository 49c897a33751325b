"""The scheduler's outbox job: drain due messages over SMTP with the configured retry policy."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from monitor.db import installation
from monitor.localtime import utcnow
from monitor.mail import server
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


def effective_smtp(sessions: sessionmaker[Session], settings: Settings) -> SmtpSettings:
    """[smtp] as the browser may have changed it, read afresh at every drain (no restart)."""
    with sessions() as session:
        return server.smtp_for_sending(session, settings)


def drain_outbox(sessions: sessionmaker[Session], settings: Settings) -> DrainReport | None:
    smtp = effective_smtp(sessions, settings)
    if not smtp.host:
        return None  # messages wait until a mail server is configured
    with sessions.begin() as session:
        life = installation.life(session, utcnow())  # part of every Message-ID
    transport = SmtpTransport(smtp, life)
    report = deliver_due(sessions, transport, retry_policy(smtp))
    if report.sent or report.failed or report.retrying:
        log.info(
            "outbox: %d sent, %d to retry, %d failed", report.sent, report.retrying, report.failed
        )
    return report
