"""Words of the risk register pages (issue 7), merged into web.i18n's catalogue."""
from __future__ import annotations

from web.i18n import add_words

WORDS: dict[str, dict[str, str]] = {
    "th": {
        "risks": "ความเสี่ยง", "risk_register": "ทะเบียนความเสี่ยง",
        "risk_heatmap": "แผนภูมิความเสี่ยง (โอกาส × ผลกระทบ)",
        "risk_likelihood": "โอกาสเกิด", "risk_impact": "ผลกระทบ", "risk_score": "คะแนน",
        "risk_level": "ระดับ", "risk_status": "สถานะ", "risk_category": "ประเภท",
        "risk_title": "ความเสี่ยง", "risk_subject": "โรงเรียน/อุปกรณ์", "risk_owner": "ผู้รับผิดชอบ",
        "risk_mitigation": "แนวทางจัดการความเสี่ยง", "risk_review": "วันทบทวน",
        "risk_rule": "กฎ", "risk_manual": "เพิ่มโดยเจ้าหน้าที่", "risk_evidence": "หลักฐาน",
        "risk_history": "ประวัติการเปลี่ยนแปลง", "risk_new": "เพิ่มความเสี่ยง",
        "risk_edit": "แก้ไข", "risk_save": "บันทึก", "risk_export": "ส่งออก Excel",
        "risk_none": "ไม่มีความเสี่ยงตามเงื่อนไขนี้", "risk_none_subject": "ทั้งสำนักงาน",
        "risk_proposed_close": "เสนอให้ปิด (เงื่อนไขหายไปแล้ว)",
        "risk_saved": "บันทึกแล้ว", "risk_bad_input": "ข้อมูลไม่ถูกต้อง: {field}",
        "risk_any": "ทั้งหมด", "risk_active": "ยังไม่ปิด", "risk_filter": "กรอง",
        "risk_clear_filter": "ล้างตัวกรอง", "risk_when": "เมื่อ", "risk_who": "โดย",
        "risk_what": "การเปลี่ยนแปลง", "risk_incidents": "เหตุการณ์ที่เกี่ยวข้อง",
        "risk_open_high": "ความเสี่ยงระดับสูงที่ยังไม่ได้ปิด",
        "level_low": "ต่ำ", "level_medium": "ปานกลาง", "level_high": "สูง",
        "level_very_high": "สูงมาก",
        "rstatus_open": "เปิดอยู่", "rstatus_mitigating": "กำลังลดความเสี่ยง",
        "rstatus_accepted": "ยอมรับความเสี่ยง", "rstatus_closed": "ปิดแล้ว",
        "rcat_availability": "ความพร้อมใช้งาน", "rcat_capacity": "ขีดความสามารถ",
        "rcat_power": "ระบบไฟฟ้า", "rcat_lifecycle": "อายุการใช้งานอุปกรณ์",
        "rcat_configuration": "การตั้งค่า", "rcat_security": "ความมั่นคงปลอดภัย",
        "rcat_other": "อื่น ๆ",
        "raction_created": "สร้าง", "raction_edited": "แก้ไข", "raction_raised": "เพิ่มโอกาสเกิด",
        "raction_returned": "เงื่อนไขกลับมา", "raction_proposed_close": "เสนอให้ปิด",
    },
    "en": {
        "risks": "Risks", "risk_register": "Risk register",
        "risk_heatmap": "Risk heat-map (likelihood × impact)",
        "risk_likelihood": "Likelihood", "risk_impact": "Impact", "risk_score": "Score",
        "risk_level": "Level", "risk_status": "Status", "risk_category": "Category",
        "risk_title": "Risk", "risk_subject": "School/device", "risk_owner": "Owner",
        "risk_mitigation": "Mitigation", "risk_review": "Review date",
        "risk_rule": "Rule", "risk_manual": "Added by hand", "risk_evidence": "Evidence",
        "risk_history": "History", "risk_new": "Add a risk",
        "risk_edit": "Edit", "risk_save": "Save", "risk_export": "Export to Excel",
        "risk_none": "No risks match", "risk_none_subject": "Whole office",
        "risk_proposed_close": "Proposed for closing (condition cleared)",
        "risk_saved": "Saved", "risk_bad_input": "Invalid input: {field}",
        "risk_any": "All", "risk_active": "Not closed", "risk_filter": "Filter",
        "risk_clear_filter": "Clear filter", "risk_when": "When", "risk_who": "By",
        "risk_what": "Change", "risk_incidents": "Related incidents",
        "risk_open_high": "Open high risks",
        "level_low": "Low", "level_medium": "Medium", "level_high": "High",
        "level_very_high": "Very high",
        "rstatus_open": "Open", "rstatus_mitigating": "Mitigating",
        "rstatus_accepted": "Accepted", "rstatus_closed": "Closed",
        "rcat_availability": "Availability", "rcat_capacity": "Capacity",
        "rcat_power": "Power", "rcat_lifecycle": "Hardware lifecycle",
        "rcat_configuration": "Configuration", "rcat_security": "Security", "rcat_other": "Other",
        "raction_created": "Created", "raction_edited": "Edited",
        "raction_raised": "Likelihood raised", "raction_returned": "Condition returned",
        "raction_proposed_close": "Proposed for closing",
    },
}


def install() -> None:
    add_words(WORDS)
