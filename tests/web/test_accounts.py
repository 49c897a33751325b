"""Users and roles from the browser (admin), one's own account, API tokens on the page, and
sessions that end everywhere."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from monitor.accounts.users import admin_change_problem, create_token, create_user
from monitor.db.models import ApiToken, User
from monitor.localtime import format_datetime
from tests.web.conftest import PASSWORD, make_app, sign_in

NEW_PASSWORD = "a brand new password"


def user_row(db, username) -> User:
    with db() as s:
        return s.scalar(select(User).where(User.username == username))


def signed_in(app, username="officer", password=PASSWORD):
    client = app.test_client()
    assert sign_in(client, username, password).status_code == 302
    return client


@pytest.fixture
def people(db, app):
    """Besides the officer (admin): an operator and a viewer."""
    with db.begin() as s:
        create_user(s, "operator1", PASSWORD, role="operator", display_name="นายปฏิบัติ")
        create_user(s, "viewer1", PASSWORD, role="viewer", display_name="นางสาวดูอย่างเดียว")


# --- who may ------------------------------------------------------------------------------

ADMIN_ONLY = [
    ("GET", "/admin/users"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/new"),
    ("GET", "/admin/users/1"),
    ("POST", "/admin/users/1"),
    ("POST", "/admin/users/1/password"),
    ("POST", "/admin/users/1/active"),
    ("GET", "/admin/audit"),
    ("GET", "/admin/audit.csv"),
    ("GET", "/admin/audit.xlsx"),
]


@pytest.mark.parametrize("username", ["operator1", "viewer1"])
@pytest.mark.parametrize("method, path", ADMIN_ONLY)
def test_operators_and_viewers_are_refused_the_admin_pages(app, people, db, username, method, path):
    client = signed_in(app, username)
    response = client.open(path, method=method, data={"role": "admin", "active": "0"})
    assert response.status_code == 403
    assert "ไม่มีสิทธิ์เข้าถึง" in response.get_data(as_text=True)
    assert user_row(db, "officer").role == "admin" and user_row(db, "officer").active


def test_signed_out_visitors_are_sent_to_the_login_page(client):
    for path in ("/account", "/admin/users", "/admin/audit"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_signed_in_role_has_an_account_page(app, people):
    for username in ("viewer1", "operator1", "officer"):
        page = signed_in(app, username).get("/account")
        assert page.status_code == 200
        assert username in page.get_data(as_text=True)


def test_the_nav_shows_users_and_audit_log_to_admins_only(app, people):
    admin_page = signed_in(app).get("/account").get_data(as_text=True)
    assert 'id="nav-users"' in admin_page and "ผู้ใช้งาน" in admin_page
    assert 'id="nav-audit"' in admin_page and "บันทึกการเปลี่ยนแปลง" in admin_page
    assert re.search(r'<a class="user" href="/account"[^>]*>เจ้าหน้าที่ ICT</a>', admin_page)
    for username in ("operator1", "viewer1"):
        page = signed_in(app, username).get("/account").get_data(as_text=True)
        assert 'id="nav-users"' not in page and 'id="nav-audit"' not in page
        assert 'href="/account"' in page


# --- managing users -----------------------------------------------------------------------


def test_admin_adds_a_user_who_can_then_sign_in(app, officer, db):
    response = officer.post(
        "/admin/users/new",
        data={
            "username": "somsri",
            "display_name": "ครูสมศรี",
            "role": "operator",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    listing = officer.get("/admin/users").get_data(as_text=True)
    row = re.search(r'<tr class="user-row" data-username="somsri">.*?</tr>', listing, re.S).group(0)
    assert "ครูสมศรี" in row and "เจ้าหน้าที่ปฏิบัติการ" in row and "ใช้งานได้" in row
    assert "ยังไม่เคย" in row
    assert user_row(db, "somsri").role == "operator"
    assert sign_in(app.test_client(), "somsri", NEW_PASSWORD).status_code == 302
    listing = officer.get("/admin/users").get_data(as_text=True)
    row = re.search(r'data-username="somsri">.*?</tr>', listing, re.S).group(0)
    assert format_datetime(user_row(db, "somsri").last_login_at, "th") in row


@pytest.mark.parametrize(
    "form, message",
    [
        (
            {"password": "short", "confirm": "short"},
            "ข้อมูลไม่ถูกต้อง — รหัสผ่านใหม่: รหัสผ่านต้องยาวอย่างน้อย 8 ตัวอักษร",
        ),
        ({"confirm": "something else"}, "ข้อมูลไม่ถูกต้อง — ยืนยันรหัสผ่านใหม่: รหัสผ่านใหม่ทั้งสองช่องไม่ตรงกัน"),
        ({"username": "officer"}, "ข้อมูลไม่ถูกต้อง — ชื่อผู้ใช้: มีชื่อผู้ใช้นี้อยู่แล้ว"),
        ({"username": "  "}, "ข้อมูลไม่ถูกต้อง — ชื่อผู้ใช้: กรุณากรอกชื่อผู้ใช้"),
        ({"role": "superuser"}, "ข้อมูลไม่ถูกต้อง — บทบาท: บทบาทไม่ถูกต้อง"),
    ],
)
def test_a_bad_new_user_is_refused_naming_the_field_and_keeping_what_was_typed(
    officer, db, form, message
):
    data = {
        "username": "somsri",
        "display_name": "ครูสมศรี",
        "role": "viewer",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        **form,
    }
    response = officer.post("/admin/users/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'value="ครูสมศรี"' in page  # nothing typed is lost (but the password)
    assert NEW_PASSWORD not in page
    with db() as s:
        assert s.scalar(select(User).where(User.username == "somsri")) is None


def test_admin_edits_display_name_and_role(officer, people, db):
    target = user_row(db, "viewer1")
    response = officer.post(
        f"/admin/users/{target.id}", data={"display_name": "นางสาวปฏิบัติการ", "role": "operator"}
    )
    assert response.status_code == 302
    changed = user_row(db, "viewer1")
    assert (changed.display_name, changed.role) == ("นางสาวปฏิบัติการ", "operator")
    page = officer.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert 'value="นางสาวปฏิบัติการ"' in page and "บันทึกแล้ว" in page


def test_a_role_change_applies_at_the_users_next_request(app, officer, people, db):
    operator = signed_in(app, "operator1")
    assert operator.get("/risks/new").status_code == 200
    target = user_row(db, "operator1")
    officer.post(f"/admin/users/{target.id}", data={"display_name": "x", "role": "viewer"})
    assert operator.get("/risks/new").status_code == 403


def test_the_last_active_admin_cannot_be_demoted_or_disabled(officer, db):
    me = user_row(db, "officer")
    demote = officer.post(f"/admin/users/{me.id}", data={"display_name": "x", "role": "viewer"})
    assert demote.status_code == 400
    assert "นี่คือผู้ดูแลระบบคนสุดท้ายที่ยังใช้งานได้" in demote.get_data(as_text=True)
    assert user_row(db, "officer").role == "admin"
    assert user_row(db, "officer").display_name == "เจ้าหน้าที่ ICT"


def test_nobody_disables_themself(officer, db):
    me = user_row(db, "officer")
    response = officer.post(f"/admin/users/{me.id}/active", data={"active": "0"})
    assert response.status_code == 400
    assert "ไม่สามารถระงับบัญชีของตนเองได้" in response.get_data(as_text=True)
    assert user_row(db, "officer").active


def test_with_a_second_admin_the_first_may_step_down(app, officer, db):
    with db.begin() as s:
        create_user(s, "admin2", PASSWORD, role="admin")
    me = user_row(db, "officer")
    assert (
        officer.post(
            f"/admin/users/{me.id}", data={"display_name": "x", "role": "operator"}
        ).status_code
        == 302
    )
    # ...and now the other one is the last admin: the former admin may not touch that anyway.
    admin2 = signed_in(app, "admin2")
    refused = admin2.post(
        f"/admin/users/{user_row(db, 'admin2').id}", data={"display_name": "y", "role": "viewer"}
    )
    assert refused.status_code == 400
    assert user_row(db, "admin2").role == "admin"


@pytest.mark.parametrize(
    "users, target, role, active, acting, code",
    [
        ([(1, "admin", True)], 1, "viewer", True, 1, "last_admin"),
        ([(1, "admin", True)], 1, "admin", False, None, "last_admin"),  # from the CLI
        ([(1, "admin", True), (2, "admin", False)], 1, "operator", True, 1, "last_admin"),
        ([(1, "admin", True), (2, "admin", True)], 1, "operator", True, 1, None),
        ([(1, "admin", True), (2, "admin", True)], 2, "admin", False, 2, "disable_self"),
        ([(1, "admin", True), (2, "viewer", True)], 2, "viewer", False, 1, None),
        ([(1, "admin", True), (2, "viewer", False)], 2, "admin", True, 1, None),
    ],
)
def test_admin_change_problem(users, target, role, active, acting, code):
    problem = admin_change_problem(users, target, role=role, active=active, acting_id=acting)
    assert (problem.code if problem else None) == code


def test_admin_sets_a_new_password_which_ends_the_users_sessions(app, officer, people, db):
    operator = signed_in(app, "operator1")
    target = user_row(db, "operator1")
    response = officer.post(
        f"/admin/users/{target.id}/password",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert operator.get("/account").status_code == 302
    assert sign_in(app.test_client(), "operator1", PASSWORD).status_code == 401
    assert sign_in(app.test_client(), "operator1", NEW_PASSWORD).status_code == 302
    assert user_row(db, "operator1").password_changed_at is not None


def test_disabling_a_user_ends_their_sessions_and_sign_ins_until_enabled(app, officer, people, db):
    operator = signed_in(app, "operator1")
    target = user_row(db, "operator1")
    response = officer.post(f"/admin/users/{target.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert "ระงับบัญชี operator1 แล้ว" in officer.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert operator.get("/account").status_code == 302
    assert sign_in(app.test_client(), "operator1").status_code == 401
    assert "ระงับแล้ว" in officer.get("/admin/users").get_data(as_text=True)
    officer.post(f"/admin/users/{target.id}/active", data={"active": "1"})
    assert sign_in(app.test_client(), "operator1").status_code == 302


# --- one's own account: password, log out everywhere ----------------------------------------


def test_log_out_everywhere_ends_the_other_sessions_at_their_next_request(app):
    desk, phone = signed_in(app), signed_in(app)
    assert phone.get("/account").status_code == 200
    response = desk.post("/account/sessions/end")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    redirected = phone.get("/")
    assert redirected.status_code == 302 and "/login" in redirected.headers["Location"]
    notice = phone.get("/login").get_data(as_text=True)
    assert "การเข้าสู่ระบบนี้สิ้นสุดแล้ว" in notice
    assert desk.get("/").status_code == 302
    # Signing in again works, with a fresh session.
    assert sign_in(phone).status_code == 302 and phone.get("/account").status_code == 200


def test_changing_ones_password_keeps_this_session_and_ends_the_others(app, db):
    desk, phone = signed_in(app), signed_in(app)
    response = desk.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert "เปลี่ยนรหัสผ่านแล้ว" in desk.get("/account").get_data(as_text=True)
    assert phone.get("/account").status_code == 302
    assert sign_in(app.test_client(), "officer", NEW_PASSWORD).status_code == 302
    assert user_row(db, "officer").password_changed_at is not None


@pytest.mark.parametrize(
    "form, message",
    [
        ({"current_password": "wrong wrong"}, "รหัสผ่านปัจจุบันไม่ถูกต้อง"),
        ({"password": "short", "confirm": "short"}, "รหัสผ่านต้องยาวอย่างน้อย 8 ตัวอักษร"),
        ({"confirm": "not the same"}, "รหัสผ่านใหม่ทั้งสองช่องไม่ตรงกัน"),
    ],
)
def test_a_refused_password_change_changes_nothing(app, officer, db, form, message):
    before = user_row(db, "officer")
    data = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, **form}
    response = officer.post("/account/password", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    after = user_row(db, "officer")
    assert (after.password_hash, after.session_epoch) == (
        before.password_hash,
        before.session_epoch,
    )
    assert officer.get("/account").status_code == 200


# --- API tokens on the page ----------------------------------------------------------------


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def csrf_app(settings, db, app):
    return make_app(settings, db, csrf=True)


def csrf_signed_in(app, username="officer"):
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    return client


def test_a_token_is_shown_once_works_and_once_revoked_gets_401(csrf_app, district, db):
    client = csrf_signed_in(csrf_app)
    account = client.get("/account").get_data(as_text=True)
    created = client.post(
        "/account/tokens", data={"label": "nagios", "csrf_token": csrf_of(account)}
    )
    page = created.get_data(as_text=True)
    token = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)
    assert client.get("/account").get_data(as_text=True).count(token) == 0  # never again

    api = csrf_app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/devices", headers=bearer).status_code == 200

    listing = client.get("/account").get_data(as_text=True)
    with db() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.label == "nagios"))
    assert 'class="token-label">nagios<' in listing
    assert format_datetime(row.created_at, "th") in listing  # Bangkok time, พ.ศ.
    assert format_datetime(row.last_used_at, "th") in listing

    forged = client.post(f"/account/tokens/{row.id}/revoke")  # no CSRF token: refused
    assert forged.status_code == 400
    assert api.get("/api/v1/devices", headers=bearer).status_code == 200

    revoked = client.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": csrf_of(listing)})
    assert revoked.status_code == 302
    assert api.get("/api/v1/devices", headers=bearer).status_code == 401
    assert 'class="token-label">nagios<' not in client.get("/account").get_data(as_text=True)


def test_nobody_revokes_someone_elses_token_from_their_account_page(app, people, db, district):
    with db.begin() as s:
        token = create_token(s, s.scalar(select(User).where(User.username == "officer")), "x")
        token_id = s.scalar(select(ApiToken.id))
    viewer = signed_in(app, "viewer1")
    assert viewer.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/devices", headers=bearer).status_code == 200


def test_an_admin_sees_and_revokes_another_users_token(app, officer, people, db, district):
    with db.begin() as s:
        operator = s.scalar(select(User).where(User.username == "operator1"))
        token = create_token(s, operator, "backup-script")
        token_id, operator_id = s.scalar(select(ApiToken.id)), operator.id
    page = officer.get(f"/admin/users/{operator_id}").get_data(as_text=True)
    assert 'class="token-label">backup-script<' in page
    response = officer.post(f"/admin/users/{operator_id}/tokens/{token_id}/revoke")
    assert response.status_code == 302
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/devices", headers=bearer).status_code == 401
    assert 'class="token-label">backup-script<' not in officer.get(
        f"/admin/users/{operator_id}"
    ).get_data(as_text=True)
