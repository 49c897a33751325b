"""/admin/notifications: the mail server set from the browser, against a real SMTP server
(aiosmtpd on loopback) that requires a sign-in; the password never comes back anywhere."""

from __future__ import annotations

import json
import logging
import socket
from dataclasses import replace

import pytest
from sqlalchemy import select

from monitor.accounts.users import create_user
from monitor.db.models import AuditEvent, MailSettings
from monitor.mail import outbox
from monitor.mail.sender import drain_outbox
from monitor.settings import SmtpSettings
from tests.support.smtp import SmtpServer, body
from tests.web.conftest import PASSWORD, make_app, sign_in

SMTP_PASSWORD = "smtp-pw-7c1e9d2a4b"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def admin(client, db):
    with db.begin() as s:
        create_user(s, "root", PASSWORD, role="admin")
    sign_in(client, "root")
    return client


@pytest.fixture
def smtp(tmp_path):
    with SmtpServer(free_port(), tmp_path / "mail", login=("ictmon", SMTP_PASSWORD)) as server:
        yield server


def save(client, smtp, **kw):
    data = {
        "host": "127.0.0.1",
        "port": str(smtp.port),
        "security": "none",
        "username": "ictmon",
        "password": SMTP_PASSWORD,
        "from_address": "ictmon@district.example",
        "report_recipients": "director@district.example",
    }
    data.update(kw)
    return client.post("/admin/notifications/mail", data=data)


def every_answer(client) -> str:
    pages = ["/admin/notifications", "/admin/outbox", "/api/v1/outbox", "/admin/audit"]
    answers = [client.get(p) for p in pages]
    assert [a.status_code for a in answers] == [200] * len(pages)
    return "".join(a.get_data(as_text=True) for a in answers)


def test_the_config_file_is_the_default_until_the_browser_sets_a_server(admin):
    page = admin.get("/admin/notifications").get_data(as_text=True)
    assert "ค่าในไฟล์ตั้งค่า" in page or "ไฟล์ตั้งค่า" in page
    assert 'id="mail-reset"' not in page  # nothing set in the browser yet


def test_an_admin_sets_the_server_tests_it_and_the_outbox_uses_it_without_a_restart(
    admin, app, db, smtp, settings, caplog
):
    caplog.set_level(logging.DEBUG)
    assert save(admin, smtp).status_code == 302
    page = admin.get("/admin/notifications").get_data(as_text=True)
    assert f"SMTP 127.0.0.1:{smtp.port} (none) · ictmon@district.example" in page
    assert "ตั้งค่าในเบราว์เซอร์โดย root" in page
    assert 'value="director@district.example"' in page
    assert SMTP_PASSWORD not in page

    tested = admin.post(
        "/admin/notifications/mail/test", data={"address": "officer@district.example"}
    ).get_data(as_text=True)
    assert "AUTH: 235" in tested and "DATA: 250" in tested  # the server's own answers
    [mail] = smtp.messages()
    assert mail["To"] == "officer@district.example"
    assert mail["From"] == "ictmon@district.example"
    assert smtp.keeper.logins == [("ictmon", SMTP_PASSWORD)]

    # The scheduler's job reads the browser's server at each drain: the settings object the
    # process started with still has no host at all.
    assert settings.smtp.host == ""
    with db.begin() as s:
        outbox.enqueue(s, recipients=["head@school.example"], subject="s", text="ขัดข้อง")
    report = drain_outbox(db, settings)
    assert report is not None and report.sent == 1
    assert "ขัดข้อง" in body(smtp.messages()[-1])

    # Saving again with the password left empty keeps the stored one.
    assert save(admin, smtp, password="", port=str(smtp.port)).status_code == 302
    admin.post("/admin/notifications/mail/test", data={"address": "officer@district.example"})
    assert smtp.keeper.logins[-1] == ("ictmon", SMTP_PASSWORD)

    with db() as s:
        row = s.get(MailSettings, 1)
        assert SMTP_PASSWORD.encode() not in row.password_secret  # encrypted at rest
        entries = s.scalars(select(AuditEvent).where(AuditEvent.object_type == "mail_settings"))
        audited = [(e.actor, json.dumps(e.changes, ensure_ascii=False)) for e in entries]
    assert [who for who, _ in audited] == ["root"]  # the second save changed nothing
    assert '"password": [null, "•••"]' in audited[0][1] and '"host"' in audited[0][1]
    answers = every_answer(admin) + tested
    assert SMTP_PASSWORD not in answers
    assert SMTP_PASSWORD not in caplog.text


def test_a_wrong_password_shows_the_servers_refusal(admin, smtp):
    save(admin, smtp, password="not-the-password")
    tested = admin.post(
        "/admin/notifications/mail/test", data={"address": "officer@district.example"}
    ).get_data(as_text=True)
    assert "535" in tested  # aiosmtpd: 535 5.7.8 Authentication credentials invalid
    assert smtp.messages() == []


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("host", "", "host name is empty"),
        ("host", "mail server", "is not a host name"),
        ("port", "70000", "outside 1–65535"),
        ("port", "smtp", "is not a port number"),
        ("security", "tls13", "TLS mode must be one of"),
        ("from_address", "ictmon.district.example", "is not an email address"),
        ("report_recipients", "director", "is not an email address"),
    ],
)
def test_a_refused_form_says_why_and_never_echoes_the_password(
    admin, db, smtp, field, value, reason
):
    response = save(admin, smtp, **{field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert reason in page
    assert SMTP_PASSWORD not in page
    with db() as s:
        assert s.get(MailSettings, 1) is None


def test_back_to_the_config_file(admin, db, smtp):
    save(admin, smtp)
    admin.post("/admin/notifications/mail/reset")
    with db() as s:
        assert s.get(MailSettings, 1) is None
    page = admin.get("/admin/notifications").get_data(as_text=True)
    assert 'id="mail-reset"' not in page


def test_operators_cannot_set_the_mail_server(client, db, smtp):
    with db.begin() as s:
        create_user(s, "op", PASSWORD, role="operator")
    sign_in(client, "op")
    assert save(client, smtp).status_code == 403
    assert (
        client.post("/admin/notifications/mail/test", data={"address": "a@b.c"}).status_code == 403
    )


def test_an_empty_password_keeps_the_files_and_removing_it_removes_it(settings, db, smtp):
    filed = replace(settings, smtp=SmtpSettings(username="ictmon", password=SMTP_PASSWORD))
    client = make_app(filed, db).test_client()
    with db.begin() as s:
        create_user(s, "root", PASSWORD, role="admin")
    sign_in(client, "root")
    page = client.get("/admin/notifications").get_data(as_text=True)
    assert 'id="mail-clear-password"' in page  # the file's password is in force
    save(client, smtp, password="")  # the file's user, no new password: the file's stays
    client.post("/admin/notifications/mail/test", data={"address": "officer@district.example"})
    assert smtp.keeper.logins == [("ictmon", SMTP_PASSWORD)]

    save(client, smtp, password="", clear_password="on")
    tested = client.post(
        "/admin/notifications/mail/test", data={"address": "officer@district.example"}
    ).get_data(as_text=True)
    # The user is still sent, with no password: the file's is not used any more.
    assert "535 5.7.8 Authentication credentials invalid" in tested
    assert smtp.keeper.logins == [("ictmon", SMTP_PASSWORD)]
    assert 'id="mail-clear-password"' not in client.get("/admin/notifications").get_data(
        as_text=True
    )
    assert SMTP_PASSWORD not in tested
