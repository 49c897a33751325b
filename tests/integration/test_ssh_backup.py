"""Configuration backups against real SSH servers on loopback.

The switch is tests/support/fake_switch.py: a real SSH server (paramiko's server side) that speaks
like a Cisco IOS CLI. Each test starts its own on a free loopback port and flips its behaviour
(a changed configuration, a new host key, a hang, a garbage prompt) the way a real device would
misbehave. What is asserted is what the officer sees: versions, states, messages, diffs.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from monitor.configs import versions as config_backups
from monitor.configs.backup_job import run_backups
from monitor.db.models import (
    ConfigChangeEvent,
    ConfigVersion,
    Device,
    MaintenanceWindow,
    Site,
    SshAccess,
    SshBackupState,
    SshHostKey,
)
from monitor.localtime import utcnow
from monitor.secrets import Vault
from monitor.settings import SshSettings
from tests.conftest import add_device, add_site
from tests.support.fake_switch import FakeSwitch

PASSWORD = "s3cret-Pa55"
ENABLE = "En4ble-!x"
SSH = SshSettings(interval=86400, timeout=6, workers=4, strict_host_keys=False)


@pytest.fixture
def vault(settings):
    return Vault.from_settings(settings)


@pytest.fixture
def switch():
    with FakeSwitch(password=PASSWORD, enable_secret=ENABLE) as running:
        yield running


def add_ssh_device(
    db, vault, switch, name="sw-core", *, password=PASSWORD, secret=ENABLE, site_code="S01"
) -> int:
    with db.begin() as s:
        site = s.execute(
            select(Site).where(Site.code == site_code)
        ).scalar_one_or_none() or add_site(s, site_code)
        device = add_device(s, site, name, switch.host, "switch")
        device.ssh_device_type = "cisco_ios"
        device.ssh_username = switch.username
        device.ssh_password = vault.encrypt(password)
        device.ssh_port = switch.port
        s.add(SshAccess(device_id=device.id, enable_secret=vault.encrypt(secret)))
        return device.id


def back_up(db, vault, device_ids=None, ssh=SSH, trigger="cli"):
    return {
        o.device_id: o for o in run_backups(db, ssh, vault, device_ids=device_ids, trigger=trigger)
    }


def versions(db, device_id):
    with db() as s:
        return (
            s.execute(
                select(ConfigVersion)
                .where(ConfigVersion.device_id == device_id)
                .order_by(ConfigVersion.id)
            )
            .scalars()
            .all()
        )


def state(db, device_id) -> SshBackupState:
    with db() as s:
        return s.get(SshBackupState, device_id)


def test_first_backup_stores_the_configuration_and_the_facts(db, vault, switch):
    device = add_ssh_device(db, vault, switch)

    outcome = back_up(db, vault)[device]

    assert outcome.state == "ok" and outcome.first and outcome.changed
    [version] = versions(db, device)
    assert "hostname SW1" in version.text
    assert " description uplink to office" in version.text
    assert version.trigger == "cli" and version.size == len(version.text.encode())
    current = state(db, device)
    assert current.state == "ok" and current.last_success_at is not None
    assert (current.facts_model, current.facts_serial, current.facts_firmware) == (
        "WS-C2960X-24TS-L",
        "FOC1234X0YZ",
        "15.2(7)E8",
    )
    assert current.facts_uptime == "3 weeks, 2 days, 4 hours, 11 minutes"
    with db() as s:
        assert s.get(SshHostKey, device).fingerprint.startswith("SHA256:")


def test_an_unchanged_configuration_with_new_timestamps_is_not_a_new_version(db, vault, switch):
    device = add_ssh_device(db, vault, switch)
    back_up(db, vault)

    outcome = back_up(db, vault)[device]

    assert outcome.state == "ok" and not outcome.changed
    assert len(versions(db, device)) == 1
    with db() as s:
        assert s.execute(select(func.count()).select_from(ConfigChangeEvent)).scalar() == 0


def test_a_changed_configuration_is_a_new_version_a_diff_and_a_change_event(db, vault, switch):
    device = add_ssh_device(db, vault, switch)
    back_up(db, vault)
    switch.config.insert(-1, "ip access-list standard GUESTS")
    switch.config.remove("snmp-server location Library")

    outcome = back_up(db, vault)[device]

    assert outcome.changed and not outcome.first
    old, new = versions(db, device)
    change = config_backups.diff(old.text, new.text)
    added = [line.text for h in change.hunks for line in h.lines if line.kind == "added"]
    removed = [line.text for h in change.hunks for line in h.lines if line.kind == "removed"]
    assert "ip access-list standard GUESTS" in added
    assert "snmp-server location Library" in removed
    with db() as s:
        [event] = s.execute(select(ConfigChangeEvent)).scalars().all()
    assert (event.device_id, event.version_id, event.previous_version_id) == (
        device,
        new.id,
        old.id,
    )
    assert (event.lines_added, event.lines_removed) == (1, 1)
    assert event.in_maintenance is False


def test_a_change_during_a_maintenance_window_is_marked_so(db, vault, switch):
    device = add_ssh_device(db, vault, switch)
    back_up(db, vault)
    now = utcnow()
    with db.begin() as s:
        s.add(
            MaintenanceWindow(
                device_id=device,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=1),
                reason="new VLAN",
                created_at=now,
            )
        )
    switch.config.insert(-1, "vlan 30")

    back_up(db, vault)

    with db() as s:
        [event] = s.execute(select(ConfigChangeEvent)).scalars().all()
    assert event.in_maintenance is True


def test_a_wrong_password_is_auth_failed_and_the_last_good_backup_is_kept(db, vault, switch):
    device = add_ssh_device(db, vault, switch)
    back_up(db, vault)
    good = state(db, device).last_success_at
    with db.begin() as s:
        s.get(Device, device).ssh_password = vault.encrypt("not-the-password")

    outcome = back_up(db, vault)[device]

    assert outcome.state == "auth_failed"
    assert "authentication failed" in outcome.message
    assert len(versions(db, device)) == 1
    current = state(db, device)
    assert current.state == "auth_failed" and current.last_success_at == good


def test_a_wrong_enable_secret_is_auth_failed(db, vault, switch):
    device = add_ssh_device(db, vault, switch, secret="wrong-enable")

    outcome = back_up(db, vault)[device]

    assert outcome.state == "auth_failed" and "enable secret" in outcome.message
    assert versions(db, device) == []


def test_a_changed_host_key_warns_and_strict_mode_refuses_to_log_in(db, vault, switch):
    device = add_ssh_device(db, vault, switch)
    back_up(db, vault)
    with db() as s:
        recorded = s.get(SshHostKey, device).fingerprint
    switch.restart_with_new_host_key()
    switch.config.insert(-1, "vlan 99")
    calls_before = switch.calls

    strict = back_up(db, vault, ssh=replace(SSH, strict_host_keys=True))[device]

    assert strict.state == "host_key_changed" and "strict" in strict.message
    assert switch.calls == calls_before, "strict mode must not open a shell (nor send a password)"
    assert len(versions(db, device)) == 1
    with db() as s:
        key = s.get(SshHostKey, device)
        assert key.fingerprint == recorded and key.offered_fingerprint not in (None, recorded)

    lenient = back_up(db, vault)[device]

    assert lenient.state == "host_key_changed" and lenient.host_key_changed
    assert lenient.changed, "without strict mode the backup is taken, with a warning"
    assert len(versions(db, device)) == 2

    with db.begin() as s:
        assert config_backups.accept_offered_host_key(s, device, utcnow())
    assert back_up(db, vault)[device].state == "ok"


def test_a_hung_server_times_out_while_another_device_is_backed_up(db, vault, switch):
    good = add_ssh_device(db, vault, switch, "sw-good")
    with FakeSwitch(password=PASSWORD, hang=True) as hung_switch:
        hung = add_ssh_device(db, vault, hung_switch, "sw-hung")

        outcomes = back_up(db, vault, ssh=replace(SSH, timeout=3, workers=2))

    assert outcomes[hung].state == "timeout"
    assert outcomes[good].state == "ok" and len(versions(db, good)) == 1
    assert state(db, hung).state == "timeout"


def test_a_hung_server_does_not_hold_a_single_worker_forever(db, vault, switch):
    """With one worker the hung device is cut at the deadline and the next one still runs."""
    with FakeSwitch(password=PASSWORD, hang=True) as hung_switch:
        hung = add_ssh_device(db, vault, hung_switch, "a-hung")
        good = add_ssh_device(db, vault, switch, "b-good")

        outcomes = back_up(db, vault, ssh=replace(SSH, timeout=2, workers=1))

    assert (outcomes[hung].state, outcomes[good].state) == ("timeout", "ok")


def test_an_unrecognised_prompt_is_a_clear_state(db, vault, switch):
    device = add_ssh_device(db, vault, switch)
    switch.garbage_prompt = True

    outcome = back_up(db, vault, ssh=replace(SSH, timeout=4))[device]

    assert outcome.state == "prompt_not_recognised"
    assert "Cisco IOS" in outcome.message
    assert versions(db, device) == []


def test_a_refused_command_is_command_rejected_and_keeps_the_last_backup(db, vault, switch):
    device = add_ssh_device(db, vault, switch)
    back_up(db, vault)
    switch.reject_show_run = True

    outcome = back_up(db, vault)[device]

    assert outcome.state == "command_rejected"
    assert "Invalid input" in outcome.message
    assert len(versions(db, device)) == 1


def test_a_device_without_ssh_settings_is_not_configured(db, vault, switch):
    with db.begin() as s:
        device = add_device(s, add_site(s), "printer", "127.0.0.1", "other").id

    outcome = back_up(db, vault, device_ids=[device])[device]

    assert outcome.state == "not_configured" and "device type" in outcome.message
    assert back_up(db, vault) == {}, "a scheduled run skips devices without SSH"


def test_escape_sequences_long_lines_and_invalid_utf8_are_stored_as_safe_text(db, vault, switch):
    device = add_ssh_device(db, vault, switch)
    long_line = "description " + "x" * 5000
    switch.extra_output = (
        b"\x1b[31mbanner motd ^C red \x1b[0m^C\r\n"
        + long_line.encode()
        + b"\r\nlocation caf\xe9 \xff\xfe end\x07\x00"
    )

    assert back_up(db, vault)[device].state == "ok"

    [version] = versions(db, device)
    assert "\x1b" not in version.text and "\x00" not in version.text and "\x07" not in version.text
    assert "banner motd ^C red ^C" in version.text
    assert long_line in version.text
    assert "location caf" in version.text and " end" in version.text


@pytest.mark.parametrize("chatty", [False, True], ids=["defaults", "every-logger-at-debug"])
def test_the_password_appears_in_no_log_record(db, vault, switch, caplog, chatty):
    caplog.set_level(logging.DEBUG)
    if chatty:  # an officer debugging with netmiko's and paramiko's own logs turned on
        caplog.set_level(logging.DEBUG, logger="netmiko")
        caplog.set_level(logging.DEBUG, logger="paramiko.transport")
    device = add_ssh_device(db, vault, switch)
    back_up(db, vault)
    with db.begin() as s:
        s.get(Device, device).ssh_password = vault.encrypt("wrong-" + PASSWORD)
    back_up(db, vault)

    assert caplog.records, "the backup logged something at DEBUG"
    if chatty:  # netmiko really logged what it wrote to the channel (the enable secret too)
        assert any(
            r.name.startswith("netmiko") and "write_channel" in r.getMessage()
            for r in caplog.records
        )
    text = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert PASSWORD not in text and ENABLE not in text
    with db() as s:
        stored = s.get(Device, device).ssh_password
    assert PASSWORD.encode() not in stored


def test_the_scheduled_job_backs_up_what_is_due_and_a_restart_does_not_repeat_it(
    db, vault, switch, settings
):
    from monitor.configs.backup_job import run_scheduled

    device = add_ssh_device(db, vault, switch)
    configured = replace(settings, ssh=SSH)

    first = run_scheduled(db, configured)

    assert [(o.device_id, o.state, o.first) for o in first] == [(device, "ok", True)]
    assert versions(db, device)[0].trigger == "schedule"
    assert run_scheduled(db, configured) == [], "backed up minutes ago: not due again"
    with db.begin() as s:
        s.get(SshBackupState, device).attempted_at = utcnow() - timedelta(hours=23)
    assert [o.device_id for o in run_scheduled(db, configured)] == [device]
