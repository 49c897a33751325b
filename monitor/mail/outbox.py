"""The mail outbox: messages are rows first, mails second.

`enqueue` writes a message in the caller's transaction, so an alert commits together with the
state change that caused it (and a monthly report with the files it mails). `deliver_due` drains
the outbox through a transport (monitor.mail.smtp) in short transactions of its own:

    claim   pending → sending, attempts + 1, claimed_at = now       (commit)
    send    over SMTP, Message-ID derived from the row id           (no transaction held)
    mark    sending → sent (or back to pending with a backoff, or failed after max_attempts)

Nothing is lost: a row stays until it is marked sent or failed. Nothing is sent twice, except in
one bounded case: if ictmon dies after the server accepted a message and before `mark` commits,
the row is still "sending"; after `stale_after` it is claimed again and sent once more, with the
same Message-ID (so mail clients show one message). At most one duplicate per crash per message;
two senders never send the same row at once, because a claim is a conditional UPDATE only one
of them wins.

Mails to the same recipients arrive in the order they were written: a message waits while an
older one to the same addresses is still pending or being sent, so a recovery never overtakes the
outage mail that is backing off after the server was away. The same holds per alert channel
(monitor.channels): a row with a `channel_id` is one message for that channel's one target, and
`deliver_due` drains one channel (or the mail) at a time, so a channel that is down holds back
only its own messages.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, aliased, selectinload, sessionmaker

from monitor.db.engine import rowcount, transaction
from monitor.db.models import OutboxAttachment, OutboxMessage
from monitor.domain import OutboxStatus
from monitor.localtime import utcnow

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED = (
    OutboxStatus.PENDING,
    OutboxStatus.SENDING,
    OutboxStatus.SENT,
    OutboxStatus.FAILED,
)


def enqueue(
    session: Session,
    *,
    recipients: list[str],
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    kind: str = "alert",
    dedupe_key: str | None = None,
    now: datetime | None = None,
    channel_id: int | None = None,
) -> OutboxMessage | None:
    """Queue one mail in the caller's transaction.

    With a dedupe_key that a queued (or sent, or failed) message already has, nothing is written
    and None is returned: the caller's second attempt never becomes a second mail.
    """
    addresses = [a.strip() for a in recipients if a and a.strip()]
    if not addresses:
        raise ValueError("a message needs at least one recipient")
    if dedupe_key is not None:
        exists = session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        if exists is not None:
            return None
    now = now or utcnow()
    message = OutboxMessage(
        kind=kind,
        dedupe_key=dedupe_key,
        recipients=", ".join(addresses),
        subject=subject[:500],
        text=text,
        html=html,
        status=PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
        channel_id=channel_id,
        attachments=[
            OutboxAttachment(filename=name, mime_type=mime, content=content)
            for name, mime, content in attachments
        ],
    )
    session.add(message)
    session.flush()
    return message


@dataclass(frozen=True)
class SendOutcome:
    """What the server said: accepted, or why not, and whether trying again could help."""

    ok: bool
    reply: str
    permanent: bool = False


class Transport(Protocol):
    def send(self, message: OutboxMessage) -> SendOutcome: ...


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 30.0
    maximum: float = 600.0
    max_attempts: int = 30
    # A claim older than this is an interrupted send (a crash): the row is claimed again.
    stale_after: float = 300.0

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.base * 2 ** max(attempts - 1, 0), self.maximum))


@dataclass
class DrainReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _claim(
    sessions: sessionmaker[Session],
    now: datetime,
    policy: RetryPolicy,
    channel_id: int | None = None,
) -> int | None:
    stale = now - timedelta(seconds=policy.stale_after)
    older = aliased(OutboxMessage)
    waits_behind_older = (
        select(older.id)
        .where(
            # A channel row's order is kept per channel (one target each), a mail's per recipients.
            older.channel_id.is_not_distinct_from(OutboxMessage.channel_id),
            OutboxMessage.channel_id.is_not(None) | (older.recipients == OutboxMessage.recipients),
            older.id < OutboxMessage.id,
            older.status.in_((PENDING, SENDING)),
        )
        .exists()
    )
    with transaction(sessions) as session:
        candidate = session.scalar(
            select(OutboxMessage.id)
            .where(
                ((OutboxMessage.status == PENDING) & (OutboxMessage.next_attempt_at <= now))
                | ((OutboxMessage.status == SENDING) & (OutboxMessage.claimed_at < stale))
            )
            .where(~waits_behind_older)
            .where(
                OutboxMessage.channel_id.is_(None)
                if channel_id is None
                else OutboxMessage.channel_id == channel_id
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
        )
        if candidate is None:
            return None
        won = rowcount(
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == candidate,
                    (
                        (OutboxMessage.status == PENDING)
                        | ((OutboxMessage.status == SENDING) & (OutboxMessage.claimed_at < stale))
                    ),
                )
                .values(status=SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
            )
        )
    return candidate if won == 1 else None


def _load(sessions: sessionmaker[Session], message_id: int) -> OutboxMessage:
    with sessions() as session:
        message = session.scalars(
            select(OutboxMessage)
            .options(selectinload(OutboxMessage.attachments))
            .where(OutboxMessage.id == message_id)
        ).one()
        session.expunge(message)
        return message


def _mark(
    sessions: sessionmaker[Session],
    message: OutboxMessage,
    outcome: SendOutcome,
    now: datetime,
    policy: RetryPolicy,
) -> str:
    reply = outcome.reply[:1000]
    values: dict[str, Any]
    if outcome.ok:
        values = {"status": SENT, "sent_at": now, "smtp_reply": reply, "last_error": None}
    elif outcome.permanent or message.attempts >= policy.max_attempts:
        values = {"status": FAILED, "last_error": reply}
    else:
        values = {
            "status": PENDING,
            "last_error": reply,
            "next_attempt_at": now + policy.delay(message.attempts),
        }
    with transaction(sessions) as session:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message.id).values(**values)
        )
    return values["status"]


def deliver_due(
    sessions: sessionmaker[Session],
    transport: Transport,
    policy: RetryPolicy,
    *,
    clock=utcnow,
    limit: int = 100,
    channel_id: int | None = None,
) -> DrainReport:
    """Send every message that is due, one at a time; bounded by `limit` per call.

    `channel_id` None drains the mails; a channel's id drains that channel's messages. After a
    failure that is not permanent the rest waits for the next run: when the server is down every
    message would fail the same way.
    """
    report = DrainReport()
    for _ in range(limit):
        message_id = _claim(sessions, clock(), policy, channel_id)
        if message_id is None:
            break
        message = _load(sessions, message_id)
        try:
            outcome = transport.send(message)
        except Exception as exc:  # a transport bug must not leave the row claimed for long
            log.exception("sending outbox message %s failed", message_id)
            outcome = SendOutcome(False, f"{type(exc).__name__}: {exc}")
        status = _mark(sessions, message, outcome, clock(), policy)
        if status == SENT:
            report.sent += 1
        elif status == FAILED:
            report.failed += 1
            log.warning("outbox message %s failed for good: %s", message_id, outcome.reply)
        else:
            report.retrying += 1
            break  # the server is down or busy: the rest would fail the same way now
    return report


def retry(session: Session, message_id: int, now: datetime) -> bool:
    """Put a failed message back in the queue (the admin page's button)."""
    return (
        rowcount(
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == FAILED)
                .values(status=PENDING, attempts=0, next_attempt_at=now)
            )
        )
        == 1
    )


def unsent(session: Session, limit: int = 500) -> list[OutboxMessage]:
    """Pending, sending and failed messages, oldest first (the admin page and the API)."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status != SENT)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def counts(session: Session) -> dict[str, int]:
    return dict(
        session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )


def prune_sent(session: Session, before: datetime) -> int:
    """Delete the messages sent before `before`, with their attachments (a monthly report's
    files: the report itself stays kept in generated_reports). Pending, sending and failed
    messages stay whatever their age: they are still to be sent, or still to be looked at.
    Returns the number of messages deleted."""
    old = select(OutboxMessage.id).where(
        OutboxMessage.status == SENT, OutboxMessage.sent_at < before
    )
    # Attachments first and explicitly, rather than trusting ON DELETE CASCADE to be enforced.
    session.execute(
        delete(OutboxAttachment).where(OutboxAttachment.message_id.in_(old)),
        execution_options={"synchronize_session": False},
    )
    result = session.execute(
        delete(OutboxMessage).where(OutboxMessage.id.in_(old)),
        execution_options={"synchronize_session": False},
    )
    return rowcount(result)
