"""A school's collector loads only its own commands; `ictmon collector status` reads the state
dir and speaks English and Thai."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from monitor.agent.plans import BackupMark
from monitor.agent.queue import QueueStats
from monitor.agent.state import Enrolled, RunStatus, StateDir
from monitor.agent.status import StatusReport, as_json, gather, lines
from monitor.cli.launch import is_agent_command

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("words", "agent"),
    [
        (["collector", "run"], True),
        (["--config", "c.toml", "-v", "collector", "status", "--json"], True),
        (["--config=c.toml", "collector", "enrol", "https://x", "--code", "y"], True),
        (["collector", "create", "S012-pi", "--site", "S012"], False),
        (["collector", "--help"], False),
        (["run"], False),
        (["--config", "collector", "run"], False),
        ([], False),
    ],
)
def test_only_the_collectors_own_commands_take_the_light_path(words, agent):
    assert is_agent_command(words) is agent


def test_the_collector_process_never_loads_the_offices_modules():
    probe = (
        "import sys\n"
        "from monitor.cli.launch import main\n"
        "try:\n"
        "    main(['collector', 'status', '--help'], prog_name='ictmon')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'flask', 'web')\n"
        "         or m.startswith(('monitor.db', 'monitor.cli.main', 'monitor.reports'))]\n"
        "print(heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert "Usage: ictmon collector status" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def _report(**run) -> StatusReport:
    return StatusReport(
        central="https://ictmon.example.go.th",
        name="S012-pi",
        sites=("S012", "S013"),
        running=True,
        queue=QueueStats(
            rows=12,
            results=340,
            oldest=NOW - timedelta(hours=2),
            dropped=25,
            dropped_from=NOW - timedelta(days=4),
            dropped_until=NOW - timedelta(days=3),
        ),
        run=RunStatus(**run),
        devices=29,
    )


def test_status_shows_every_agreed_field_in_json():
    data = as_json(
        _report(
            last_push_at=NOW - timedelta(minutes=1),
            last_error="cannot reach https://x: no answer in time",
            config_etag="abc123",
            clock_offset_seconds=-0.4,
        )
    )
    assert {
        k: data[k]
        for k in (
            "central",
            "name",
            "sites",
            "queue_length",
            "oldest_queued",
            "dropped",
            "last_push_at",
            "last_error",
            "config_etag",
            "clock_offset_seconds",
        )
    } == {
        "central": "https://ictmon.example.go.th",
        "name": "S012-pi",
        "sites": ["S012", "S013"],
        "queue_length": 340,
        "oldest_queued": "2026-12-07T06:00:00+00:00",
        "dropped": 25,
        "last_push_at": "2026-12-07T07:59:00+00:00",
        "last_error": "cannot reach https://x: no answer in time",
        "config_etag": "abc123",
        "clock_offset_seconds": -0.4,
    }
    json.dumps(data)


def test_status_lines_are_in_english_and_thai_with_bangkok_times():
    text = "\n".join(
        lines(
            _report(
                last_push_at=NOW - timedelta(minutes=1),
                clock_offset_seconds=12.0,
                stopped="collector 'S012-pi' was revoked on the central",
            ),
            NOW,
        )
    )
    assert "Central / เซิร์ฟเวอร์กลาง: https://ictmon.example.go.th" in text
    assert "Sites / หน่วยงาน: S012, S013" in text
    assert "Results waiting (rows) / ผลที่รอส่ง (แถว): 340 (12)" in text
    assert "Last upload / ส่งข้อมูลครั้งล่าสุด: 7 Dec 2026 14:59 / 7 ธ.ค. 2569 14:59" in text
    assert "Clock offset / นาฬิกาคลาดเคลื่อน: +12.0 s" in text
    assert "set it right (NTP)" in text
    assert "Uploads stopped / หยุดส่งข้อมูลแล้ว: collector 'S012-pi' was revoked" in text


def test_status_of_a_fresh_enrolment_reads_the_files_only(tmp_path):
    state = StateDir(tmp_path / "state")
    state.save_enrolment(Enrolled("https://c.example", "S012-pi", 3, ("S012",), "ictc_x"))
    report = gather(state)
    assert (report.name, report.running, report.queue.results, report.devices) == (
        "S012-pi",
        False,
        0,
        None,
    )
    assert not state.queue_path.exists()  # status wrote nothing


def test_status_says_how_many_devices_it_backs_up_and_when_it_last_did():
    report = replace(_report(), ssh_devices=3, last_backup=NOW - timedelta(hours=5))
    text = "\n".join(lines(report, NOW))
    assert (
        "SSH backups (devices, last) / สำรองค่าคอนฟิก SSH (อุปกรณ์, ครั้งล่าสุด): 3 "
        "(7 Dec 2026 10:00 / 7 ธ.ค. 2569 10:00" in text
    )
    assert as_json(report)["ssh_devices"] == 3


def test_status_reads_the_last_backup_from_the_marks_the_runner_keeps(tmp_path):
    state = StateDir(tmp_path / "state")
    state.save_enrolment(Enrolled("https://c.example", "S012-pi", 3, ("S012",), "ictc_x"))
    older, newer = NOW - timedelta(days=1), NOW - timedelta(hours=2)
    state.save_backup_marks({"7": BackupMark(older).to_json(), "8": BackupMark(newer).to_json()})
    assert gather(state).last_backup == newer
