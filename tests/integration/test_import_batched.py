"""A large import writes with a few batched statements, so the writer's lock (SQLite's one writer:
the poller's sweeps wait for it) is held briefly; and it still records what the ORM recorded."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from monitor.db import audit
from monitor.db.engine import transaction
from monitor.db.models import AuditEvent, Device, Site
from monitor.devices.importer import ImportReport, import_into
from monitor.secrets import Vault

ROWS = 2000
# Reading the database (2), then a few statements per table whatever the number of rows: pages of
# INSERTs, one UPDATE per set of changed columns, pages of audit rows. The ORM's unit of work
# needed one INSERT per device and one UPDATE per parent: more than 4,000 for these rows.
STATEMENT_LIMIT = 50
HEADER = ["site", "site_name", "name", "address", "kind", "parent", "snmp_community", "model"]


@pytest.fixture
def vault(settings):
    return Vault.from_settings(settings)


@contextmanager
def statements(factory):
    """The SQL statements the block sends (an executemany counts once: one round of the driver)."""
    sent: list[str] = []
    engine = factory.kw["bind"]

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def district(model: str = "C2960", parent_of_ap: str = "switch") -> list[tuple[int, dict]]:
    """ROWS devices in sites of ten: a router, a switch under it, and access points under the
    switch; both parents are new in the same file."""
    rows = []
    for i in range(ROWS):
        site, n = divmod(i, 10)
        name, kind, parent = {0: ("router", "router", ""), 1: ("switch", "switch", "router")}.get(
            n, (f"ap-{n}", "ap", parent_of_ap)
        )
        values = [
            f"B{site:04d}",
            f"โรงเรียนทดสอบ {site}",
            name,
            f"127.42.{i // 250}.{i % 250 + 1}",
            kind,
            parent,
            f"community-{i}",
            model,
        ]
        rows.append((i + 2, dict(zip(HEADER, values, strict=True))))
    return rows


def audited_import(factory, rows, vault) -> ImportReport:
    with transaction(factory) as session:
        audit.act_as(session, audit.Actor("cli:somchai"))
        return import_into(session, HEADER, rows, vault)


def test_a_large_import_sends_a_bounded_number_of_statements(any_db, vault):
    with statements(any_db) as sent:
        report = audited_import(any_db, district(), vault)
    assert report == ImportReport(
        sites_created=ROWS // 10, sites_updated=0, devices_created=ROWS, devices_updated=0
    )
    assert len(sent) < STATEMENT_LIMIT, f"{len(sent)} statements for {ROWS} rows"

    with any_db() as session:
        assert session.scalar(select(func.count()).select_from(Device)) == ROWS
        ap = session.scalars(
            select(Device).join(Site).where(Site.code == "B0123", Device.name == "ap-7")
        ).one()
        assert (ap.parent.name, ap.parent.parent.name) == ("switch", "router")
        assert ap.address == "127.42.4.238" and ap.snmp_community is not None
        assert ap.updated_at == ap.created_at
        actions = dict(
            session.execute(
                select(AuditEvent.action, func.count()).group_by(AuditEvent.action)
            ).all()
        )
    # One "create" per site and device, and an "update" per device whose parent was set after it.
    assert actions == {"create": ROWS // 10 + ROWS, "update": ROWS - ROWS // 10}


def test_a_large_reimport_that_changes_rows_is_bounded_too(any_db, vault):
    audited_import(any_db, district(), vault)
    # Every device gets another model; the access points move from the switch to the router.
    with statements(any_db) as sent:
        report = audited_import(any_db, district("C9200", parent_of_ap="router"), vault)
    assert report == ImportReport(
        sites_created=0, sites_updated=0, devices_created=0, devices_updated=ROWS
    )
    assert len(sent) < STATEMENT_LIMIT, f"{len(sent)} statements for {ROWS} rows"
    with any_db() as session:
        ap = session.scalars(
            select(Device).join(Site).where(Site.code == "B0007", Device.name == "ap-3")
        ).one()
        assert (ap.model, ap.parent.name) == ("C9200", "router")
        assert ap.updated_at > ap.created_at
        moved = session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_id == str(ap.id), AuditEvent.action == "update"
            )
        ).all()
    assert [e.changes for e in moved][-2:] == [
        {"model": ["C2960", "C9200"]},
        {"parent_id": [ap.parent_id + 1, ap.parent_id]},  # switch → router, created just before it
    ]


def test_the_audit_rows_are_those_of_the_changes(any_db, vault):
    """The rows an import writes are audited as the ORM's flush listener audited them."""
    header = ["site", "site_name", "name", "address", "kind", "parent", "ssh_password"]
    first = [(2, dict(zip(header, ["S01", "หนึ่ง", "core", "127.0.0.1", "router", "", "pw"])))]
    with transaction(any_db) as session:
        audit.act_as(session, audit.Actor("cli:somchai"))
        import_into(session, header, first, vault)
    second = [
        (2, dict(zip(header, ["S01", "หนึ่งใหม่", "core", "127.0.0.11", "router", "", ""]))),
        (3, dict(zip(header, ["S02", "สอง", "sw", "", "switch", "S01/core", ""]))),
    ]
    with transaction(any_db) as session:
        audit.act_as(session, audit.Actor("officer", "127.0.0.9"))
        import_into(session, header, second, vault, by_admin=False)
    with any_db() as session:
        core_id = session.scalar(select(Device.id).where(Device.name == "core"))
        sw_id = session.scalar(select(Device.id).where(Device.name == "sw"))
        events = [
            (e.actor, e.action, e.object_type, e.object_id, e.object_label, e.changes, e.address)
            for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]
    held_at = events[5][5]["credentials_held_at"][1]
    assert events == [
        (
            "cli:somchai",
            "create",
            "site",
            None,
            "S01 หนึ่ง",
            {"code": [None, "S01"], "name": [None, "หนึ่ง"], "enabled": [None, True]},
            None,
        ),
        (
            "cli:somchai",
            "create",
            "device",
            None,
            "core",
            {
                "site_id": [None, 1],
                "name": [None, "core"],
                "address": [None, "127.0.0.1"],
                "kind": [None, "router"],
                "enabled": [None, True],
                "ssh_password": [None, "•••"],
            },
            None,
        ),
        (
            "officer",
            "create",
            "site",
            None,
            "S02 สอง",
            {"code": [None, "S02"], "name": [None, "สอง"], "enabled": [None, True]},
            "127.0.0.9",
        ),
        (
            "officer",
            "update",
            "site",
            "1",
            "S01 หนึ่งใหม่",
            {"name": ["หนึ่ง", "หนึ่งใหม่"]},
            "127.0.0.9",
        ),
        (
            "officer",
            "update",
            "device",
            str(core_id),
            "core",
            {"address": ["127.0.0.1", "127.0.0.11"]},
            "127.0.0.9",
        ),
        (
            "officer",
            "update",
            "device",
            str(core_id),
            "core",
            {"credentials_held_at": [None, held_at], "credentials_held_for": [None, "address"]},
            "127.0.0.9",
        ),
        (
            "officer",
            "create",
            "device",
            None,
            "sw",
            {
                "site_id": [None, 2],
                "name": [None, "sw"],
                "kind": [None, "switch"],
                "enabled": [None, True],
            },
            "127.0.0.9",
        ),
        (
            "officer",
            "update",
            "device",
            str(sw_id),
            "sw",
            {"parent_id": [None, core_id]},
            "127.0.0.9",
        ),
    ]


def test_a_write_failing_half_way_leaves_nothing(any_db, vault, monkeypatch):
    """All or nothing still: when the last batch (the audit rows) fails, the sites and devices
    inserted before it are rolled back with it."""

    def refuse(_session, _rows):
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(audit, "write", refuse)
    with pytest.raises(RuntimeError):
        audited_import(any_db, district()[:30], vault)
    with any_db() as session:
        assert session.scalar(select(func.count()).select_from(Device)) == 0
        assert session.scalar(select(func.count()).select_from(Site)) == 0
