"""SMTP delivery: one small transport class, and the mail built from an outbox row.

The transport talks the SMTP dialogue step by step (instead of smtplib's sendmail) so it can keep
every reply: the outbox records the server's last answer, and `ictmon test-email` prints the whole
dialogue. A failure is an outcome, never an exception: 5xx answers are permanent (retrying the
same mail cannot help), everything else (refused connection, timeout, 4xx) is retried.
"""

from __future__ import annotations

import email.policy
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from monitor.db.models import OutboxMessage
from monitor.localtime import as_utc
from monitor.mail.outbox import SendOutcome
from monitor.settings import SmtpSettings


def message_id(message: OutboxMessage, life: str, from_address: str) -> str:
    """The same Message-ID every time a row is sent, so a resend after a crash is one message;
    never the same for two rows. Row ids repeat across installations and after a restore: the
    database's life (monitor.db.installation) and the row's creation time tell those apart."""
    domain = from_address.rpartition("@")[2] or "ictmon.invalid"
    # Short enough that the header is not folded (some clients mishandle a folded Message-ID).
    created = as_utc(message.created_at).strftime("%Y%m%d%H%M%S")
    return f"<ictmon.{message.id}.{created}.{life}@{domain}>"


def build_email(message: OutboxMessage, from_address: str, life: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = from_address
    mail["To"] = message.recipients
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = message_id(message, life, from_address)
    mail["X-Ictmon-Kind"] = message.kind
    # base64 keeps Thai text 7-bit clean: no server needs 8BITMIME or SMTPUTF8 for it.
    mail.set_content(message.text, cte=_cte(message.text))
    if message.html:
        mail.add_alternative(message.html, subtype="html", cte=_cte(message.html))
    for attachment in message.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        mail.add_attachment(
            attachment.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return mail


def _cte(text: str) -> str:
    return "7bit" if text.isascii() else "base64"


def wire_bytes(mail: EmailMessage) -> bytes:
    """The mail as SMTP carries it: CRLF line ends (smtplib sends bytes as they are)."""
    return mail.as_bytes(policy=email.policy.SMTP)


@dataclass
class Dialogue:
    """What was said: one line per step, the server's code and text as it answered."""

    lines: list[str] = field(default_factory=list)

    def step(self, what: str, code: int, reply: bytes | str) -> None:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        self.lines.append(f"{what}: {code} {' '.join(text.split())}".strip())

    def note(self, what: str) -> None:
        self.lines.append(what)

    @property
    def last(self) -> str:
        return self.lines[-1] if self.lines else ""


class SmtpTransport:
    """Sends one mail per connection: an alert every few minutes does not need a pooled session."""

    def __init__(self, settings: SmtpSettings, life: str = ""):
        self.settings = settings
        self.life = life  # this database's life id: outbox mails need it, a test mail does not

    def send(self, message: OutboxMessage) -> SendOutcome:
        if not self.life:
            raise ValueError(
                "an outbox mail needs the database's life id (monitor.db.installation)"
            )
        mail = build_email(message, self.settings.from_address, self.life)
        recipients = [a.strip() for a in message.recipients.split(",") if a.strip()]
        dialogue = Dialogue()
        return self.deliver(mail, recipients, dialogue)

    def deliver(self, mail: EmailMessage, recipients: list[str], dialogue: Dialogue) -> SendOutcome:
        s = self.settings
        if not s.host:
            dialogue.note("[smtp] host is not set")
            return SendOutcome(False, "[smtp] host is not set")
        try:
            client = self._connect(dialogue)
        except (OSError, smtplib.SMTPException) as exc:
            dialogue.note(f"connect {s.host}:{s.port}: {_describe(exc)}")
            return SendOutcome(False, dialogue.last, permanent=_is_permanent(exc))
        try:
            code, reply = client.ehlo()
            dialogue.step("EHLO", code, reply.splitlines()[0] if reply else b"")
            if s.security == "starttls":
                code, reply = client.starttls(context=ssl.create_default_context())
                dialogue.step("STARTTLS", code, reply)
                client.ehlo()
            if s.username:
                code, reply = client.login(s.username, s.password)
                dialogue.step("AUTH", code, reply)
            code, reply = client.mail(
                s.from_address, ["SMTPUTF8"] if _needs_utf8(mail, client) else []
            )
            dialogue.step(f"MAIL FROM:<{s.from_address}>", code, reply)
            if code != 250:
                return SendOutcome(False, dialogue.last, permanent=code >= 500)
            accepted = 0
            for rcpt in recipients:
                code, reply = client.rcpt(rcpt)
                dialogue.step(f"RCPT TO:<{rcpt}>", code, reply)
                accepted += code in (250, 251)
                if code not in (250, 251) and code < 500:
                    client.rset()
                    return SendOutcome(False, dialogue.last)
            if not accepted:
                client.rset()
                return SendOutcome(False, dialogue.last, permanent=True)
            code, reply = client.data(wire_bytes(mail))
            dialogue.step("DATA", code, reply)
            if code != 250:
                return SendOutcome(False, dialogue.last, permanent=code >= 500)
            return SendOutcome(True, dialogue.last)
        except smtplib.SMTPResponseException as exc:
            dialogue.step("error", exc.smtp_code, exc.smtp_error)
            return SendOutcome(False, dialogue.last, permanent=exc.smtp_code >= 500)
        except (OSError, smtplib.SMTPException) as exc:
            dialogue.note(f"connection lost: {_describe(exc)}")
            return SendOutcome(False, dialogue.last)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()

    def _connect(self, dialogue: Dialogue) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(timeout=s.timeout)
        code, reply = client.connect(s.host, s.port)
        dialogue.step(f"connect {s.host}:{s.port}", code, reply)
        if code != 220:
            client.close()
            raise smtplib.SMTPConnectError(code, reply)
        return client


def _needs_utf8(mail: EmailMessage, client: smtplib.SMTP) -> bool:
    # Headers are RFC 2047-encoded by the email package; only non-ASCII addresses need SMTPUTF8.
    return not str(mail["From"]).isascii() and client.has_extn("smtputf8")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {exc.smtp_error.decode('utf-8', 'replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}"
    if isinstance(exc, socket.timeout):
        return "timed out"
    return str(exc) or type(exc).__name__


def _is_permanent(exc: BaseException) -> bool:
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def send_test(
    settings: SmtpSettings, address: str, *, subject: str, text: str
) -> tuple[bool, list[str]]:
    """Send one test mail now (not through the outbox): (accepted?, the dialogue, line by line)."""
    mail = EmailMessage()
    mail["From"] = settings.from_address
    mail["To"] = address
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = make_msgid(domain=settings.from_address.rpartition("@")[2] or None)
    mail.set_content(text, cte=_cte(text))
    dialogue = Dialogue()
    outcome = SmtpTransport(settings).deliver(mail, [address], dialogue)
    return outcome.ok, dialogue.lines
