"""SSH backups of a school's devices through its edge collector, on the central's side, on SQLite
and PostgreSQL: the login the collector is sent, the backups it uploads recorded as the office's
own (once, whatever is re-sent), a backup of another school's device refused with nothing
written, the office's own backups leaving the collector's devices alone, and an officer's
"back up now" going to the collector and forgotten once answered.

The district is test_edge_ingest's (S012's collector measures sw-1, sw-2 and the access point).
Uploads are built as the collector builds them (monitor.edge.protocol) and applied as the results
route applies them (monitor.edge.ingest.apply_batch), one transaction each.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import paramiko
import pytest
from sqlalchemy import func, select

from monitor.configs import requests as backup_requests
from monitor.configs.backup_job import due_devices, plan
from monitor.db.engine import transaction
from monitor.db.models import (
    Collector,
    ConfigChangeEvent,
    ConfigVersion,
    Device,
    SshAccess,
    SshBackupRequest,
    SshBackupState,
    SshHostKey,
)
from monitor.edge.config import config_document
from monitor.edge.ingest import Refused, apply_batch
from monitor.edge.protocol import BackupResult, Batch
from monitor.secrets import Vault
from monitor.settings import CollectorSettings, SshSettings
from tests.integration.test_edge_ingest import PUSH, T0, district

CONFIG_1 = "hostname SW1\ninterface Gi0/1\n description uplink\n!\nend\n"
CONFIG_2 = "hostname SW1\ninterface Gi0/1\n description uplink to office\n!\nend\n"
HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOb0dYNrOGyvVEXPOUOYDm5Lhj/3Eq/ZRqp0sVvJtxSL"


@pytest.fixture
def edge_settings(settings):
    return replace(settings, collector=CollectorSettings(push_interval=PUSH))


@pytest.fixture
def ids(any_db, settings):
    ids = district(any_db)
    vault = Vault.from_settings(settings)
    with transaction(any_db) as s:
        for name in ("sw-1", "sw-2", "core"):
            device = s.get(Device, ids[name])
            device.ssh_device_type, device.ssh_username = "cisco_ios", "backup"
            device.ssh_password = vault.encrypt(f"pw-{name}")
        s.add(SshAccess(device_id=ids["sw-1"], enable_secret=vault.encrypt("en-1")))
    return ids


def backup(device_id, at, config=CONFIG_1, **values) -> BackupResult:
    return BackupResult(
        device_id,
        at,
        values.pop("state", "ok"),
        config=config,
        facts={"model": "WS-C2960X-24TS-L", "serial": "FOC1234X0YZ"},
        host_key=HOST_KEY,
        host_key_fingerprint="SHA256:test",
        seconds=2.0,
        **values,
    )


def upload(sessions, ids, settings, backups, *, batch_id, received_at=T0):
    batch = Batch(batch_id=batch_id, sent_at=received_at, backups=tuple(backups))
    with transaction(sessions) as s:
        collector = s.get(Collector, ids["collector"])
        return apply_batch(s, collector, batch, received_at=received_at, settings=settings)


def versions(sessions, device_id) -> list[ConfigVersion]:
    with transaction(sessions) as s:
        rows = s.scalars(
            select(ConfigVersion)
            .where(ConfigVersion.device_id == device_id)
            .order_by(ConfigVersion.id)
        ).all()
        s.expunge_all()
        return list(rows)


def test_the_collector_is_sent_the_login_the_office_would_use(any_db, ids, settings, tmp_path):
    key_dir = tmp_path / "keys"
    key_dir.mkdir()
    text = _ed25519_key_text()
    (key_dir / "school.key").write_text(text)
    with transaction(any_db) as s:
        s.add(SshAccess(device_id=ids["sw-2"], key_path="school.key", config_path=None))
        s.get(Device, ids["ap"]).ssh_device_type = "cisco_ios"  # no credentials at all: no login
        s.add(
            SshHostKey(
                device_id=ids["sw-1"],
                host_key=HOST_KEY,
                fingerprint="SHA256:x",
                first_seen_at=T0,
                last_seen_at=T0,
            )
        )
    central = replace(
        settings, ssh=SshSettings(interval=3600, timeout=30, workers=3, key_dir=str(key_dir))
    )
    vault = Vault.from_settings(settings)
    with transaction(any_db) as s:
        document = config_document(s, s.get(Collector, ids["collector"]), central, vault)
    by_id = {d.id: d for d in document.devices}
    assert (document.ssh.interval, document.ssh.timeout, document.ssh.workers) == (3600, 30, 3)
    sw1 = by_id[ids["sw-1"]].ssh
    assert (sw1.device_type, sw1.port, sw1.username, sw1.password, sw1.secret) == (
        "cisco_ios",
        22,
        "backup",
        "pw-sw-1",
        "en-1",
    )
    assert sw1.known_host_key == HOST_KEY and sw1.requested_at is None
    assert by_id[ids["sw-2"]].ssh.private_key == text  # the key's text, not its path
    assert by_id[ids["ap"]].ssh is None or by_id[ids["ap"]].ssh.password is None
    assert ids["core"] not in by_id  # the office's own device goes to no collector

    # Held credentials (an editor who is no admin changed them) go nowhere.
    with transaction(any_db) as s:
        device = s.get(Device, ids["sw-1"])
        device.credentials_held_at, device.credentials_held_for = T0, "editor"
        document = config_document(s, s.get(Collector, ids["collector"]), central, vault)
    assert {d.id: d for d in document.devices}[ids["sw-1"]].ssh is None


def _ed25519_key_text() -> str:
    import io

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()
    paramiko.Ed25519Key.from_private_key(io.StringIO(pem))  # a key paramiko reads
    return pem


def test_an_uploaded_backup_is_recorded_as_the_offices_own(any_db, ids, edge_settings):
    applied = upload(any_db, ids, edge_settings, [backup(ids["sw-1"], T0)], batch_id="b1")
    assert applied.applied == 1
    [version] = versions(any_db, ids["sw-1"])
    assert version.text == CONFIG_1 and version.trigger == "collector S012-pi"
    with transaction(any_db) as s:
        state = s.get(SshBackupState, ids["sw-1"])
        assert (state.state, state.attempted_at, state.facts_model) == (
            "ok",
            T0,
            "WS-C2960X-24TS-L",
        )
        assert s.get(SshHostKey, ids["sw-1"]).host_key == HOST_KEY

    # A day later the configuration changed: a new version and a change event.
    later = T0 + timedelta(days=1)
    upload(any_db, ids, edge_settings, [backup(ids["sw-1"], later, CONFIG_2)], batch_id="b2")
    assert [v.text for v in versions(any_db, ids["sw-1"])] == [CONFIG_1, CONFIG_2]
    with transaction(any_db) as s:
        assert s.scalar(select(func.count()).select_from(ConfigChangeEvent)) == 1


def test_the_same_backups_twice_are_recorded_once_under_any_id(any_db, ids, edge_settings):
    first = [backup(ids["sw-1"], T0), backup(ids["sw-2"], T0, state="auth_failed", config=None)]
    assert upload(any_db, ids, edge_settings, first, batch_id="b1").applied == 2
    assert upload(any_db, ids, edge_settings, first, batch_id="b1").duplicate
    # Re-sent under another id (the queue split a refused batch): nothing recorded again.
    again = upload(any_db, ids, edge_settings, first, batch_id="b1-again")
    assert again.applied == 0 and not again.duplicate
    assert len(versions(any_db, ids["sw-1"])) == 1
    with transaction(any_db) as s:
        assert s.get(SshBackupState, ids["sw-2"]).state == "auth_failed"


def test_a_backup_of_another_schools_device_refuses_the_batch_and_writes_nothing(
    any_db, ids, edge_settings
):
    batch = [backup(ids["sw-1"], T0), backup(ids["foreign"], T0)]
    with pytest.raises(Refused) as refused:
        upload(any_db, ids, edge_settings, batch, batch_id="b1")
    assert refused.value.status == 403
    assert f"does not measure device(s) {ids['foreign']}" in refused.value.message
    with transaction(any_db) as s:
        assert s.scalar(select(func.count()).select_from(ConfigVersion)) == 0
        assert s.scalar(select(func.count()).select_from(SshBackupState)) == 0


def test_the_office_leaves_the_collectors_devices_to_it(any_db, ids, settings):
    with transaction(any_db) as s:
        assert due_devices(s, 86400, T0) == [ids["core"]]
        office = {p.target.key for p in plan(s, Vault.from_settings(settings))}
        assert office == {ids["core"]}


def test_back_up_now_is_asked_of_the_collector_and_forgotten_once_answered(
    any_db, ids, settings, edge_settings
):
    vault = Vault.from_settings(settings)
    with transaction(any_db) as s:
        before = config_document(s, s.get(Collector, ids["collector"]), settings, vault)
        assert backup_requests.ask_collector(s, ids["sw-1"], "web:officer", T0).name == "S012-pi"
        assert backup_requests.ask_collector(s, ids["core"], "web:officer", T0) is None
        after = config_document(s, s.get(Collector, ids["collector"]), settings, vault)
    assert after.etag != before.etag
    assert {d.id: d for d in after.devices}[ids["sw-1"]].ssh.requested_at == T0

    # A scheduled backup (no request answered) leaves the request waiting ...
    upload(any_db, ids, edge_settings, [backup(ids["sw-1"], T0 - timedelta(hours=1))], batch_id="a")
    with transaction(any_db) as s:
        assert s.get(SshBackupRequest, ids["sw-1"]) is not None
    # ... the backup answering it forgets it, and the configuration stops asking.
    answer = backup(ids["sw-1"], T0 + timedelta(minutes=1), CONFIG_2, requested_at=T0)
    upload(any_db, ids, edge_settings, [answer], batch_id="b")
    with transaction(any_db) as s:
        assert s.get(SshBackupRequest, ids["sw-1"]) is None
        document = config_document(s, s.get(Collector, ids["collector"]), settings, vault)
    assert {d.id: d for d in document.devices}[ids["sw-1"]].ssh.requested_at is None
