"""Two schedulers on one database mail once: the stand-by sends nothing while the active one
lives, and after a SIGKILL take-over the mails owed are sent once, not twice.

tests/integration/test_scheduler_lease.py shows one process sweeps at a time; this adds what an
officer would notice first if the lease failed — a second copy of every alert. Two real
`ictmon run --only poller` processes, a real SMTP server (aiosmtpd) and a router silenced by nft,
all inside a namespace the test makes; SQLite in WAL mode shared by both processes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.smtp import read_mails
from tests.support.waiting import wait_until

pytestmark = pytest.mark.netns

REPO = Path(__file__).resolve().parents[2]
SMTP_PORT = 2525
WAIT_S = 60  # a bound for each wait on a loaded machine; nothing asserts on speed
DISTRICT = """\
site,site_name,name,address,kind,parent
OFFICE,สำนักงานเขต,core,127.34.0.1,switch,
S001,โรงเรียนบ้านหนองบัว,router,127.34.1.1,router,OFFICE/core
"""


def _runs(database: Path, job: str) -> int:
    with sqlite3.connect(database, timeout=30) as db:
        row = db.execute("SELECT runs FROM job_runs WHERE job = ?", (job,)).fetchone()
    return row[0] if row else 0


def _unsent(database: Path) -> int:
    with sqlite3.connect(database, timeout=30) as db:
        return db.execute("SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL").fetchone()[
            0
        ]


def test_a_stand_by_scheduler_never_sends_a_second_copy_of_an_alert(netns, tmp_path):
    config = tmp_path / "ictmon.toml"
    database = tmp_path / "ictmon.db"
    config.write_text(
        f'[database]\nurl = "sqlite:///{database}"\n[paths]\ndata_dir = "{tmp_path}"\n'
        "[ping]\ninterval = 1\ntimeout = 0.5\ncount = 1\nconfirmations = 2\n"
        f'[smtp]\nhost = "127.0.0.1"\nport = {SMTP_PORT}\ntimeout = 3\nsend_interval = 0.5\n'
        'from_address = "ictmon@district.example"\nretry_base = 0.5\nretry_max = 2\n'
        '[alerts]\nrecipients = "oncall@district.example"\nlanguage = "en"\n',
        encoding="utf-8",
    )
    (tmp_path / "district.csv").write_text(DISTRICT, encoding="utf-8")
    ictmon = [sys.executable, "-m", "monitor", "--config", str(config)]
    netns.run([*ictmon, "init", "--admin-password", "correct-horse-42"], cwd=REPO)
    netns.run([*ictmon, "import", str(tmp_path / "district.csv")], cwd=REPO)
    mail_dir = tmp_path / "mail"
    smtp = netns.popen(
        [sys.executable, "-m", "tests.support.smtp", "127.0.0.1", str(SMTP_PORT), str(mail_dir)],
        stdout=subprocess.PIPE,
        cwd=REPO,
    )
    assert smtp.stdout is not None and smtp.stdout.readline().strip() == b"ready"

    def start(log: Path) -> subprocess.Popen:
        with open(log, "wb") as out:
            return netns.popen(
                [*ictmon, "run", "--only", "poller"], stdout=out, stderr=subprocess.STDOUT, cwd=REPO
            )

    def router_mails() -> list[str]:
        return [m["Subject"] for m in read_mails(mail_dir) if "router" in m["Subject"]]

    first = start(tmp_path / "first.log")
    wait_until(lambda: _runs(database, "ping-sweep") >= 1, within=WAIT_S, what="a first sweep")
    second = start(tmp_path / "second.log")
    wait_until(
        lambda: "stand-by" in (tmp_path / "second.log").read_text(),
        within=WAIT_S,
        what="the second scheduler to stand by",
    )

    netns.silence("127.34.1.1")
    wait_until(router_mails, within=WAIT_S, what="the router's DOWN mail")
    # Killed once the mail is marked sent (a kill between the SMTP answer and that mark would
    # send it again: at least once is the outbox's promise, not exactly once).
    wait_until(lambda: _unsent(database) == 0, within=WAIT_S, what="the DOWN mail marked sent")
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    wait_until(
        lambda: "taken over" in (tmp_path / "second.log").read_text(),
        within=WAIT_S,
        what="the stand-by to take over",
    )
    netns.restore("127.34.1.1")
    wait_until(lambda: len(router_mails()) >= 2, within=WAIT_S, what="the router's RECOVERED mail")
    # Let the sender run a few more times: a second copy would have gone out by then.
    target = _runs(database, "outbox-sender") + 4
    wait_until(
        lambda: _runs(database, "outbox-sender") >= target,
        within=WAIT_S,
        what="four more runs of the mail sender",
    )
    second.send_signal(signal.SIGTERM)
    second.wait(timeout=30)

    subjects = router_mails()
    assert len(subjects) == 2, subjects
    assert "DOWN" in subjects[0] and "RECOVERED" in subjects[1], subjects
