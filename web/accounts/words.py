"""Words of the users, account, sign-in security and audit log pages (issue 8)."""
from __future__ import annotations

from web.i18n import add_words

WORDS: dict[str, dict[str, str]] = {
    "th": {
        # navigation
        "acct_nav_users": "ผู้ใช้งาน", "acct_nav_audit": "บันทึกการเปลี่ยนแปลง",
        "acct_my_account": "บัญชีของฉัน",
        # sign-in security
        "acct_locked_username": "บัญชีนี้ถูกระงับการเข้าสู่ระบบชั่วคราว เนื่องจากใส่รหัสผ่านผิดหลายครั้ง "
                                "กรุณาลองใหม่ในอีก {minutes} นาที",
        "acct_locked_address": "เครื่องนี้เข้าสู่ระบบผิดพลาดหลายครั้งเกินไป ถูกระงับชั่วคราว "
                               "กรุณาลองใหม่ในอีก {minutes} นาที",
        "acct_session_expired": "หมดเวลาการใช้งาน กรุณาเข้าสู่ระบบอีกครั้ง",
        "acct_session_ended": "การเข้าสู่ระบบนี้สิ้นสุดแล้ว (ออกจากระบบทุกเครื่อง เปลี่ยนรหัสผ่าน "
                              "หรือบัญชีถูกระงับ) กรุณาเข้าสู่ระบบอีกครั้ง",
        # roles
        "acct_role": "บทบาท", "acct_role_admin": "ผู้ดูแลระบบ",
        "acct_role_operator": "เจ้าหน้าที่ปฏิบัติการ", "acct_role_viewer": "ผู้ดูข้อมูล",
        "acct_role_help": "ผู้ดูข้อมูล: ดูได้อย่างเดียว · เจ้าหน้าที่ปฏิบัติการ: อุปกรณ์ โรงเรียน "
                          "เหตุขัดข้อง ช่วงปิดปรับปรุง ความเสี่ยง · ผู้ดูแลระบบ: ทุกอย่าง รวมถึงผู้ใช้และการตั้งค่า",
        # user list and forms
        "acct_users": "ผู้ใช้งาน", "acct_username": "ชื่อผู้ใช้", "acct_display_name": "ชื่อที่แสดง",
        "acct_active": "สถานะบัญชี", "acct_is_active": "ใช้งานได้", "acct_is_disabled": "ระงับแล้ว",
        "acct_last_login": "เข้าสู่ระบบล่าสุด", "acct_never": "ยังไม่เคย",
        "acct_created": "สร้างเมื่อ", "acct_password_changed": "เปลี่ยนรหัสผ่านล่าสุด",
        "acct_add_user": "เพิ่มผู้ใช้", "acct_save": "บันทึก", "acct_edit_user": "แก้ไขผู้ใช้",
        "acct_new_password": "รหัสผ่านใหม่", "acct_confirm_password": "ยืนยันรหัสผ่านใหม่",
        "acct_current_password": "รหัสผ่านปัจจุบัน", "acct_password": "รหัสผ่าน",
        "acct_set_password": "ตั้งรหัสผ่านใหม่", "acct_change_password": "เปลี่ยนรหัสผ่าน",
        "acct_password_hint": "อย่างน้อย {n} ตัวอักษร",
        "acct_disable": "ระงับบัญชี", "acct_enable": "เปิดใช้บัญชี",
        "acct_confirm_disable": "ระงับบัญชีนี้? ผู้ใช้จะถูกออกจากระบบทุกเครื่องทันที",
        "acct_you": "(คุณ)",
        "acct_created_user": "เพิ่มผู้ใช้ {name} แล้ว", "acct_saved": "บันทึกแล้ว",
        "acct_password_set": "ตั้งรหัสผ่านใหม่แล้ว ผู้ใช้ถูกออกจากระบบทุกเครื่อง",
        "acct_disabled_done": "ระงับบัญชี {name} แล้ว และออกจากระบบทุกเครื่องแล้ว",
        "acct_enabled_done": "เปิดใช้บัญชี {name} แล้ว",
        "acct_bad_input": "ข้อมูลไม่ถูกต้อง — {field}: {reason}",
        # reasons a change is refused (monitor.accounts.users.UserError codes)
        "acct_err_empty_username": "กรุณากรอกชื่อผู้ใช้",
        "acct_err_long_username": "ชื่อผู้ใช้ยาวได้ไม่เกิน 64 ตัวอักษร",
        "acct_err_username_taken": "มีชื่อผู้ใช้นี้อยู่แล้ว",
        "acct_err_bad_role": "บทบาทไม่ถูกต้อง",
        "acct_err_short_password": "รหัสผ่านต้องยาวอย่างน้อย {n} ตัวอักษร",
        "acct_err_long_display_name": "ชื่อที่แสดงยาวได้ไม่เกิน 200 ตัวอักษร",
        "acct_err_disable_self": "ไม่สามารถระงับบัญชีของตนเองได้",
        "acct_err_last_admin": "นี่คือผู้ดูแลระบบคนสุดท้ายที่ยังใช้งานได้ "
                               "กรุณากำหนดผู้ดูแลระบบคนอื่นก่อน",
        "acct_err_mismatch": "รหัสผ่านใหม่ทั้งสองช่องไม่ตรงกัน",
        "acct_err_wrong_current": "รหัสผ่านปัจจุบันไม่ถูกต้อง",
        "acct_err_long_label": "ชื่อโทเคนยาวได้ไม่เกิน 100 ตัวอักษร",
        # /account
        "acct_password_changed_done": "เปลี่ยนรหัสผ่านแล้ว เครื่องอื่นที่เข้าสู่ระบบไว้ถูกออกจากระบบแล้ว",
        "acct_logout_everywhere": "ออกจากระบบทุกเครื่อง",
        "acct_logout_everywhere_help": "ใช้เมื่อลืมออกจากระบบที่เครื่องอื่น หรือสงสัยว่ามีผู้อื่นใช้บัญชีนี้ "
                                       "ทุกเครื่อง รวมถึงเครื่องนี้ จะต้องเข้าสู่ระบบใหม่",
        "acct_logged_out_everywhere": "ออกจากระบบทุกเครื่องแล้ว",
        # API tokens
        "acct_tokens": "โทเคนสำหรับ API",
        "acct_tokens_help": "ใช้กับสคริปต์หรือระบบอื่นผ่านส่วนหัว Authorization: Bearer … "
                            "โทเคนมีสิทธิ์เท่ากับบทบาทของเจ้าของ",
        "acct_token_label": "ชื่อโทเคน (ใช้ทำอะไร)", "acct_token_create": "สร้างโทเคน",
        "acct_token_created": "สร้างเมื่อ", "acct_token_last_used": "ใช้ล่าสุด",
        "acct_token_revoke": "ยกเลิก", "acct_token_revoked": "ยกเลิกโทเคน {label} แล้ว",
        "acct_token_none": "ยังไม่มีโทเคน",
        "acct_token_new": "โทเคนใหม่ — คัดลอกเก็บไว้ตอนนี้ ระบบจะไม่แสดงอีก",
        "acct_confirm_revoke": "ยกเลิกโทเคนนี้? สคริปต์ที่ใช้อยู่จะใช้ไม่ได้ทันที",
        # audit log
        "audit_title": "บันทึกการเปลี่ยนแปลง", "audit_when": "เวลา", "audit_who": "ผู้ดำเนินการ",
        "audit_from": "จากเครื่อง", "audit_what": "รายการ", "audit_changes": "ก่อน → หลัง",
        "audit_action": "การกระทำ", "audit_object_type": "ประเภท", "audit_text": "ค้นหาในชื่อรายการ",
        "audit_date_from": "ตั้งแต่วันที่", "audit_date_to": "ถึงวันที่", "audit_any": "ทั้งหมด",
        "audit_filter": "กรอง", "audit_clear": "ล้างตัวกรอง", "audit_export_xlsx": "ส่งออก Excel",
        "audit_export_csv": "ส่งออก CSV", "audit_none": "ไม่มีรายการตามเงื่อนไขนี้",
        "audit_capped": "แสดง {n} รายการล่าสุดเท่านั้น กรุณากรองให้แคบลง หรือส่งออกเป็นไฟล์ "
                        "(ไม่เกิน {export} รายการ)",
        "audit_count": "{n} รายการ",
        "audit_bad_date": "วันที่ไม่ถูกต้อง ({field}): ใช้รูปแบบ 2569-11-24 หรือ 24/11/2569",
        "audit_action_create": "สร้าง", "audit_action_update": "แก้ไข", "audit_action_delete": "ลบ",
        "audit_action_login": "เข้าสู่ระบบ", "audit_action_login_failed": "เข้าสู่ระบบไม่สำเร็จ",
        "audit_action_lockout": "ระงับการเข้าสู่ระบบชั่วคราว",
        "audit_type_user": "ผู้ใช้", "audit_type_api_token": "โทเคน API",
        "audit_type_site": "โรงเรียน/หน่วยงาน", "audit_type_device": "อุปกรณ์",
        "audit_type_snmp_profile": "โปรไฟล์ SNMP", "audit_type_ssh_profile": "โปรไฟล์ SSH",
        "audit_type_ssh_access": "การเข้าถึง SSH", "audit_type_ssh_host_key": "กุญแจโฮสต์ SSH",
        "audit_type_maintenance_window": "ช่วงปิดปรับปรุง", "audit_type_incident": "เหตุขัดข้อง",
        "audit_type_risk": "ความเสี่ยง",
    },
    "en": {
        "acct_nav_users": "Users", "acct_nav_audit": "Audit log", "acct_my_account": "My account",
        "acct_locked_username": "Too many failed sign-ins for this account: it is locked for now. "
                                "Try again in {minutes} min.",
        "acct_locked_address": "Too many failed sign-ins from this computer: sign-in is locked for "
                               "now. Try again in {minutes} min.",
        "acct_session_expired": "Your session expired. Please sign in again.",
        "acct_session_ended": "This session has ended (signed out everywhere, password changed or "
                              "account disabled). Please sign in again.",
        "acct_role": "Role", "acct_role_admin": "Admin", "acct_role_operator": "Operator",
        "acct_role_viewer": "Viewer",
        "acct_role_help": "Viewer: read only · Operator: devices, schools, incidents, maintenance, "
                          "risks · Admin: everything, users and settings too",
        "acct_users": "Users", "acct_username": "Username", "acct_display_name": "Display name",
        "acct_active": "Account", "acct_is_active": "Active", "acct_is_disabled": "Disabled",
        "acct_last_login": "Last sign-in", "acct_never": "Never",
        "acct_created": "Created", "acct_password_changed": "Password changed",
        "acct_add_user": "Add user", "acct_save": "Save", "acct_edit_user": "Edit user",
        "acct_new_password": "New password", "acct_confirm_password": "New password again",
        "acct_current_password": "Current password", "acct_password": "Password",
        "acct_set_password": "Set a new password", "acct_change_password": "Change password",
        "acct_password_hint": "at least {n} characters",
        "acct_disable": "Disable", "acct_enable": "Enable",
        "acct_confirm_disable": "Disable this account? The user is signed out everywhere at once.",
        "acct_you": "(you)",
        "acct_created_user": "User {name} added", "acct_saved": "Saved",
        "acct_password_set": "New password set; the user was signed out everywhere",
        "acct_disabled_done": "{name} disabled and signed out everywhere",
        "acct_enabled_done": "{name} enabled",
        "acct_bad_input": "Not saved — {field}: {reason}",
        "acct_err_empty_username": "a username is required",
        "acct_err_long_username": "at most 64 characters",
        "acct_err_username_taken": "that username already exists",
        "acct_err_bad_role": "not a known role",
        "acct_err_short_password": "at least {n} characters",
        "acct_err_long_display_name": "at most 200 characters",
        "acct_err_disable_self": "you cannot disable your own account",
        "acct_err_last_admin": "this is the last active admin: make another user admin first",
        "acct_err_mismatch": "the two new passwords differ",
        "acct_err_wrong_current": "the current password is wrong",
        "acct_err_long_label": "at most 100 characters",
        "acct_password_changed_done": "Password changed; your other sessions were signed out",
        "acct_logout_everywhere": "Sign out everywhere",
        "acct_logout_everywhere_help": "When you forgot to sign out on another computer or suspect "
                                       "someone else uses this account. Every session, this one "
                                       "too, must sign in again.",
        "acct_logged_out_everywhere": "Signed out everywhere",
        "acct_tokens": "API tokens",
        "acct_tokens_help": "For scripts and other systems, in the header Authorization: Bearer …; "
                            "a token has its owner's role.",
        "acct_token_label": "Label (what it is for)", "acct_token_create": "Create token",
        "acct_token_created": "Created", "acct_token_last_used": "Last used",
        "acct_token_revoke": "Revoke", "acct_token_revoked": "Token {label} revoked",
        "acct_token_none": "No tokens yet",
        "acct_token_new": "New token — copy it now, it will not be shown again",
        "acct_confirm_revoke": "Revoke this token? Scripts using it stop working at once.",
        "audit_title": "Audit log", "audit_when": "When", "audit_who": "Who",
        "audit_from": "From", "audit_what": "What", "audit_changes": "Before → after",
        "audit_action": "Action", "audit_object_type": "Type", "audit_text": "Text in the name",
        "audit_date_from": "From day", "audit_date_to": "To day", "audit_any": "Any",
        "audit_filter": "Filter", "audit_clear": "Clear", "audit_export_xlsx": "Export Excel",
        "audit_export_csv": "Export CSV", "audit_none": "Nothing matches this filter",
        "audit_capped": "Only the newest {n} are shown: narrow the filter, or export "
                        "(up to {export} rows)",
        "audit_count": "{n} events",
        "audit_bad_date": "Date not understood ({field}): use 2026-11-24 or 24/11/2569",
        "audit_action_create": "created", "audit_action_update": "changed",
        "audit_action_delete": "deleted", "audit_action_login": "signed in",
        "audit_action_login_failed": "failed sign-in", "audit_action_lockout": "sign-in locked",
        "audit_type_user": "user", "audit_type_api_token": "API token", "audit_type_site": "school",
        "audit_type_device": "device", "audit_type_snmp_profile": "SNMP profile",
        "audit_type_ssh_profile": "SSH profile", "audit_type_ssh_access": "SSH access",
        "audit_type_ssh_host_key": "SSH host key",
        "audit_type_maintenance_window": "maintenance window", "audit_type_incident": "incident",
        "audit_type_risk": "risk",
    },
}


def install() -> None:
    add_words(WORDS)
