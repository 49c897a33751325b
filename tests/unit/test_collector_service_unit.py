"""The systemd unit for a school's collector is shipped as config/ictmon-collector.service and
shown in the README: the two say the same, line for line."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "config" / "ictmon-collector.service"
HEADING = "# /etc/systemd/system/ictmon-collector.service"


def _directives(lines: list[str]) -> list[str]:
    """Sections and settings, without comments or blank lines."""
    kept = (line.strip() for line in lines)
    return [line for line in kept if line and not line.startswith(("#", ";"))]


def _readme_unit() -> list[str]:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if line.strip() == HEADING)
    end = next(n for n in range(start, len(lines)) if lines[n].strip() == "```")
    return lines[start:end]


def test_the_readme_shows_the_unit_that_is_shipped():
    shipped = _directives(UNIT.read_text(encoding="utf-8").splitlines())
    assert "ExecStart=/opt/ictmon/bin/ictmon collector run" in shipped
    assert _directives(_readme_unit()) == shipped
    assert "config/ictmon-collector.service" in (ROOT / "README.md").read_text(encoding="utf-8")
