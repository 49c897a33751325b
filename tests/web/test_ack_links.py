"""Acknowledge from the message: the link a real sweep puts in its outage alerts (mail and chat)
acknowledges that incident once, as that recipient, without signing anyone in; an expired, a
used or a tampered link is refused with a clear page that shows nothing of the incident."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from monitor.channels import store
from monitor.db.engine import transaction
from monitor.db.models import AuditEvent, Incident, IncidentEvent, OutboxMessage
from monitor.incidents import ack_tokens
from monitor.secrets import Vault, web_secret_key
from monitor.settings import PingSettings
from monitor.status.poller import Poller
from tests.conftest import NOW
from tests.integration.test_incidents import ALERTS, build, sweeps
from tests.integration.test_poller import Clock, ScriptedNetwork
from tests.web.conftest import make_app

LINK = re.compile(r"https://ictmon\.example(/ack/[A-Za-z0-9_.-]+)")


@pytest.fixture
def key(settings):
    return ack_tokens.key_from_secret(web_secret_key(settings))


@pytest.fixture
def outage(db, settings, key):
    """School 1's router down after real sweeps; a webhook channel "เวร ICT" and the mail
    route both got the alert. Returns (incident id, chat link path, mail link path)."""
    build(db, schools=1)
    with transaction(db) as s:
        store.add(
            s,
            Vault.from_settings(settings),
            name="เวร ICT",
            url="json://127.0.0.1:9/hook",  # never sent: the test reads the outbox rows
            now=NOW,
        )
    net, clock = ScriptedNetwork(), Clock(NOW - timedelta(minutes=10))
    p = Poller(
        PingSettings(interval=60, confirmations=2),
        db,
        probe=net,
        clock=clock,
        alerts=ALERTS,
        base_url="https://ictmon.example",
        ack_key=key,
    )
    sweeps(p, clock, 1)
    net.silent |= {"127.40.1.1", "127.40.1.2", "127.40.1.3"}
    sweeps(p, clock, 3)
    with db() as s:
        [incident_id] = s.scalars(select(Incident.id)).all()
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        [chat] = [r.text for r in rows if r.channel_id is not None]
        [mail] = [r.text for r in rows if r.channel_id is None]
    [chat_link] = LINK.findall(chat)
    [mail_link] = LINK.findall(mail)
    assert chat_link != mail_link  # one link per route: each records its own recipient
    assert "https://ictmon.example/incidents/" in mail  # the page for signed-in staff too
    assert chat.splitlines()[-1].endswith(chat_link)  # on a phone: the one link that acts
    return incident_id, chat_link, mail_link


def state_of(db, incident_id):
    with db() as s:
        i = s.get(Incident, incident_id)
        return i.state, i.acknowledged_by


def test_an_alerts_link_acknowledges_once_as_its_recipient_and_signs_nobody_in(app, db, outage):
    incident_id, chat_link, mail_link = outage
    client = app.test_client()
    page = client.get(chat_link)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "โรงเรียน 1 — router (127.40.1.1)" in text
    assert "รับทราบในนาม: JSON webhook: เวร ICT via link" in text
    assert page.headers["Cache-Control"] == "no-store"
    assert state_of(db, incident_id) == ("open", None)  # opening the link changes nothing

    done = client.post(chat_link)
    assert done.status_code == 200
    assert "รับทราบแล้ว: โรงเรียน 1 — router (127.40.1.1)" in done.get_data(as_text=True)
    who = "JSON webhook: เวร ICT via link"
    assert state_of(db, incident_id) == ("acknowledged", who)
    with db() as s:
        [audited] = s.scalars(select(AuditEvent).where(AuditEvent.object_type == "incident")).all()
        assert (audited.actor, audited.changes["state"]) == (who, ["open", "acknowledged"])
        actions = [
            (e.actor, e.action)
            for e in s.scalars(select(IncidentEvent).where(IncidentEvent.action == "acknowledged"))
        ]
    assert actions == [(who, "acknowledged")]

    again = client.post(chat_link)
    assert again.status_code == 410
    assert "ลิงก์นี้ถูกใช้ไปแล้ว" in again.get_data(as_text=True)
    assert client.get(chat_link).status_code == 410

    # The mail's own link, for the same incident: someone was quicker.
    late = client.get(mail_link)
    assert late.status_code == 409
    assert f"{who} รับทราบแล้วเมื่อ" in late.get_data(as_text=True)

    # Nobody was signed in: the pages behind the login stay behind it.
    assert client.get("/incidents").status_code == 302
    assert client.get(f"/incidents/{incident_id}").status_code == 302


def test_the_mail_link_records_the_mail_recipients(app, db, outage):
    incident_id, _, mail_link = outage
    assert app.test_client().post(mail_link).status_code == 200
    assert state_of(db, incident_id) == (
        "acknowledged",
        "oncall@district.example,head@s1.example via link",
    )


def test_expired_and_tampered_links_are_refused_showing_nothing(app, db, outage, key):
    incident_id, chat_link, _ = outage
    client = app.test_client()
    expired = ack_tokens.sign(key, incident_id, "ch:1", NOW - timedelta(seconds=1))
    answer = client.get(f"/ack/{expired}")
    assert answer.status_code == 410 and "หมดอายุ" in answer.get_data(as_text=True)
    assert "router" not in answer.get_data(as_text=True)
    assert client.post(f"/ack/{expired}").status_code == 410

    token = chat_link.removeprefix("/ack/")
    payload, signature = token.split(".")
    other_key = ack_tokens.key_from_secret("another installation's secret key, long enough")
    forged = [
        f"{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}",
        f"{payload}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        ack_tokens.sign(other_key, incident_id, "ch:1", NOW + timedelta(days=1)),
        payload,
    ]
    for bad in forged:
        refused = client.post(f"/ack/{bad}")
        page = refused.get_data(as_text=True)
        assert refused.status_code == 400, bad
        assert "ลิงก์นี้ใช้ไม่ได้" in page and "router" not in page
    assert state_of(db, incident_id) == ("open", None)
    assert client.get(chat_link).status_code == 200  # the genuine link still works


def test_confirming_needs_the_forms_csrf_token(settings, db, outage):
    incident_id, chat_link, _ = outage
    client = make_app(settings, db, csrf=True).test_client()
    assert client.post(chat_link).status_code == 400
    assert state_of(db, incident_id) == ("open", None)
    page = client.get(chat_link).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(chat_link, data={"csrf_token": token}).status_code == 200
    assert state_of(db, incident_id)[0] == "acknowledged"
