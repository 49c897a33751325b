"""The outbox and the SMTP transport against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from monitor.db import engine as dbmod
from monitor.db import installation
from monitor.db.backup import backup_database, restore_database
from monitor.db.models import OutboxAttachment, OutboxMessage
from monitor.localtime import utcnow
from monitor.mail import outbox
from monitor.mail.outbox import RetryPolicy, deliver_due, enqueue
from monitor.mail.smtp import SmtpTransport
from monitor.runtime.scheduler import housekeeping
from monitor.settings import RetentionSettings, SmtpSettings, load_settings
from tests.conftest import NOW
from tests.support.smtp import SmtpServer, body

POLICY = RetryPolicy(base=30, maximum=600, max_attempts=3, stale_after=120)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def port():
    return free_port()


def smtp_settings(port) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1", port=port, timeout=5, from_address="ictmon@district.example"
    )


def life_of(db) -> str:
    with db.begin() as s:
        return installation.life(s, NOW)


@pytest.fixture
def transport(port, db):
    return SmtpTransport(smtp_settings(port), life_of(db))


def expected_id(db, row_id: int) -> str:
    """A row made at NOW (the tests' clock): the life, the row id and its creation time."""
    return f"<ictmon.{row_id}.20261124030000.{life_of(db)}@district.example>"


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


def queue(db, **kw):
    values = dict(
        recipients=["officer@district.example"],
        subject="[ictmon] ขัดข้อง: โรงเรียน",
        text="เราเตอร์ไม่ตอบสนอง",
        now=NOW,
    )
    values.update(kw)
    with db.begin() as s:
        message = enqueue(s, **values)
        return message.id if message else None


def rows(db):
    with db() as s:
        return {
            m.id: (m.status, m.attempts, m.last_error) for m in s.scalars(select(OutboxMessage))
        }


def test_a_queued_message_arrives_once_with_its_attachments(db, port, transport, tmp_path):
    queue(db, html="<p>เราเตอร์</p>", attachments=[("report.pdf", "application/pdf", b"%PDF-1.4")])
    with SmtpServer(port, tmp_path / "mail") as smtp:
        assert deliver_due(db, transport, POLICY, clock=Clock()).sent == 1
        assert deliver_due(db, transport, POLICY, clock=Clock()).sent == 0
        mails = smtp.messages()
    assert len(mails) == 1
    mail = mails[0]
    assert mail["Subject"] == "[ictmon] ขัดข้อง: โรงเรียน"
    assert mail["To"] == "officer@district.example"
    assert mail["Message-ID"] == expected_id(db, 1)
    assert body(mail).strip() == "เราเตอร์ไม่ตอบสนอง"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "report.pdf"
    assert attachment.get_content() == b"%PDF-1.4"
    assert rows(db)[1][0] == "sent"


def test_the_same_dedupe_key_never_queues_a_second_mail(db):
    assert queue(db, dedupe_key="monthly-report:2026-10") is not None
    assert queue(db, dedupe_key="monthly-report:2026-10") is None
    assert len(rows(db)) == 1


def test_server_down_means_retry_with_backoff_then_delivery_when_it_is_back(
    db, port, transport, tmp_path
):
    clock = Clock()
    queue(db)
    report = deliver_due(db, transport, POLICY, clock=clock)
    assert (report.sent, report.retrying) == (0, 1)
    status, attempts, error = rows(db)[1]
    assert (status, attempts) == ("pending", 1)
    assert "refused" in error.lower()

    with SmtpServer(port, tmp_path / "mail") as smtp:
        clock.now = NOW + timedelta(seconds=29)  # before the backoff is over: nothing is tried
        assert deliver_due(db, transport, POLICY, clock=clock).sent == 0
        clock.now = NOW + timedelta(seconds=31)
        assert deliver_due(db, transport, POLICY, clock=clock).sent == 1
        assert len(smtp.messages()) == 1


def test_a_recovery_never_overtakes_the_outage_mail_that_is_backing_off(
    db, port, transport, tmp_path
):
    clock = Clock()
    outage = queue(db, subject="[ictmon] ขัดข้อง: โรงเรียน")
    assert (
        deliver_due(db, transport, POLICY, clock=clock).retrying == 1
    )  # server away: backoff 30 s
    recovery = queue(db, subject="[ictmon] กลับมาใช้งานได้: โรงเรียน", now=NOW + timedelta(seconds=10))
    other = queue(db, recipients=["director@district.example"], subject="[ictmon] รายงาน", now=NOW)
    with SmtpServer(port, tmp_path / "mail") as smtp:
        clock.now = NOW + timedelta(
            seconds=15
        )  # the server is back; the outage mail is not due yet
        assert deliver_due(db, transport, POLICY, clock=clock).sent == 1
        assert [m["Subject"] for m in smtp.messages()] == [
            "[ictmon] รายงาน"
        ]  # other people's mail goes
        clock.now = NOW + timedelta(seconds=31)
        assert deliver_due(db, transport, POLICY, clock=clock).sent == 2
        assert [m["Subject"] for m in smtp.messages()] == [
            "[ictmon] รายงาน",
            "[ictmon] ขัดข้อง: โรงเรียน",
            "[ictmon] กลับมาใช้งานได้: โรงเรียน",
        ]
    assert {rows(db)[i][0] for i in (outage, recovery, other)} == {"sent"}


def test_a_permanent_refusal_fails_at_once_and_is_listed_with_the_reason(
    db, port, transport, tmp_path
):
    queue(db)
    with SmtpServer(port, tmp_path / "mail", reject=554):
        assert deliver_due(db, transport, POLICY, clock=Clock()).failed == 1
    with db() as s:
        [failed] = outbox.unsent(s)
        assert failed.status == "failed"
        assert "554 rejected by the test server" in failed.last_error


def test_temporary_refusals_fail_after_the_retry_limit(db, port, transport, tmp_path):
    clock = Clock()
    queue(db)
    with SmtpServer(port, tmp_path / "mail", reject=451):
        for _ in range(POLICY.max_attempts):
            deliver_due(db, transport, POLICY, clock=clock)
            clock.now += timedelta(hours=1)
    status, attempts, error = rows(db)[1]
    assert (status, attempts) == ("failed", 3)
    assert error.startswith("DATA: 451")
    with db.begin() as s:
        assert outbox.retry(s, 1, clock.now)
    assert rows(db)[1][:2] == ("pending", 0)


def test_a_crash_between_send_and_mark_resends_once_with_the_same_message_id(
    db, port, transport, tmp_path
):
    clock = Clock()
    queue(db)
    with SmtpServer(port, tmp_path / "mail") as smtp:
        # What a crash leaves: the row claimed and the mail accepted, the "sent" mark never made.
        claimed = outbox._claim(db, clock(), POLICY)
        assert transport.send(outbox._load(db, claimed)).ok
        assert deliver_due(db, transport, POLICY, clock=clock).sent == 0  # claimed: left alone
        clock.now += timedelta(seconds=POLICY.stale_after + 1)
        assert deliver_due(db, transport, POLICY, clock=clock).sent == 1
        assert deliver_due(db, transport, POLICY, clock=clock).sent == 0
        ids = [m["Message-ID"] for m in smtp.messages()]
    assert ids == [expected_id(db, 1)] * 2


def test_two_installations_never_share_a_message_id(db, port, transport, tmp_path):
    # Another ictmon's database: its first mail is row 1 too, made at the same moment.
    other_engine = dbmod.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    dbmod.upgrade(other_engine)
    other = dbmod.session_factory(other_engine)
    queue(db)
    queue(other)
    with SmtpServer(port, tmp_path / "mail") as smtp:
        assert deliver_due(db, transport, POLICY, clock=Clock()).sent == 1
        other_transport = SmtpTransport(smtp_settings(port), life_of(other))
        assert deliver_due(other, other_transport, POLICY, clock=Clock()).sent == 1
        ids = [m["Message-ID"] for m in smtp.messages()]
    other_engine.dispose()
    assert ids == [expected_id(db, 1), expected_id(other, 1)]
    assert ids[0] != ids[1]


def test_after_a_restore_new_mails_never_reuse_a_sent_message_id(
    settings, engine, db, port, tmp_path
):
    copy = backup_database(settings, tmp_path / "copy.sqlite3").path
    queue(db)  # row 1, made and sent after the copy was taken
    with SmtpServer(port, tmp_path / "mail") as smtp:
        assert deliver_due(db, SmtpTransport(smtp_settings(port), life_of(db)), POLICY).sent == 1
        engine.dispose()
        restore_database(settings, copy, force=True)
        restored_engine = dbmod.make_engine(settings.database.url)
        restored = dbmod.session_factory(restored_engine)
        # The copy gives out row id 1 again, and the tests' clock gives it the same creation time:
        # only the restore's new life keeps the two mails apart.
        assert queue(restored) == 1
        transport = SmtpTransport(smtp_settings(port), life_of(restored))
        assert deliver_due(restored, transport, POLICY).sent == 1
        ids = [m["Message-ID"] for m in smtp.messages()]
    restored_engine.dispose()
    assert len(ids) == 2
    assert ids[0] != ids[1]
    assert all(i.startswith("<ictmon.1.20261124030000.") for i in ids)


def _cli(settings, port, *args):
    env_port = {
        "ICTMON_SMTP_HOST": "127.0.0.1",
        "ICTMON_SMTP_PORT": str(port),
        "ICTMON_SMTP_TIMEOUT": "5",
        "ICTMON_DATABASE_URL": settings.database.url,
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env_port,
    )


def test_test_email_prints_what_the_server_answered(settings, port, tmp_path):
    with SmtpServer(port, tmp_path / "mail") as smtp:
        done = _cli(settings, port, "test-email", "officer@district.example")
        assert done.returncode == 0, done.stderr
        assert "RCPT TO:<officer@district.example>: 250 OK" in done.stdout
        assert "DATA: 250 2.0.0 Ok: queued as" in done.stdout
        assert len(smtp.messages()) == 1


def test_test_email_says_why_when_the_server_is_not_there(settings, port):
    done = _cli(settings, port, "test-email", "officer@district.example")
    assert done.returncode != 0
    assert f"connect 127.0.0.1:{port}: [Errno 111] Connection refused" in done.stdout
    assert done.stderr.startswith("ictmon: the mail was not accepted")


def test_test_email_reports_a_refusal_verbatim(settings, port, tmp_path):
    with SmtpServer(port, tmp_path / "mail", reject=550):
        done = _cli(settings, port, "test-email", "officer@district.example")
    assert done.returncode != 0
    assert "DATA: 550 rejected by the test server" in done.stdout


# --- Housekeeping: sent mails are kept for [retention] sent_mail_days, then pruned -------------


def _message_at(db, subject: str, status: str, age: timedelta, attachment: bool = False) -> int:
    """A message created `age` ago and, if sent, sent then (the rows the sender would leave)."""
    at = utcnow() - age
    files = [("report.pdf", "application/pdf", b"%PDF-1.7 report")] if attachment else []
    with db.begin() as s:
        message = enqueue(
            s,
            recipients=["director@obec.go.th"],
            subject=subject,
            text="รายงาน",
            attachments=files,
            kind="report" if attachment else "alert",
            now=at,
        )
        message.status = status
        message.attempts = 1
        message.sent_at = at if status == "sent" else None
        return message.id


def test_housekeeping_prunes_sent_mails_past_retention_and_keeps_the_rest(any_db, settings):
    db = any_db
    days = timedelta(days=1)
    _message_at(db, "old report", "sent", 120 * days, attachment=True)
    _message_at(db, "old alert", "sent", 91 * days)
    _message_at(db, "recent report", "sent", 30 * days, attachment=True)
    _message_at(db, "recent alert", "sent", 89 * days)
    _message_at(db, "old, never sent", "pending", 200 * days)
    _message_at(db, "old, being sent", "sending", 200 * days)
    _message_at(db, "old, gave up", "failed", 200 * days)
    settings = replace(settings, retention=RetentionSettings(sent_mail_days=90))

    housekeeping(db, settings)

    with db() as s:
        kept = s.scalars(select(OutboxMessage.subject).order_by(OutboxMessage.id)).all()
        attachments = s.scalars(select(OutboxAttachment.filename)).all()
    assert kept == [
        "recent report",
        "recent alert",
        "old, never sent",
        "old, being sent",
        "old, gave up",
    ]
    assert attachments == ["report.pdf"]  # the old report's file went with its mail


def test_sent_mails_are_kept_90_days_unless_configured():
    assert load_settings(None, {}).retention.sent_mail_days == 90
    assert (
        load_settings(None, {"ICTMON_RETENTION_SENT_MAIL_DAYS": "30"}).retention.sent_mail_days
        == 30
    )
