"""The annual check's pure rules: who may mark, the Thai fiscal year, the report's rows."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.assets.check import (
    AssetInRound,
    Refusal,
    RoundView,
    fiscal_year_of,
    markable_sites,
    may_mark,
    report,
)

ROUND = RoundView(1, False, frozenset({10, 20}), frozenset({(10, 7)}))


@pytest.mark.parametrize(
    ("round_", "site", "user", "admin", "condition", "expected"),
    [
        (ROUND, 10, 7, False, "usable", None),  # the checker of site 10
        (ROUND, 20, 7, False, "usable", Refusal.NOT_ASSIGNED),  # in the round, not theirs
        (ROUND, 20, 1, True, "damaged", None),  # an admin marks any site of the round
        (ROUND, 30, 1, True, "usable", Refusal.NOT_IN_ROUND),
        (ROUND, 10, 7, False, "lost", Refusal.BAD_CONDITION),
        (
            RoundView(1, True, ROUND.site_ids, ROUND.checkers),
            10,
            7,
            False,
            "usable",
            Refusal.CLOSED,
        ),
    ],
)
def test_who_may_mark(round_, site, user, admin, condition, expected):
    assert may_mark(round_, site, user, admin, condition) == expected


def test_markable_sites_follow_the_assignment():
    assert markable_sites(ROUND, 7, False) == {10}
    assert markable_sites(ROUND, 7, True) == {10, 20}
    assert markable_sites(RoundView(1, True, ROUND.site_ids, ROUND.checkers), 1, True) == set()


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2025, 9, 30), 2025), (date(2025, 10, 1), 2026), (date(2026, 1, 15), 2026)],
)
def test_the_thai_fiscal_year_starts_on_1_october(day, year):
    assert fiscal_year_of(day) == year


def asset(device_id, site, number, condition="usable", found=None, before=None, note=""):
    return AssetInRound(
        device_id,
        site,
        f"โรงเรียน {site}",
        number,
        f"เครื่อง {device_id}",
        "computer",
        "ห้อง 1",
        condition,
        found,
        before if found else None,
        note,
        "seen" if found else None,
    )


def test_report_rows_are_numbered_per_site_in_asset_number_order():
    made = report(
        [
            asset(3, "S02", "7440-001-0003/67"),
            asset(2, "S01", "7440-001-0002/67", "usable", "awaiting_disposal", "usable", "จอแตก"),
            asset(1, "S01", "7440-001-0001/67", "damaged", "damaged", "damaged"),
            asset(4, "S01", None),  # no number: after the numbered ones
            asset(5, "S01", "7440-001-0000/40", "disposed"),  # off the books, not seen: not listed
        ]
    )
    assert [s.code for s in made.sites] == ["S01", "S02"]
    s01 = made.sites[0]
    assert [(r.order, r.asset_number) for r in s01.rows] == [
        (1, "7440-001-0001/67"),
        (2, "7440-001-0002/67"),
        (3, ""),
    ]
    unchanged, changed, missing = s01.rows
    assert unchanged.seen and not unchanged.condition_changed
    assert changed.condition_changed and changed.proposed_for_disposal and changed.note == "จอแตก"
    assert not missing.seen and missing.condition == "usable"
    assert vars(s01.totals) == {
        "assets": 3,
        "seen": 2,
        "not_seen": 1,
        "condition_changed": 1,
        "proposed_for_disposal": 1,
    }
    assert made.totals.assets == 4 and made.totals.not_seen == 2
