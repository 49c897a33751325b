#!/usr/bin/env python3
"""Regenerate collectors/data/enterprises.tsv.gz (enterprise number → organisation) from IANA's
Private Enterprise Numbers registry.

    python scripts/enterprises.py SOURCE [OUTPUT]

SOURCE is either IANA's own file (https://www.iana.org/assignments/enterprise-numbers, the
"number / two-space-indented organisation / contact / email" layout) or a tab-separated copy of
it such as the one Debian's libwireshark-data ships (/usr/share/wireshark/enterprises.tsv,
"number<TAB>organisation[<TAB># formerly ...]"). The layout is recognised from the text. The
output keeps the number and the organisation only (no contacts, no e-mail addresses), sorted by
number, gzip-compressed with a fixed timestamp so the same input gives the same bytes.
"""

from __future__ import annotations

import gzip
import itertools
import re
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "collectors" / "data" / "enterprises.tsv.gz"
HEADER = (
    "# IANA Private Enterprise Numbers: number<TAB>organisation.\n"
    "# Derived by scripts/enterprises.py from https://www.iana.org/assignments/enterprise-numbers\n"
    "# (registry data published by IANA; contacts and e-mail addresses left out).\n"
)


def parse(text: str) -> dict[int, str]:
    names: dict[int, str] = {}
    lines = text.splitlines()
    tabbed = sum(1 for line in lines[:200] if re.match(r"^\d+\t", line)) > 20
    if tabbed:
        for line in lines:
            found = re.match(r"^(\d+)\s+([^\t#]+)", line)
            if found:
                names[int(found.group(1))] = found.group(2).strip()
        return names
    for number, following in itertools.pairwise(lines):
        if (
            re.fullmatch(r"\d+", number.strip())
            and following.startswith("  ")
            and not (following.startswith("    "))
        ):
            names[int(number.strip())] = following.strip()
    return names


def clean(name: str) -> str:
    # Tabs and newlines would break the format; the registry has none, a copy might.
    return " ".join(name.replace("\t", " ").split())


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(argv[0]).read_text(encoding="utf-8", errors="replace")
    names = {n: clean(v) for n, v in parse(source).items() if clean(v)}
    if len(names) < 1000:
        print(f"only {len(names)} entries found: not the registry?", file=sys.stderr)
        return 1
    output = Path(argv[1]) if len(argv) > 1 else OUTPUT
    body = HEADER + "".join(f"{n}\t{names[n]}\n" for n in sorted(names))
    with (
        output.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as out,
    ):
        out.write(body.encode("utf-8"))
    print(f"{len(names)} enterprise numbers → {output} ({output.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
