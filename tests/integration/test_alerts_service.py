"""Alerts end to end: ictmon (`ictmon run`) and a real SMTP server (aiosmtpd) in one namespace.

A school's router and everything behind it fall silent (nft drop); we read the mails the SMTP
server accepted, as the officer would read their inbox, and the incidents through the API.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.localtime import BANGKOK
from tests.integration.test_service import ALL_UP, PORT, SCHOOL_ONE, Service
from tests.support.smtp import body, read_mails
from tests.support.waiting import wait_until

pytestmark = pytest.mark.netns

SMTP_PORT = 2525
INTERVAL, TIMEOUT, CONFIRMATIONS = 1.0, 0.5, 2
# Bound for waits only: confirmations + a sweep + the sender's interval + a loaded CI machine.
SETTLE_S = INTERVAL * CONFIRMATIONS + TIMEOUT + 20
ROUTER_DOWN = {
    "S001/router": "down",
    "S001/sw-core": "unreachable",
    "S001/ap-library": "unreachable",
}


class AlertingService(Service):
    """The district of test_service, plus [smtp] pointing at the test's server and [alerts]."""

    def __init__(self, ns, directory: Path, *, flap_threshold: int = 50, flap_window: float = 60):
        super().__init__(ns, directory)
        self.config.write_text(
            self.config.read_text(encoding="utf-8")
            + f'\n[smtp]\nhost = "127.0.0.1"\nport = {SMTP_PORT}\ntimeout = 3\n'
            f'from_address = "ictmon@district.example"\nsend_interval = 0.5\n'
            f"retry_base = 0.5\nretry_max = 2\n"
            f'\n[alerts]\nrecipients = "oncall@district.example"\n'
            f'site_recipients = "S001=head@school1.example"\n'
            f"flap_threshold = {flap_threshold}\nflap_window = {flap_window}\n",
            encoding="utf-8",
        )
        text = self.config.read_text(encoding="utf-8")
        self.config.write_text(
            text.replace("[web]\n", '[web]\nbase_url = "https://ictmon.example"\n'),
            encoding="utf-8",
        )
        self.mail_dir = directory / "mail"
        self.mail_dir.mkdir()
        self.smtp: subprocess.Popen | None = None

    def start_smtp(self) -> None:
        self.smtp = self.ns.popen(
            [
                sys.executable,
                "-m",
                "tests.support.smtp",
                "127.0.0.1",
                str(SMTP_PORT),
                str(self.mail_dir),
            ],
            stdout=subprocess.PIPE,
            cwd=Path(__file__).parents[2],
        )
        assert self.smtp.stdout.readline().strip() == b"ready"

    def stop_smtp(self) -> None:
        self.smtp.terminate()
        self.smtp.wait(timeout=15)

    def mails(self):
        return read_mails(self.mail_dir)

    def wait_for_mails(self, count: int, within: float):
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            mails = self.mails()
            if len(mails) >= count:
                return mails
            time.sleep(0.2)
        pytest.fail(
            f"after {within:.0f} s expected {count} mails, got "
            f"{[m['Subject'] for m in self.mails()]}"
        )

    def outbox(self) -> list[dict]:
        """The messages not yet sent, as the API lists them."""
        return self.api("/api/v1/outbox")

    def wait_until_quiet(self, sweeps: int = 3) -> None:
        """Let `sweeps` more ping sweeps run and the sender deliver whatever they queued: after
        that a mail that has not arrived was never going to (the server keeps a mail before it
        answers, the sender marks it sent after the answer)."""
        self.wait_for_runs("ping-sweep", sweeps, within=SETTLE_S + sweeps * INTERVAL)
        wait_until(lambda: self.outbox() == [], within=SETTLE_S, what="an empty outbox")

    def api(self, path: str):
        status, body_ = self.ns.http_get(
            f"http://127.0.0.1:{PORT}{path}", headers={"Authorization": f"Bearer {self.token}"}
        )
        assert status == 200, body_
        return json.loads(body_)

    def sql(self, statement: str, params=()) -> None:
        with sqlite3.connect(self.directory / "ictmon.db", timeout=30) as db:
            db.execute(statement, params)


