"""The Reports page and GET /api/v1/availability, as the officer and their scripts see them."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from monitor.accounts.users import create_token
from monitor.db.models import GeneratedReport
from tests.conftest import NOW
from tests.reports.district import EXPECTED, EXPECTED_PCT, SITE_NAMES, seed_october


@pytest.fixture
def october(db):
    return seed_october(db)


def test_reports_page_shows_the_previous_month_worst_first(officer, october):
    page = officer.get("/reports").get_data(as_text=True)  # NOW is 24 Nov: October by default
    assert "ตุลาคม 2569" in page
    s02, office = (
        page.index(SITE_NAMES["S02"] + " (S02)"),
        page.index(SITE_NAMES["OFFICE"] + " (OFFICE)"),
    )
    assert s02 < office
    assert "99.40" in page and "ไม่ผ่าน" in page and "<svg" in page


def test_reports_page_for_another_month_and_in_english(officer, october):
    page = officer.get("/reports?period=2026-09&lang=en").get_data(as_text=True)
    assert "Sep 2026" in page and "Memorandum" in page
    assert "100.00" in page


def test_bad_period_is_a_message_not_a_crash(officer, october):
    response = officer.get("/reports?period=2569-13")
    assert response.status_code == 400
    assert "2569-10" in response.get_data(as_text=True)


def test_reports_page_needs_login(client, october):
    assert client.get("/reports").status_code == 302


def test_pdf_and_xlsx_download(officer, october):
    pdf = officer.get("/reports/download.pdf?period=2569-10")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "ตุลาคม 2569" in text
    xlsx = officer.get("/reports/download.xlsx?period=fiscal-2570")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book["สรุป"]["B3"].value == "ปีงบประมาณ 2570"


def test_generated_reports_are_listed_and_served(officer, db, october):
    with db.begin() as s:
        s.add(
            GeneratedReport(
                period_key="2026-09",
                period_label="กันยายน 2569",
                created_at=NOW,
                created_by="schedule",
                pdf=b"%PDF-stored",
                xlsx=b"PK-stored",
                mailed_to="director@example.org",
            )
        )
    page = officer.get("/reports").get_data(as_text=True)
    assert "กันยายน 2569" in page and "director@example.org" in page
    with db() as s:
        report_id = s.query(GeneratedReport).one().id
    assert officer.get(f"/reports/generated/{report_id}.pdf").data == b"%PDF-stored"
    assert officer.get(f"/reports/generated/{report_id}.xlsx").data == b"PK-stored"
    assert officer.get(f"/reports/generated/{report_id + 1}.pdf").status_code == 404


# --- API ---------------------------------------------------------------------------------------


def test_api_availability_per_site_and_device(officer, october):
    body = officer.get("/api/v1/availability?period=2026-10").get_json()
    assert body["period"] == "2026-10" and body["label"] == "ตุลาคม 2569"
    assert body["start"] == "2026-10-01T00:00:00+07:00"
    sites = {s["code"]: s for s in body["sites"]}
    for code, expected in EXPECTED.items():
        site = sites[code]
        for key in ("up", "down", "unreachable", "maintenance", "unknown"):
            assert site[f"{key}_s"] == expected.get(key, 0), (code, key)
        assert site["outages"] == expected["outages"]
        assert site["availability_pct"] == pytest.approx(EXPECTED_PCT[code], abs=1e-4)
    assert sites["S02"]["mttr_s"] == (3 * 3600 + 25 * 60 + 17 + 3600) / 2
    devices = {d["id"]: d for d in body["devices"]}
    ap = devices[october["s01_ap"]]
    assert ap["site"] == "S01" and ap["down_s"] == 7200 and ap["outages"] == 1


def test_api_fiscal_year_and_date_range(officer, october):
    fiscal = officer.get("/api/v1/availability?period=fiscal-2570").get_json()
    assert fiscal["start"] == "2026-10-01T00:00:00+07:00"
    assert fiscal["measured_until"] == "2026-11-24T10:00:00+07:00"  # the year is still running
    ranged = officer.get("/api/v1/availability?from=2026-10-05&to=2026-10-05").get_json()
    s02 = {s["code"]: s for s in ranged["sites"]}["S02"]
    assert s02["down_s"] == 3 * 3600 + 25 * 60 + 17
    assert (
        sum(s02[k] for k in ("up_s", "down_s", "unreachable_s", "maintenance_s", "unknown_s"))
        == 86400
    )


def test_api_with_a_token_and_errors(client, db, october):
    with db.begin() as s:
        from monitor.accounts.users import create_user

        user = create_user(s, "script", "a long enough password")
        token = create_token(s, user, "report script")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/availability?period=2026-10", headers=headers).status_code == 200
    bad = client.get("/api/v1/availability?period=last-month", headers=headers)
    assert bad.status_code == 400 and "2569-10" in bad.get_json()["error"]
    assert client.get("/api/v1/availability?period=2026-10").status_code == 401
