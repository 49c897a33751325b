"""The pages' words in Thai and English: one catalogue, looked up by key.

`?lang=th|en` on any page switches the language and remembers it in the session; without it the
default is [web] default_language. A key missing from a language falls back to Thai, then to the
key itself, so a forgotten translation shows up as text rather than an error.
"""

from __future__ import annotations

from flask import current_app, g, request, session

LANGUAGES = ("th", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "th": {
        "app_name": "ictmon",
        "app_tagline": "ระบบติดตามเครือข่าย",
        "network_status": "สถานะเครือข่าย",
        "sites": "โรงเรียน",
        "site": "โรงเรียน/หน่วยงาน",
        "devices": "อุปกรณ์",
        "device": "อุปกรณ์",
        "login": "เข้าสู่ระบบ",
        "logout": "ออกจากระบบ",
        "username": "ชื่อผู้ใช้",
        "password": "รหัสผ่าน",
        "login_failed": "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง",
        "login_required": "กรุณาเข้าสู่ระบบก่อนใช้งาน",
        "login_expired": "แบบฟอร์มหมดอายุ กรุณาลองอีกครั้ง",
        "logged_out": "ออกจากระบบแล้ว",
        "signed_in_as": "ผู้ใช้",
        "language": "ภาษา",
        # states
        "state_up": "ปกติ",
        "state_down": "ขัดข้อง",
        "state_unreachable": "ติดต่อไม่ได้",
        "state_unknown": "ไม่ทราบสถานะ",
        "state_maintenance": "ปิดปรับปรุง",
        # how long a site or device has been in its state
        "lasted_down": "ขัดข้องมาแล้ว {d}",
        "lasted_unreachable": "ติดต่อไม่ได้มาแล้ว {d}",
        "lasted_unknown": "ไม่ทราบสถานะมาแล้ว {d}",
        "lasted_maintenance": "ปิดปรับปรุงมาแล้ว {d}",
        "lasted_up": "ปกติมาแล้ว {d}",
        # tile levels
        "level_offline": "ออฟไลน์",
        "level_degraded": "มีปัญหาบางส่วน",
        "level_unknown": "ไม่ทราบสถานะ",
        "level_maintenance": "ปิดปรับปรุง",
        "level_ok": "ปกติ",
        # summary line
        "summary_all_ok": "ทุกโรงเรียนใช้งานได้ปกติ",
        "summary_sites_offline": "โรงเรียนออฟไลน์ {n} แห่ง",
        "summary_sites_degraded": "มีปัญหาบางส่วน {n} แห่ง",
        "summary_devices_down": "อุปกรณ์ขัดข้อง {n} เครื่อง",
        "summary_devices_unreachable": "ติดต่อไม่ได้ {n} เครื่อง",
        "summary_totals": "ทั้งหมด {sites} แห่ง · อุปกรณ์ {devices} เครื่อง",
        "updated_at": "ข้อมูล ณ {t}",
        "last_poll": "ตรวจวัดล่าสุด {t}",
        "poller_stale": "ระบบตรวจวัดไม่ได้รายงานผลมาตั้งแต่ {t} — สถานะที่เห็นอาจไม่ใช่สถานะปัจจุบัน",
        "poller_never": "ระบบตรวจวัดยังไม่เคยรายงานผล — สถานะที่เห็นอาจไม่ใช่สถานะปัจจุบัน",
        "refresh_failed": "ไม่สามารถปรับปรุงข้อมูลได้ กำลังลองใหม่…",
        "session_expired": "หมดเวลาการใช้งาน กรุณาโหลดหน้าใหม่เพื่อเข้าสู่ระบบ",
        "no_sites": "ยังไม่มีโรงเรียนในระบบ",
        "no_devices": "ยังไม่มีอุปกรณ์",
        "filter_sites": "ค้นหาโรงเรียน…",
        "devices_count": "{n} เครื่อง",
        "all_up": "อุปกรณ์ทั้ง {n} เครื่องปกติ",
        # tables
        "col_device": "อุปกรณ์",
        "col_state": "สถานะ",
        "col_since": "ตั้งแต่",
        "col_duration": "นาน",
        "col_address": "ที่อยู่ IP",
        "col_kind": "ประเภท",
        "col_rtt": "เวลาแฝง",
        "col_loss": "การสูญหายของแพ็กเก็ต",
        "col_started": "เริ่ม",
        "col_ended": "สิ้นสุด",
        "col_site": "โรงเรียน/หน่วยงาน",
        "uplink": "เชื่อมต่อผ่าน",
        "uplink_in": "ที่ {site}",
        "ongoing": "ยังเป็นอยู่",
        "parent": "อุปกรณ์ต้นทาง",
        "children": "อุปกรณ์ที่เชื่อมต่ออยู่",
        "no_children": "ไม่มีอุปกรณ์ที่เชื่อมต่อผ่านอุปกรณ์นี้",
        "history": "ประวัติสถานะ",
        "no_history": "ยังไม่มีประวัติสถานะ",
        "last_check": "ตรวจล่าสุด",
        "last_error": "ข้อผิดพลาดล่าสุด",
        "latency_loss": "เวลาแฝงและการสูญหายของแพ็กเก็ต",
        "latency": "เวลาแฝง",
        "loss": "การสูญหายของแพ็กเก็ต",
        "range_24h": "24 ชั่วโมง",
        "range_7d": "7 วัน",
        "range_30d": "30 วัน",
        "chart_no_data": "ไม่มีข้อมูลในช่วงเวลานี้",
        "chart_loading": "กำลังโหลดกราฟ…",
        "chart_error": "โหลดข้อมูลกราฟไม่สำเร็จ",
        "disabled": "ปิดการตรวจวัด",
        "not_found": "ไม่พบหน้าที่ต้องการ",
        "error_title_400": "คำขอไม่ถูกต้อง",
        "error_text_400": "แบบฟอร์มหรือคำขอนี้ไม่ถูกต้องหรือหมดอายุ กรุณากลับไปลองใหม่อีกครั้ง",
        "error_title_403": "ไม่มีสิทธิ์เข้าถึง",
        "error_text_403": "บัญชีของท่านไม่มีสิทธิ์ใช้งานส่วนนี้ หากจำเป็นต้องใช้ กรุณาติดต่อผู้ดูแลระบบ",
        "error_title_404": "ไม่พบหน้าที่ต้องการ",
        "error_text_404": "ไม่พบหน้าหรือข้อมูลที่ขอ อาจถูกลบหรือย้ายไปแล้ว",
        "error_title_405": "ใช้งานแบบนี้ไม่ได้",
        "error_text_405": "หน้านี้ไม่รองรับการส่งคำขอในลักษณะนี้",
        "error_title_413": "ไฟล์ใหญ่เกินไป",
        "error_text_413": "ไฟล์หรือข้อมูลที่ส่งมามีขนาดใหญ่เกินกว่าที่ระบบรับได้",
        "error_title_429": "ส่งคำขอถี่เกินไป",
        "error_text_429": "กรุณารอสักครู่แล้วลองใหม่อีกครั้ง",
        "error_title_500": "ระบบขัดข้อง",
        "error_text_500": "เกิดข้อผิดพลาดภายในระบบ ข้อมูลของท่านไม่ได้สูญหาย ระบบบันทึกรายละเอียดไว้ให้ผู้ดูแลแล้ว กรุณาลองใหม่อีกครั้ง",
        "back_to_status": "กลับไปหน้าสถานะเครือข่าย",
        "ms": "มิลลิวินาที",
        "time": "เวลา",
        # device kinds
        "kind_router": "เราเตอร์",
        "kind_switch": "สวิตช์",
        "kind_ap": "แอกเซสพอยต์",
        "kind_firewall": "ไฟร์วอลล์",
        "kind_server": "เซิร์ฟเวอร์",
        "kind_ups": "เครื่องสำรองไฟ (UPS)",
        "kind_other": "อื่น ๆ",
        # reports (issue 6)
        "reports": "รายงาน",
        "report_period": "ช่วงเวลา",
        "report_show": "แสดงรายงาน",
        "reports_generated": "รายงานประจำเดือนที่จัดทำแล้ว",
        "reports_none_generated": "ยังไม่มีรายงานที่จัดทำตามกำหนด (จัดทำอัตโนมัติทุกต้นเดือน)",
        "report_created": "จัดทำเมื่อ",
        "report_mailed_to": "ส่งถึง",
        "report_files": "ไฟล์",
    },
    "en": {
        "app_name": "ictmon",
        "app_tagline": "Network monitoring",
        "network_status": "Network status",
        "sites": "Schools",
        "site": "Site",
        "devices": "Devices",
        "device": "Device",
        "login": "Sign in",
        "logout": "Sign out",
        "username": "Username",
        "password": "Password",
        "login_failed": "Wrong username or password",
        "login_required": "Please sign in first",
        "login_expired": "The form expired, please try again",
        "logged_out": "Signed out",
        "signed_in_as": "User",
        "language": "Language",
        "state_up": "Up",
        "state_down": "Down",
        "state_unreachable": "Unreachable",
        "state_unknown": "Unknown",
        "state_maintenance": "Maintenance",
        "lasted_down": "Down for {d}",
        "lasted_unreachable": "Unreachable for {d}",
        "lasted_unknown": "Unknown for {d}",
        "lasted_maintenance": "In maintenance for {d}",
        "lasted_up": "Up for {d}",
        "level_offline": "Offline",
        "level_degraded": "Degraded",
        "level_unknown": "Unknown",
        "level_maintenance": "Maintenance",
        "level_ok": "OK",
        "summary_all_ok": "All schools are up",
        "summary_sites_offline": "Sites offline: {n}",
        "summary_sites_degraded": "Degraded: {n}",
        "summary_devices_down": "Devices down: {n}",
        "summary_devices_unreachable": "Unreachable: {n}",
        "summary_totals": "{sites} sites · {devices} devices",
        "updated_at": "As of {t}",
        "last_poll": "Last poll {t}",
        "poller_stale": "The poller has not reported since {t} — states shown may be out of date",
        "poller_never": "The poller has never reported — states shown may be out of date",
        "refresh_failed": "Could not refresh, retrying…",
        "session_expired": "Your session has expired; reload the page to sign in",
        "no_sites": "No sites yet",
        "no_devices": "No devices yet",
        "filter_sites": "Find a school…",
        "devices_count": "Devices: {n}",
        "all_up": "All devices up ({n})",
        "col_device": "Device",
        "col_state": "State",
        "col_since": "Since",
        "col_duration": "Duration",
        "col_address": "Address",
        "col_kind": "Kind",
        "col_rtt": "Latency",
        "col_loss": "Packet loss",
        "col_started": "Started",
        "col_ended": "Ended",
        "col_site": "Site",
        "uplink": "Uplink",
        "uplink_in": "at {site}",
        "ongoing": "ongoing",
        "parent": "Parent",
        "children": "Connected devices",
        "no_children": "No devices connect through this one",
        "history": "State history",
        "no_history": "No state history yet",
        "last_check": "Last check",
        "last_error": "Last error",
        "latency_loss": "Latency and packet loss",
        "latency": "Latency",
        "loss": "Packet loss",
        "range_24h": "24 hours",
        "range_7d": "7 days",
        "range_30d": "30 days",
        "chart_no_data": "No data in this period",
        "chart_loading": "Loading chart…",
        "chart_error": "Could not load chart data",
        "disabled": "Monitoring disabled",
        "not_found": "Page not found",
        "error_title_400": "Bad request",
        "error_text_400": "This form or request is not valid or has expired. Please go back and try again.",
        "error_title_403": "Not allowed",
        "error_text_403": "Your account may not use this part of ictmon. Ask an administrator if you need it.",
        "error_title_404": "Page not found",
        "error_text_404": "The page or record you asked for does not exist; it may have been removed.",
        "error_title_405": "Not supported",
        "error_text_405": "This page does not accept that kind of request.",
        "error_title_413": "Too large",
        "error_text_413": "The file or data sent is larger than ictmon accepts.",
        "error_title_429": "Too many requests",
        "error_text_429": "Please wait a moment and try again.",
        "error_title_500": "Something went wrong",
        "error_text_500": "ictmon hit an internal error. Nothing you saved was lost; the details are in the log for the administrator. Please try again.",
        "back_to_status": "Back to network status",
        "ms": "ms",
        "time": "Time",
        "kind_router": "Router",
        "kind_switch": "Switch",
        "kind_ap": "Access point",
        "kind_firewall": "Firewall",
        "kind_server": "Server",
        "kind_ups": "UPS",
        "kind_other": "Other",
        # reports (issue 6)
        "reports": "Reports",
        "report_period": "Period",
        "report_show": "Show report",
        "reports_generated": "Monthly reports generated",
        "reports_none_generated": "No scheduled report yet (made automatically at the start of each month)",
        "report_created": "Created",
        "report_mailed_to": "Mailed to",
        "report_files": "Files",
    },
}


def add_words(words: dict[str, dict[str, str]]) -> None:
    """Merge a feature's strings into the catalogue (each feature keeps its own module).

    Installing twice is harmless; a key that another feature already uses with a different text is
    an error, so one feature can never silently change another's wording.
    """
    for lang, entries in words.items():
        catalogue = CATALOGUE.setdefault(lang, {})
        for key, text in entries.items():
            if catalogue.setdefault(key, text) != text:
                raise ValueError(f"i18n key {key!r} ({lang}) is already defined with other text")


def translate(key: str, lang: str | None = None, **values) -> str:
    lang = lang or current_language()
    text = CATALOGUE.get(lang, {}).get(key) or CATALOGUE["th"].get(key) or key
    return text.format(**values) if values else text


def current_language() -> str:
    return getattr(g, "lang", None) or current_app.config.get("ICTMON_DEFAULT_LANGUAGE", "th")


def select_language() -> None:
    """before_request: take ?lang= (and remember it), else the session's, else the default."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
    lang = session.get("lang")
    g.lang = lang if lang in LANGUAGES else current_app.config.get("ICTMON_DEFAULT_LANGUAGE", "th")