def _service(netns, tmp_path, **kw):
    svc = AlertingService(netns, tmp_path, **kw)
    svc.start_smtp()
    svc.setup()
    svc.start()
    return svc


@pytest.fixture
def service(netns, tmp_path):
    svc = _service(netns, tmp_path)
    yield svc
    if svc.process and svc.process.poll() is None:
        svc.stop()


def subjects(mails) -> list[str]:
    return [m["Subject"] for m in mails]


def test_school_router_down_sends_one_mail_and_recovery_one_with_the_duration(service):
    service.wait_for(ALL_UP, within=SETTLE_S)
    silenced_at = time.time()
    service.ns.silence(*SCHOOL_ONE)
    [down] = service.wait_for_mails(1, within=SETTLE_S)
    print(
        f"\nfirst lost ping → DOWN mail accepted: {down.arrived - silenced_at:.1f} s "
        f"(interval {INTERVAL} s, timeout {TIMEOUT} s, confirmations {CONFIRMATIONS})"
    )
    service.wait_for(ROUTER_DOWN, within=SETTLE_S)
    service.wait_until_quiet()  # more sweeps with the children silent: still one mail
    assert subjects(service.mails()) == ["[ictmon] ขัดข้อง: โรงเรียนบ้านหนองบัว — router"]
    assert {down["To"].addresses[i].addr_spec for i in range(2)} == {
        "oncall@district.example",
        "head@school1.example",
    }
    text = body(down)
    assert "router (127.30.1.1) ของโรงเรียนบ้านหนองบัว (S001) ไม่ตอบสนองตั้งแต่" in text
    assert "อุปกรณ์ที่ติดต่อไม่ได้เพราะเหตุนี้ 2 เครื่อง: ap-library, sw-core" in text
    [incident] = service.api("/api/v1/incidents")
    assert f"https://ictmon.example/incidents/{incident['id']}" in text
    assert incident["state"] == "open" and incident["device"] == "router"
    assert sorted(incident["children"]) == ["ap-library", "sw-core"]

    service.ns.restore(*SCHOOL_ONE)
    mails = service.wait_for_mails(2, within=SETTLE_S)
    service.wait_for(ALL_UP, within=SETTLE_S)
    service.wait_until_quiet(sweeps=2)
    mails = service.mails()
    assert subjects(mails) == [
        "[ictmon] ขัดข้อง: โรงเรียนบ้านหนองบัว — router",
        "[ictmon] กลับมาใช้งานได้: โรงเรียนบ้านหนองบัว — router",
    ]
    [incident] = service.api("/api/v1/incidents")
    assert incident["state"] == "resolved"
    with sqlite3.connect(service.directory / "ictmon.db") as db:  # the API rounds to seconds
        opened, resolved = db.execute("SELECT opened_at, resolved_at FROM incidents").fetchone()
    lasted = datetime.fromisoformat(resolved) - datetime.fromisoformat(opened)
    assert lasted.total_seconds() >= INTERVAL * CONFIRMATIONS
    assert f"ขัดข้องนาน {int(lasted.total_seconds())} วินาที" in body(mails[1])


def test_mails_wait_for_the_smtp_server_across_a_restart_and_arrive_once(service):
    service.wait_for(ALL_UP, within=SETTLE_S)
    service.stop_smtp()
    service.ns.silence(*SCHOOL_ONE)
    service.wait_for(ROUTER_DOWN, within=SETTLE_S)
    wait_until(  # the sender tries and fails at least once
        lambda: [m for m in service.outbox() if m["last_error"]],
        within=SETTLE_S,
        what="a failed try in the outbox",
    )
    service.stop()
    service.start()  # quick restart: shorter than the gap threshold, the outage simply goes on
    service.ns.restore(*SCHOOL_ONE)
    service.wait_for(ALL_UP, within=SETTLE_S)
    outbox = service.api("/api/v1/outbox")
    assert [m["status"] for m in outbox] == ["pending", "pending"]
    assert "Connection refused" in outbox[0]["last_error"]  # tried while the server was away
    assert outbox[0]["subject"] == "[ictmon] ขัดข้อง: โรงเรียนบ้านหนองบัว — router"
    assert service.mails() == []

    service.start_smtp()
    service.wait_for_mails(2, within=SETTLE_S)
    service.wait_until_quiet(sweeps=1)  # time for a duplicate to show up, if there were one
    mails = service.mails()
    assert subjects(mails) == [
        "[ictmon] ขัดข้อง: โรงเรียนบ้านหนองบัว — router",
        "[ictmon] กลับมาใช้งานได้: โรงเรียนบ้านหนองบัว — router",
    ]
    assert len({m["Message-ID"] for m in mails}) == 2
    assert service.api("/api/v1/outbox") == []


