"""The monthly report by mail, end to end through the service's own scheduled jobs: the report job
keeps the previous month's report and queues its mail, the outbox job delivers it to a real SMTP
server (aiosmtpd) on loopback, and neither a second run nor a restarted process mails it again.

The report job's clock is set to the configured send moment (monkeypatched `utcnow` of
monitor.reports.delivery): waiting for the 1st of a month is not an option in a test.
"""

from __future__ import annotations

import io
import socket
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from monitor.db import engine as dbmod
from monitor.db.models import GeneratedReport, OutboxMessage
from monitor.localtime import BANGKOK
from monitor.reports import delivery
from monitor.runtime.scheduler import build_scheduler
from monitor.settings import ReportSettings, SmtpSettings
from tests.reports.district import seed_october
from tests.support.smtp import SmtpServer, body

SUPERIORS = "director@district.example, deputy@district.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bangkok(day, hour, minute=0, month=11):
    return datetime(2026, month, day, hour, minute, tzinfo=BANGKOK).astimezone(UTC)


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def mailing(settings):
    return replace(
        settings,
        reports=ReportSettings(recipients=SUPERIORS, send_day=1, send_time="07:30"),
        smtp=SmtpSettings(
            host="127.0.0.1", port=free_port(), timeout=5, from_address="ictmon@district.example"
        ),
    )


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(bangkok(1, 7, 30))
    monkeypatch.setattr(delivery, "utcnow", clock)
    return clock


def run_jobs(settings, sessions) -> None:
    """What the running service does: the report check, then an outbox drain."""
    scheduler = build_scheduler(settings, sessions)
    scheduler.get_job("monthly-report").func()
    scheduler.get_job("outbox-sender").func()


def test_the_monthly_report_is_mailed_once_with_pdf_and_xlsx(mailing, db, clock, tmp_path):
    seed_october(db)
    with SmtpServer(mailing.smtp.port, tmp_path / "mail") as smtp:
        clock.now = bangkok(1, 7, 29)  # a minute before the send moment: nothing yet
        run_jobs(mailing, db)
        assert smtp.messages() == []

        clock.now = bangkok(1, 7, 30)
        run_jobs(mailing, db)
        mails = smtp.messages()
        assert len(mails) == 1

        # The next checks that day and the next day find the month kept and mailed.
        clock.now = bangkok(1, 7, 40)
        run_jobs(mailing, db)
        clock.now = bangkok(2, 9, 0)
        run_jobs(mailing, db)
        assert len(smtp.messages()) == 1

        # A restart: a new engine, sessions and scheduler on the same database file.
        engine = dbmod.make_engine(mailing.database.url)
        try:
            restarted = dbmod.session_factory(engine)
            run_jobs(mailing, restarted)
            clock.now = bangkok(15, 12, 0)
            run_jobs(mailing, restarted)
        finally:
            engine.dispose()
        assert len(smtp.messages()) == 1

    mail = mails[0]
    assert mail["To"] == SUPERIORS
    assert "ตุลาคม 2569" in mail["Subject"]
    assert "ตุลาคม 2569" in body(mail)
    attachments = {a.get_filename(): a for a in mail.iter_attachments()}
    assert sorted(attachments) == ["ictmon-report-2026-10.pdf", "ictmon-report-2026-10.xlsx"]
    pdf = attachments["ictmon-report-2026-10.pdf"]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")
    workbook = load_workbook(io.BytesIO(attachments["ictmon-report-2026-10.xlsx"].get_content()))
    assert "รายสถานศึกษา" in workbook.sheetnames

    with db() as s:
        kept = s.scalars(select(GeneratedReport)).all()
        messages = s.scalars(select(OutboxMessage)).all()
        # What was mailed is exactly what is kept for download.
        assert pdf.get_content() == kept[0].pdf
    assert [(r.period_key, r.mailed_to) for r in kept] == [("2026-10", SUPERIORS)]
    assert [(m.dedupe_key, m.status) for m in messages] == [("monthly-report:2026-10", "sent")]


def test_a_restart_before_the_mail_went_out_sends_it_once(mailing, db, clock, tmp_path):
    """ictmon stops after the report was kept and its mail queued, before the outbox drained: the
    restarted process delivers the queued mail once and does not make the report again."""
    seed_october(db)
    build_scheduler(mailing, db).get_job("monthly-report").func()
    with db() as s:
        assert [m.status for m in s.scalars(select(OutboxMessage))] == ["pending"]

    engine = dbmod.make_engine(mailing.database.url)
    try:
        restarted = dbmod.session_factory(engine)
        with SmtpServer(mailing.smtp.port, tmp_path / "mail") as smtp:
            clock.now = bangkok(1, 8, 0)
            run_jobs(mailing, restarted)
            run_jobs(mailing, restarted)
            mails = smtp.messages()
    finally:
        engine.dispose()
    assert len(mails) == 1
    assert sorted(a.get_filename() for a in mails[0].iter_attachments()) == [
        "ictmon-report-2026-10.pdf",
        "ictmon-report-2026-10.xlsx",
    ]
    with db() as s:
        assert s.query(GeneratedReport).count() == 1
