"""A real SMTP server for tests (aiosmtpd) that keeps every mail it accepts as a file.

In-process: `with SmtpServer(port) as smtp: ... smtp.messages()`. In a namespace (where the
service under test runs): `python -m tests.support.smtp HOST PORT DIR` and read DIR with
`read_mails(DIR)`. Stopping and starting it again on the same directory is how tests make the
mail server "go down" and "come back". `reject=CODE` answers every DATA with that code instead.
"""

from __future__ import annotations

import email
import email.policy
import signal
import sys
import threading
import time
import uuid
from pathlib import Path


class _Keeper:
    def __init__(self, directory: Path, reject: int | None = None):
        self.directory = directory
        self.reject = reject
        self.logins: list[tuple[str, str]] = []  # (user, password) of each AUTH accepted

    async def handle_DATA(self, server, session, envelope):
        if self.reject:
            return f"{self.reject} rejected by the test server"
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        path = self.directory / f"{name}.eml"
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(envelope.original_content or envelope.content)
        tmp.rename(path)  # whole files only: a reader never sees half a mail
        return "250 2.0.0 Ok: queued as " + name


def read_mails(directory: Path) -> list[email.message.EmailMessage]:
    """Every accepted mail, oldest first, parsed; `mail.arrived` is when it was accepted."""
    mails = []
    for path in sorted(Path(directory).glob("*.eml")):
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        mail.arrived = int(path.name.split("-")[0]) / 1e9
        mails.append(mail)
    return mails


def body(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def html(mail) -> str:
    part = mail.get_body(preferencelist=("html",))
    return part.get_content() if part is not None else ""


class SmtpServer:
    def __init__(
        self,
        port: int,
        directory: Path,
        *,
        host: str = "127.0.0.1",
        reject: int | None = None,
        login: tuple[str, str] | None = None,
    ):
        self.host, self.port, self.directory = host, port, Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.reject = reject
        # With login=(user, password): AUTH PLAIN/LOGIN offered without TLS and required.
        self.login = login
        self.keeper = _Keeper(self.directory, self.reject)
        self.controller = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if not isinstance(auth_data, LoginPassword) or self.login is None:
            return AuthResult(success=False, handled=False)
        given = (auth_data.login.decode(), auth_data.password.decode())
        if given != self.login:
            return AuthResult(success=False, handled=False)
        self.keeper.logins.append(given)
        return AuthResult(success=True)

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        auth = (
            {"authenticator": self._authenticate, "auth_require_tls": False, "auth_required": True}
            if self.login
            else {}
        )
        self.controller = Controller(
            self.keeper,
            hostname=self.host,
            port=self.port,
            ready_timeout=10,
            **auth,
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def messages(self):
        return read_mails(self.directory)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    host, port, directory = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    server = SmtpServer(port, directory, host=host).start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait(3600)  # bounded: a forgotten server ends by itself within the hour
    server.stop()
