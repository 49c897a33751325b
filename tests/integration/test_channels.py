"""Alert channels through the outbox, against a real HTTP receiver on loopback.

Apprise's own JSON webhook code path posts to tests.support.webhook; the LINE and Telegram code
paths are in test_channels_https.py. Routing is checked through real sweeps (the poller with a
scripted network, as in test_incidents).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from monitor.channels import store
from monitor.channels.kinds import ChannelError
from monitor.channels.sender import drain_channels
from monitor.db import audit
from monitor.db.engine import transaction
from monitor.db.models import AuditEvent, OutboxMessage, SiteContact
from monitor.mail.outbox import RetryPolicy, deliver_due, enqueue
from monitor.secrets import Vault
from tests.conftest import NOW
from tests.integration.test_incidents import build, poller, sweeps
from tests.support.webhook import Receiver

POLICY = RetryPolicy(base=30, maximum=600, max_attempts=5, stale_after=120)
SECRET = "s3cr3t-t0ken-do-not-show"


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def hook(tmp_path):
    with Receiver(tmp_path / "hook") as receiver:
        yield receiver


def hook_url(hook, path=f"hook/{SECRET}") -> str:
    return f"json://127.0.0.1:{hook.port}/{path}"


def add_channel(sessions, settings, url, **kw):
    with transaction(sessions) as s:
        return store.add(s, Vault.from_settings(settings), url=url, now=NOW, **kw)


def queue(sessions, channel_id, text, key=None):
    with transaction(sessions) as s:
        return enqueue(
            s,
            recipients=["webhook"],
            subject=text.splitlines()[0],
            text=text,
            now=NOW,
            channel_id=channel_id,
            dedupe_key=key,
        ).id


def drain(sessions, url, channel_id, clock):
    from monitor.channels.transport import ChannelTransport

    return deliver_due(
        sessions, ChannelTransport(url, timeout=5), POLICY, clock=clock, channel_id=channel_id
    )


def row(sessions, message_id) -> OutboxMessage:
    with sessions() as s:
        return s.get(OutboxMessage, message_id)


def messages(hook) -> list[str]:
    return [json.loads(r["body"])["message"] for r in hook.requests() if r["status"] == 200]


def test_a_channel_answering_500_gets_the_message_once_when_it_recovers(any_db, settings, hook):
    channel = add_channel(any_db, settings, hook_url(hook), name="webhook")
    first = queue(any_db, channel.id, "🔴 down")
    second = queue(any_db, channel.id, "🟢 back")
    clock = Clock()
    hook.answer("500")
    report = drain(any_db, hook_url(hook), channel.id, clock)
    assert (report.sent, report.retrying) == (0, 1)
    failed = row(any_db, first)
    assert (failed.status, failed.attempts) == ("pending", 1)
    assert "error=500" in failed.last_error
    assert failed.next_attempt_at == NOW + timedelta(seconds=30)

    hook.answer("")  # recovered, but the backoff has not passed: nothing is tried
    assert drain(any_db, hook_url(hook), channel.id, clock).sent == 0
    clock.now += timedelta(seconds=31)
    assert drain(any_db, hook_url(hook), channel.id, clock).sent == 2
    assert drain(any_db, hook_url(hook), channel.id, clock).sent == 0
    # Once each, in the order written: the recovery never overtook the outage.
    assert messages(hook) == ["🔴 down", "🟢 back"]
    assert [r["status"] for r in hook.requests()] == [500, 200, 200]
    assert row(any_db, second).status == "sent"


def test_a_4xx_fails_at_once_with_the_services_answer(db, settings, hook):
    channel = add_channel(db, settings, hook_url(hook), name="webhook")
    message = queue(db, channel.id, "🔴 down")
    hook.answer('400 {"message": "The property, \'to\', in the request body is invalid"}')
    report = drain(db, hook_url(hook), channel.id, Clock())
    assert (report.sent, report.failed) == (0, 1)
    failed = row(db, message)
    assert failed.status == "failed" and failed.attempts == 1
    assert "error=400" in failed.last_error
    assert "The property, 'to', in the request body is invalid" in failed.last_error
    assert SECRET not in failed.last_error


def test_one_channel_down_holds_back_neither_mail_nor_another_channel(db, settings, tmp_path):
    with Receiver(tmp_path / "a") as down, Receiver(tmp_path / "b") as up:
        broken = add_channel(db, settings, hook_url(down), name="broken")
        working = add_channel(db, settings, hook_url(up), name="working")
        down.answer("503")
        queue(db, broken.id, "to the broken one")
        queue(db, working.id, "to the working one")
        with transaction(db) as s:
            mail = enqueue(s, recipients=["a@example.org"], subject="s", text="t", now=NOW)
        report = drain_channels(db, settings)
        assert (report.sent, report.retrying) == (1, 1)
        assert messages(up) == ["to the working one"]
        assert row(db, mail.id).status == "pending"  # mail is the SMTP sender's, untouched here


def test_sweeps_route_outages_to_channels_in_their_language(any_db, settings, tmp_path):
    ids = build(any_db, schools=4)
    with transaction(any_db) as s:
        s.add(
            SiteContact(
                site_id=ids["site2"],
                person="ครูสมชาย",
                phone="081-234-5678",
                line_id="",
                isp="TOT",
                circuit_id="",
                isp_hotline="1100",
            )
        )
    with Receiver(tmp_path / "hook") as hook:
        thai = add_channel(any_db, settings, hook_url(hook, "all"), name="ทุกโรงเรียน")
        english = add_channel(
            any_db,
            settings,
            hook_url(hook, "s2"),
            name="S002 only",
            language="en",
            events="down",
            sites="S002",
        )
        p, net, clock = poller(any_db)
        sweeps(p, clock, 1)
        net.silent |= {"127.40.2.1", "127.40.2.2", "127.40.2.3"}
        sweeps(p, clock, 3)  # school 2 down: one incident
        net.silent |= {f"127.40.{n}.{k}" for n in (1, 3, 4) for k in (1, 2, 3)}
        sweeps(p, clock, 3)  # three more in one sweep: grouped
        with any_db() as s:
            rows = s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.channel_id.is_not(None))
                .order_by(OutboxMessage.id)
            ).all()
            # The two rows of the first outage, by channel: the order of channels is by name.
            rows = sorted(rows[:2], key=lambda r: r.channel_id) + rows[2:]
            got = [(r.channel_id, r.text.splitlines()[0], r.dedupe_key) for r in rows]
            down_text = rows[0].text
            english_text = rows[1].text
    [incident_key] = {k.split("@")[0] for _, _, k in got[:2]}
    assert got[:2] == [
        (thai.id, "🔴 ขัดข้อง: โรงเรียน 2 (S002)", f"{incident_key}@ch{thai.id}"),
        (english.id, "🔴 DOWN: โรงเรียน 2 (S002)", f"{incident_key}@ch{english.id}"),
    ]
    assert down_text.splitlines()[1:] == [
        "router (127.40.2.1)",
        "ตั้งแต่ 24 พ.ย. 2569 10:01",
        "อุปกรณ์ที่อยู่ถัดไปติดต่อไม่ได้อีก 2 เครื่อง",
        "📞 ครูสมชาย 081-234-5678",
        "🌐 TOT สายด่วนผู้ให้บริการ 1100",
        down_text.splitlines()[-1],
    ]
    assert down_text.splitlines()[-1].startswith("https://ictmon.example/incidents/")
    assert english_text.splitlines()[2] == "since 24 Nov 2026 10:01"
    # The grouped outage (schools 1, 3, 4) is one message, and only for the channel that wants
    # every school and grouped outages: S002's channel hears nothing of other schools.
    assert [(c, first) for c, first, _ in got[2:]] == [(thai.id, "🔴 ขัดข้องพร้อมกัน 3 แห่ง")]


def test_a_channel_url_is_checked_and_never_stored_or_audited_in_clear(db, settings, hook):
    with pytest.raises(ChannelError, match="one target per channel"):
        add_channel(db, settings, "line://token123456/Cgroup1/Cgroup2", name="two")
    with pytest.raises(ChannelError, match="not offered"):
        add_channel(db, settings, "mailto://user:pass@example.org", name="mail")
    with pytest.raises(ChannelError, match="cannot read"):
        add_channel(db, settings, "nonsense://", name="bad")
    with transaction(db) as s:
        audit.act_as(s, audit.Actor("somchai"))
        store.add(s, Vault.from_settings(settings), name="hook", url=hook_url(hook), now=NOW)
    with db() as s:
        events = s.scalars(select(AuditEvent)).all()
        dump = " ".join(json.dumps(e.changes, ensure_ascii=False) for e in events)
        [stored] = s.scalars(select(store.AlertChannel.url_secret)).all()
    assert [(e.object_type, e.action) for e in events] == [("alert_channel", "create")]
    assert SECRET not in dump and "•••" in dump
    assert SECRET.encode() not in stored


def test_a_failing_send_logs_nothing_secret(db, settings, hook, caplog):
    caplog.set_level(logging.DEBUG)
    channel = add_channel(db, settings, hook_url(hook), name="hook")
    queue(db, channel.id, "🔴 down")
    hook.answer("401")
    drain_channels(db, settings)
    assert "error=401" in caplog.text
    assert SECRET not in caplog.text


def ictmon(settings_path, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(settings_path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_cli_adds_lists_and_tests_a_channel_without_showing_its_url(tmp_path, hook):
    config = tmp_path / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "cli.db"}"\n'
        f'[paths]\ndata_dir = "{tmp_path / "data"}"\n',
        encoding="utf-8",
    )
    assert ictmon(config, "init", "--admin-password", "correct-horse-42").returncode == 0
    url = hook_url(hook)
    added = ictmon(
        config, "channel", "add", "เวร ICT", "--sites", "S001 S002", env={"ICTMON_CHANNEL_URL": url}
    )
    assert added.returncode == 0, added.stderr
    assert "added (JSON webhook)" in added.stdout
    listed = ictmon(config, "channel", "list")
    assert listed.stdout.split("\t")[1:] == [
        "เวร ICT",
        "webhook",
        "th",
        "enabled",
        "down,grouped",
        "S001 S002\n",
    ]
    tested = ictmon(config, "channel", "test", "เวร ICT")
    assert tested.returncode == 0 and tested.stdout.strip() == "Sent JSON POST notification."
    assert messages(hook)[0].startswith("ข้อความทดสอบจาก ictmon สำหรับช่องทาง “เวร ICT”")
    hook.answer('403 {"error": "forbidden"}')
    refused = ictmon(config, "channel", "test", "เวร ICT")
    assert refused.returncode != 0
    assert 'error=403. {"error": "forbidden"}' in refused.stdout
    assert "did not accept the test message" in refused.stderr
    for done in (added, listed, tested, refused):
        assert SECRET not in done.stdout + done.stderr


def test_check_config_says_when_alerts_cannot_go_out(tmp_path, hook):
    config = tmp_path / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "cc.db"}"\n'
        f'[paths]\ndata_dir = "{tmp_path / "data"}"\n',
        encoding="utf-8",
    )
    assert ictmon(config, "init", "--admin-password", "correct-horse-42").returncode == 0
    before = ictmon(config, "check-config")
    assert before.returncode == 0, before.stderr
    assert "alerts: WARNING Alerts cannot go out: there is no route for outages" in before.stdout
    ictmon(config, "channel", "add", "on call", env={"ICTMON_CHANNEL_URL": hook_url(hook)})
    after = ictmon(config, "check-config")
    assert "alerts: a route for outages exists and nothing is failing" in after.stdout
    assert "WARNING" not in after.stdout
