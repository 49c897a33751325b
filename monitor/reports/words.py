"""The report's words and number formats, Thai and English, shared by the PDF, XLSX and HTML.

Dates and durations come from monitor.localtime (Bangkok time, Buddhist era); this module adds the
report's own vocabulary and the two formats every table uses: a percent with two decimals and a
duration to the second (H:MM:SS, hours may exceed 24).
"""

from __future__ import annotations

from datetime import timedelta

WORDS: dict[str, dict[str, str]] = {
    "th": {
        "memo": "บันทึกข้อความ",
        "agency": "ส่วนราชการ",
        "ref_no": "ที่",
        "date": "วันที่",
        "subject": "เรื่อง",
        "to": "เรียน",
        "subject_text": "รายงานผลการติดตามการให้บริการระบบเครือข่าย ประจำ{period}",
        "subject_month": "เดือน{period}",
        # Spaces between phrases, as Thai writing does: the PDF can only wrap lines at spaces.
        "intro": (
            "ตามที่ {office} ได้ติดตามการทำงาน ของระบบเครือข่าย ของสำนักงานและสถานศึกษาในสังกัด "
            "จำนวน {sites} แห่ง อุปกรณ์ {devices} เครื่อง อย่างต่อเนื่อง ในช่วงวันที่ {first} ถึง {last} "
            "ขอรายงานผลดังนี้"
        ),
        "partial": "หมายเหตุ: รายงานนี้ครอบคลุมข้อมูลถึง {t} เท่านั้น (ช่วงเวลายังไม่สิ้นสุด)",
        "closing": "จึงเรียนมาเพื่อโปรดทราบ",
        "sign": "(ลงชื่อ)",
        "prepared_by": "ผู้จัดทำรายงาน",
        "acknowledged": "ทราบ / ความเห็น",
        "summary": "สรุปผล",
        "district_availability": "ความพร้อมใช้งานของเครือข่ายทั้งเขต",
        "target": "เป้าหมาย",
        "sites_meeting": "สถานศึกษา/หน่วยงานที่ผ่านเป้าหมาย",
        "sites_meeting_value": "{met} จาก {measured} แห่ง",
        "total_downtime": "เวลาขัดข้องรวม (ระดับสถานศึกษา)",
        "outages": "จำนวนครั้งที่ขัดข้อง",
        "outages_value": "{n} ครั้ง",
        "mttr": "เวลาเฉลี่ยในการแก้ไข (MTTR)",
        "mtbf": "เวลาเฉลี่ยระหว่างการขัดข้อง (MTBF)",
        "longest": "การขัดข้องนานที่สุด",
        "unknown_time": "เวลาที่ไม่ทราบสถานะ (ไม่นับรวม)",
        "maintenance_time": "เวลาปิดปรับปรุงตามแผน (ไม่นับรวม)",
        "vs_previous": "เทียบกับเดือนก่อน",
        "trend_chart": "แนวโน้มความพร้อมใช้งานของเครือข่ายรายเดือน",
        "site_chart": "ความพร้อมใช้งานรายสถานศึกษา (ต่ำสุด {n} แห่ง)",
        "site_table": "ความพร้อมใช้งานรายสถานศึกษา/หน่วยงาน (เรียงจากต่ำสุด)",
        "kind_table": "ความพร้อมใช้งานตามประเภทอุปกรณ์",
        "device_table": "ความพร้อมใช้งานรายอุปกรณ์",
        "worst_devices": "อุปกรณ์ที่มีความพร้อมใช้งานต่ำสุด {n} รายการ",
        "trend_table": "แนวโน้มรายเดือน",
        "outage_table": "เหตุขัดข้องสำคัญของเดือน (นานที่สุด)",
        "risk_table": "ความเสี่ยงระดับสูงและสูงมากที่ยังไม่ได้ปิด",
        "no_outages": "ไม่มีเหตุขัดข้องในช่วงเวลานี้",
        "incidents_total": "เหตุการณ์ในบันทึกเหตุการณ์",
        "outages_total": "เหตุขัดข้องระดับสถานศึกษา (จากประวัติสถานะ)",
        "outage_shown": "แสดง {shown} รายการจากทั้งหมด {total} รายการ เรียงตามเวลาขัดข้องในงวดจากมากไปน้อย",
        "outage_from_history": (
            "เดือนนี้ไม่มีบันทึกเหตุการณ์ รายการนี้คำนวณจากประวัติสถานะของอุปกรณ์ จึงไม่มีสาเหตุและบันทึกการแก้ไข"
        ),
        "col_incident_cause": "สาเหตุ",
        "col_notes": "การแก้ไข/บันทึก",
        "col_what": "อุปกรณ์/เหตุการณ์",
        "col_duration_min": "เวลาขัดข้องในงวด (นาที)",
        "col_manual": "บันทึกโดยเจ้าหน้าที่",
        "manual_mark": "(บันทึกโดยเจ้าหน้าที่)",
        "yes": "ใช่",
        "no": "ไม่ใช่",
        "cause_isp": "ผู้ให้บริการอินเทอร์เน็ต",
        "cause_power": "ไฟฟ้า",
        "cause_hardware": "อุปกรณ์เสีย",
        "cause_config": "การตั้งค่า",
        "cause_planned": "งานตามแผน",
        "cause_theft": "สูญหาย/ถูกขโมย",
        "cause_other": "อื่น ๆ",
        "cause_none": "ยังไม่ระบุ",
        "no_risk_register": "ยังไม่มีทะเบียนความเสี่ยงในระบบ",
        "no_risks": "ไม่มีความเสี่ยงระดับสูงที่ยังเปิดอยู่",
        "level_low": "ต่ำ",
        "level_medium": "ปานกลาง",
        "level_high": "สูง",  # issue 7
        "level_very_high": "สูงมาก",
        "col_no": "ลำดับ",
        "col_code": "รหัส",
        "col_site": "สถานศึกษา/หน่วยงาน",
        "col_kind": "ประเภท",
        "col_device": "อุปกรณ์",
        "col_devices": "อุปกรณ์ (เครื่อง)",
        "col_pct": "ความพร้อมใช้งาน (%)",
        "col_target": "เป้าหมาย (%)",
        "col_met": "ผลการประเมิน",
        "col_down": "เวลาขัดข้อง (ชม.:นาที:วินาที)",
        "col_outages": "ขัดข้อง (ครั้ง)",
        "col_mttr": "MTTR (ชม.:นาที:วินาที)",
        "col_mtbf": "MTBF (ชม.:นาที:วินาที)",
        "col_longest": "นานที่สุด (ชม.:นาที:วินาที)",
        "col_unreachable": "ติดต่อไม่ได้ (ชม.:นาที:วินาที)",
        "col_maintenance": "ปิดปรับปรุง (ชม.:นาที:วินาที)",
        "col_unknown": "ไม่ทราบสถานะ (ชม.:นาที:วินาที)",
        "col_up": "ใช้งานได้ (ชม.:นาที:วินาที)",
        "col_month": "เดือน",
        "col_sites_met": "ผ่านเป้าหมาย (แห่ง)",
        "col_start": "เริ่ม",
        "col_end": "สิ้นสุด",
        "col_duration": "ระยะเวลา",
        "col_cause": "สาเหตุ/การแก้ไข",
        "col_risk": "ความเสี่ยง",
        "col_level": "ระดับ",
        "col_owner": "ผู้รับผิดชอบ",
        "short_pct": "ร้อยละ",
        "short_target": "เป้า",
        "short_met": "ผล",
        "short_down": "ขัดข้อง",
        "short_outages": "ครั้ง",
        "short_mttr": "MTTR",
        "short_unknown": "ไม่ทราบ",
        "short_devices": "เครื่อง",
        "short_sites_met": "ผ่านเป้า",
        "time_note": "ระยะเวลาในตารางแสดงเป็น ชั่วโมง:นาที:วินาที · MTTR = เวลาเฉลี่ยในการแก้ไข · "
        "ไม่ทราบ = เวลาที่ไม่ทราบสถานะ",
        "met_yes": "ผ่าน",
        "met_no": "ไม่ผ่าน",
        "met_none": "ไม่มีข้อมูล",
        "continues": "ต่อเนื่องถึงสิ้นงวด",
        "page": "หน้า {n}/{total}",
        "footer": "รายงานความพร้อมใช้งานระบบเครือข่าย {period} · สร้างโดย ictmon",
        "rule_uplink": "สถานศึกษาถือว่าใช้งานได้เมื่ออุปกรณ์เชื่อมต่อหลัก (uplink) ใช้งานได้",
        "rule_all": "สถานศึกษาถือว่าใช้งานได้เมื่ออุปกรณ์ทุกเครื่องใช้งานได้",
        "method": (
            "ความพร้อมใช้งาน = เวลาใช้งานได้ ÷ (เวลาใช้งานได้ + เวลาขัดข้อง) ไม่นับเวลาปิดปรับปรุงตามแผน "
            "เวลาที่ไม่ทราบสถานะ และเวลาที่ติดต่อไม่ได้เพราะอุปกรณ์ต้นทางขัดข้อง"
        ),
        "sheet_summary": "สรุป",
        "sheet_sites": "รายสถานศึกษา",
        "sheet_kinds": "ตามประเภทอุปกรณ์",
        "sheet_devices": "รายอุปกรณ์",
        "sheet_trend": "แนวโน้มรายเดือน",
        "sheet_outages": "เหตุขัดข้องสำคัญ",
        "item": "รายการ",
        "value": "ค่า",
        "office": "หน่วยงาน",
        "period": "ช่วงเวลา",
        "generated": "วันที่จัดทำ",
        "report_title": "รายงานความพร้อมใช้งานระบบเครือข่าย",
        "kind_router": "เราเตอร์",
        "kind_switch": "สวิตช์",
        "kind_ap": "แอกเซสพอยต์",
        "kind_firewall": "ไฟร์วอลล์",
        "kind_server": "เซิร์ฟเวอร์",
        "kind_ups": "เครื่องสำรองไฟ (UPS)",
        "kind_other": "อื่น ๆ",
    },
    "en": {
        "memo": "Memorandum",
        "agency": "From",
        "ref_no": "Ref.",
        "date": "Date",
        "subject": "Subject",
        "to": "To",
        "subject_text": "Network service availability report, {period}",
        "subject_month": "{period}",
        "intro": (
            "{office} monitored the network of the office and its {sites} sites ({devices} devices) "
            "continuously from {first} to {last}. The results are as follows."
        ),
        "partial": "Note: this report covers data up to {t} only (the period has not ended)",
        "closing": "For your information.",
        "sign": "(Signed)",
        "prepared_by": "Prepared by",
        "acknowledged": "Acknowledged / comments",
        "summary": "Summary",
        "district_availability": "District network availability",
        "target": "Target",
        "sites_meeting": "Sites meeting the target",
        "sites_meeting_value": "{met} of {measured}",
        "total_downtime": "Total downtime (sites)",
        "outages": "Outages",
        "outages_value": "{n}",
        "mttr": "Mean time to repair (MTTR)",
        "mtbf": "Mean time between failures (MTBF)",
        "longest": "Longest outage",
        "unknown_time": "Unknown time (not counted)",
        "maintenance_time": "Planned maintenance (not counted)",
        "vs_previous": "vs previous month",
        "trend_chart": "Monthly network availability",
        "site_chart": "Availability per site (lowest {n})",
        "site_table": "Availability per site (worst first)",
        "kind_table": "Availability per device kind",
        "device_table": "Availability per device",
        "worst_devices": "Lowest {n} devices",
        "trend_table": "Monthly trend",
        "outage_table": "Major outages of the period (longest)",
        "risk_table": "Open high and very high risks",
        "no_outages": "No outages in this period",
        "incidents_total": "Incidents in the incident log",
        "outages_total": "Site outages (from state history)",
        "outage_shown": "{shown} of {total} shown, most downtime in the period first",
        "outage_from_history": (
            "No incidents were logged this month: this list is computed from "
            "the devices' state history, so it has no causes or notes"
        ),
        "col_incident_cause": "Cause",
        "col_notes": "Resolution / notes",
        "col_what": "Device / incident",
        "col_duration_min": "Downtime in period (minutes)",
        "col_manual": "Logged by a person",
        "manual_mark": "(logged by a person)",
        "yes": "Yes",
        "no": "No",
        "cause_isp": "Internet provider",
        "cause_power": "Power",
        "cause_hardware": "Hardware failure",
        "cause_config": "Configuration",
        "cause_planned": "Planned work",
        "cause_theft": "Lost/stolen",
        "cause_other": "Other",
        "cause_none": "Not set",
        "no_risk_register": "No risk register in this installation yet",
        "no_risks": "No open high risks",
        "level_low": "Low",
        "level_medium": "Medium",
        "level_high": "High",  # issue 7
        "level_very_high": "Very high",
        "col_no": "No.",
        "col_code": "Code",
        "col_site": "Site",
        "col_kind": "Kind",
        "col_device": "Device",
        "col_devices": "Devices",
        "col_pct": "Availability (%)",
        "col_target": "Target (%)",
        "col_met": "Result",
        "col_down": "Downtime (h:mm:ss)",
        "col_outages": "Outages",
        "col_mttr": "MTTR (h:mm:ss)",
        "col_mtbf": "MTBF (h:mm:ss)",
        "col_longest": "Longest (h:mm:ss)",
        "col_unreachable": "Unreachable (h:mm:ss)",
        "col_maintenance": "Maintenance (h:mm:ss)",
        "col_unknown": "Unknown (h:mm:ss)",
        "col_up": "Up (h:mm:ss)",
        "col_month": "Month",
        "col_sites_met": "Sites meeting target",
        "col_start": "Start",
        "col_end": "End",
        "col_duration": "Duration",
        "col_cause": "Cause / resolution",
        "col_risk": "Risk",
        "col_level": "Level",
        "col_owner": "Owner",
        "short_pct": "%",
        "short_target": "Target",
        "short_met": "Result",
        "short_down": "Down",
        "short_outages": "Outages",
        "short_mttr": "MTTR",
        "short_unknown": "Unknown",
        "short_devices": "Devices",
        "short_sites_met": "Sites met",
        "time_note": "Durations are h:mm:ss · MTTR = mean time to repair · Unknown = time without data",
        "met_yes": "met",
        "met_no": "missed",
        "met_none": "no data",
        "continues": "continues past the period",
        "page": "Page {n}/{total}",
        "footer": "Network availability report {period} · made by ictmon",
        "rule_uplink": "A site counts as up while its uplink device is up",
        "rule_all": "A site counts as up only while all its devices are up",
        "method": (
            "Availability = up ÷ (up + down); planned maintenance, unknown time and time unreachable "
            "behind a failed parent are not counted"
        ),
        "sheet_summary": "Summary",
        "sheet_sites": "Sites",
        "sheet_kinds": "Device kinds",
        "sheet_devices": "Devices",
        "sheet_trend": "Trend",
        "sheet_outages": "Major outages",
        "item": "Item",
        "value": "Value",
        "office": "Office",
        "period": "Period",
        "generated": "Prepared on",
        "report_title": "Network availability report",
        "kind_router": "Router",
        "kind_switch": "Switch",
        "kind_ap": "Access point",
        "kind_firewall": "Firewall",
        "kind_server": "Server",
        "kind_ups": "UPS",
        "kind_other": "Other",
    },
}


