"""Peak memory while reading a hostile .xlsx upload: one stray cell in column XFD on every row.

    .venv/bin/python bench/hostile_upload.py [--rows 9000]

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=9000)
    a = parser.parse_args()
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
