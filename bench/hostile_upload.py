"""Peak memory while reading a hostile .xlsx upload: one stray cell in column XFD on every row.

    .venv/bin/python bench/hostile_upload.py [--rows 9000] [--run]

With --run, the workbook is uploaded through the browser's import page of a real `ictmon run`
(web front and scheduler in one process, SQLite, a few loopback devices being swept), signed in
over HTTP as an admin; printed are that process's resident memory before the upload and its peak
(VmHWM from /proc) after the answer came, the answer's status and whether the sweeps went on.

Builds the workbook (about 230 KB for 9,000 rows), then, in a fresh Python process, reads it the
way both `ictmon import` and the web upload (which runs inside `ictmon run`, beside the poller)
do: `importer.read_rows` and then `importer.validate_rows`. Prints the file size, that process's
resident memory before the import and its peak (ru_maxrss), and the answer (rows or the refusal).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.hostile_xlsx import far_cell_workbook  # noqa: E402  (needs the path above)

READER = """
import json, resource, sys
from monitor.devices import importer

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

before = peak_mb()
try:
    header, rows = importer.read_rows(sys.argv[1])
    valid, errors = importer.validate_rows(header, rows)
    answer = f"{len(valid)} rows valid, {len(errors)} errors"
except importer.ImportRejected as exc:
    answer = "refused: " + str(exc).replace("\\n", " | ")
print(json.dumps({"before_mb": before, "peak_mb": peak_mb(), "answer": answer}))
"""


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def through_ictmon_run(workbook: Path, tmp: Path) -> None:
    """Upload `workbook` through a running `ictmon run`'s import page; print its memory."""
    import http.cookiejar
    import signal
    import sqlite3
    import time
    import urllib.error
    import urllib.parse
    import urllib.request

    from import_during_sweep import PASSWORD, csrf, district_csv, free_port, ictmon, multipart

    port = free_port()
    database = tmp / "ictmon.db"
    config = tmp / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{database}"\n[paths]\ndata_dir = "{tmp}"\n'
        f'[web]\nhost = "127.0.0.1"\nport = {port}\n'
        "[ping]\ninterval = 2\ntimeout = 0.5\ncount = 1\n",
        encoding="utf-8",
    )
    (tmp / "district.csv").write_text(district_csv(5), encoding="utf-8")
    ictmon(config, "init", "--admin-password", PASSWORD)
    ictmon(config, "import", str(tmp / "district.csv"))
    with open(tmp / "run.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "run"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        web = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        for _ in range(300):  # bounded: up to 60 s for the server to listen
            try:
                page = web.open(f"{base}/login", timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("ictmon run did not start: see its log")
        form = {"csrf_token": csrf(page), "username": "admin", "password": PASSWORD}
        web.open(f"{base}/login", data=urllib.parse.urlencode(form).encode(), timeout=30).read()
        time.sleep(5)  # a few sweeps: the process at work before the upload
        before_kb = _status_kb(process.pid, "VmRSS")
        page = web.open(f"{base}/manage/import", timeout=30).read().decode()
        body, ctype = multipart({"csrf_token": csrf(page)}, workbook.name, workbook.read_bytes())
        request = urllib.request.Request(
            f"{base}/manage/import", data=body, headers={"Content-Type": ctype}
        )
        started = time.time()
        try:
            with web.open(request, timeout=600) as answer:
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        took = time.time() - started
        peak_kb = _status_kb(process.pid, "VmHWM")
        after_kb = _status_kb(process.pid, "VmRSS")
        time.sleep(4)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    with sqlite3.connect(database) as c:
        sweeps_after = c.execute(
            "SELECT count(*) FROM ping_samples WHERE at > ?",
            (time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(started)),),
        ).fetchone()[0]
    print(f"ictmon run: resident memory before the upload: {before_kb / 1024:.0f} MB")
    print(f"ictmon run: peak resident memory (VmHWM) after it: {peak_kb / 1024:.0f} MB")
    print(f"ictmon run: resident memory after it: {after_kb / 1024:.0f} MB")
    print(f"upload answered {status} in {took:.1f} s; ping samples written since: {sweeps_after}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=9000)
    parser.add_argument("--run", action="store_true", help="through a real `ictmon run`")
    a = parser.parse_args()
    if a.run:
        with tempfile.TemporaryDirectory() as tmp:
            path = far_cell_workbook(Path(tmp) / "hostile.xlsx", a.rows)
            print(f"file: {path.stat().st_size / 1024:.0f} KB, {a.rows} rows, one cell in XFD")
            through_ictmon_run(path, Path(tmp))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = far_cell_workbook(Path(tmp) / "hostile.xlsx", a.rows)
        size_kb = path.stat().st_size / 1024
        done = subprocess.run(
            [sys.executable, "-c", READER, str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
            check=True,
        )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"file: {size_kb:.0f} KB, {a.rows} rows, one cell in column XFD per row")
    print(f"resident memory before the import: {figures['before_mb']:.0f} MB")
    print(f"peak resident memory while importing: {figures['peak_mb']:.0f} MB")
    print(f"answer: {figures['answer']}")


if __name__ == "__main__":
    main()
