"""The register's pages: a school's register, an asset's page with its depreciation, the
depreciation summed per site and kind for a date, and the label PDF whose QR codes open the
assets' pages (rendered with PDFium, decoded with zxing-cpp)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pypdfium2
import zxingcpp
from pypdf import PdfReader

from monitor.db.models import Device
from tests.conftest import NOW


def add_assets(db, district):
    """Two notebooks and an old projector in S01, one disposed computer in S02."""
    ids = {}
    with db.begin() as s:
        from sqlalchemy import select

        from monitor.db.models import Site

        sites = {site.code: site.id for site in s.scalars(select(Site))}
        for name, site, kind, number, price, bought, condition, disposed in (
            (
                "nb-01",
                "S01",
                "notebook",
                "7440-001-0001/67",
                "25001.00",
                date(2024, 3, 15),
                "usable",
                None,
            ),
            (
                "nb-02",
                "S01",
                "notebook",
                "7440-001-0002/67",
                "25001.00",
                date(2024, 3, 15),
                "damaged",
                None,
            ),
            (
                "proj-01",
                "S01",
                "projector",
                "7440-001-0003/55",
                "30000.00",
                date(2012, 6, 1),
                "usable",
                None,
            ),
            (
                "pc-old",
                "S02",
                "computer",
                "7440-001-0004/50",
                "20000.00",
                date(2007, 1, 1),
                "disposed",
                date(2020, 1, 1),
            ),
        ):
            device = Device(
                site_id=sites[site],
                name=name,
                kind=kind,
                asset_number=number,
                price=Decimal(price),
                purchase_date=bought,
                condition=condition,
                disposed_on=disposed,
                room="ห้องวิชาการ",
                responsible_person="นางสาวสมหญิง ใจดี",
                enabled=True,
                created_at=NOW,
                updated_at=NOW,
            )
            s.add(device)
            s.flush()
            ids[name] = device.id
    return ids


def test_a_schools_register_lists_its_assets_polled_or_not(officer, db, district):
    ids = add_assets(db, district)
    page = officer.get("/assets?site=S01").get_data(as_text=True)
    assert "7440-001-0001/67" in page and "7440-001-0003/55" in page
    assert "s01-router" in page  # a polled device is an asset too
    assert "7440-001-0004/50" not in page  # another school
    assert f'href="/assets/{ids["nb-01"]}"' in page
    assert "ชำรุด" in page and "25,001.00" in page


def test_the_asset_page_shows_the_register_and_the_book_value(officer, db, district):
    ids = add_assets(db, district)
    page = officer.get(f"/assets/{ids['proj-01']}").get_data(as_text=True)
    assert "7440-001-0003/55" in page and "30,000.00" in page
    assert 'id="asset-book-value">1.00<' in page  # bought 2555, five years: fully depreciated
    assert "ควรวางแผนจัดหาทดแทน" in page
    gone = officer.get(f"/assets/{ids['pc-old']}").get_data(as_text=True)
    assert "จำหน่ายแล้ว" in gone
    assert officer.get("/assets/999999").status_code == 404


def test_depreciation_is_summed_per_site_and_kind_for_the_date_asked(officer, db, district):
    add_assets(db, district)
    page = officer.get("/assets/depreciation?at=14/03/2568").get_data(as_text=True)
    assert "14 มี.ค. 2568" in page
    by_site = page.split('id="by-site"')[1].split("</table>")[0]
    # S01 on 14 March 2568: two notebooks a year old (4,997.26 each) and the projector at 1 baht.
    assert "80,002.00" in by_site  # cost
    assert "40,008.48" in by_site  # book value: 2 × 20,003.74 + 1.00; nothing of S02
    by_kind = page.split('id="by-kind"')[1].split("</table>")[0]
    assert "โน้ตบุ๊ก" in by_kind and "50,002.00" in by_kind
    assert "คอมพิวเตอร์" not in by_kind  # the disposed computer is off the books


def test_label_qr_codes_open_each_assets_page(officer, db, district):
    ids = add_assets(db, district)
    response = officer.get("/assets/labels.pdf?site=S01&kind=notebook")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(response.data)
    decoded = set()
    for page in document:
        image = page.render(scale=200 / 72).to_pil()
        decoded |= {code.text for code in zxingcpp.read_barcodes(image)}
    document.close()
    assert decoded == {
        f"http://localhost/assets/{ids['nb-01']}",
        f"http://localhost/assets/{ids['nb-02']}",
    }
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    # The asset number whole (never cut), the Thai school name read back from the shaped text.
    assert "7440-001-0001/67\n" in text and "7440-001-0002/67\n" in text
    assert "โรงเรียนบ้านสบาย" in text and "โน้ตบุ๊ก · ห้องวิชาการ" in text
    # The QR opens the page (this test client is signed in, as the checker's phone would be).
    assert officer.get(f"/assets/{ids['nb-01']}").status_code == 200


def test_labels_take_the_configured_base_url(officer, db, district, app):
    ids = add_assets(db, district)
    from dataclasses import replace

    settings = app.config["ICTMON_SETTINGS"]
    app.config["ICTMON_SETTINGS"] = replace(
        settings, web=replace(settings.web, base_url="https://ictmon.example.go.th/")
    )
    response = officer.get("/assets/labels.pdf?site=S01&kind=projector")
    document = pypdfium2.PdfDocument(response.data)
    image = document[0].render(scale=200 / 72).to_pil()
    document.close()
    assert [c.text for c in zxingcpp.read_barcodes(image)] == [
        f"https://ictmon.example.go.th/assets/{ids['proj-01']}"
    ]


def test_the_depreciation_workbook_holds_each_site_and_kind_and_the_total(officer, db, district):
    from openpyxl import load_workbook

    add_assets(db, district)
    response = officer.get("/assets/depreciation.xlsx?at=2025-03-14")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=2)]
    by_key = {(r[0], r[2]): r for r in rows}
    notebooks = by_key[("S01", "โน้ตบุ๊ก")]
    assert notebooks[3] == 2 and Decimal(str(notebooks[6])) == Decimal("40007.48")
    assert rows[-1][0] == "รวม" and Decimal(str(rows[-1][4])) == Decimal("80002.00")
