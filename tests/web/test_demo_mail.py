"""The demo mailbox: mail that reached the demo's catcher over real SMTP, read in the browser;
no such page outside the demo."""

from __future__ import annotations

import smtplib
import socket
from dataclasses import replace
from email.message import EmailMessage

import pytest

from monitor.demo.mailbox import mail_catcher
from monitor.settings import DemoSettings
from tests.web.conftest import make_app, sign_in


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mail_dir(tmp_path):
    folder, port = tmp_path / "mail", free_port()
    with mail_catcher(folder, port):
        message = EmailMessage()
        message["From"], message["To"] = "ictmon@demo.invalid", "oncall@demo.invalid"
        message["Subject"] = "ขัดข้อง: โรงเรียนเมืองใหม่พิทยาคม — router"
        message["Date"] = "Mon, 07 Dec 2026 09:15:00 +0700"
        message.set_content("เราเตอร์ไม่ตอบตั้งแต่ 09:14 น.")
        message.add_attachment(b"%PDF-1.4 demo", maintype="application", subtype="pdf",
                               filename="ictmon-report-2026-11.pdf")  # fmt: skip
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.send_message(message)
    return folder


@pytest.fixture
def demo_client(settings, db, app, mail_dir):
    demo_app = make_app(replace(settings, demo=DemoSettings(mail_dir=str(mail_dir))), db)
    client = demo_app.test_client()
    assert sign_in(client).status_code == 302
    return client


def test_the_caught_mail_is_listed_and_readable(demo_client):
    page = demo_client.get("/demo/mail").get_data(as_text=True)
    assert "ขัดข้อง: โรงเรียนเมืองใหม่พิทยาคม — router" in page
    assert "oncall@demo.invalid" in page
    one = demo_client.get("/demo/mail/000001.eml").get_data(as_text=True)
    assert "เราเตอร์ไม่ตอบตั้งแต่ 09:14 น." in one and "ictmon-report-2026-11.pdf" in one
    file = demo_client.get("/demo/mail/000001.eml/0")
    assert file.status_code == 200 and file.data == b"%PDF-1.4 demo"
    assert file.mimetype == "application/pdf"


def test_names_outside_the_mailbox_are_not_found(demo_client):
    assert demo_client.get("/demo/mail/..%2Fictmon.db").status_code == 404
    assert demo_client.get("/demo/mail/000009.eml").status_code == 404
    assert demo_client.get("/demo/mail/000001.eml/5").status_code == 404


def test_outside_the_demo_there_is_no_mailbox(officer):
    assert officer.get("/demo/mail").status_code == 404


def test_the_mailbox_needs_a_sign_in(settings, db, mail_dir):
    demo_app = make_app(replace(settings, demo=DemoSettings(mail_dir=str(mail_dir))), db)
    assert demo_app.test_client().get("/demo/mail").status_code == 302
