"""The status page, a site page and the device list cost the same number of SQL statements for
a district of 3 schools as for one of 30: everything is aggregated or joined in SQL."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from tests.conftest import NOW, add_device, add_site
from tests.web.seed import set_state


@contextmanager
def counting(engine):
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def build(db, schools: int, start: int = 0):
    with db.begin() as s:
        core = add_device(s, add_site(s, f"OFFICE{start}", "สำนักงาน"), f"core{start}")
        set_state(s, core, "up", NOW - timedelta(days=1))
        for n in range(start, start + schools):
            site = add_site(s, f"S{n:03d}", f"โรงเรียน {n}")
            router = add_device(s, site, "router", parent=core)
            set_state(s, router, "down" if n % 3 == 0 else "up", NOW - timedelta(hours=1))
            for k in range(3):
                set_state(s, add_device(s, site, f"ap{k}", parent=router), "up", NOW)


def statements_for(officer, engine, url):
    with counting(engine) as statements:
        assert officer.get(url).status_code == 200
    return len(statements)


# A page of the device list with a next page, and one further on (the cursor of device id 10).
PAGED = ["/api/v1/devices?limit=5", "/api/v1/devices?limit=5&cursor=YWZ0ZXI6MTA"]
URLS = ["/", "/sites/S001", "/api/v1/devices", "/api/v1/sites", *PAGED]


def test_query_count_does_not_grow_with_the_district(officer, db, engine):
    build(db, 3)
    small = {url: statements_for(officer, engine, url) for url in URLS}
    build(db, 30, start=100)
    large = {url: statements_for(officer, engine, url) for url in URLS}
    assert small == large
    # The status page: tiles (2), heartbeat, open risks, the failed devices with their incidents,
    # the recoveries of the last day, the signed-in user; the frame reuses what the tiles read.
    # ... and the frame's check that alerts can go out (one statement while all is well), the
    # mail server set from the browser (one row by key), the contacts of the schools that are down.
    assert large["/"] <= 10 and large["/api/v1/devices"] <= 3
    assert all(large[url] == large["/api/v1/devices"] for url in PAGED)
