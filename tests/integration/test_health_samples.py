"""Health kept as samples, end to end: real SNMP agents (snmpsim serving the recordings
monitor/demo/agents.py writes) → SNMP rounds → health_samples and the fans / power supplies on
snmp_status, on SQLite and PostgreSQL; 5-minute and hourly rollups and pruning as latency's; the
risk rules judging the sustained windows of those samples; the chart data and the device page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from collectors.snmp import SnmpCollector
from monitor.db.models import HealthRollup, HealthSample, Risk, SnmpStatus
from monitor.demo import agents as snmp_agents
from monitor.risks.facts import evaluate_once
from monitor.secrets import Vault
from monitor.snmp.rounds import SnmpPoller
from tests.conftest import NOW, add_device, add_site
from tests.support.snmp_agents import free_udp_port, require_snmpsim

ADDRESS = "127.0.0.1"
AGENTS = {
    # community: (profile, model)
    "cisco-psu-failed": ("cisco-stack", "WS-C2960X-24TS-L"),
    "ups-apc-battery": ("ups-apc", "Smart-UPS 1500"),
    "linux-ucd": ("linux-ucd", ""),
}


class Clock:
    def __init__(self, at):
        self.at = at

    def __call__(self):
        return self.at


@pytest.fixture(scope="module")
def agents_port(tmp_path_factory):
    require_snmpsim()
    port = free_udp_port()
    agents = [
        snmp_agents.Agent(
            ADDRESS,
            snmp_agents.recording(profile, name=community, model=model, seed=community),
            community,
            port,
        )
        for community, (profile, model) in AGENTS.items()
    ]
    process = snmp_agents.start_snmpsim(tmp_path_factory.mktemp("health"), agents)
    yield port
    snmp_agents.stop(process)


def _devices(sessions, settings, port) -> dict[str, int]:
    vault = Vault.from_settings(settings)
    kinds = {"cisco-psu-failed": "switch", "ups-apc-battery": "ups", "linux-ucd": "server"}
    with sessions.begin() as s:
        site = add_site(s)
        ids = {}
        for community, kind in kinds.items():
            device = add_device(s, site, community, ADDRESS, kind)
            device.snmp_version, device.snmp_community = "2c", vault.encrypt(community)
            device.snmp_port = port
            s.flush()
            ids[community] = device.id
    return ids


def _rounds(settings, sessions, minutes):
    clock = Clock(NOW)
    poller = SnmpPoller(
        settings, sessions, collector=SnmpCollector(timeout=1.0, retries=1), clock=clock
    )
    try:
        for m in minutes:
            clock.at = NOW + timedelta(minutes=m)
            poller.run()
    finally:
        poller.close()


def test_rounds_write_health_samples_and_sensors(any_db, settings, agents_port):
    ids = _devices(any_db, settings, agents_port)
    _rounds(settings, any_db, (0, 5, 10))
    with any_db() as s:
        rows = s.scalars(select(HealthSample).order_by(HealthSample.at)).all()
        by_device: dict[int, list[HealthSample]] = {}
        for row in rows:
            by_device.setdefault(row.device_id, []).append(row)
        cisco = by_device[ids["cisco-psu-failed"]]
        assert len(cisco) == 3  # the inventory round and two interval polls
        assert {(r.cpu_pct, r.memory_pct, r.temperature_c) for r in cisco} == {(23.0, 15.0, 38.0)}
        ups = by_device[ids["ups-apc-battery"]]
        assert [(r.ups_on_battery, r.ups_charge_pct, r.ups_minutes) for r in ups] == [
            (True, 42.0, 12.0)
        ] * 3
        assert {r.memory_pct for r in by_device[ids["linux-ucd"]]} == {25.0}
        status = s.get(SnmpStatus, ids["cisco-psu-failed"])
        assert {(x["kind"], x["name"], x["state"]) for x in status.sensors} == {
            ("fan", "Switch#1, Fan#1", "normal"),
            ("psu", "Sw1, PS1", "critical"),
            ("psu", "Sw1, RPS", "not_present"),
        }

    # Ten minutes on battery is past the shipped 5; the failed supply is a hardware risk; 23 %
    # CPU and 38 °C raise nothing.
    evaluate_once(any_db, settings, NOW + timedelta(minutes=10))
    with any_db() as s:
        found = {(r.rule_key, r.device_id) for r in s.scalars(select(Risk))}
    assert ("ups", ids["ups-apc-battery"]) in found
    assert ("hardware", ids["cisco-psu-failed"]) in found
    assert not {k for k, d in found if k in ("cpu_high", "memory_high", "temperature_high")}


def test_health_rolls_up_like_latency_and_old_samples_go(db, settings, agents_port):
    ids = _devices(db, settings, agents_port)
    device_id = ids["linux-ucd"]
    _rounds(settings, db, range(0, 75, 5))  # 03:00 … 04:10
    with db() as s:
        fives = s.scalars(
            select(HealthRollup).where(
                HealthRollup.device_id == device_id, HealthRollup.resolution == 300
            )
        ).all()
        hours = s.scalars(
            select(HealthRollup).where(
                HealthRollup.device_id == device_id, HealthRollup.resolution == 3600
            )
        ).all()
    # Settled 5-minute buckets up to 04:05 (the 04:10 round's bucket is still open); the 03:00
    # hour from its twelve 5-minute buckets.
    assert len(fives) == 13 and all(f.samples == 1 for f in fives)
    assert all(f.memory_count == 1 and f.memory_sum == 25.0 for f in fives)
    [hour] = hours
    assert (hour.samples, hour.memory_count, hour.memory_max) == (12, 12, 25.0)
    assert hour.memory_sum / hour.memory_count == 25.0

    _rounds(settings, db, [60 * (settings.retention.raw_hours + 2)])
    with db() as s:
        old = s.scalars(
            select(HealthSample).where(HealthSample.at < NOW + timedelta(hours=2))
        ).all()
        kept_hours = s.scalars(select(HealthRollup).where(HealthRollup.resolution == 3600)).all()
    assert old == []
    assert kept_hours  # hourly buckets stay for years
