"""Users in a real browser under the strict CSP: the admin adds an operator, the operator signs in
and has no Users link, the admin disables them and their open session ends."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser

OPERATOR_PASSWORD = "ครูสมศรี-รหัสยาว-2569"


def sign_in(page, base, username, password):
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_admin_adds_an_operator_who_sees_no_users_link_and_is_then_disabled(live_server, page):
    base, _ = live_server
    sign_in(page, base, "officer", PASSWORD)
    page.wait_for_selector(".tiles")
    page.click("#nav-users")
    page.wait_for_url("**/admin/users")
    page.click("#add-user")
    page.fill("input[name=username]", "somsri")
    page.fill("input[name=display_name]", "ครูสมศรี")
    page.select_option("select[name=role]", "operator")
    page.fill("input[name=password]", OPERATOR_PASSWORD)
    page.fill("input[name=confirm]", OPERATOR_PASSWORD)
    page.click("#user-form button[type=submit]")
    page.wait_for_selector("text=เพิ่มผู้ใช้ somsri แล้ว")
    page.click("#nav-users")
    row = page.locator('tr.user-row[data-username="somsri"]')
    assert "เจ้าหน้าที่ปฏิบัติการ" in row.inner_text() and "ใช้งานได้" in row.inner_text()
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-users.png", full_page=True)
    page.click("form.logout button")
    page.wait_for_url("**/login")

    sign_in(page, base, "somsri", OPERATOR_PASSWORD)
    page.wait_for_selector(".tiles")
    assert page.locator("#nav-users").count() == 0
    assert page.locator("#nav-audit").count() == 0
    assert page.inner_text("#my-account") == "ครูสมศรี"
    page.click("#my-account")
    page.wait_for_url("**/account")
    assert "เจ้าหน้าที่ปฏิบัติการ" in page.inner_text("main")

    # The admin, at another computer, disables the operator (confirming the question asked).
    admin = page.context.browser.new_context(locale="th-TH", timezone_id="Asia/Bangkok")
    try:
        desk = admin.new_page()
        desk.set_default_timeout(15_000)
        problems: list[str] = []
        desk.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        sign_in(desk, base, "officer", PASSWORD)
        desk.wait_for_selector(".tiles")
        desk.click("#nav-users")
        desk.click('tr.user-row[data-username="somsri"] a')
        desk.once("dialog", lambda dialog: dialog.accept())
        desk.click("#toggle-active")
        desk.wait_for_selector("text=ระงับบัญชี somsri แล้ว")
        assert desk.inner_text("#user-active") == "ระงับแล้ว"
        desk.click("#nav-audit")
        desk.wait_for_url("**/admin/audit")
        newest = desk.locator("#audit-list tr.audit-row").first.inner_text()
        assert "officer" in newest and "somsri" in newest and "ใช้งาน: ใช่ → ไม่ใช่" in newest
        assert problems == [], problems
    finally:
        admin.close()

    # The operator's open page: the next click lands on the login page, which says why.
    page.click("#my-account")
    page.wait_for_url("**/login**")
    assert "การเข้าสู่ระบบนี้สิ้นสุดแล้ว" in page.inner_text("#session-notice")
    assert page.problems == [], page.problems
    sign_in(page, base, "somsri", OPERATOR_PASSWORD)
    page.wait_for_selector(".banner.error")
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in page.inner_text(".banner.error")
