"""The risk register pages and /api/v1/risks: heat-map counts and links, filtering, add and edit
by hand with who/when in the history, viewers read only, CSRF, Excel export, status page."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from monitor.accounts.users import create_user
from monitor.db.models import Incident, Risk, RiskEvent, Site
from monitor.risks.register import create_risk, reconcile
from monitor.risks.rules import DesiredRisk, parse_rules
from tests.conftest import NOW
from tests.web.conftest import PASSWORD, make_app, sign_in


def site_ids(db):
    with db() as s:
        return dict(s.execute(select(Site.code, Site.id)).all())


def add_risks(db, district):
    """A hand-made very high risk at S02, a rule's medium one on the S02 router, a closed low."""
    with db.begin() as s:
        high = create_risk(
            s,
            {
                "title": "ไฟดับบ่อย <b>ฤดูฝน</b>",
                "category": "power",
                "likelihood": 4,
                "impact": 5,
                "site_id": site_ids(db)["S02"],
            },
            "officer",
            NOW,
        )
        s.add(
            Incident(
                device_id=district["s02_router"],
                site_id=site_ids(db)["S02"],
                title="down",
                manual=False,
                state="resolved",
                opened_at=NOW - timedelta(days=1),
            )
        )
        s.flush()
        incident_id = s.scalar(select(Incident.id))
        rules = parse_rules({"rules": {"repeated_outages": {"check": "repeated_outages"}}})
        reconcile(
            s,
            rules,
            [
                DesiredRisk(
                    "repeated_outages",
                    f"device:{district['s02_router']}",
                    "ขัดข้องซ้ำ: s02-router",
                    "availability",
                    site_ids(db)["S02"],
                    district["s02_router"],
                    3,
                    3,
                    {"summary": "ขัดข้อง 3 ครั้งใน 30 วัน", "incidents": [incident_id]},
                )
            ],
            NOW,
        )
        low = create_risk(
            s,
            {
                "title": "ป้ายชื่อหาย",
                "category": "other",
                "likelihood": 1,
                "impact": 1,
                "status": "closed",
            },
            "officer",
            NOW,
        )
        return {
            "high": high.id,
            "low": low.id,
            "incident": incident_id,
            "rule": s.scalar(select(Risk.id).where(Risk.rule_key.is_not(None))),
        }


def test_heatmap_counts_active_risks_and_cells_link_to_the_filtered_list(officer, db, district):
    ids = add_risks(db, district)
    page = officer.get("/risks").get_data(as_text=True)
    heat = page[page.index('id="heatmap"') : page.index("</table>")]
    cell = re.search(r'data-likelihood="4" data-impact="5">\s*<a href="([^"]+)"[^>]*>1</a>', heat)
    assert cell and "level-very_high" in heat[heat.rfind("<td", 0, cell.start()) : cell.start()]
    assert re.search(r'data-likelihood="3" data-impact="3">\s*<a [^>]*>1</a>', heat)
    assert re.search(r'data-likelihood="1" data-impact="1">\s*<span class="zero"', heat)  # closed
    listed = officer.get(cell.group(1).replace("&amp;", "&")).get_data(as_text=True)
    rows = re.findall(r'data-risk-id="(\d+)"', listed)
    assert rows == [str(ids["high"])]
    assert "&lt;b&gt;ฤดูฝน&lt;/b&gt;" in listed  # officer's text escaped
    everything = officer.get("/risks?status=all").get_data(as_text=True)
    assert set(re.findall(r'data-risk-id="(\d+)"', everything)) == {
        str(i) for i in (ids["high"], ids["low"], ids["rule"])
    }
    by_level = officer.get("/risks?level=medium").get_data(as_text=True)
    assert re.findall(r'data-risk-id="(\d+)"', by_level) == [str(ids["rule"])]


def test_rule_risk_page_links_its_incidents(officer, db, district):
    ids = add_risks(db, district)
    page = officer.get(f"/risks/{ids['rule']}").get_data(as_text=True)
    assert "ขัดข้อง 3 ครั้งใน 30 วัน" in page
    assert f'href="/incidents/{ids["incident"]}"' in page
    assert "repeated_outages" in page


def test_edit_records_who_and_when_and_recomputes_the_level(officer, db, district):
    ids = add_risks(db, district)
    response = officer.post(
        f"/risks/{ids['rule']}/edit",
        data={
            "title": "ขัดข้องซ้ำ: s02-router",
            "category": "availability",
            "likelihood": "5",
            "impact": "4",
            "status": "mitigating",
            "mitigation": "ขอสายสำรองจาก ISP",
            "owner": "ครูสมชาย",
            "review_date": "2027-01-15",
        },
    )
    assert response.status_code == 302
    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "สูงมาก (5 × 4 = 20)" in page
    assert "กำลังลดความเสี่ยง" in page and "ครูสมชาย" in page
    history = page[page.index('id="risk-history"') :]
    assert "เจ้าหน้าที่ ICT" in history and "โอกาสเกิด 3 → 5" in history
    assert "24 พ.ย. 2569 10:00" in history  # NOW in Bangkok time, Buddhist era
    with db() as s:
        event = s.scalars(
            select(RiskEvent).where(RiskEvent.risk_id == ids["rule"]).order_by(RiskEvent.id.desc())
        ).first()
        assert (event.actor, event.at) == ("เจ้าหน้าที่ ICT", NOW)
        assert s.get(Risk, ids["rule"]).device_id == district["s02_router"]  # subject kept


