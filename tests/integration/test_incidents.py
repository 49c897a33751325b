"""Incidents and outbox rows written by the sweep, on SQLite and PostgreSQL.

The probe is hand-made results (as in test_poller); the real ICMP + SMTP path is covered by
test_alerts_service.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from monitor.db.engine import transaction
from monitor.db.models import MaintenanceWindow, OutboxMessage
from monitor.incidents import queries as iq
from monitor.incidents import recording as incidents
from monitor.settings import AlertSettings, PingSettings
from monitor.status.poller import Poller
from tests.conftest import NOW, add_device, add_site
from tests.integration.test_poller import Clock, ScriptedNetwork

ALERTS = AlertSettings(
    recipients="oncall@district.example",
    site_recipients="S001=head@s1.example; S002=head@s2.example",
    group_threshold=3,
    flap_threshold=50,
)


def build(sessions, schools=1):
    ids = {}
    with transaction(sessions) as s:
        office = add_site(s, "OFFICE", "สำนักงานเขต")
        ids["core"] = add_device(s, office, "core", "127.40.0.1", "switch").id
        for n in range(1, schools + 1):
            site = add_site(s, f"S{n:03}", f"โรงเรียน {n}")
            router = add_device(s, site, "router", f"127.40.{n}.1", "router")
            router.parent_id = ids["core"]
            sw = add_device(s, site, "sw", f"127.40.{n}.2", "switch", parent=router)
            add_device(s, site, "ap", f"127.40.{n}.3", "ap", parent=sw)
            ids[f"router{n}"] = router.id
            ids[f"site{n}"] = site.id
    return ids


def poller(sessions, alerts=ALERTS):
    net, clock = ScriptedNetwork(), Clock(NOW)
    p = Poller(
        PingSettings(interval=60, confirmations=2),
        sessions,
        probe=net,
        clock=clock,
        alerts=alerts,
        base_url="https://ictmon.example",
    )
    return p, net, clock


def sweeps(p, clock, n):
    for _ in range(n):
        p.sweep()
        clock.advance(60)


def outbox_rows(sessions):
    with sessions() as s:
        return [
            (m.subject, m.recipients)
            for m in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]


def test_one_incident_per_root_cause_children_attach_and_one_mail_each_way(any_db):
    build(any_db)
    p, net, clock = poller(any_db)
    sweeps(p, clock, 1)
    net.silent |= {"127.40.1.1", "127.40.1.2", "127.40.1.3"}
    sweeps(p, clock, 4)
    with any_db() as s:
        [row] = iq.incidents(s)
    assert (row.device, row.state, row.children) == ("router", "open", ("ap", "sw"))
    # Every school's router is "router": the title names the school first.
    assert row.title == "โรงเรียน 1 — router (127.40.1.1)"
    assert row.opened_at == NOW + timedelta(seconds=60)  # the first failed sweep
    assert outbox_rows(any_db) == [
        ("[ictmon] ขัดข้อง: โรงเรียน 1 — router", "oncall@district.example, head@s1.example")
    ]

    net.silent.clear()
    sweeps(p, clock, 2)
    with any_db() as s:
        [row] = iq.incidents(s)
        [recovery] = s.scalars(select(OutboxMessage).where(OutboxMessage.id == 2))
    assert row.state == "resolved" and row.resolved_by == "ictmon"
    assert row.resolved_at - row.opened_at == timedelta(minutes=4)
    assert "ขัดข้องนาน 4 นาที" in recovery.text
    assert len(outbox_rows(any_db)) == 2


def test_a_mass_outage_is_one_grouped_mail(any_db):
    build(any_db, schools=4)
    p, net, clock = poller(any_db)
    sweeps(p, clock, 1)
    net.silent |= {f"127.40.{n}.{k}" for n in range(1, 5) for k in (1, 2, 3)}
    sweeps(p, clock, 3)
    rows = outbox_rows(any_db)
    assert len(rows) == 1
    subject, recipients = rows[0]
    assert subject == "[ictmon] ขัดข้องพร้อมกัน 4 แห่ง"
    assert recipients == "oncall@district.example, head@s1.example, head@s2.example"
    with any_db() as s:
        assert len(iq.incidents(s)) == 4


def test_the_office_core_down_is_one_incident_with_every_school_attached(any_db):
    build(any_db, schools=3)
    p, net, clock = poller(any_db)
    sweeps(p, clock, 1)
    net.silent |= {"127.40.0.1"} | {f"127.40.{n}.{k}" for n in range(1, 4) for k in (1, 2, 3)}
    sweeps(p, clock, 3)
    with any_db() as s:
        [row] = iq.incidents(s)
    assert row.device == "core" and len(row.children) == 9
    assert [subject for subject, _ in outbox_rows(any_db)] == ["[ictmon] ขัดข้อง: สำนักงานเขต — core"]


def test_maintenance_means_no_incident_and_no_mail(any_db):
    ids = build(any_db)
    with transaction(any_db) as s:
        s.add(
            MaintenanceWindow(
                site_id=ids["site1"],
                starts_at=NOW,
                ends_at=NOW + timedelta(hours=2),
                reason="UPS",
                created_by="officer",
                created_at=NOW,
                recurrence="",
                weekdays="",
            )
        )
    p, net, clock = poller(any_db)
    net.silent |= {"127.40.1.1", "127.40.1.2", "127.40.1.3"}
    sweeps(p, clock, 5)
    assert outbox_rows(any_db) == []
    with any_db() as s:
        assert iq.incidents(s) == []


def test_without_recipients_incidents_are_kept_but_nothing_is_queued(any_db):
    build(any_db)
    p, net, clock = poller(any_db, AlertSettings(recipients=""))
    sweeps(p, clock, 1)
    net.silent.add("127.40.1.1")
    sweeps(p, clock, 3)
    assert outbox_rows(any_db) == []
    with any_db() as s:
        assert len(iq.incidents(s)) == 1


def test_people_acknowledge_comment_resolve_and_reopen_with_names_and_times(any_db):
    ids = build(any_db)
    with transaction(any_db) as s:
        incident = incidents.open_manual(
            s,
            title="AP stolen from the library",
            actor="สมชาย",
            at=NOW,
            site_id=ids["site1"],
            text="reported by the school",
        )
        incidents.acknowledge(s, incident, "สมศรี", NOW + timedelta(minutes=5))
        incidents.comment(s, incident, "สมศรี", NOW + timedelta(minutes=6), "police report 55/2569")
        incidents.set_cause(s, incident, "สมศรี", NOW + timedelta(minutes=7), "theft")
        incidents.resolve(s, incident, "สมชาย", NOW + timedelta(days=2))
        with pytest.raises(incidents.IncidentError):
            incidents.resolve(s, incident, "สมชาย", NOW + timedelta(days=2))
        incidents.reopen(s, incident, "สมชาย", NOW + timedelta(days=3))
        incident_id = incident.id
    with any_db() as s:
        steps = [(e.actor, e.action, e.text) for e in iq.timeline(s, incident_id)]
        row = iq.incident(s, incident_id)
    assert steps == [
        ("สมชาย", "opened", "reported by the school"),
        ("สมศรี", "acknowledged", ""),
        ("สมศรี", "comment", "police report 55/2569"),
        ("สมศรี", "cause", "theft"),
        ("สมชาย", "resolved", ""),
        ("สมชาย", "reopened", ""),
    ]
    assert (row.state, row.cause, row.manual, row.site_code) == ("open", "theft", True, "S001")


def test_a_hostile_device_name_is_text_in_the_mail(any_db):
    with transaction(any_db) as s:
        site = add_site(s, "S666", "<img src=x onerror=alert(1)>")
        add_device(
            s,
            site,
            '<script>alert("x")</script>\r\nBcc: victim@example.org',
            "127.40.66.1",
            "router",
        )
    p, net, clock = poller(any_db)
    sweeps(p, clock, 1)
    net.silent.add("127.40.66.1")
    sweeps(p, clock, 3)
    with any_db() as s:
        [mail] = s.scalars(select(OutboxMessage))
    assert "<script>" not in mail.html and "<img" not in mail.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in mail.html
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert '<script>alert("x")</script>' in mail.text  # plain text shows the name as it is
