"""monitor.devices.collected: every odd value becomes something a page can show."""

from __future__ import annotations

import math

import pytest

from monitor.devices import collected as cv

ODD = [None, "", "12", b"\xff", float("nan"), float("inf"), -1, 10**400, True, [], {}, object()]


@pytest.mark.parametrize("value", ODD)
def test_nothing_raises(value):
    for function in (cv.number, cv.integer, cv.percent, cv.bits_per_second, cv.text, cv.flag):
        function(value)
    cv.choice(value, cv.IF_STATES)
    cv.storage_rows(value)
    cv.storage_rows([value])
    cv.neighbour_rows(value)
    cv.neighbour_rows([value])


def test_numbers_are_finite_and_in_range():
    assert cv.percent(42.5) == 42.5
    assert cv.percent(100.1) is None and cv.percent(-0.1) is None
    assert cv.percent(float("nan")) is None and cv.percent(True) is None
    assert cv.number(10**400) is None
    assert cv.integer(3.0) == 3 and cv.integer(3.5) is None and cv.integer("3") is None
    assert cv.bits_per_second(1e15) is None and cv.bits_per_second(1e9) == 1e9


def test_text_is_printable():
    assert cv.text(b"ok\xff\x00\x1b[2J") == "ok\ufffd  [2J"
    assert cv.text("\udcff") == "?"
    assert cv.text(12) == "12" and cv.text(float("nan")) is None
    assert len(cv.text("x" * 10, limit=5)) == 5


def test_storage_keeps_sane_rows_and_marks_the_rest_unknown():
    rows = cv.storage_rows(
        [{"descr": "/", "size_bytes": 1000, "used_bytes": 250}, {"size_bytes": 1, "used_bytes": 9}]
    )
    assert rows[0] == {"descr": "/", "size_bytes": 1000, "used_bytes": 250, "used_pct": 25.0}
    assert rows[1]["used_pct"] is None and rows[1]["descr"] == "?"
    assert math.isclose(rows[0]["used_pct"], 25.0)