def test_add_by_hand_and_bad_input_is_refused(officer, db, district):
    response = officer.post(
        "/risks/new",
        data={
            "title": "เครื่องสำรองไฟเสื่อม",
            "category": "power",
            "likelihood": "3",
            "impact": "4",
            "status": "open",
            "subject": f"device:{district['s01_router']}",
        },
    )
    assert response.status_code == 302
    with db() as s:
        risk = s.scalars(select(Risk)).one()
        assert (risk.site_id, risk.device_id, risk.score, risk.created_by) == (
            site_ids(db)["S01"],
            district["s01_router"],
            12,
            "เจ้าหน้าที่ ICT",
        )
    bad = officer.post(
        "/risks/new",
        data={
            "title": "x",
            "category": "power",
            "likelihood": "9",
            "impact": "1",
            "status": "open",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "ข้อมูลไม่ถูกต้อง: likelihood" in bad
    with db() as s:
        assert len(s.scalars(select(Risk)).all()) == 1


def test_viewer_reads_but_cannot_edit(client, db, district):
    ids = add_risks(db, district)
    with db.begin() as s:
        create_user(s, "viewer", PASSWORD, role="viewer")
    sign_in(client, "viewer")
    assert client.get("/risks").status_code == 200
    assert 'id="new-risk"' not in client.get("/risks").get_data(as_text=True)
    assert client.post(f"/risks/{ids['high']}/edit", data={"title": "x"}).status_code == 403
    assert client.get("/risks/new").status_code == 403


def test_edit_without_csrf_token_is_refused(settings, db, district):
    ids = add_risks(db, district)
    with db.begin() as s:
        create_user(s, "officer", PASSWORD)
    client = make_app(settings, db, csrf=True).test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    client.post("/login", data={"username": "officer", "password": PASSWORD, "csrf_token": token})
    refused = client.post(
        f"/risks/{ids['high']}/edit",
        data={
            "title": "hijacked",
            "category": "power",
            "likelihood": "1",
            "impact": "1",
            "status": "closed",
        },
    )
    assert refused.status_code == 400
    assert "หมดอายุ" in refused.get_data(as_text=True)  # the page says the form expired
    with db() as s:
        assert s.get(Risk, ids["high"]).status == "open"


def test_export_xlsx_has_the_filtered_rows(officer, db, district):
    ids = add_risks(db, district)
    response = officer.get("/risks/export.xlsx?status=all")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("#", "ความเสี่ยง", "ประเภท")
    by_id = {r[0]: r for r in rows[1:]}
    assert set(by_id) == {ids["high"], ids["low"], ids["rule"]}
    assert by_id[ids["high"]][6:9] == (20, "สูงมาก", "เปิดอยู่")
    assert by_id[ids["rule"]][12] == "repeated_outages"


def test_api_lists_risks_with_the_contract_fields(officer, db, district):
    ids = add_risks(db, district)
    risks = officer.get("/api/v1/risks").get_json()
    by_id = {r["id"]: r for r in risks}
    rule = by_id[ids["rule"]]
    assert list(rule)[:12] == [
        "id",
        "title",
        "category",
        "device",
        "site",
        "likelihood",
        "impact",
        "score",
        "level",
        "status",
        "rule",
        "evidence",
    ]
    assert (rule["device"], rule["site"], rule["score"], rule["level"], rule["rule"]) == (
        "s02-router",
        "S02",
        9,
        "medium",
        "repeated_outages",
    )
    assert rule["evidence"]["incidents"] == [ids["incident"]]
    assert by_id[ids["high"]]["rule"] is None and by_id[ids["high"]]["level"] == "very_high"
    closed = officer.get("/api/v1/risks?status=closed").get_json()
    assert [r["id"] for r in closed] == [ids["low"]]


def test_status_page_shows_open_high_risks_only(officer, db, district):
    page = officer.get("/").get_data(as_text=True)
    assert 'id="status-risks"' not in page
    ids = add_risks(db, district)
    page = officer.get("/").get_data(as_text=True)
    box = page[page.index('id="status-risks"') :]
    assert f'href="/risks/{ids["high"]}"' in box
    assert f'href="/risks/{ids["rule"]}"' not in box  # medium
