"""SSH backups on the collector's wire: the configuration carries logins and [ssh] timing, a batch
carries backups; both read back what was written, and what does not follow the protocol is
refused with the field named. The collector's queue keeps backups as rows of their own; what it
decides is due and what it sends stay within the wire's bounds."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from collectors.ssh import SshResult, SshState
from monitor.agent import plans
from monitor.agent.queue import ResultQueue
from monitor.edge.protocol import (
    MAX_BACKUPS_PER_BATCH,
    MAX_CONFIG_TEXT,
    BackupResult,
    Batch,
    ConfigDevice,
    ConfigDocument,
    PingOutcome,
    PingTiming,
    ProtocolError,
    SnmpTiming,
    SshLogin,
    SshTiming,
    parse_batch,
    parse_config,
)

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _backup(device=11, at=T0, **values) -> BackupResult:
    defaults = dict(
        state="ok",
        config="hostname SW1\n",
        facts={"model": "WS-C2960X"},
        host_key="ssh-ed25519 AAAA",
        host_key_fingerprint="SHA256:abc",
        seconds=1.5,
    )
    return BackupResult(device, at, **{**defaults, **values})


def _config(*devices: ConfigDevice, interval: float = 86400) -> ConfigDocument:
    return ConfigDocument(
        collector="S012-pi",
        sites=("S012",),
        ping=PingTiming(interval=60, timeout=1, count=1, spacing=0.1, max_in_flight=8),
        snmp=SnmpTiming(300, 86400, 1, 1, 4, 25),
        push_interval=30,
        buffer_hours=72,
        devices=devices,
        ssh=SshTiming(interval=interval, timeout=20, workers=2, strict_host_keys=True),
    )


def _device(device_id=11, requested_at=None, login=True) -> ConfigDevice:
    ssh = (
        SshLogin(
            "cisco_ios",
            port=2222,
            username="backup",
            password="pw",
            secret="en",
            private_key="-----BEGIN OPENSSH PRIVATE KEY-----\n...",
            known_host_key="ssh-ed25519 AAAA",
            requested_at=requested_at,
        )
        if login
        else None
    )
    return ConfigDevice(device_id, f"sw-{device_id}", "S012", "127.0.0.1", "switch", ssh=ssh)


def _batch_json(**changes) -> dict:
    data = Batch("b1", T0, backups=(_backup(),)).to_json()
    data["backups"][0].update(changes)
    return data


# --------------------------------------------------------------------------------------------
# The wire


def test_a_configuration_with_logins_and_ssh_timing_reads_back_the_same():
    document = _config(_device(requested_at=T0), _device(12, login=False))
    again = parse_config(json.loads(json.dumps(document.to_json())))
    assert again == document
    assert parse_config(json.loads(json.dumps(again.to_json()))).etag == again.etag
    assert "pw" not in repr(again.devices[0]) and "PRIVATE" not in repr(again.devices[0])


def test_a_request_changes_the_configurations_etag():
    assert _config(_device()).etag != _config(_device(requested_at=T0)).etag


def test_a_configuration_from_before_ssh_backups_still_reads():
    data = json.loads(json.dumps(_config(_device(login=False)).to_json()))
    del data["ssh"]
    for device in data["devices"]:
        del device["ssh"]
    document = parse_config(data)
    assert document.ssh == SshTiming() and document.devices[0].ssh is None


def test_a_batch_with_backups_reads_back_the_same():
    batch = Batch(
        "b1",
        T0,
        sweeps=(),
        backups=(_backup(), _backup(12, state="auth_failed", config=None, requested_at=T0)),
    )
    assert parse_batch(json.loads(json.dumps(batch.to_json()))) == batch
    assert batch.result_count == 2


def test_an_old_collectors_batch_without_backups_still_parses():
    data = Batch("b1", T0).to_json()
    del data["backups"]
    assert parse_batch(data).backups == ()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"state": "fine"}, "backups[0].state: expected one of ok, not_configured"),
        ({"device": "11"}, "backups[0].device: expected an integer"),
        ({"at": "2026-12-07T01:00:00"}, "backups[0].at: a time needs its UTC offset"),
        ({"config": 42}, "backups[0].config: expected a string"),
        ({"facts": ["model"]}, "backups[0].facts: expected an object"),
        ({"facts": {"model": 3}}, "backups[0].facts.model: expected a string"),
        ({"config": "x" * (MAX_CONFIG_TEXT + 1)}, f"at most {MAX_CONFIG_TEXT} characters"),
        ({"message": "m" * 501}, "backups[0].message: at most 500 characters"),
        ({"seconds": -1}, "backups[0].seconds: must be a finite number"),
    ],
)
def test_a_backup_that_does_not_follow_the_protocol_is_refused_naming_the_field(changes, message):
    with pytest.raises(ProtocolError, match=re.escape(message)):
        parse_batch(_batch_json(**changes))


def test_too_many_backups_in_one_batch_are_refused():
    data = _batch_json()
    data["backups"] = data["backups"] * (MAX_BACKUPS_PER_BATCH + 1)
    with pytest.raises(ProtocolError, match="backups: at most 500 entries"):
        parse_batch(data)


def test_one_configuration_at_the_limit_fits_the_centrals_default_body_limit():
    """Worst case: every character four bytes of UTF-8 (the collector sends UTF-8)."""
    batch = Batch("b1", T0, backups=(_backup(config="😀" * MAX_CONFIG_TEXT),))
    body = json.dumps(batch.to_json(), separators=(",", ":"), ensure_ascii=False).encode()
    assert len(body) < 8_000_000  # [collector] max_batch_bytes' default
    assert parse_batch(json.loads(body)).backups[0].config == "😀" * MAX_CONFIG_TEXT


# --------------------------------------------------------------------------------------------
# The collector's queue


def test_backups_are_queued_and_taken_with_sweeps_in_one_batch(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    queue.append_sweep(T0, [PingOutcome(11, 1, 1, 0.1, 0.1, 0.1)])
    queue.append_backup(_backup())
    queue.append_backup(_backup(12, at=T0 + HOUR, state="timeout", config=None))
    taken = queue.take(sent_at=T0 + 2 * HOUR, max_rows=10, max_bytes=10**6)
    assert taken.batch.batch_id == "q1-3" and len(taken.batch.sweeps) == 1
    assert taken.batch.backups == (
        _backup(),
        _backup(12, at=T0 + HOUR, state="timeout", config=None),
    )
    assert parse_batch(json.loads(json.dumps(taken.batch.to_json()))) == taken.batch
    queue.accepted(taken)
    assert queue.take(sent_at=T0 + 2 * HOUR, max_rows=10, max_bytes=10**6) is None


def test_a_backup_the_central_would_refuse_is_not_queued(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    with pytest.raises(ProtocolError):
        queue.append_backup(_backup(config="x" * (MAX_CONFIG_TEXT + 1)))
    assert queue.stats().rows == 0


def test_keep_only_drops_the_backups_of_devices_no_longer_measured_and_counts_them(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    queue.append_backup(_backup(11))
    queue.append_backup(_backup(12, at=T0 + HOUR))
    queue.append_sweep(T0 + HOUR, [PingOutcome(11, 1, 1), PingOutcome(12, 1, 0)])
    taken = queue.take(sent_at=T0 + 2 * HOUR, max_rows=10, max_bytes=10**6)
    assert queue.keep_only(taken, {11}) == 2  # the backup and the ping outcome of device 12
    again = queue.take(sent_at=T0 + 2 * HOUR, max_rows=10, max_bytes=10**6)
    assert [b.device for b in again.batch.backups] == [11]
    assert [o.device for o in again.batch.sweeps[0].results] == [11]
    assert again.batch.dropped == 2


def test_a_single_backup_too_large_for_the_central_is_dropped_and_counted(tmp_path):
    queue = ResultQueue(tmp_path / "q.sqlite3")
    queue.append_backup(_backup(config="x" * 100_000))
    queue.append_backup(_backup(12, at=T0 + HOUR))
    big = queue.take(sent_at=T0 + 2 * HOUR, max_rows=10, max_bytes=10**6)
    queue.too_large(big)  # 413 for two rows: sent again smaller
    alone = queue.take(sent_at=T0 + 2 * HOUR, max_rows=1, max_bytes=10**6)
    assert [b.device for b in alone.batch.backups] == [11]
    queue.too_large(alone)  # 413 for that one row alone: dropped, counted
    rest = queue.take(sent_at=T0 + 2 * HOUR, max_rows=10, max_bytes=10**6)
    assert [b.device for b in rest.batch.backups] == [12]
    assert rest.batch.dropped == 1


# --------------------------------------------------------------------------------------------
# What the collector decides


def test_backups_are_due_when_never_tried_or_older_than_the_interval_and_on_request():
    config = _config(_device(11), _device(12), _device(13, login=False), interval=86400)
    now = T0 + 48 * HOUR
    assert [d.id for d in plans.backups_due(config, {}, now)] == [11, 12]
    marks = {11: plans.BackupMark(at=now - 2 * HOUR), 12: plans.BackupMark(at=now - 23 * HOUR)}
    assert [d.id for d in plans.backups_due(config, marks, now)] == [12]  # 23 h > 0.9 × 24 h
    asked = _config(_device(11, requested_at=now - HOUR), _device(12))
    marks = {11: plans.BackupMark(at=now - 2 * HOUR), 12: plans.BackupMark(at=now - HOUR)}
    assert [d.id for d in plans.backups_due(asked, marks, now)] == [11]
    # Once served, the same request is not served again, whatever the two clocks say.
    served = plans.next_marks(marks, asked.devices[:1], now, asked)
    assert plans.backups_due(asked, served, now + HOUR) == []
    assert served[11] == plans.BackupMark(at=now, request=now - HOUR)


def test_marks_survive_as_json_and_forget_devices_no_longer_configured():
    mark = plans.BackupMark(at=T0, request=T0 - HOUR)
    assert plans.BackupMark.from_json(json.loads(json.dumps(mark.to_json()))) == mark
    assert plans.BackupMark.from_json("garbage") == plans.BackupMark()
    config = _config(_device(11))
    assert set(plans.next_marks({11: mark, 99: mark}, [], T0, config)) == {11}


def test_the_target_carries_the_login_and_a_too_large_configuration_becomes_an_error():
    target = plans.ssh_target(_device(requested_at=T0))
    assert (target.key, target.host, target.port, target.device_type) == (
        11,
        "127.0.0.1",
        2222,
        "cisco_ios",
    )
    assert target.private_key and target.known_host_key == "ssh-ed25519 AAAA"
    huge = SshResult(11, SshState.OK, config="x" * (MAX_CONFIG_TEXT + 1), facts={"model": "m"})
    sent = plans.backup_result(huge, T0, requested_at=T0 - HOUR)
    assert sent.state == "error" and sent.config is None and "larger than" in sent.message
    assert sent.requested_at == T0 - HOUR
