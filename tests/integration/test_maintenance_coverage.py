"""`covered_between` (windows read once, for a collector's backlog) answers as `devices_covered`
does at every moment: one-off and weekly windows, on a device or a whole site."""

from __future__ import annotations

from datetime import timedelta

from monitor.db.engine import transaction
from monitor.status.maintenance import covered_between, create_window, devices_covered
from tests.conftest import NOW, add_device, add_site


def test_covered_between_agrees_with_devices_covered_at_every_moment(any_db):
    with transaction(any_db) as s:
        school = add_site(s, "S001", "School")
        other = add_site(s, "S002", "Other")
        router = add_device(s, school, "router", "127.0.0.2")
        switch = add_device(s, school, "sw", "127.0.0.3", "switch", parent=router)
        lone = add_device(s, other, "ap", "127.0.0.4", "ap")
        create_window(
            s,
            starts_at=NOW + timedelta(hours=5),
            ends_at=NOW + timedelta(hours=9),
            reason="one-off",
            created_by="t",
            now=NOW,
            device_id=lone.id,
        )
        create_window(
            s,
            starts_at=NOW - timedelta(days=1),
            ends_at=NOW + timedelta(days=30),
            reason="weekly",
            created_by="t",
            now=NOW,
            site_id=school.id,
            weekdays="1,3",
            local_start="18:00",
            local_end="20:30",
        )
        create_window(
            s,
            starts_at=NOW + timedelta(days=2),
            ends_at=NOW + timedelta(days=2, hours=1),
            reason="switch",
            created_by="t",
            now=NOW,
            device_id=switch.id,
        )
    with transaction(any_db) as s:
        end = NOW + timedelta(days=8)
        covered = covered_between(s, NOW, end)
        moments = [NOW + timedelta(minutes=20 * k) for k in range((8 * 24 * 3) + 1)]
        seen = set()
        for at in moments:
            expected = devices_covered(s, at)
            assert covered(at) == expected, at
            seen |= expected
        assert seen == {router.id, switch.id, lone.id}  # every window was in force somewhen
