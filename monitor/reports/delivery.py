"""The monthly report on schedule: on `[reports] send_day` at `send_time` (Bangkok) the previous
month's PDF and XLSX are generated, kept in `generated_reports`, and mailed to the superiors
(the browser's list, monitor.mail.server, else `[reports] recipients`); alert channels routed for
the "report" event (all sites) get a short notice with the headline figures and the link.

Once, and only once, per month:
- a job runs every few minutes and asks "is a report due and not yet kept?" — so a missed moment
  (ictmon stopped on the 1st) is caught up at the next start, and a second run finds it kept;
- keeping the files and queueing the mail and the channel notices happen in ONE transaction, with
  the outbox's dedupe_keys "monthly-report:<YYYY-MM>" (and "...@ch<id>") as a second guard: after a crash either both exist or
  neither, and a restart can never mail the month twice;
- a concurrent second process loses on the period's unique key and does nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor.availability.history import observed_between
from monitor.availability.periods import Period, previous_month
from monitor.channels import store as channels
from monitor.channels import texts as chat
from monitor.channels.kinds import DISTRICT
from monitor.db.engine import transaction
from monitor.db.models import GeneratedReport
from monitor.localtime import BANGKOK, format_datetime, utcnow
from monitor.mail import server as mail_server
from monitor.mail.outbox import enqueue
from monitor.reports import stored
from monitor.reports.produce import file_name, render, report_for
from monitor.reports.words import hms, pct, period_subject, word
from monitor.settings import Settings, parse_send_time

log = logging.getLogger(__name__)

CHECK_MINUTES = 10
SCHEDULE = "schedule"


@dataclass(frozen=True)
class Delivered:
    period: Period
    report_id: int
    recipients: list[str]
    queued: bool
    channels: int = 0  # channel notices queued


def run_due(sessions: sessionmaker[Session], settings: Settings) -> Delivered | None:
    """The scheduler's entry point."""
    return deliver_due_report(sessions, settings, utcnow())


def due_period(now: datetime, settings: Settings) -> Period | None:
    """The previous month, once this month's send moment (Bangkok time) has passed."""
    local = now.astimezone(BANGKOK)
    send_time = parse_send_time(settings.reports.send_time)
    send_at = datetime.combine(
        date(local.year, local.month, settings.reports.send_day), send_time, BANGKOK
    )
    return previous_month(now) if local >= send_at else None


def deliver_due_report(
    sessions: sessionmaker[Session], settings: Settings, now: datetime
) -> Delivered | None:
    """Generate, keep and mail the due report; None when nothing is due or it is already kept."""
    period = due_period(now, settings)
    if period is None:
        return None
    with sessions() as session:
        if stored.exists(session, period.key):
            return None
        # A month before monitoring began measured nothing: no report to keep or mail (a
        # superior would get 720 hours "unknown"). Checked again at each run, so a history
        # imported later still gets its report.
        if not observed_between(session, period.start, period.end):
            log.debug("no monitoring in %s: no monthly report kept or mailed", period.key)
            return None
    # Building and rendering take seconds: outside any write transaction.
    report = report_for(sessions, settings, period, now)
    lang = "th"
    pdf, xlsx = render(report, "pdf", lang), render(report, "xlsx", lang)
    link = f"{settings.web.base_url.rstrip('/')}/reports" if settings.web.base_url else ""
    try:
        with transaction(sessions) as session:
            if stored.exists(session, period.key):
                return None
            # Read in the transaction: what the browser set a moment ago counts.
            recipients = mail_server.report_recipients(session, settings)
            row = GeneratedReport(
                period_key=period.key,
                period_label=period.label(lang),
                created_at=now,
                created_by=SCHEDULE,
                pdf=pdf,
                xlsx=xlsx,
                mailed_to=", ".join(recipients),
            )
            session.add(row)
            session.flush()
            # No recipients configured: kept for download, not mailed. A dedupe hit (the
            # month's mail already queued, e.g. its report row was deleted) queues nothing.
            queued = bool(recipients) and _queue_mail(
                session, report, period, recipients, pdf, xlsx, lang
            )
            if not queued:
                row.mailed_to = ""
            noticed = channels.queue(
                session,
                event="report",
                sites={DISTRICT},
                text_for=_notice(report, period, link),
                dedupe_key=f"monthly-report:{period.key}",
                now=now,
                kind="report",
            )
            report_id = row.id
    except IntegrityError:
        log.info("monthly report %s was kept by another process", period.key)
        return None
    log.info(
        "monthly report %s kept (id %s), mail %s, %d channel notices",
        period.key,
        report_id,
        "queued" if queued else "not queued",
        noticed,
    )
    return Delivered(period, report_id, recipients, queued, noticed)


def _notice(report, period: Period, link: str) -> channels.TextFor:
    def text(channel: channels.ChannelView, sites: set[str]) -> str:
        return chat.report_text(
            period.label(channel.language),
            channel.language,
            availability=pct(report.district.availability_pct),
            target=report.target,
            met=report.sites_met,
            measured=report.sites_measured,
            limit=channel.limit,
            link=link,
        )

    return text


def _queue_mail(
    session: Session,
    report,
    period: Period,
    recipients: list[str],
    pdf: bytes,
    xlsx: bytes,
    lang: str,
) -> bool:
    subject = period_subject(report, lang)
    d = report.district
    lines = [
        f"{word('to', lang)} {report.approver_position}",
        "",
        f"{subject} ({report.office_name})",
        "",
        f"- {word('district_availability', lang)}: {pct(d.availability_pct)}% "
        f"({word('target', lang)} {report.target:g}%)",
        f"- {word('sites_meeting', lang)}: "
        f"{word('sites_meeting_value', lang, met=report.sites_met, measured=report.sites_measured)}",
        f"- {word('total_downtime', lang)}: {hms(d.down)} ({word('outages_value', lang, n=d.outages)})",
        f"- {word('mttr', lang)}: {hms(d.mttr)}",
        "",
        f"{word('generated', lang)}: {format_datetime(report.generated_at, lang)} — ictmon",
    ]
    message = enqueue(
        session,
        recipients=recipients,
        subject=subject,
        text="\n".join(lines),
        attachments=[
            (file_name(period, "pdf"), "application/pdf", pdf),
            (
                file_name(period, "xlsx"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                xlsx,
            ),
        ],
        kind="report",
        dedupe_key=f"monthly-report:{period.key}",
    )
    return message is not None
