"""Signing in: who gets in, who does not, and what stays out of reach without it."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from monitor.accounts.users import authenticate, create_token, create_user, user_for_token
from monitor.db.models import ApiToken, User
from monitor.localtime import utcnow
from tests.web.conftest import PASSWORD, make_app, sign_in


def test_status_page_redirects_to_login_when_signed_out(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/sites/S01", "/devices/1", "/status/overview"])
def test_every_page_needs_login(client, path):
    assert client.get(path).status_code == 302


def test_api_without_auth_is_401_json(client):
    response = client.get("/api/v1/devices")
    assert response.status_code == 401
    assert response.is_json and response.json == {"error": "authentication required"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_login_with_the_right_password_opens_the_status_page(client, district):
    response = sign_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "สถานะเครือข่าย" in client.get("/").get_data(as_text=True)


def test_login_with_a_wrong_password_fails(client):
    response = sign_in(client, password="wrong password")
    assert response.status_code == 401
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_with_an_unknown_user_fails_the_same_way(client):
    response = sign_in(client, username="nobody")
    assert response.status_code == 401
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)


def test_login_goes_back_to_the_page_asked_for(client, district):
    response = client.post(
        "/login?next=/sites/S02", data={"username": "officer", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/sites/S02"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_login_never_redirects_off_site(client, target):
    response = client.post(
        "/login", query_string={"next": target}, data={"username": "officer", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_inactive_user_cannot_sign_in(client, db):
    with db.begin() as s:
        s.scalar(select(User).where(User.username == "officer")).active = False
    assert sign_in(client).status_code == 401


def test_logout_signs_out(officer):
    officer.post("/logout")
    assert officer.get("/").status_code == 302


def test_logout_is_not_a_get(officer):
    assert officer.get("/logout").status_code == 405


@pytest.fixture
def csrf_client(settings, db, app):
    return make_app(settings, db, csrf=True).test_client()


def test_login_post_without_csrf_token_is_refused(csrf_client):
    response = sign_in(csrf_client)
    assert response.status_code == 400
    assert csrf_client.get("/").status_code == 302


def test_login_post_with_csrf_token_from_the_form_works(csrf_client):
    form = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = csrf_client.post(
        "/login", data={"username": "officer", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert csrf_client.get("/").status_code == 200


def test_logout_needs_the_csrf_token_too(csrf_client):
    form = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    csrf_client.post(
        "/login", data={"username": "officer", "password": PASSWORD, "csrf_token": token}
    )
    csrf_client.post("/logout")  # forged: no token
    assert csrf_client.get("/").status_code == 200


# --- API tokens ---------------------------------------------------------------------------


@pytest.fixture
def token(db, app):
    with db.begin() as s:
        user = s.scalar(select(User).where(User.username == "officer"))
        return create_token(s, user, label="nagios")


def test_bearer_token_opens_the_api(client, token, district):
    response = client.get("/api/v1/devices", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert len(response.json["devices"]) == 7


def test_wrong_bearer_token_is_401(client, token):
    response = client.get("/api/v1/devices", headers={"Authorization": "Bearer not-the-token"})
    assert response.status_code == 401


def test_revoked_token_is_401(client, token, db):
    with db.begin() as s:
        s.scalar(select(ApiToken)).revoked_at = utcnow()
    response = client.get("/api/v1/devices", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_bearer_token_does_not_open_the_html_pages(client, token):
    response = client.get("/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 302


def test_token_is_stored_only_as_its_hash_and_records_its_use(db, token):
    with db() as s:
        row = s.scalar(select(ApiToken))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert row.last_used_at is None
        assert user_for_token(s, token).username == "officer"
        assert row.last_used_at is not None


# --- users ----------------------------------------------------------------------------------


def test_password_is_hashed_with_scrypt(db):
    with db.begin() as s:
        user = create_user(s, "somchai", "a long password", role="viewer")
        assert user.password_hash.startswith("scrypt:")
        assert "a long password" not in user.password_hash


def test_duplicate_username_is_refused(db, app):
    with db.begin() as s, pytest.raises(ValueError, match="already exists"):
        create_user(s, "officer", "another password")


def test_short_password_is_refused(db):
    with db.begin() as s, pytest.raises(ValueError, match="at least 8"):
        create_user(s, "short", "1234567")


def test_authenticate(db, app):
    with db() as s:
        assert authenticate(s, "officer", PASSWORD).username == "officer"
        assert authenticate(s, "officer", "nope nope") is None
        assert authenticate(s, "ghost", PASSWORD) is None
