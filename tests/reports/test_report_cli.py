"""`ictmon report` as a script runs it: a real process, the file it writes, its exit code."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from monitor.db import engine as dbmod
from tests.integration.test_cli import ictmon
from tests.reports.district import EXPECTED, seed_october


def district_config(tmp_path):
    engine = dbmod.make_engine(f"sqlite:///{tmp_path / 'ictmon.db'}")
    dbmod.upgrade(engine)
    seed_october(dbmod.session_factory(engine))
    engine.dispose()
    config = tmp_path / "ictmon.toml"
    config.write_text(
        '[database]\nurl = "sqlite:///ictmon.db"\n[paths]\ndata_dir = "data"\n'
        '[office]\nname = "สพม.ทดสอบ"\n[reports]\ntarget = 99.5\n',
        encoding="utf-8",
    )
    return config


def test_report_writes_the_pdf_named_by_out(tmp_path):
    config = district_config(tmp_path)
    out = tmp_path / "october.pdf"
    done = ictmon("report", "--month", "2569-10", "--out", str(out), config=config)
    assert done.returncode == 0, done.stderr
    assert "3/4 sites met 99.5%" in done.stdout
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    assert "ตุลาคม 2569" in text and "สพม.ทดสอบ" in text


def test_report_xlsx_from_the_extension_and_a_fiscal_year(tmp_path):
    config = district_config(tmp_path)
    out = tmp_path / "fy.xlsx"
    done = ictmon("report", "--fiscal-year", "2570", "--out", str(out), config=config)
    assert done.returncode == 0, done.stderr
    book = load_workbook(io.BytesIO(out.read_bytes()))
    codes = {row[1] for row in book["รายสถานศึกษา"].iter_rows(min_row=2, values_only=True)}
    assert codes == set(EXPECTED)


def test_report_html_for_a_range(tmp_path):
    config = district_config(tmp_path)
    out = tmp_path / "range.html"
    done = ictmon(
        "report",
        "--from",
        "01/10/2569",
        "--to",
        "2026-10-15",
        "--format",
        "html",
        "--out",
        str(out),
        config=config,
    )
    assert done.returncode == 0, done.stderr
    assert "1 ตุลาคม 2569 – 15 ตุลาคม 2569" in out.read_text(encoding="utf-8")


def test_bad_period_is_one_line_and_non_zero(tmp_path):
    config = district_config(tmp_path)
    done = ictmon("report", "--month", "2569-13", "--out", str(tmp_path / "x.pdf"), config=config)
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0 and "2569-10" in done.stderr
    assert not (tmp_path / "x.pdf").exists()
    both = ictmon("report", "--month", "2569-10", "--fiscal-year", "2569", config=config)
    assert both.returncode != 0 and "name one period" in both.stderr
