"""What signing out, signing out everywhere, a password set by an admin and disabling a user
revoke, seen the way an intruder holding a copied session cookie or an API token would: the
login page and 401. On SQLite and PostgreSQL (the sign-out is recorded in the database)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from monitor.accounts.users import create_token, create_user
from monitor.cli.main import main
from monitor.db.models import ApiToken, AuditEvent, User
from tests.web.conftest import PASSWORD, make_app, sign_in
from tests.web.seed import seed_district

NEW_PASSWORD = "a brand new password"
SESSION_COOKIE = "session"


@pytest.fixture
def app(settings, any_db):
    seed_district(any_db)
    with any_db.begin() as s:
        create_user(s, "officer", PASSWORD, role="admin")
        create_user(s, "operator1", PASSWORD, role="operator")
    return make_app(settings, any_db)


def signed_in(app, username="officer"):
    client = app.test_client()
    assert sign_in(client, username, PASSWORD).status_code == 302
    return client


def copy_of(app, client):
    """Another browser holding the same session cookie (stolen, or left on a shared PC)."""
    thief = app.test_client()
    thief.set_cookie(SESSION_COOKIE, client.get_cookie(SESSION_COOKIE).value)
    return thief


def token_for(db, username: str) -> str:
    with db.begin() as s:
        return create_token(
            s, s.scalar(select(User).where(User.username == username)), "nagios-scrape"
        )


def api(app, token: str):
    return app.test_client().get("/api/v1/devices", headers={"Authorization": f"Bearer {token}"})


def test_a_copied_cookie_gets_the_login_page_after_logout(app, any_db):
    desk = signed_in(app)
    thief = copy_of(app, desk)
    assert thief.get("/account").status_code == 200
    response = desk.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    refused = thief.get("/account")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert "การเข้าสู่ระบบนี้สิ้นสุดแล้ว" in thief.get("/login").get_data(as_text=True)
    assert thief.get("/api/v1/devices").status_code == 401
    with any_db() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "logout"))
        assert (event.actor, event.object_type, event.object_label) == (
            "officer",
            "session",
            "officer",
        )


def test_logout_leaves_the_users_other_sessions_and_tokens_alone(app, any_db):
    desk, phone = signed_in(app), signed_in(app)
    token = token_for(any_db, "officer")
    desk.post("/logout")
    assert phone.get("/account").status_code == 200
    assert api(app, token).status_code == 200
    # Signing in again on the same browser gives a new session that works.
    assert sign_in(desk).status_code == 302 and desk.get("/account").status_code == 200


def test_sign_out_everywhere_ends_sessions_and_revokes_the_users_tokens(app, any_db):
    desk, phone = signed_in(app), signed_in(app)
    mine, colleagues = token_for(any_db, "officer"), token_for(any_db, "operator1")
    assert api(app, mine).status_code == 200
    assert desk.post("/account/sessions/end").status_code == 302
    assert phone.get("/account").status_code == 302
    refused = api(app, mine)
    assert refused.status_code == 401 and refused.json == {"error": "authentication required"}
    assert api(app, colleagues).status_code == 200
    with any_db() as s:
        revoked = s.scalars(select(ApiToken).where(ApiToken.revoked_at.is_not(None))).all()
        assert [t.user.username for t in revoked] == ["officer"]
    # The account page lists no live token any more.
    assert sign_in(desk).status_code == 302
    assert "nagios-scrape" not in desk.get("/account").get_data(as_text=True)


def test_an_admins_password_reset_ends_the_users_sessions_and_tokens(app, any_db):
    admin = signed_in(app)
    operator = signed_in(app, "operator1")
    token = token_for(any_db, "operator1")
    with any_db() as s:
        target = s.scalar(select(User.id).where(User.username == "operator1"))
    response = admin.post(
        f"/admin/users/{target}/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert operator.get("/account").status_code == 302
    assert api(app, token).status_code == 401
    assert admin.get("/account").status_code == 200


def test_disabling_a_user_revokes_their_tokens_for_good(app, any_db):
    admin = signed_in(app)
    token = token_for(any_db, "operator1")
    with any_db() as s:
        target = s.scalar(select(User.id).where(User.username == "operator1"))
    admin.post(f"/admin/users/{target}/active", data={"active": "0"})
    assert api(app, token).status_code == 401
    admin.post(f"/admin/users/{target}/active", data={"active": "1"})
    assert api(app, token).status_code == 401  # enabling again does not bring them back


def test_ones_own_password_change_keeps_ones_api_tokens(app, any_db):
    desk = signed_in(app)
    token = token_for(any_db, "officer")
    response = desk.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert api(app, token).status_code == 200


def test_a_password_set_from_the_command_line_revokes_the_users_tokens(settings, db, tmp_path):
    seed_district(db)
    with db.begin() as s:
        create_user(s, "operator1", PASSWORD, role="operator")
    app = make_app(settings, db)
    token = token_for(db, "operator1")
    config = tmp_path / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "{settings.database.url}"\n'
        f'[paths]\ndata_dir = "{settings.paths.data_dir}"\n',
        encoding="utf-8",
    )
    done = CliRunner().invoke(
        main,
        ["--config", str(config), "user", "passwd", "operator1"],
        env={"ICTMON_USER_PASSWORD": NEW_PASSWORD},
    )
    assert done.exit_code == 0, done.output
    assert "their API tokens revoked" in done.output
    assert api(app, token).status_code == 401
