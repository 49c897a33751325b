"""config_backups.record() on SQLite and PostgreSQL, with hand-made collector results (the SSH side
is covered against real servers in test_ssh_backup.py): versions only on change, change events,
host keys, facts, and the summary the device page reads."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from collectors.ssh import SshResult, SshState, fingerprint
from monitor.configs import versions as config_backups
from monitor.db.models import ConfigChangeEvent
from tests.conftest import NOW, add_device, add_site

KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
CONFIG = "! Last configuration change at 10:00:00 ICT Tue Nov 24 2026\nhostname R1\nend\n"


def ok(device_id, config, key=KEY_A, **facts):
    return SshResult(
        device_id,
        SshState.OK,
        config=config,
        facts=facts,
        host_key=key,
        host_key_fingerprint=fingerprint(key),
    )


def test_versions_events_host_keys_and_summary_on_both_databases(any_db):
    with any_db.begin() as s:
        device = add_device(s, add_site(s), "r1", "127.0.0.1", "router")
        device.ssh_device_type = "cisco_ios"
        device_id = device.id

    steps = [
        (ok(device_id, CONFIG, model="ISR4321", serial="FDO1"), NOW),
        (ok(device_id, CONFIG.replace("10:00:00", "11:11:11")), NOW + timedelta(days=1)),
        (
            ok(device_id, CONFIG.replace("hostname R1", "hostname R1\nvlan 5")),
            NOW + timedelta(days=2),
        ),
        (
            ok(device_id, CONFIG.replace("hostname R1", "hostname R1\nvlan 5"), key=KEY_B),
            NOW + timedelta(days=3),
        ),
        (
            SshResult(
                device_id,
                SshState.AUTH_FAILED,
                "authentication failed",
                host_key=KEY_A,
                host_key_fingerprint=fingerprint(KEY_A),
            ),
            NOW + timedelta(days=4),
        ),
    ]
    done = []
    for result, at in steps:
        with any_db.begin() as s:
            done.append(config_backups.record(s, result, "cisco_ios", at, "schedule"))

    assert [d.changed for d in done] == [True, False, True, False, False]
    assert done[3].state == "host_key_changed" and done[3].version_id == done[2].version_id
    assert done[4].state == "auth_failed" and done[4].version_id is None

    with any_db() as s:
        summary = config_backups.backup_summary(s, device_id)
        [event] = s.execute(select(ConfigChangeEvent)).scalars().all()
    assert summary.state == "auth_failed" and summary.message == "authentication failed"
    assert summary.last_success_at == NOW + timedelta(days=3)
    assert summary.facts == {"model": "ISR4321", "serial": "FDO1"}
    assert [v.lines_added for v in summary.versions] == [1, None]
    assert summary.versions[0].in_maintenance is False
    assert summary.host_key.fingerprint == fingerprint(KEY_A)
    assert summary.host_key.offered_fingerprint is None, "the recorded key came back"
    assert (event.version_id, event.lines_added, event.lines_removed) == (
        summary.versions[0].id,
        1,
        0,
    )
