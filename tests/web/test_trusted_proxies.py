"""Behind nginx the client's address arrives in X-Forwarded-For. `[web] trusted_proxies = 1`
believes the one proxy in front; 0 (the default) believes nobody, so a client that sends the
header itself cannot choose the address the audit log and the sign-in lock-out record."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from monitor.accounts.users import create_user
from monitor.db.models import AuditEvent, LoginFailure
from monitor.settings import ConfigError, WebSettings, load_settings
from tests.web.conftest import PASSWORD, make_app

CLIENT = "127.20.30.40"  # only ever a header value: no traffic goes to it
SPOOFED = "127.0.2.66"


def _client(settings, db, proxies: int):
    with db.begin() as s:
        create_user(s, "officer", PASSWORD, role="operator")
    app = make_app(replace(settings, web=replace(settings.web, trusted_proxies=proxies)), db)
    return app.test_client()


def _sign_in(client, password, forwarded_for):
    return client.post(
        "/login",
        data={"username": "officer", "password": password},
        headers={"X-Forwarded-For": forwarded_for},
    )


def _addresses(db, model, **where):
    with db() as s:
        return [row.address for row in s.scalars(select(model).filter_by(**where))]


def test_with_one_trusted_proxy_the_forwarded_client_is_recorded(settings, db):
    client = _client(settings, db, proxies=1)
    # nginx appends the address it saw to whatever the client sent: the last entry is the truth.
    assert _sign_in(client, "wrong password", f"{SPOOFED}, {CLIENT}").status_code == 401
    assert _addresses(db, LoginFailure) == [CLIENT]  # (a successful sign-in clears these)
    assert _sign_in(client, PASSWORD, CLIENT).status_code == 302
    assert _addresses(db, AuditEvent, action="login") == [CLIENT]


def test_without_trusted_proxies_the_header_is_ignored(settings, db):
    client = _client(settings, db, proxies=0)
    assert _sign_in(client, "wrong password", SPOOFED).status_code == 401
    assert _addresses(db, LoginFailure) == ["127.0.0.1"]
    assert _sign_in(client, PASSWORD, SPOOFED).status_code == 302
    assert _addresses(db, AuditEvent, action="login") == ["127.0.0.1"]


def test_trusted_proxies_is_a_setting_that_refuses_negative_numbers(tmp_path):
    assert WebSettings().trusted_proxies == 0
    config = tmp_path / "ictmon.toml"
    config.write_text("[web]\ntrusted_proxies = 1\n", encoding="utf-8")
    assert load_settings(config, environ={}).web.trusted_proxies == 1
    with pytest.raises(ConfigError, match=r"\[web\] trusted_proxies: must not be negative"):
        load_settings(config, environ={"ICTMON_WEB_TRUSTED_PROXIES": "-1"})
