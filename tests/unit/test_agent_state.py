"""What a collector keeps on the school's machine: its token and the device credentials only
encrypted, every file private, a broken or missing enrolment explained in one line."""

from __future__ import annotations

import pytest

from monitor.agent.state import Enrolled, NotEnrolled, StateDir
from monitor.edge.protocol import (
    ConfigDevice,
    ConfigDocument,
    PingTiming,
    SnmpAccess,
    SnmpTiming,
)

TOKEN = "ictc_" + "s3cr3t" * 7
CONFIG = ConfigDocument(
    collector="S012-pi",
    sites=("S012",),
    ping=PingTiming(60, 1, 3, 0.2, 256),
    snmp=SnmpTiming(300, 86400, 2, 1, 16, 25),
    push_interval=30,
    buffer_hours=72,
    devices=(
        ConfigDevice(
            11, "sw-1", "S012", "127.0.0.11", "switch", snmp=SnmpAccess(community="pr1vate-c0mm")
        ),
    ),
)


def _enrolled(state: StateDir) -> None:
    state.save_enrolment(Enrolled("https://c.example", "S012-pi", 3, ("S012",), TOKEN))


def test_the_token_and_the_credentials_are_stored_encrypted_in_private_files(tmp_path):
    state = StateDir(tmp_path / "state")
    _enrolled(state)
    state.save_config(CONFIG)
    for path in state.path.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path
        assert b"s3cr3t" not in path.read_bytes()
        assert b"pr1vate-c0mm" not in path.read_bytes()
    assert state.path.stat().st_mode & 0o777 == 0o700
    assert state.enrolment().token == TOKEN
    assert state.config() == CONFIG


def test_a_new_enrolment_forgets_the_previous_configuration(tmp_path):
    state = StateDir(tmp_path / "state")
    _enrolled(state)
    state.save_config(CONFIG)
    state.update_status(config_etag=CONFIG.etag)
    _enrolled(state)
    assert state.config() is None
    assert state.status().config_etag is None


def test_a_machine_never_enrolled_is_told_what_to_run(tmp_path):
    with pytest.raises(NotEnrolled, match="ictmon collector enrol URL --code CODE"):
        StateDir(tmp_path / "nothing").enrolment()


def test_a_lost_key_means_enrolling_again(tmp_path):
    state = StateDir(tmp_path / "state")
    _enrolled(state)
    (state.path / "state.key").unlink()
    with pytest.raises(NotEnrolled, match="enrol"):
        state.enrolment()
    assert state.config() is None
