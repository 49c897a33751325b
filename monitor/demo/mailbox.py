"""The demo's local mail catcher and the reading of what it caught.

`ictmon demo` points [smtp] at an aiosmtpd server on 127.0.0.1 (a real SMTP conversation, so the
outbox, retries and the report mail run exactly as in an office) that writes every message it
accepts to a folder, one RFC 5322 file each. The web front lists and shows them at /demo/mail,
only when [demo] mail_dir is set, which only the demo does. Nothing leaves the machine.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from aiosmtpd.controller import Controller

NAME = re.compile(r"^\d{6}\.eml$")
MAX_MESSAGES = 500  # the catcher refuses more: a demo does not need a mail archive


class _Saver:
    """aiosmtpd handler: each accepted message becomes <n>.eml in the folder, numbered in order."""

    def __init__(self, folder: Path):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope) -> str:
        existing = sorted(self.folder.glob("*.eml"))
        if len(existing) >= MAX_MESSAGES:
            return "452 mailbox full (demo mail catcher)"
        number = int(existing[-1].stem) + 1 if existing else 1
        path = self.folder / f"{number:06d}.eml"
        content = envelope.content
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return "250 OK"


@contextmanager
def mail_catcher(folder: Path, port: int) -> Iterator[Controller]:
    """An SMTP server on 127.0.0.1:`port` for as long as the block runs."""
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(_Saver(folder), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class CaughtMail:
    name: str  # the file name, e.g. 000003.eml
    sent_at: datetime | None
    sender: str
    recipients: str
    subject: str
    text: str
    attachments: tuple[Attachment, ...]


def _parse(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _size(payload: object) -> int:
    return len(payload) if isinstance(payload, bytes) else 0


def _summary(path: Path) -> CaughtMail:
    message = _parse(path)
    body = message.get_body(preferencelist=("plain", "html"))
    attachments = tuple(
        Attachment(
            part.get_filename() or "",
            part.get_content_type(),
            _size(part.get_payload(decode=True)),
        )
        for part in message.iter_attachments()
    )
    try:
        sent = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        sent = None
    return CaughtMail(
        path.name,
        sent,
        str(message["From"] or ""),
        str(message["To"] or ""),
        str(message["Subject"] or ""),
        body.get_content() if body is not None else "",
        attachments,
    )


def list_mail(folder: Path) -> list[CaughtMail]:
    """Newest first."""
    if not folder.is_dir():
        return []
    return [_summary(p) for p in sorted(folder.glob("*.eml"), reverse=True) if NAME.match(p.name)]


def read_mail(folder: Path, name: str) -> CaughtMail | None:
    path = folder / name
    if not NAME.match(name) or not path.is_file():
        return None
    return _summary(path)


def attachment(folder: Path, name: str, index: int) -> tuple[Attachment, bytes] | None:
    path = folder / name
    if not NAME.match(name) or not path.is_file():
        return None
    parts = list(_parse(path).iter_attachments())
    if not 0 <= index < len(parts):
        return None
    part = parts[index]
    payload = part.get_payload(decode=True)
    content = payload if isinstance(payload, bytes) else b""
    return Attachment(part.get_filename() or "", part.get_content_type(), len(content)), content
