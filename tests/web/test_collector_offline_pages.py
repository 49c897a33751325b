"""A device whose collector is out of contact reads "unknown (collector offline)", not just
"unknown", on its page and its school's page."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from monitor.db.models import Collector, CollectorSite
from monitor.edge import liveness
from monitor.edge.ingest import apply_batch
from monitor.edge.protocol import Batch, PingOutcome, Sweep
from monitor.settings import CollectorSettings
from tests.conftest import NOW, add_device, add_site

OFFLINE_TH = "ไม่ทราบสถานะ (ตัวเก็บข้อมูลขาดการติดต่อ)"


def school_with_collector(db, settings):
    with db.begin() as s:
        office = add_site(s, "OFFICE", "Office")
        core = add_device(s, office, "core", "127.0.0.1", "switch")
        school = add_site(s, "S012", "School twelve")
        router = add_device(s, school, "router", "127.0.12.1", parent=core)
        switch = add_device(s, school, "sw-1", "127.0.12.2", "switch", parent=router)
        collector = Collector(name="S012-pi", created_at=NOW - timedelta(days=1))
        s.add(collector)
        s.flush()
        s.add(CollectorSite(collector_id=collector.id, site_id=school.id))
        batch = Batch("b1", NOW, sweeps=(Sweep(NOW, (PingOutcome(switch.id, 1, 1, 1, 1, 1),)),))
        apply_batch(s, collector, batch, received_at=NOW, settings=settings)
        return switch.id


def test_the_pages_say_the_collector_is_offline(officer, db, settings):
    settings = replace(settings, collector=CollectorSettings(push_interval=30))
    switch = school_with_collector(db, settings)
    page = officer.get(f"/devices/{switch}").get_data(as_text=True)
    assert OFFLINE_TH not in page
    with db.begin() as s:
        assert liveness.check(s, NOW + timedelta(minutes=5), settings) == ["S012-pi"]
    assert OFFLINE_TH in officer.get(f"/devices/{switch}").get_data(as_text=True)
    assert OFFLINE_TH in officer.get("/sites/S012").get_data(as_text=True)
