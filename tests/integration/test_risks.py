"""Rules against a real database: facts gathered from stored rows, one risk per (rule, subject),
likelihood raised with the evidence, human decisions respected, clearing proposes closing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from monitor.cli.main import main
from monitor.db.models import (
    ConfigChangeEvent,
    ConfigVersion,
    Incident,
    Risk,
    RiskEvent,
    SshBackupState,
    StateInterval,
)
from monitor.localtime import utcnow
from monitor.risks.facts import evaluate_once
from monitor.risks.register import RiskError, create_risk, update_risk
from monitor.settings import RiskSettings
from tests.conftest import NOW, add_device, add_site

REPEATED = """
[rules.repeated_outages]
check = "repeated_outages"
count = 2
window_days = 30
min_observed_days = 0     # these devices have incidents but no state history to observe
likelihood = 3
impact = 3
close_after_days = 2
"""


def with_rules(settings, tmp_path, text):
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return replace(settings, risks=RiskSettings(rules_file=str(path)))


def add_incident(session, device, at):
    session.add(
        Incident(
            device_id=device.id,
            site_id=device.site_id,
            title=f"{device.name} down",
            manual=False,
            state="resolved",
            opened_at=at,
            opened_by="ictmon",
        )
    )
    session.flush()


def risks(session):
    return session.scalars(select(Risk).order_by(Risk.id)).all()


def test_repeated_outages_lifecycle(any_db, settings, tmp_path):
    settings = with_rules(settings, tmp_path, REPEATED)
    with any_db.begin() as s:
        site = add_site(s)
        router = add_device(s, site, "router")
        add_incident(s, router, NOW - timedelta(days=3))
        router_id = router.id

    assert evaluate_once(any_db, settings, NOW) == []  # one incident: below threshold

    with any_db.begin() as s:
        add_incident(s, s.get(type(router), router_id), NOW - timedelta(days=2))
    [created] = evaluate_once(any_db, settings, NOW)
    assert created.action == "created"
    with any_db() as s:
        [risk] = risks(s)
        ids = sorted(s.scalars(select(Incident.id)))
        assert (risk.rule_key, risk.device_id, risk.site_id) == (
            "repeated_outages",
            router_id,
            site.id,
        )
        assert (risk.likelihood, risk.impact, risk.score, risk.status) == (3, 3, 9, "open")
        assert risk.evidence["incidents"] == ids

    # Same facts again: no duplicate, nothing to report.
    assert evaluate_once(any_db, settings, NOW + timedelta(hours=1)) == []
    # Evidence grows (4 = 2 × count): likelihood raised on the same row.
    with any_db.begin() as s:
        for hours in (5, 6):
            add_incident(s, s.get(type(router), router_id), NOW - timedelta(hours=hours))
    [raised] = evaluate_once(any_db, settings, NOW + timedelta(hours=2))
    assert raised.action == "raised"
    with any_db() as s:
        [risk] = risks(s)
        assert (risk.likelihood, risk.score, len(risk.evidence["incidents"])) == (4, 12, 4)

    # The incidents age out of the window: cleared, proposed for closing after 2 days, not closed.
    later = NOW + timedelta(days=31)
    assert evaluate_once(any_db, settings, later) == []
    with any_db() as s:
        [risk] = risks(s)
        assert risk.cleared_since == later and not risk.proposed_close
    [proposed] = evaluate_once(any_db, settings, later + timedelta(days=2))
    assert proposed.action == "proposed_close"
    with any_db() as s:
        [risk] = risks(s)
        assert risk.proposed_close and risk.status == "open"
        actions = [e.action for e in s.scalars(select(RiskEvent).order_by(RiskEvent.id))]
        assert actions == ["created", "raised", "proposed_close"]


def test_accepted_and_closed_risks_are_left_alone(db, settings, tmp_path):
    settings = with_rules(settings, tmp_path, REPEATED)
    with db.begin() as s:
        site = add_site(s)
        router = add_device(s, site, "router")
        for days in (1, 2):
            add_incident(s, router, NOW - timedelta(days=days))
    evaluate_once(db, settings, NOW)
    with db.begin() as s:
        [risk] = risks(s)
        update_risk(s, risk, {"status": "accepted", "likelihood": 2}, "หัวหน้า", NOW)
        for hours in range(1, 9):
            add_incident(s, router, NOW - timedelta(hours=hours))
    assert evaluate_once(db, settings, NOW + timedelta(hours=1)) == []
    assert evaluate_once(db, settings, NOW + timedelta(days=60)) == []  # cleared: still nothing
    with db() as s:
        [risk] = risks(s)
        assert (risk.status, risk.likelihood, risk.proposed_close) == ("accepted", 2, False)
        assert len(risk.evidence["incidents"]) == 2
        assert s.scalar(select(func.count()).select_from(Risk)) == 1
    # Back to open: the rules follow it again (60 days on, the incidents have cleared).
    with db.begin() as s:
        update_risk(s, risks(s)[0], {"status": "open"}, "หัวหน้า", NOW)
    assert evaluate_once(db, settings, NOW + timedelta(days=62)) == []  # clear from now on
    [change] = evaluate_once(db, settings, NOW + timedelta(days=64))
    assert change.action == "proposed_close"


def test_lifecycle_backup_config_and_uplink_rules_from_stored_rows(db, settings):
    # The shipped rules file, facts from the stored rows of issues 3-6's tables.
    with db.begin() as s:
        school = add_site(s, "S01", "โรงเรียน ก")
        uplink = add_device(s, school, "uplink")
        switch = add_device(s, school, "switch", kind="switch", parent=uplink)
        uplink.warranty_end = date(2026, 12, 1)
        switch.purchase_date = date(2015, 1, 1)
        s.add(
            SshBackupState(
                device_id=switch.id,
                state="failed",
                attempted_at=NOW,
                trigger="schedule",
                last_success_at=NOW - timedelta(days=10),
            )
        )
        version = ConfigVersion(
            device_id=uplink.id,
            taken_at=NOW - timedelta(days=1),
            size=1,
            digest="x",
            trigger="schedule",
            text="x",
        )
        s.add(version)
        s.flush()
        s.add(
            ConfigChangeEvent(
                device_id=uplink.id,
                version_id=version.id,
                at=NOW - timedelta(days=1),
                in_maintenance=False,
                lines_added=1,
                lines_removed=0,
            )
        )
        # A whole month down at the uplink: the school is below its target.
        s.add(
            StateInterval(
                device_id=uplink.id,
                status="up",
                started_at=NOW - timedelta(days=30),
                ended_at=NOW - timedelta(days=1),
            )
        )
        s.add(StateInterval(device_id=uplink.id, status="down", started_at=NOW - timedelta(days=1)))
    changes = evaluate_once(db, settings, NOW)
    with db() as s:
        found = {(r.rule_key, r.subject_key) for r in risks(s)}
    assert found == {
        ("warranty", f"device:{uplink.id}"),
        ("device_age", f"device:{switch.id}"),
        # Bought long ago, past the five years [assets] gives a switch: due for replacement.
        ("replacement", f"device:{switch.id}"),
        ("backup_missing", f"device:{switch.id}"),
        ("config_outside_maintenance", f"device:{uplink.id}"),
        ("single_uplink", f"site:{school.id}"),
        ("availability_below_target", f"site:{school.id}"),
    }
    assert len(changes) == 7


def test_hand_made_risk_records_who_and_what(db):
    with db.begin() as s:
        site = add_site(s)
        risk = create_risk(
            s,
            {
                "title": "ไฟดับบ่อยช่วงฝนตก",
                "category": "power",
                "likelihood": 4,
                "impact": 4,
                "site_id": site.id,
            },
            "officer",
            NOW,
        )
        assert (risk.score, risk.rule_key) == (16, None)
        diff = update_risk(
            s,
            risk,
            {"impact": "5", "owner": "ครูสมชาย", "review_date": date(2027, 1, 31)},
            "หัวหน้า",
            NOW,
        )
        assert diff == {
            "impact": [4, 5],
            "owner": ["", "ครูสมชาย"],
            "review_date": [None, "2027-01-31"],
        }
        assert risk.score == 20
        with pytest.raises(RiskError, match="likelihood"):
            update_risk(s, risk, {"likelihood": 6}, "x", NOW)
        with pytest.raises(RiskError, match="status"):
            update_risk(s, risk, {"status": "forgotten"}, "x", NOW)
        events = s.scalars(select(RiskEvent).order_by(RiskEvent.id)).all()
        assert [(e.actor, e.action) for e in events] == [
            ("officer", "created"),
            ("หัวหน้า", "edited"),
        ]


def test_cli_evaluate_prints_changes_and_rejects_bad_rules(db, settings, tmp_path):
    config = tmp_path / "ictmon.toml"
    rules = tmp_path / "rules.toml"
    rules.write_text(REPEATED, encoding="utf-8")
    config.write_text(
        f'[database]\nurl = "{settings.database.url}"\n[paths]\n'
        f'data_dir = "{settings.paths.data_dir}"\n[risks]\nrules_file = "{rules}"\n',
        encoding="utf-8",
    )
    with db.begin() as s:
        router = add_device(s, add_site(s), "router")
        for minutes in (10, 20):  # the command runs at the real "now"
            add_incident(s, router, utcnow() - timedelta(minutes=minutes))
    result = CliRunner().invoke(main, ["--config", str(config), "risks", "evaluate"])
    assert result.exit_code == 0, result.output
    assert "created" in result.output and "router" in result.output
    assert "1 change" in result.output
    rules.write_text(REPEATED.replace("count = 2", "count = 0"), encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "risks", "evaluate"])
    assert result.exit_code != 0
    assert "[rules.repeated_outages] count: must be a whole number ≥ 1" in result.output


def test_snmp_and_latency_facts_from_stored_rows(db, settings, tmp_path):
    from monitor.db.models import (
        HealthSample,
        PingRollup,
        SnmpInterface,
        SnmpStatus,
        TrafficRollup,
    )

    settings = with_rules(
        settings,
        tmp_path,
        """
