"""Channels end to end: `ictmon run` in a namespace, a webhook receiver beside it.

The channel answers 500 through an outage and an ictmon restart, then recovers: the outage and
the recovery each arrive once, in order, while the mails went out on time all along.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_alerts_service import ROUTER_DOWN, SETTLE_S, AlertingService
from tests.integration.test_service import ALL_UP, SCHOOL_ONE
from tests.support.waiting import wait_until
from tests.support.webhook import answer_with, read_requests

pytestmark = pytest.mark.netns

HOOK_PORT = 18181
SECRET = "hook-secret-0123456789"


@pytest.fixture
def service(netns, tmp_path):
    svc = AlertingService(netns, tmp_path)
    svc.start_smtp()
    svc.setup()
    hook_dir = tmp_path / "hook"
    receiver = netns.popen(
        [sys.executable, "-m", "tests.support.webhook", "127.0.0.1", str(HOOK_PORT), str(hook_dir)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    assert receiver.stdout.readline().strip() == b"ready"
    netns.run(
        [sys.executable, "-m", "monitor", "--config", str(svc.config), "channel", "add", "เวร ICT"],
        env={**os.environ, "ICTMON_CHANNEL_URL": f"json://127.0.0.1:{HOOK_PORT}/{SECRET}"},
    )
    svc.hook_dir = hook_dir
    svc.start()
    yield svc
    if svc.process and svc.process.poll() is None:
        svc.stop()


def delivered(svc) -> list[str]:
    return [
        json.loads(r["body"])["message"] for r in read_requests(svc.hook_dir) if r["status"] == 200
    ]


def refused(svc) -> int:
    return sum(1 for r in read_requests(svc.hook_dir) if r["status"] == 500)


def test_a_channel_down_across_a_restart_gets_each_alert_once_when_it_recovers(service):
    service.wait_for(ALL_UP, within=SETTLE_S)
    answer_with(service.hook_dir, "500")
    service.ns.silence(*SCHOOL_ONE)
    service.wait_for(ROUTER_DOWN, within=SETTLE_S)
    wait_until(lambda: refused(service) >= 1, within=SETTLE_S, what="a refused try")
    service.stop()
    service.start()  # restarted while the channel is still down
    service.ns.restore(*SCHOOL_ONE)
    service.wait_for(ALL_UP, within=SETTLE_S)
    outbox = [m for m in service.outbox() if m["recipients"].startswith("JSON webhook")]
    assert [m["status"] for m in outbox] == ["pending", "pending"]
    assert "error=500" in outbox[0]["last_error"]
    assert SECRET not in json.dumps(service.outbox())
    # Mail was not held back by the channel: both mails are already there.
    service.wait_for_mails(2, within=SETTLE_S)

    answer_with(service.hook_dir, "")  # the channel is back
    wait_until(lambda: len(delivered(service)) >= 2, within=SETTLE_S, what="two deliveries")
    service.wait_until_quiet(sweeps=2)  # time for a duplicate to show up, if there were one
    texts = delivered(service)
    assert [t.splitlines()[0] for t in texts] == [
        "🔴 ขัดข้อง: โรงเรียนบ้านหนองบัว (S001)",
        "🟢 กลับมาใช้งานได้: โรงเรียนบ้านหนองบัว (S001)",
    ]
    assert "อุปกรณ์ที่อยู่ถัดไปติดต่อไม่ได้อีก 2 เครื่อง" in texts[0]
    # The outage's link opens the incident with a one-tap acknowledge for this channel.
    assert texts[0].splitlines()[-1].startswith("https://ictmon.example/ack/")
