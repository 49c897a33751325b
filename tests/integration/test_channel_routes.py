"""Routing beyond outages: the monthly report to the superiors' mail set in the browser and to a
webhook, and a risk that became high to a webhook — each exactly once, against real peers
(aiosmtpd and an HTTP receiver on loopback)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from monitor.channels import store
from monitor.channels.sender import drain_channels
from monitor.db.engine import transaction
from monitor.db.models import OutboxMessage
from monitor.mail import server
from monitor.mail.sender import drain_outbox
from monitor.risks.facts import evaluate_once
from monitor.secrets import Vault
from monitor.settings import WebSettings
from tests.conftest import NOW, add_device, add_site
from tests.integration.test_risks import REPEATED, add_incident, with_rules
from tests.reports.district import seed_october
from tests.reports.test_delivery import at_bangkok
from tests.support.smtp import SmtpServer, body
from tests.support.webhook import Receiver
from tests.web.test_mail_server_pages import free_port


@pytest.fixture
def hook(tmp_path):
    with Receiver(tmp_path / "hook") as receiver:
        yield receiver


def messages(hook) -> list[str]:
    return [json.loads(r["body"])["message"] for r in hook.requests() if r["status"] == 200]


def add_channel(sessions, settings, hook, name, events, sites=""):
    with transaction(sessions) as s:
        return store.add(
            s,
            Vault.from_settings(settings),
            name=name,
            url=f"json://127.0.0.1:{hook.port}/{name}",
            now=NOW,
            events=events,
            sites=sites,
        )


def test_the_monthly_report_goes_once_to_the_browsers_recipients_and_the_routed_channel(
    db, settings, hook, tmp_path
):
    settings = replace(settings, web=WebSettings(base_url="https://ictmon.district.example"))
    seed_october(db)
    add_channel(db, settings, hook, "superiors", "report")
    add_channel(db, settings, hook, "outages", "down,grouped")  # not routed for the report
    add_channel(db, settings, hook, "one-school", "report", sites="OFFICE")  # not all sites
    with SmtpServer(free_port(), tmp_path / "mail") as smtp:
        with transaction(db) as s:
            server.save(
                s,
                Vault.from_settings(settings),
                server.MailServerForm(
                    host="127.0.0.1",
                    port=str(smtp.port),
                    security="none",
                    username="",
                    password="",
                    from_address="ictmon@district.example",
                    report_recipients="director@district.example; deputy@district.example",
                ),
                now=NOW,
                actor="root",
            )
        delivered = deliver_twice(db, settings)
        assert delivered.recipients == ["director@district.example", "deputy@district.example"]
        assert delivered.channels == 1
        for _ in range(2):  # a second drain finds nothing left
            drain_outbox(db, settings)
            drain_channels(db, settings)
        mails = smtp.messages()
    [mail] = [m for m in mails if m["X-Ictmon-Kind"] == "report"]
    assert mail["To"] == "director@district.example, deputy@district.example"
    assert "ตุลาคม 2569" in mail["Subject"]
    names = sorted(p.get_filename() for p in mail.iter_attachments())
    assert [n.rsplit(".", 1)[1] for n in names] == ["pdf", "xlsx"]
    assert "ตุลาคม 2569" in body(mail)
    [notice] = messages(hook)
    lines = notice.splitlines()
    assert lines[0] == "📊 รายงานประจำเดือน ตุลาคม 2569 พร้อมแล้ว"
    assert lines[1].startswith("ความพร้อมใช้งานทั้งเขต ")
    assert lines[-1] == "https://ictmon.district.example/reports"
    with db() as s:
        keys = sorted(s.scalars(select(OutboxMessage.dedupe_key)))
    assert keys[0] == "monthly-report:2026-10" and keys[1].startswith("monthly-report:2026-10@ch")
    assert len(keys) == 2


def deliver_twice(db, settings):
    from monitor.reports.delivery import deliver_due_report

    first = deliver_due_report(db, settings, at_bangkok(1, 7, 5))
    assert first is not None
    assert deliver_due_report(db, settings, at_bangkok(1, 7, 15)) is None
    return first


def test_a_risk_that_became_high_is_announced_once_to_the_channel_for_its_school(
    db, settings, hook, tmp_path
):
    settings = with_rules(settings, tmp_path, REPEATED)
    with db.begin() as s:
        site = add_site(s)
        other = add_site(s, "S99", "โรงเรียนอื่น")
        router = add_device(s, site, "router")
        router_id, code, other_code = router.id, site.code, other.code
        for days in (3, 2):
            add_incident(s, router, NOW - timedelta(days=days))
    add_channel(db, settings, hook, "risks", "risk_high", sites=code)
    add_channel(db, settings, hook, "elsewhere", "risk_high", sites=other_code)
    add_channel(db, settings, hook, "outages", "down")

    # Created at 3 × 3 = 9: medium, nothing to announce.
    [created] = evaluate_once(db, settings, NOW)
    assert created.action == "created"
    drain_channels(db, settings)
    assert messages(hook) == []

    # More outages: likelihood 4, score 12 — high. Announced once, to the school's channel.
    with db.begin() as s:
        for hours in (5, 6):
            add_incident(s, s.get(type(router), router_id), NOW - timedelta(hours=hours))
    [raised] = evaluate_once(db, settings, NOW + timedelta(hours=2))
    assert raised.action == "raised"
    evaluate_once(db, settings, NOW + timedelta(hours=3))  # still high: not news
    for _ in range(2):
        drain_channels(db, settings)
    [notice] = messages(hook)
    assert notice.splitlines()[0] == "⚠️ ความเสี่ยงขึ้นเป็นระดับสูง"
    assert "router" in notice and code in notice
    requests = hook.requests()
    assert [r["path"] for r in requests] == ["/risks"]
