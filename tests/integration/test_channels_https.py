"""The real Apprise code paths for LINE and Telegram, against local HTTPS servers.

Inside a network namespace the test creates, api.line.me and api.telegram.org resolve to its
own loopback (`ip netns exec` bind-mounts /etc/netns/<name>/hosts over /etc/hosts), an HTTPS
server with a certificate from a throw-away CA answers there, and only the sender's process
trusts that CA (REQUESTS_CA_BUNDLE). The namespace has nothing but loopback: no packet can
leave the machine, and a request that escaped the hosts file would fail, not reach the service.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.tls import make_certificates
from tests.support.webhook import answer_with, read_requests

pytestmark = pytest.mark.netns

ROOT = Path(__file__).parents[2]
LINE_TOKEN = "LiNeChAnNeLaCcEsStOkEn0123456789abcdefXYZ+/="
LINE_GROUP = "C4af4980629c2e8f1b2f5e1c5a8f3e2d1"
BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"
CHAT_ID = "-1001234567890"
TEXT = "🔴 ขัดข้อง: โรงเรียนบ้านหนองบัว (S001)\nrouter (10.1.1.1)\nตั้งแต่ 24 พ.ย. 2569 10:00"

SEND = r"""
import json, sys
from monitor.channels.transport import notify
outcome = notify(sys.argv[1], sys.argv[2], timeout=10)
print(json.dumps({"ok": outcome.ok, "reply": outcome.reply, "permanent": outcome.permanent}))
"""


class Services:
    """HTTPS for the services' host names inside `ns`, and a sender that trusts only our CA."""

    def __init__(self, ns, directory: Path):
        self.ns = ns
        self.directory = directory
        self.certs = make_certificates(directory / "tls", ["api.line.me", "api.telegram.org"])
        self.etc = Path("/etc/netns") / ns.name
        self.etc.mkdir(parents=True)
        (self.etc / "hosts").write_text(
            "127.0.0.1 localhost\n127.0.0.1 api.line.me api.telegram.org\n", encoding="utf-8"
        )
        self.requests_dir = directory / "requests"
        self.server = ns.popen(
            [
                sys.executable,
                "-m",
                "tests.support.webhook",
                "127.0.0.1",
                "443",
                str(self.requests_dir),
                str(self.certs.cert),
                str(self.certs.key),
            ],
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        assert self.server.stdout.readline().strip() == b"ready"

    def close(self) -> None:
        shutil.rmtree(self.etc, ignore_errors=True)

    def answer(self, text: str) -> None:
        answer_with(self.requests_dir, text)

    def send(self, url: str, text: str) -> dict:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(REQUESTS_CA_BUNDLE=str(self.certs.ca), SSL_CERT_FILE=str(self.certs.ca))
        done = self.ns.run([sys.executable, "-c", SEND, url, text], cwd=ROOT, env=env)
        return json.loads(done.stdout.strip().splitlines()[-1])

    def requests(self) -> list[dict]:
        return read_requests(self.requests_dir)


@pytest.fixture
def services(netns, tmp_path):
    peers = Services(netns, tmp_path)
    yield peers
    peers.close()


def test_line_messaging_api_push_carries_the_token_the_group_and_the_text(services):
    outcome = services.send(f"line://{LINE_TOKEN}/{LINE_GROUP}", TEXT)
    assert outcome == {"ok": True, "reply": "Sent Line notification to •••.", "permanent": False}
    [request] = services.requests()
    assert (request["method"], request["path"]) == ("POST", "/v2/bot/message/push")
    assert request["headers"]["host"] == "api.line.me"
    assert request["headers"]["authorization"] == f"Bearer {LINE_TOKEN}"
    assert request["headers"]["content-type"] == "application/json"
    payload = json.loads(request["body"])
    assert payload["to"] == LINE_GROUP
    [message] = payload["messages"]
    assert (message["type"], message["text"]) == ("text", TEXT)


def test_line_refusing_the_push_is_permanent_and_its_answer_is_kept(services):
    services.answer(
        '400 {"message":"The property, \'to\', in the request body is invalid (line: -, column: -)"}'
    )
    outcome = services.send(f"line://{LINE_TOKEN}/{LINE_GROUP}", TEXT)
    assert outcome["ok"] is False and outcome["permanent"] is True
    assert "error=400" in outcome["reply"]
    assert "The property, 'to', in the request body is invalid" in outcome["reply"]
    assert LINE_TOKEN not in outcome["reply"] and LINE_GROUP not in outcome["reply"]


def test_line_busy_is_worth_retrying(services):
    services.answer('429 {"message":"Too Many Requests"}')
    outcome = services.send(f"line://{LINE_TOKEN}/{LINE_GROUP}", TEXT)
    assert (outcome["ok"], outcome["permanent"]) == (False, False)
    assert "Too Many Requests" in outcome["reply"]


def test_telegram_send_message_carries_the_bot_token_the_chat_and_the_text(services):
    services.answer('200 {"ok": true, "result": {"message_id": 1}}')
    outcome = services.send(f"tgram://{BOT_TOKEN}/{CHAT_ID}", TEXT)
    assert outcome["ok"] is True, outcome
    assert BOT_TOKEN not in outcome["reply"]
    [request] = services.requests()
    assert request["method"] == "POST"
    assert request["path"] == f"/bot{BOT_TOKEN}/sendMessage"  # the bot token is the auth
    assert request["headers"]["host"] == "api.telegram.org"
    payload = json.loads(request["body"])
    assert payload["chat_id"] == int(CHAT_ID)  # Apprise sends a numeric chat id as a number
    assert payload["text"] == TEXT