def word(key: str, lang: str = "th", **values) -> str:
    text = WORDS.get(lang, WORDS["th"]).get(key) or WORDS["th"].get(key) or key
    return text.format(**values) if values else text


def kind_label(kind: str, lang: str = "th") -> str:
    return WORDS.get(lang, WORDS["th"]).get(f"kind_{kind}", kind)


def cause_label(cause: str, lang: str = "th") -> str:
    """An incident's cause category in words; "" for outages that do not come from the log."""
    return word(f"cause_{cause}", lang) if cause else ""


def incident_what(row, lang: str = "th") -> str:
    """The device, or for an incident logged by hand its title (and device), marked as such."""
    if not row.manual:
        return row.device
    what = f"{row.title} ({row.device})" if row.device else row.title
    return f"{what} {word('manual_mark', lang)}"


def pct(value: float | None) -> str:
    """Two decimals, never rounded up to a 100.00 that was not reached."""
    if value is None:
        return "—"
    if value < 100.0 and round(value, 2) >= 100.0:
        return "99.99"
    return f"{value:.2f}"


def hms(value: timedelta | None) -> str:
    """A duration to the second: '3:05:07', '245:00:00'."""
    if value is None:
        return "—"
    seconds = round(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def met_label(met: bool | None, lang: str = "th") -> str:
    return word({True: "met_yes", False: "met_no", None: "met_none"}[met], lang)


def period_subject(report, lang: str = "th") -> str:
    label = report.period.label(lang)
    if report.period.kind == "month":
        label = word("subject_month", lang, period=label)
    return word("subject_text", lang, period=label)