def test_a_maintenance_window_keeps_the_school_quiet_and_in_maintenance(service):
    service.wait_for(ALL_UP, within=SETTLE_S)
    # A weekly window (today's weekday, an hour either side of now, Bangkok time), written the
    # way the maintenance page writes it.
    now = datetime.now(UTC)
    local = now.astimezone(BANGKOK)
    start, end = (local - timedelta(hours=1)), (local + timedelta(hours=1))
    service.sql(
        "INSERT INTO maintenance_windows (site_id, device_id, starts_at, ends_at, reason, "
        "created_by, created_at, recurrence, weekdays, local_start, local_end) "
        "SELECT id, NULL, ?, ?, 'UPS replacement', 'officer', ?, 'weekly', ?, ?, ? "
        "FROM sites WHERE code = 'S001'",
        (
            (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
            (now + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S"),
            now.strftime("%Y-%m-%d %H:%M:%S"),
            f"{start.weekday()},{local.weekday()}",
            start.strftime("%H:%M"),
            end.strftime("%H:%M"),
        ),
    )
    service.wait_for({"S001/router": "maintenance", "S001/sw-core": "maintenance"}, within=SETTLE_S)
    service.ns.silence(*SCHOOL_ONE)
    service.wait_for_runs("ping-sweep", CONFIRMATIONS + 4, within=SETTLE_S + 6 * INTERVAL)
    seen = service.wait_for(
        {"S001/router": "maintenance", "S001/ap-library": "maintenance"}, within=SETTLE_S
    )
    assert seen["S002/router"]["state"] == "up"
    assert service.outbox() == []
    assert service.mails() == []
    assert service.api("/api/v1/incidents") == []


@pytest.fixture
def flapping_service(netns, tmp_path):
    svc = _service(netns, tmp_path, flap_threshold=3, flap_window=20)
    yield svc
    if svc.process and svc.process.poll() is None:
        svc.stop()


def test_a_flapping_router_sends_one_notice_not_a_mail_per_change(flapping_service):
    service = flapping_service
    service.wait_for(ALL_UP, within=SETTLE_S)
    for _ in range(3):  # down and up three times: six changes, flapping from the third
        service.ns.silence("127.30.1.1")
        service.wait_for({"S001/router": "down"}, within=SETTLE_S)
        service.ns.restore("127.30.1.1")
        service.wait_for({"S001/router": "up"}, within=SETTLE_S)
    # Quiet for a whole flap window: it settles, and says so once.
    mails = service.wait_for_mails(4, within=20 + SETTLE_S)
    service.wait_until_quiet(sweeps=2)
    assert subjects(service.mails()) == [
        "[ictmon] ขัดข้อง: โรงเรียนบ้านหนองบัว — router",
        "[ictmon] กลับมาใช้งานได้: โรงเรียนบ้านหนองบัว — router",
        "[ictmon] สถานะไม่แน่นอน: โรงเรียนบ้านหนองบัว — router",
        "[ictmon] สถานะคงที่แล้ว: โรงเรียนบ้านหนองบัว — router",
    ]
    assert "เปลี่ยนสถานะขึ้น-ลง 3 ครั้งภายใน 20 วินาที" in body(mails[2])
    assert "สถานะปัจจุบัน: ปกติ" in body(mails[3])
    # Every outage is still in the incident log, whether or not it was mailed.
    assert len(service.api("/api/v1/incidents")) == 3
