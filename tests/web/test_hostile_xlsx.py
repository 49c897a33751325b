"""A small .xlsx upload with one stray cell in column XFD on every row (tests/support/hostile_xlsx.py):
read naively, every row is padded to 16,384 cells and a 230 KB file takes gigabytes, in the same
process as the poller when it comes through the web. Read as `ictmon import` and the web upload
read it, it must take bounded memory and import correctly (the stray cells ignored), and a workbook
with more rows than an import allows is refused with a message saying so.

Memory is asserted loosely (hundreds of megabytes against a failure measured in gigabytes).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tracemalloc

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from monitor.db.models import Device
from monitor.devices import importer
from tests.integration.test_cli import config, ictmon  # noqa: F401  (config is a fixture)
from tests.support.hostile_xlsx import HEADER, far_cell_workbook
from tests.web.test_manage_import import confirm_url, upload

MB = 1024 * 1024


def test_the_command_line_imports_it_in_bounded_memory(config, tmp_path):  # noqa: F811
    assert ictmon("init", "--admin-password", "long-enough-1", config=config).returncode == 0
    path = far_cell_workbook(tmp_path / "devices.xlsx", 5000)
    assert path.stat().st_size < 200 * 1024  # a small upload
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ICTMON_")}
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "import", str(path)],
            stdout=stdout,
            stderr=stderr,
            env=environment,
        )
        # wait4 gives this one child's peak resident memory (ru_maxrss, in KB on Linux).
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, err.read_text()
    assert "5000" in out.read_text() + err.read_text()
    with sqlite3.connect(tmp_path / "ictmon.db") as db:
        assert db.execute("SELECT count(*) FROM devices").fetchone() == (5000,)
    # Storing 5,000 devices in one transaction peaks at about 400-550 MB by itself; padding every
    # row out to column XFD cost about 130 KB a row on top of that (bench/hostile_upload.py: 1.25 GB
    # for 9,000 rows) before the parser was bounded.
    assert usage.ru_maxrss * 1024 < 900 * MB, f"peak {usage.ru_maxrss // 1024} MB"


def test_the_web_upload_reads_it_without_the_padded_grid(officer, db, district, tmp_path):
    body = far_cell_workbook(tmp_path / "devices.xlsx", 1500).read_bytes()
    tracemalloc.start()
    try:
        page = upload(officer, body, name="devices.xlsx").get_data(as_text=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * MB, f"peak {peak // MB} MB traced"
    assert "อุปกรณ์ใหม่ 1500 เครื่อง" in page, page[:2000]
    assert officer.post(confirm_url(page)).status_code == 302
    with db() as s:
        assert s.scalar(select(func.count()).where(Device.name.like("ap-%"))) == 1500


def test_a_workbook_with_too_many_rows_is_refused_saying_so(officer, db, district, tmp_path):
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(HEADER)
    for line in range(2, importer.MAX_ROWS + 3):
        sheet.cell(row=line, column=1, value="S01")
        sheet.cell(row=line, column=16_384, value="x")
    path = tmp_path / "huge.xlsx"
    book.save(path)
    expected = f"the file has more than {importer.MAX_ROWS:,} rows of devices"
    with pytest.raises(importer.ImportRejected, match=expected):
        importer.read_rows(path)
    page = upload(officer, path.read_bytes(), name="huge.xlsx").get_data(as_text=True)
    assert expected in page and "confirm-import" not in page
