"""/metrics as a Prometheus server reads it: parsed back with prometheus_client's own parser,
values compared with what the database holds, a constant number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from monitor.accounts.users import create_token, create_user
from monitor.db.models import Device, JobRun, OutboxMessage, SnmpStatus, SshBackupState
from monitor.mail import outbox
from tests.conftest import NOW, add_device, add_site
from tests.web.conftest import PASSWORD, make_app, sign_in
from tests.web.seed import set_state
from tests.web.test_query_counts import build, counting


@pytest.fixture
def viewer_token(db):
    with db.begin() as s:
        return create_token(
            s, create_user(s, "prometheus", PASSWORD, role="viewer"), label="scrape"
        )


@pytest.fixture
def scrape(settings, db, viewer_token):
    client = make_app(settings, db).test_client()

    def get():
        response = client.get("/metrics", headers={"Authorization": f"Bearer {viewer_token}"})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response

    return get


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value}, read by the parser Prometheus' client ships."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(parsed, name, **labels):
    return parsed[(name, tuple(sorted(labels.items())))]


def three_down(db):
    """One site, five devices: three down, one up, one never polled."""
    with db.begin() as s:
        site = add_site(s, "S01", "โรงเรียนบ้านสบาย")
        router = add_device(s, site, "router", "127.0.1.1")
        set_state(s, router, "up", NOW - timedelta(days=1))
        for n in range(3):
            set_state(
                s,
                add_device(s, site, f"ap{n}", f"127.0.1.{10 + n}", "ap", router),
                "down",
                NOW - timedelta(minutes=5),
            )
        add_device(s, site, "new-switch", "127.0.1.30", "switch", router)


def test_device_counts_match_the_database(scrape, db):
    three_down(db)
    response = scrape()
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    parsed = samples(response.get_data(as_text=True))
    assert 'ictmon_devices{state="down"} 3' in response.get_data(as_text=True)
    assert value(parsed, "ictmon_devices", state="down") == 3
    assert value(parsed, "ictmon_devices", state="up") == 1
    assert value(parsed, "ictmon_devices", state="unknown") == 1
    assert value(parsed, "ictmon_devices", state="unreachable") == 0
    assert value(parsed, "ictmon_site_devices", site="S01", state="down") == 3
    assert (
        value(parsed, "ictmon_device_state", site="S01", device="ap1", kind="ap", state="down") == 1
    )
    assert (
        value(
            parsed,
            "ictmon_device_state",
            site="S01",
            device="new-switch",
            kind="switch",
            state="unknown",
        )
        == 1
    )


def test_a_disabled_device_is_not_counted(scrape, db):
    three_down(db)
    with db.begin() as s:
        s.execute(update(Device).where(Device.name == "ap0").values(enabled=False))
    parsed = samples(scrape().get_data(as_text=True))
    assert value(parsed, "ictmon_devices", state="down") == 2


def test_hostile_names_are_escaped_and_parse_back_exactly(scrape, db):
    name = 'a"b\\c\nd} 1\n# TYPE evil gauge'
    with db.begin() as s:
        site = add_site(s, 'S"\\1', "โรงเรียน\nทดสอบ")
        set_state(s, add_device(s, site, name, "127.0.1.1"), "down", NOW)
    text = scrape().get_data(as_text=True)
    assert "evil" not in {f.name for f in text_string_to_metric_families(text)}
    parsed = samples(text)
    assert (
        value(parsed, "ictmon_device_state", site='S"\\1', device=name, kind="router", state="down")
        == 1
    )
    assert value(parsed, "ictmon_site_devices", site='S"\\1', state="down") == 1


def test_job_runs_are_reported(scrape, db):
    with db.begin() as s:
        s.add(
            JobRun(
                job="ping-sweep",
                scheduled_at=NOW,
                started_at=NOW + timedelta(seconds=0.25),
                finished_at=NOW + timedelta(seconds=3.25),
                duration_s=3.0,
                lag_s=0.25,
                ok=True,
                error="",
                last_success_at=NOW + timedelta(seconds=3.25),
                runs=40,
                failures=0,
            )
        )
        s.add(
            JobRun(
                job="snmp-poll",
                scheduled_at=NOW,
                started_at=NOW,
                finished_at=NOW,
                duration_s=0.5,
                lag_s=0.0,
                ok=False,
                error="Timeout",
                last_success_at=None,
                runs=7,
                failures=2,
            )
        )
    parsed = samples(scrape().get_data(as_text=True))
    assert value(parsed, "ictmon_ping_sweep_duration_seconds") == 3.0
    assert value(parsed, "ictmon_job_last_duration_seconds", job="ping-sweep") == 3.0
    assert value(parsed, "ictmon_job_lag_seconds", job="ping-sweep") == 0.25
    assert (
        value(parsed, "ictmon_job_last_success_timestamp_seconds", job="ping-sweep")
        == (NOW + timedelta(seconds=3.25)).timestamp()
    )
    assert value(parsed, "ictmon_job_runs_total", job="ping-sweep") == 40
    assert value(parsed, "ictmon_job_failures_total", job="snmp-poll") == 2
    assert value(parsed, "ictmon_job_last_run_ok", job="snmp-poll") == 0
    assert ("ictmon_job_last_success_timestamp_seconds", (("job", "snmp-poll"),)) not in parsed


def test_outbox_snmp_ssh_and_incident_counts(scrape, db):
    with db.begin() as s:
        site = add_site(s)
        devices = [add_device(s, site, f"d{n}", f"127.0.1.{n}") for n in range(3)]
        for n in range(3):
            outbox.enqueue(s, recipients=["ict@example.org"], subject=f"m{n}", text="x", now=NOW)
        s.flush()
        s.execute(
            update(OutboxMessage).where(OutboxMessage.subject == "m0").values(status=outbox.FAILED)
        )
        for device, state in zip(devices, ("ok", "ok", "timeout")):
            s.add(SnmpStatus(device_id=device.id, state=state, polled_at=NOW))
        s.add(
            SshBackupState(
                device_id=devices[0].id, state="auth_failed", attempted_at=NOW, trigger="schedule"
            )
        )
    parsed = samples(scrape().get_data(as_text=True))
    assert value(parsed, "ictmon_outbox_messages", status="pending") == 2
    assert value(parsed, "ictmon_outbox_messages", status="failed") == 1
    assert value(parsed, "ictmon_outbox_messages", status="sent") == 0
    assert value(parsed, "ictmon_snmp_devices", state="ok") == 2
    assert value(parsed, "ictmon_snmp_devices", state="timeout") == 1
    assert value(parsed, "ictmon_ssh_backups", state="auth_failed") == 1
    assert value(parsed, "ictmon_incidents", state="open") == 0


def test_without_a_token_it_is_401_not_a_redirect(settings, db):
    response = make_app(settings, db).test_client().get("/metrics")
    assert response.status_code == 401
    assert response.json == {"error": "authentication required"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_is_401(settings, db, viewer_token):
    response = (
        make_app(settings, db)
        .test_client()
        .get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    )
    assert response.status_code == 401


def test_a_signed_in_viewer_can_read_it_too(settings, db, viewer_token):
    client = make_app(settings, db).test_client()
    assert sign_in(client, "prometheus").status_code == 302
    assert client.get("/metrics").status_code == 200


def test_query_count_does_not_grow_with_the_district(settings, db, engine, viewer_token):
    client = make_app(settings, db).test_client()
    headers = {"Authorization": f"Bearer {viewer_token}"}
    client.get("/metrics", headers=headers)  # the token's last_used_at is written once

    def statements() -> int:
        with counting(engine) as seen:
            assert client.get("/metrics", headers=headers).status_code == 200
        return len(seen)

    build(db, 3)
    small = statements()
    build(db, 30, start=100)
    assert statements() == small
    assert small <= 9


def test_failures_are_reported_per_alert_channel(scrape, db, settings):
    from monitor.channels import store
    from monitor.secrets import Vault

    with db.begin() as s:
        line = store.add(
            s,
            Vault.from_settings(settings),
            name="LINE เวร",
            url="line://tok123456/Cgroup",
            now=NOW,
        )
        for subject, channel in (("a", line.id), ("b", line.id), ("c", None)):
            outbox.enqueue(
                s,
                recipients=["x@example.org"],
                subject=subject,
                text="x",
                now=NOW,
                channel_id=channel,
            )
        s.flush()
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.subject.in_(("a", "b")))
            .values(status=outbox.FAILED)
        )
    parsed = samples(scrape().get_data(as_text=True))
    assert value(parsed, "ictmon_alert_failures", route="LINE เวร") == 2
    assert value(parsed, "ictmon_alert_failures", route="mail") == 0
    assert value(parsed, "ictmon_outbox_messages", status="failed") == 2
    assert value(parsed, "ictmon_outbox_messages", status="pending") == 1
