"""Sending one message to one channel through Apprise, and reading what the service answered.

Apprise's `notify()` only says True or False; the service's answer (HTTP status and body) is in
its log records. Those are caught per thread by a filter on the "apprise" logger, which lets
none through to ictmon's log: at DEBUG Apprise logs request URLs and payloads, and a Telegram
URL holds the bot token. What ictmon keeps (the outbox row, its own log, the Test button's answer) passes
through `redact` first.
"""

from __future__ import annotations

import ast
import logging
import re
import threading
from dataclasses import dataclass

import apprise

from monitor.channels.kinds import KIND_BY_PLUGIN, KINDS, ChannelError, is_permanent
from monitor.db.models import OutboxMessage
from monitor.mail.outbox import SendOutcome

log = logging.getLogger(__name__)

_STATUS = re.compile(r"error=(\d{3})")
_DETAILS = "Response Details:"
REDACTED = "•••"


class _PerThread(logging.Filter):
    """Takes every Apprise record off the logging system, keeping the sending thread's ones.

    A filter on the logger rather than a handler: a filter drops the record before any handler
    (or a parent's, however logging is set up) can write it out.
    """

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[int, list[logging.LogRecord]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        bucket = self.records.get(threading.get_ident())
        if bucket is not None and len(bucket) < 200:
            bucket.append(record)
        return False


class _QuietWhileSending(logging.Filter):
    """urllib3 logs each request's path at DEBUG, and a Telegram path holds the bot token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return threading.get_ident() not in _handler.records


_handler = _PerThread()
_quiet = _QuietWhileSending()
_install_lock = threading.Lock()


def _install() -> None:
    with _install_lock:
        apprise_log = logging.getLogger("apprise")
        if _handler not in apprise_log.filters:
            apprise_log.addFilter(_handler)
            apprise_log.setLevel(logging.DEBUG)  # the answer's body is logged at DEBUG
        urllib3_log = logging.getLogger("urllib3.connectionpool")
        if _quiet not in urllib3_log.filters:
            urllib3_log.addFilter(_quiet)


# Before anything parses a URL: Apprise logs the URLs it loads.
_install()


def secret_parts(url: str) -> list[str]:
    """The pieces of a channel URL that may be a token, longest first (hosts are not secret)."""
    rest = url.partition("://")[2]
    parts = re.split(r"[/:?&=@#]+", rest)
    secret = {p for p in parts if len(p) >= 6 and "." not in p}
    secret |= {p for p in re.split(r"[/?&=@#]+", rest) if len(p) >= 6 and ":" in p}
    return sorted(secret, key=len, reverse=True)


def redact(text: str, url: str) -> str:
    for part in secret_parts(url):
        text = text.replace(part, REDACTED)
    return text


@dataclass(frozen=True)
class Plugin:
    kind: str
    targets: int
    instance: object


def recognise(url: str) -> Plugin:
    """The channel kind of an Apprise URL, or a ChannelError saying why it cannot be used."""
    url = (url or "").strip()
    if not url:
        raise ChannelError("the channel URL is empty")
    instance = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if instance is None:
        raise ChannelError("Apprise cannot read this URL (see the examples for each kind)")
    kind = KIND_BY_PLUGIN.get(type(instance).__name__)
    if kind is None:
        raise ChannelError(
            "this kind of URL is not offered: use " + ", ".join(k.label for k in KINDS.values())
        )
    targets = len(instance)
    if targets != 1:
        raise ChannelError("one target per channel: add a channel for each group or chat")
    return Plugin(kind, targets, instance)


def _readable(details: str) -> str:
    """Apprise logs the answer's body as a bytes repr: show the text the service sent."""
    try:
        value = ast.literal_eval(details)
    except (ValueError, SyntaxError):
        value = details
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())


def _describe(records: list[logging.LogRecord], ok: bool) -> tuple[str, int | None]:
    status: int | None = None
    said: list[str] = []
    details = ""
    for r in records:
        message = r.getMessage()
        if message.startswith(_DETAILS):
            details = _readable(message[len(_DETAILS) :].strip())
            continue
        found = _STATUS.search(message)
        if found:
            status = int(found.group(1))
        worth_saying = (r.levelno >= logging.INFO and not message.startswith("Applying")) or (
            message.startswith("Socket Exception")  # why a connection failed, at DEBUG
        )
        if worth_saying:
            said.append(" ".join(message.split()))
    text = said[-1] if said else ("sent" if ok else "not sent (no answer recorded)")
    if details and not ok:
        text = f"{text} {details}"
    return text, status


def notify(url: str, body: str, *, timeout: float = 10.0) -> SendOutcome:
    """Send `body` to the channel now: ok, the service's answer (redacted), permanent or not."""
    _install()
    try:
        plugin = recognise(url)
    except ChannelError as exc:
        return SendOutcome(False, str(exc), permanent=True)
    instance = plugin.instance
    instance.socket_connect_timeout = timeout  # type: ignore[attr-defined]
    instance.socket_read_timeout = timeout  # type: ignore[attr-defined]
    me = threading.get_ident()
    _handler.records[me] = []
    try:
        ok = bool(instance.notify(body=body, title=""))  # type: ignore[attr-defined]
    except Exception as exc:  # a plugin bug is one failed attempt, not a dead sender
        ok = False
        _handler.records[me].append(
            logging.LogRecord("apprise", logging.ERROR, "", 0, f"{type(exc).__name__}", (), None)
        )
    finally:
        records = _handler.records.pop(me, [])
    text, status = _describe(records, ok)
    reply = redact(text, url)[:1000]
    if ok:
        return SendOutcome(True, reply)
    return SendOutcome(False, reply, permanent=is_permanent(status))


class ChannelTransport:
    """The outbox transport for one channel: every row it is handed goes to that channel's URL."""

    def __init__(self, url: str, *, timeout: float = 10.0):
        self.url = url
        self.timeout = timeout

    def send(self, message: OutboxMessage) -> SendOutcome:
        return notify(self.url, message.text, timeout=self.timeout)
