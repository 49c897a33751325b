"""The sign-in lock-out holds against parallel guesses: 40 wrong passwords sent at once to a real
server (waitress on 127.0.0.1, 16 worker threads) get exactly 5 of them checked — the cap — and the
rest refused unchecked, on SQLite and on PostgreSQL. A password check is counted by what it leaves:
one `login_failed` audit event and one recorded failure each."""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlencode

from sqlalchemy import func, select

from monitor.accounts.users import create_user
from monitor.db.models import AuditEvent, LoginFailure
from tests.web.conftest import PASSWORD, make_app

GUESSES = 40
CAP = 5  # [security] login_max_failures, the default


@contextmanager
def served(app) -> Iterator[int]:
    """`app` under waitress on 127.0.0.1 and an ephemeral port, with threads enough to race."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=16)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        server.close()
        thread.join(timeout=5)


def post_login(port: int, password: str, start: threading.Barrier) -> int:
    body = urlencode({"username": "officer", "password": password})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.connect()
        start.wait(timeout=30)  # every guess connected: sent together
        connection.request(
            "POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        return connection.getresponse().status
    finally:
        connection.close()


def test_parallel_guesses_get_no_more_password_checks_than_the_cap(settings, any_db):
    assert settings.security.login_max_failures == CAP
    with any_db.begin() as s:
        create_user(s, "officer", PASSWORD)
    app = make_app(settings, any_db)

    with served(app) as port, ThreadPoolExecutor(max_workers=GUESSES) as pool:
        start = threading.Barrier(GUESSES)
        answers = Counter(
            pool.map(lambda n: post_login(port, f"wrong guess {n}", start), range(GUESSES))
        )
        right_password_after = post_login(port, PASSWORD, threading.Barrier(1))

    with any_db() as s:
        checked = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login_failed")
        )
        recorded = s.scalar(select(func.count()).select_from(LoginFailure))
    assert checked == CAP, f"{checked} passwords checked against a cap of {CAP}: {answers}"
    assert recorded == CAP
    assert set(answers) <= {401, 429} and answers[429] >= GUESSES - CAP
    assert right_password_after == 429  # locked: not even the right password is checked now
