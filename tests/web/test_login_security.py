"""Sign-in security: the lock-out after repeated failures (per username and per address), and
browser sessions that end when idle, when too old, or when their epoch moves on.

Time is driven through the app's ICTMON_CLOCK (and the pure functions' `now`), never slept."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from monitor.accounts.login_limits import Limits, Lock, decide, lock_end
from monitor.db.models import AuditEvent, LoginFailure, User
from tests.conftest import NOW
from tests.web.conftest import PASSWORD, make_app, sign_in
from web.accounts.auth import EPOCH, SEEN, SIGNED_IN, session_problem

WINDOW = timedelta(minutes=15)
LOCKED_TH = "บัญชีนี้ถูกระงับการเข้าสู่ระบบชั่วคราว"
ADDRESS_LOCKED_TH = "เครื่องนี้เข้าสู่ระบบผิดพลาดหลายครั้งเกินไป"


def minutes(*values: float):
    return [NOW - timedelta(minutes=m) for m in values]


# --- the pure decision ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failures, expected_end",
    [
        ([], None),
        (minutes(1, 2, 3, 4), None),  # one short of the cap
        (
            minutes(0, 1, 2, 3, 4),
            NOW - timedelta(minutes=4) + WINDOW,
        ),  # the 5th: locked 11 min more
        (minutes(1, 2, 3, 4, 15), None),  # the oldest left the window
        (minutes(1, 2, 3, 4, 14), NOW + timedelta(minutes=1)),
        (minutes(0, 1, 2, 3, 4, 5, 6), NOW - timedelta(minutes=4) + WINDOW),  # newest five decide
        (minutes(-1, 1, 2, 3), None),  # a future time is not counted
    ],
)
def test_lock_end_from_failure_times(failures, expected_end):
    assert lock_end(failures, NOW, 5, WINDOW) == expected_end


@pytest.mark.parametrize(
    "by_name, by_address, expected",
    [
        (minutes(1, 2), minutes(1, 2), None),
        (
            minutes(1, 2, 3, 4, 5),
            minutes(1, 2, 3, 4, 5),
            Lock(NOW - timedelta(minutes=5) + WINDOW, "username"),
        ),
        (
            minutes(1),
            minutes(*[i / 2 for i in range(20)]),
            Lock(NOW - timedelta(minutes=9.5) + WINDOW, "address"),
        ),
        # Both capped: the lock that lasts longer is the one in force.
        (
            minutes(0, 1, 2, 3, 4),
            minutes(*[i / 4 for i in range(20)]),
            Lock(NOW - timedelta(minutes=4) + WINDOW, "username"),
        ),
        (
            minutes(1, 2, 3, 4, 6),
            minutes(*[i / 4 for i in range(20)]),
            Lock(NOW - timedelta(minutes=4.75) + WINDOW, "address"),
        ),
    ],
)
def test_decide_takes_username_and_address_caps(by_name, by_address, expected):
    assert decide(by_name, by_address, NOW, Limits(5, 20, WINDOW)) == expected


@pytest.mark.parametrize(
    "left, shown",
    [
        (timedelta(minutes=15), 15),
        (timedelta(seconds=61), 2),
        (timedelta(seconds=59), 1),
        (timedelta(0), 1),
    ],
)
def test_minutes_left_rounds_up(left, shown):
    assert Lock(NOW + left, "username").minutes_left(NOW) == shown


IDLE, LONGEST = timedelta(minutes=480), timedelta(hours=168)


def stamps(epoch=0, signed_in_ago=timedelta(hours=1), seen_ago=timedelta(minutes=1)):
    return {
        EPOCH: epoch,
        SIGNED_IN: (NOW - signed_in_ago).timestamp(),
        SEEN: (NOW - seen_ago).timestamp(),
    }


@pytest.mark.parametrize(
    "session_stamps, epoch, expected",
    [
        (stamps(), 0, None),
        (stamps(epoch=1), 2, "ended"),  # logged out everywhere
        ({}, 0, "ended"),  # signed in before the stamps
        (stamps(seen_ago=timedelta(minutes=480)), 0, None),
        (stamps(seen_ago=timedelta(minutes=481)), 0, "expired"),  # idle
        (stamps(signed_in_ago=timedelta(hours=168)), 0, None),
        (stamps(signed_in_ago=timedelta(hours=168, seconds=1)), 0, "expired"),  # absolute
    ],
)
def test_session_problem(session_stamps, epoch, expected):
    assert session_problem(session_stamps, epoch, NOW, idle=IDLE, longest=LONGEST) == expected


# --- through the login page --------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app):
    clock = Clock()
    app.config["ICTMON_CLOCK"] = clock
    return clock


def wrong(client, username="officer", address="127.0.0.1"):
    return client.post(
        "/login",
        data={"username": username, "password": "not the password"},
        environ_base={"REMOTE_ADDR": address},
    )


def test_five_wrong_passwords_lock_the_username_also_for_the_right_one(client, clock):
    for _ in range(4):
        response = wrong(client)
        assert response.status_code == 401
        assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)
    fifth = wrong(client)
    assert fifth.status_code == 429
    assert f"{LOCKED_TH} เนื่องจากใส่รหัสผ่านผิดหลายครั้ง กรุณาลองใหม่ในอีก 15 นาที" in fifth.get_data(
        as_text=True
    )

    clock.advance(minutes=10)
    right = sign_in(client)
    assert right.status_code == 429
    assert "กรุณาลองใหม่ในอีก 5 นาที" in right.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in

    clock.advance(minutes=5)
    assert sign_in(client).status_code == 302
    assert client.get("/").status_code == 200


def test_the_lock_out_message_in_english(client, clock):
    client.get("/login?lang=en")
    for _ in range(5):
        response = wrong(client)
    assert "Too many failed sign-ins for this account" in response.get_data(as_text=True)
    assert "Try again in 15 min." in response.get_data(as_text=True)


def test_attempts_while_locked_do_not_extend_the_lock(client, clock):
    for _ in range(5):
        wrong(client)
    for _ in range(3):
        clock.advance(minutes=4)
        assert wrong(client).status_code == 429
    clock.advance(minutes=3)  # 15 minutes after the fifth failure
    assert sign_in(client).status_code == 302


def test_the_username_is_locked_whatever_its_case_and_spaces(client, clock):
    for name in ("officer", "Officer", " OFFICER", "officer ", "oFFicer"):
        wrong(client, name)
    assert sign_in(client).status_code == 429


def test_a_success_clears_the_usernames_failures(client, clock):
    for _ in range(4):
        wrong(client)
    assert sign_in(client).status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert wrong(client).status_code == 401
    assert sign_in(client).status_code == 302


def test_unknown_usernames_lock_the_same_way(client, clock):
    for _ in range(5):
        response = wrong(client, "ghost")
    assert response.status_code == 429 and LOCKED_TH in response.get_data(as_text=True)
    assert sign_in(client).status_code == 302  # somebody else's name is not touched


def test_one_address_spraying_many_usernames_is_stopped(client, clock):
    for i in range(20):
        assert wrong(client, f"user{i}", address="127.0.0.66").status_code in (401, 429)
    refused = client.post(
        "/login",
        data={"username": "officer", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "127.0.0.66"},
    )
    assert refused.status_code == 429
    assert ADDRESS_LOCKED_TH in refused.get_data(as_text=True)
    # The officer at another desk is not locked out by it.
    other = client.post(
        "/login",
        data={"username": "officer", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "127.0.0.7"},
    )
    assert other.status_code == 302


def test_failures_and_the_lock_out_are_logged_and_audited_without_the_password(
    client, clock, db, caplog
):
    caplog.set_level(logging.INFO)
    for _ in range(5):
        client.post("/login", data={"username": "officer", "password": "hunter2-secret"})
    with db() as s:
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["login_failed"] * 5 + ["lockout"]
    assert {(e.actor, e.address, e.object_label) for e in events} == {
        ("anonymous", "127.0.0.1", "officer")
    }
    assert events[-1].changes["locked_by"] == "username"
    stored = json.dumps([[e.object_label, e.changes] for e in events], ensure_ascii=False)
    assert "hunter2" not in stored
    assert "hunter2" not in caplog.text
    assert "failed sign-in for 'officer' from 127.0.0.1" in caplog.text
    assert "sign-in locked for 'officer'" in caplog.text


def test_old_failure_rows_are_pruned(client, clock, db):
    wrong(client, "someone")
    clock.advance(minutes=16)
    wrong(client, "someone-else")
    with db() as s:
        assert list(s.scalars(select(LoginFailure.username))) == ["someone-else"]


def test_a_sign_in_records_last_login_and_an_audit_row(client, clock, db):
    sign_in(client)
    with db() as s:
        user = s.scalar(select(User).where(User.username == "officer"))
        event = s.scalar(select(AuditEvent))
    assert user.last_login_at == NOW
    assert (event.actor, event.action, event.object_label) == ("officer", "login", "officer")


# --- sessions that end ------------------------------------------------------------------------


def test_an_idle_session_expires(client, clock):
    sign_in(client)
    clock.advance(minutes=479)
    assert client.get("/account").status_code == 200  # in use: the idle time starts again
    clock.advance(minutes=479)
    assert client.get("/account").status_code == 200
    clock.advance(minutes=481)
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "หมดเวลาการใช้งาน กรุณาเข้าสู่ระบบอีกครั้ง" in login_page


def test_the_status_pages_own_refresh_does_not_keep_a_session_alive(client, clock, district):
    sign_in(client)
    clock.advance(hours=5)
    background = {"X-Requested-With": "fetch"}
    assert client.get("/status/overview", headers=background).status_code == 200
    clock.advance(hours=3, minutes=1)
    assert client.get("/status/overview", headers=background).status_code == 401


def test_a_session_ends_after_its_maximum_age_even_in_use(client, clock):
    sign_in(client)
    for _ in range(24):  # 24 × 7 h = 168 h, never idle for 8 h
        clock.advance(hours=7)
        assert client.get("/account").status_code == 200
    clock.advance(seconds=1)
    assert client.get("/account").status_code == 302


def test_shorter_session_limits_from_the_settings(settings, db, clock):
    from dataclasses import replace

    from monitor.accounts.users import create_user

    with db.begin() as s:
        create_user(s, "somchai", PASSWORD, role="viewer")
    short = replace(settings, security=replace(settings.security, session_idle_minutes=5))
    app = make_app(short, db)
    app.config["ICTMON_CLOCK"] = clock
    client = app.test_client()
    sign_in(client, "somchai")
    clock.advance(minutes=6)
    assert client.get("/account").status_code == 302