[rules.ups]
check = "ups"
[rules.storage_high]
check = "storage_high"
[rules.utilisation]
check = "utilisation"
min_hours = 2
[rules.uplink_latency]
check = "uplink_latency"
min_hours = 2
""",
    )
    with db.begin() as s:
        site = add_site(s)
        router = add_device(s, site, "router")
        ups = add_device(s, site, "ups", kind="ups", parent=router)
        s.add(
            SnmpStatus(
                device_id=ups.id,
                state="ok",
                polled_at=NOW,
                has_ups=True,
                ups_on_battery=True,
                ups_charge_pct=90,
                ups_minutes_remaining=40,
                storage=[
                    {"descr": "/", "size_bytes": 100, "used_bytes": 95},
                    {"descr": "bad", "size_bytes": "x"},
                ],
            )
        )
        # On battery for the last 10 minutes (the rule judges the samples, not the latest poll);
        # an hour earlier one self-test sample on battery.
        for minutes, on_battery in ((70, True), (65, False), (10, True), (5, True), (0, True)):
            s.add(
                HealthSample(
                    device_id=ups.id,
                    at=NOW - timedelta(minutes=minutes),
                    ups_on_battery=on_battery,
                    ups_charge_pct=90.0,
                    ups_minutes=40.0,
                )
            )
        s.add(
            SnmpInterface(device_id=router.id, if_index=1, name="wan", speed_mbps=100, seen_at=NOW)
        )
        for h in (1, 2):
            start = NOW - timedelta(hours=h)
            # 90 Mbit/s mean out of 100: busy.
            s.add(
                TrafficRollup(
                    device_id=router.id,
                    if_index=1,
                    bucket_start=start,
                    samples=2,
                    in_bps_sum=2e6,
                    out_bps_sum=180e6,
                )
            )
            s.add(
                PingRollup(
                    device_id=router.id,
                    resolution=3600,
                    bucket_start=start,
                    sent=60,
                    received=50,
                    rtt_sum_ms=600.0,
                    rtt_samples=2,
                    rtt_max_ms=400,
                )
            )
    evaluate_once(db, settings, NOW)
    with db() as s:
        found = {(r.rule_key, r.device_id): r.evidence for r in risks(s)}
    assert set(found) == {
        ("ups", ups.id),
        ("storage_high", ups.id),
        ("utilisation", router.id),
        ("uplink_latency", router.id),
    }
    assert found[("utilisation", router.id)]["figures"]["busy_hours"] == 2
    assert found[("storage_high", ups.id)]["figures"]["storage_pct"] == 95.0
    assert found[("ups", ups.id)]["figures"]["on_battery_minutes"] == 10


def test_a_short_outage_in_the_first_minutes_of_monitoring_raises_no_risk(db, settings):
    # The shipped rules: monitoring began 15 minutes ago and the school was down 6 of them.
    with db.begin() as s:
        school = add_site(s, "S01", "โรงเรียนบ้านหนองบัววิทยาคม")
        router = add_device(s, school, "router")
        began = NOW - timedelta(minutes=15)
        for status, start, end in (
            ("up", began, began + timedelta(minutes=5)),
            ("down", began + timedelta(minutes=5), began + timedelta(minutes=11)),
            ("up", began + timedelta(minutes=11), None),
        ):
            s.add(StateInterval(device_id=router.id, status=status, started_at=start, ended_at=end))
    evaluate_once(db, settings, NOW)
    with db() as s:
        assert [r.rule_key for r in risks(s) if r.rule_key == "availability_below_target"] == []
    # A week later, still below the target over what was observed: now it is judged.
    week = NOW + timedelta(days=7, minutes=1)
    with db.begin() as s:
        s.add(
            StateInterval(device_id=router.id, status="down", started_at=week - timedelta(hours=6))
        )
        s.execute(
            StateInterval.__table__.update()
            .where(StateInterval.ended_at.is_(None), StateInterval.status == "up")
            .values(ended_at=week - timedelta(hours=6))
        )
    evaluate_once(db, settings, week)
    with db() as s:
        [risk] = [r for r in risks(s) if r.rule_key == "availability_below_target"]
        assert risk.evidence["figures"]["observed_days"] >= 7
