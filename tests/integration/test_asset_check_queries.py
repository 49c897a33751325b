"""The annual check's queries on SQLite and PostgreSQL: a round over two sites, an assigned
checker's mark, bulk confirmation of devices that answered pings since the opening, the report,
and a closed round refusing writes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.accounts.users import create_user
from monitor.assets import check
from monitor.assets import check_queries as cq
from monitor.db.models import PingSample
from tests.conftest import NOW, add_device, add_site


def test_a_round_from_opening_to_report(any_db):
    with any_db.begin() as s:
        s01, s02 = add_site(s, "S01", "โรงเรียนหนึ่ง"), add_site(s, "S02", "โรงเรียนสอง")
        router = add_device(s, s01, "s01-router", "127.0.1.1")
        quiet = add_device(s, s01, "s01-switch", "127.0.1.2", kind="switch")
        notebook = add_device(s, s01, "nb-01", None, kind="notebook")
        notebook.asset_number, notebook.condition = "7440-001-0001/67", "usable"
        other = add_device(s, s02, "nb-02", None, kind="notebook")
        checker = create_user(s, "somsri", "a long enough password", role="viewer")
        s.flush()
        ids = (s01.id, s02.id, router.id, quiet.id, notebook.id, other.id, checker.id)
        s.add(PingSample(device_id=router.id, at=NOW + timedelta(minutes=1), sent=3, received=3))
        s.add(PingSample(device_id=quiet.id, at=NOW + timedelta(minutes=1), sent=3, received=0))
        s.add(PingSample(device_id=quiet.id, at=NOW - timedelta(days=1), sent=3, received=3))
    s01_id, s02_id, router_id, quiet_id, nb_id, other_id, checker_id = ids

    with any_db.begin() as s:
        round_id = cq.open_round(s, 2027, [s01_id, s02_id], "ทดสอบ", "officer", NOW)
        cq.assign(s, cq.load_round(s, round_id), s01_id, [checker_id])
    with any_db.begin() as s:
        info = cq.load_round(s, round_id)
        mine = dict(user_id=checker_id, is_admin=False, by="somsri", now=NOW)
        cq.mark(s, info, nb_id, "awaiting_disposal", "จอแตก", **mine)
        with pytest.raises(cq.CheckError) as refused:
            cq.mark(s, info, other_id, "usable", "", **mine)
        assert refused.value.refusal is check.Refusal.NOT_ASSIGNED
        # Only the router replied after the opening; the switch's reply is from before it.
        assert cq.confirm_answered(s, info, **mine) == 1
        assert cq.mark_of(s, round_id, router_id).how == check.ANSWERED
        found = cq.assets_in_round(s, round_id, q="7440-001")
        assert [a.device_id for a in found] == [nb_id]
        assert cq.assets_in_round(s, round_id, q="%") == []  # typed, not a wildcard

    with any_db.begin() as s:
        made = cq.round_report(s, round_id)
        assert [site.code for site in made.sites] == ["S01", "S02"]
        assert vars(made.sites[0].totals) == {
            "assets": 3,
            "seen": 2,
            "not_seen": 1,
            "condition_changed": 1,
            "proposed_for_disposal": 1,
        }
        cq.close_round(s, cq.load_round(s, round_id), "officer", NOW + timedelta(days=30))
    with any_db.begin() as s:
        info = cq.load_round(s, round_id)
        assert info.closed and [r.id for r in cq.open_rounds_for_site(s, s01_id)] == []
        with pytest.raises(cq.CheckError) as refused:
            cq.mark(s, info, quiet_id, "usable", "", user_id=1, is_admin=True, by="x", now=NOW)
        assert refused.value.refusal is check.Refusal.CLOSED
