"""Every page in English shows no Thai but what people typed.

The district below is typed in English (site and device names, notes, reasons, people's names), so
any Thai character on an English page was written by the program: a word missing from the English
catalogue, or a text stored in Thai instead of as a key and its parameters. The walk covers every
GET route of the app (a route left out must say why in NOT_WALKED), signed in as an admin, with
?lang=en, and the downloads that have an English variant.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import replace
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from collectors.ssh import SshResult, SshState
from monitor.accounts.users import create_user
from monitor.assets import check_queries
from monitor.configs import versions
from monitor.db.models import (
    ConfigVersion,
    Device,
    GeneratedReport,
    Incident,
    MaintenanceWindow,
    OutboxMessage,
    PingRollup,
    Risk,
    RiskEvent,
    Site,
    SnmpInterface,
    SnmpProfile,
    SnmpStatus,
    SshCredentialProfile,
    StateInterval,
    TrafficRollup,
    User,
)
from monitor.incidents import ack_tokens, recording
from monitor.reports.delivery import deliver_due_report
from monitor.risks.facts import evaluate_once
from monitor.risks.register import reconcile
from monitor.risks.rules import DeviceFact, Facts, evaluate, parse_rules
from monitor.secrets import web_secret_key
from monitor.settings import AlertSettings, AssetSettings, OfficeSettings
from monitor.status.state import DeviceState, StateChange, StateUpdate, Status
from tests.conftest import NOW, add_device, add_site
from tests.support.discovery_runs import proposed_run
from tests.web.conftest import PASSWORD, make_app, sign_in
from tests.web.seed import seed_heartbeat, set_state

THAI = re.compile(r"[\u0E00-\u0E7F]+")
# Text the page itself marks as Thai: the language switch's "ไทย".
MARKED_THAI = re.compile(r'<(\w+)\b[^>]*\blang="th"[^>]*>.*?</\1>', re.S)

# GET routes the walk does not request, and why.
NOT_WALKED = {
    "static": "files shipped with the program (scripts carry both languages' month names)",
    "auth.login": "walked signed out, below (signed in, it sends you on)",
    "reports.generated": (
        "the kept monthly report is the office's Thai memo: made once by the schedule in Thai, "
        "no language to choose (its label on /reports is checked)"
    ),
    "configs.download": "a device's configuration text as the device sent it",
    "configs.download_latest": "a device's configuration text as the device sent it",
    "api.config_text": "a device's configuration text as the device sent it",
    "demo_mail.index": "only in `ictmon demo` (404 elsewhere); tests/web/test_demo_mail.py reads it",
    "demo_mail.show": "only in `ictmon demo` (404 elsewhere): a caught mail as it was sent",
    "demo_mail.attachment_file": "only in `ictmon demo` (404 elsewhere): a caught attachment",
    "collector_api.config": (
        "a collector's configuration, JSON for its program (no words, names as typed); only a "
        "collector's token may read it, never an admin's session: tests/web/test_collector_api.py"
    ),
}


def _pairs(up_at, down_at):
    return [
        StateChange("x", Status.UP, Status.DOWN, down_at),
        StateChange("x", Status.DOWN, Status.UP, up_at),
    ]


@pytest.fixture
def english(settings, db):
    """An office working in English: mails in English, everything typed in English."""
    settings = replace(
        settings,
        alerts=AlertSettings(recipients="noc@example.org", language="en", flap_threshold=3),
        # What the office typed in its configuration (the defaults are a Thai office's).
        office=OfficeSettings(name="Hill District Education Office"),
        assets=AssetSettings(
            acquisition_methods="Specific method, e-bidding", fund_sources="Budget, Donation"
        ),
        reports=replace(
            settings.reports,
            prepared_by="Alice Admin",
            prepared_by_position="Computer technical officer",
            approver_position="Director of the District Office",
            send_day=1,
        ),
    )
    ids: dict = {}
    with db.begin() as s:
        admin = create_user(s, "admin", PASSWORD, display_name="Alice Admin")
        viewer = create_user(s, "viewer", PASSWORD, role="viewer", display_name="Victor Viewer")
        ids.update(admin=admin.id, viewer=viewer.id)
        office = add_site(s, "OFFICE", "District Office")
        core = add_device(s, office, "office-core", "127.0.0.1", "router")
        set_state(s, core, "up", NOW - timedelta(days=10), rtt=0.4, loss=0)
        core.model, core.serial = "ISR4331", "TYPED-SERIAL-1"
        core.purchase_date, core.warranty_end = date(2012, 3, 1), date(2026, 10, 1)
        core.eol_date = date(2026, 12, 31)

        s01 = add_site(s, "S01", "Hill School")
        r1 = add_device(s, s01, "s01-router", "127.0.1.1", "router", parent=core)
        sw1 = add_device(s, s01, "s01-switch", "127.0.1.2", "switch", parent=r1)
        ups1 = add_device(s, s01, "s01-ups", "127.0.1.3", "ups", parent=sw1)
        for d in (r1, sw1, ups1):
            set_state(s, d, "up", NOW - timedelta(days=3), rtt=12.5, loss=0)

        s02 = add_site(s, "S02", "River School")
        r2 = add_device(s, s02, "s02-router", "127.0.2.1", "router", parent=core)
        sw2 = add_device(s, s02, "s02-switch", "127.0.2.2", "switch", parent=r2)
        ap2 = add_device(s, s02, "s02-ap", "127.0.2.3", "ap", parent=sw2)
        # Down 10 h in the last month: below its availability target.
        s.add(
            StateInterval(
                device_id=r2.id,
                status="down",
                started_at=NOW - timedelta(days=20),
                ended_at=NOW - timedelta(days=20) + timedelta(hours=10),
            )
        )
        s.add(
            StateInterval(
                device_id=r2.id,
                status="up",
                started_at=NOW - timedelta(days=40),
                ended_at=NOW - timedelta(days=20),
            )
        )
        s.add(
            StateInterval(
                device_id=r2.id,
                status="up",
                started_at=NOW - timedelta(days=20) + timedelta(hours=10),
                ended_at=NOW - timedelta(hours=1),
            )
        )
        set_state(s, sw2, "up", NOW - timedelta(days=5))
        set_state(s, ap2, "up", NOW - timedelta(days=5))
        # Slow uplink: 30 bad hours this week.
        for h in range(30):
            s.add(
                PingRollup(
                    device_id=r2.id,
                    resolution=3600,
                    bucket_start=(NOW - timedelta(hours=h + 2)).replace(minute=0),
                    sent=180,
                    received=150,
                    rtt_sum_ms=300.0 * 60,
                    rtt_samples=60,
                    rtt_max_ms=600.0,
                )
            )
        s.add(
            MaintenanceWindow(
                site_id=s02.id,
                starts_at=NOW + timedelta(days=2),
                ends_at=NOW + timedelta(days=2, hours=3),
                reason="Replace the fibre patch",
                created_by="admin",
                created_at=NOW,
            )
        )
        # SNMP: a busy router, a full disk, a UPS on battery, a saturated uplink port.
        s.add(
            SnmpStatus(
                device_id=r1.id,
                state="ok",
                polled_at=NOW - timedelta(minutes=2),
                ok_at=NOW - timedelta(minutes=2),
                inventory_at=NOW - timedelta(hours=3),
                uptime_cs=5 * 8_640_000,
                vendor="MikroTik",
                model="RB4011",
                serial="HEX1234",
                firmware="7.14",
                sys_descr="RouterOS",
                sys_name="r1",
                has_host_resources=True,
                has_ups=False,
                cpu_pct=97.0,
                memory_pct=96.0,
                storage=[{"descr": "flash", "size_bytes": 100, "used_bytes": 98}],
                neighbours=[
                    {
                        "local_port": "ether1",
                        "remote_name": "core",
                        "remote_port": "Gi0/1",
                        "remote_chassis": None,
                    }
                ],
            )
        )
        s.add(
            SnmpStatus(
                device_id=ups1.id,
                state="ok",
                polled_at=NOW - timedelta(minutes=2),
                ok_at=NOW - timedelta(minutes=2),
                has_host_resources=False,
                has_ups=True,
                ups_on_battery=True,
                ups_battery_status="low",
                ups_charge_pct=30,
                ups_minutes_remaining=5,
            )
        )
        s.add(
            SnmpInterface(
                device_id=r1.id,
                if_index=1,
                name="ether1",
                alias="uplink to office",
                oper_status="up",
                admin_status="up",
                speed_mbps=100,
                counter_bits=64,
                in_bps=90e6,
                out_bps=4e6,
                utilisation_pct=90.0,
                seen_at=NOW,
            )
        )
        for h in range(24):
            s.add(
                TrafficRollup(
                    device_id=r1.id,
                    if_index=1,
                    bucket_start=(NOW - timedelta(hours=h + 1)).replace(minute=0),
                    samples=12,
                    in_bps_sum=12 * 95e6,
                    out_bps_sum=12 * 4e6,
                    in_bps_max=99e6,
                    out_bps_max=5e6,
                )
            )
        s.add(SnmpProfile(name="schools-v2", version="2c", created_at=NOW))
        s.add(SshCredentialProfile(name="cisco-backup", username="backup", created_at=NOW))
        ids.update(
            office=office.id, s01=s01.id, s02=s02.id, core=core.id, r1=r1.id, sw1=sw1.id,
            ups1=ups1.id, r2=r2.id, sw2=sw2.id, ap2=ap2.id,
        )  # fmt: skip

    # Incidents as a sweep records them: three resolved outages and one open, with its child.
    parents = {ids["r2"]: ids["core"], ids["sw2"]: ids["r2"], ids["ap2"]: ids["sw2"]}
    for days in (12, 8, 4):
        start = NOW - timedelta(days=days)
        for change in _pairs(start + timedelta(minutes=30), start):
            with db.begin() as s:
                recording.record_sweep(
                    s,
                    StateUpdate({}, [replace(change, device=ids["r2"])]),
                    parents=parents,
                    at=change.at,
                    alerts=settings.alerts,
                    base_url="http://127.0.0.1",
                )
    down_at = NOW - timedelta(hours=1)
    with db.begin() as s:
        recording.record_sweep(
            s,
            StateUpdate(
                {
                    ids["ap2"]: DeviceState(
                        Status.UP,
                        down_at,
                        flapping=True,
                        recent_changes=tuple(down_at - timedelta(minutes=m) for m in (5, 9, 14)),
                    )
                },
                [
                    StateChange(ids["r2"], Status.UP, Status.DOWN, down_at),
                    StateChange(ids["sw2"], Status.UP, Status.UNREACHABLE, down_at),
                ],
                flapping_started=[ids["ap2"]],
            ),
            parents=parents,
            at=down_at,
            alerts=settings.alerts,
            base_url="http://127.0.0.1",
        )
    with db.begin() as s:
        set_state(s, s.get(Device, ids["r2"]), "down", down_at, loss=100, error="timeout")
        ids["open_incident"] = s.scalar(select(Incident.id).where(Incident.state == "open"))
        ids["resolved_incident"] = s.scalar(select(Incident.id).where(Incident.state == "resolved"))
        ids["outbox"] = s.scalar(select(OutboxMessage.id))
    # An alert's acknowledge link for an incident nobody acknowledges below: its confirm page.
    with db.begin() as s:
        waiting = Incident(
            title="Power cut at the office", manual=True, opened_at=NOW, opened_by="admin"
        )
        s.add(waiting)
        s.flush()
        ids["waiting_incident"] = waiting.id
    ids["ack_token"] = ack_tokens.sign(
        ack_tokens.key_from_secret(web_secret_key(settings)),
        ids["waiting_incident"],
        "mail:oncall@district.example",
        NOW + timedelta(days=1),
    )

    # Configuration backups: one device changed outside maintenance, one never backed up.
    with db.begin() as s:
        for n, at in ((1, NOW - timedelta(days=3)), (2, NOW - timedelta(days=1))):
            result = SshResult(
                ids["core"],
                SshState.OK,
                "ok",
                f"hostname core\ninterface Gi0/1\n description uplink {n}\n",
                {"model": "ISR4331"},
            )
            versions.record(s, result, "cisco_ios", at, "schedule")
        versions.record(
            s,
            SshResult(ids["sw2"], SshState.AUTH_FAILED, "authentication failed"),
            "cisco_ios",
            NOW - timedelta(days=9),
            "schedule",
        )
    seed_heartbeat(db)
    evaluate_once(db, settings, NOW)
    # October's report, kept as the schedule keeps it.
    deliver_due_report(db, settings, NOW)

    app = make_app(settings, db)
    client = app.test_client()
    assert sign_in(client, "admin").status_code == 302
    client.get("/?lang=en")  # the changes below are made in English (their flashes too)
    _changes_through_the_app(client, db, ids)
    with db() as s:
        ids["risks"] = list(s.scalars(select(Risk.id)))
        ids["versions"] = list(
            s.scalars(select(ConfigVersion.id).where(ConfigVersion.device_id == ids["core"]))
        )
        ids["profiles"] = [("snmp", p) for p in s.scalars(select(SnmpProfile.id))] + [
            ("ssh", p) for p in s.scalars(select(SshCredentialProfile.id))
        ]
        ids["report"] = s.scalar(select(GeneratedReport.id))
        ids["users"] = list(s.scalars(select(User.id)))
    # An annual check round with one asset seen, its note typed in English.
    with db.begin() as s:
        ids["check_round"] = check_queries.open_round(
            s, 2027, [ids["s01"], ids["s02"]], "Annual check", "admin", NOW
        )
        info = check_queries.load_round(s, ids["check_round"])
        assert info is not None
        check_queries.mark(
            s,
            info,
            ids["ups1"],
            "usable",
            "Seen in the server room",
            user_id=ids["users"][0],
            is_admin=True,
            by="admin",
            now=NOW,
        )
    # A discovery run of the school S01, waiting for confirmation.
    with db.begin() as s:
        ids["discovery_run"] = proposed_run(s, ids["s01"], NOW)
    return app, client, ids


def _changes_through_the_app(client, db, ids) -> None:
    """Edits as people make them, so the audit log and the risk history have rows."""
    ok = (200, 302)
    with db() as s:
        rule_risk = s.scalar(select(Risk).where(Risk.rule_key.is_not(None)).order_by(Risk.id))
        site = s.get(Site, ids["s01"])
    assert rule_risk is not None
    form = client.get(f"/risks/{rule_risk.id}/edit").get_data(as_text=True)
    shown_title = re.search(r'name="title"[^>]* value="([^"]*)"', form)
    assert shown_title is not None
    assert (
        client.post(
            f"/risks/{rule_risk.id}/edit",
            data={
                "title": html.unescape(shown_title.group(1)),  # as the form shows it
                "category": rule_risk.category,
                "likelihood": "5",
                "impact": str(rule_risk.impact),
                "mitigation": "Order a spare",
                "owner": "Bob Builder",
                "status": "mitigating",
                "review_date": "2027-01-15",
            },
        ).status_code
        in ok
    )
    assert (
        client.post(
            "/risks/new",
            data={
                "title": "Flooding in the server room",
                "category": "power",
                "likelihood": "2",
                "impact": "5",
                "mitigation": "Raise the rack",
                "owner": "Carol",
                "status": "open",
                "review_date": "",
                "subject": f"site:{ids['s02']}",
            },
        ).status_code
        in ok
    )
    assert (
        client.post(
            f"/manage/sites/{site.id}/edit",
            data={"code": "S01", "name": "Hill School Annex", "enabled": "yes"},
        ).status_code
        in ok
    )
    assert (
        client.post(
            "/manage/devices/new",
            data={
                "site": "S01",
                "name": "s01-ap",
                "address": "127.0.1.4",
                "kind": "ap",
                "parent_id": str(ids["sw1"]),
                "enabled": "yes",
                "notes": "Library access point",
            },
        ).status_code
        in ok
    )
    assert (
        client.post(
            "/maintenance",
            data={
                "target": f"site:{ids['s01']}",
                "starts_at": "2026-11-24T00:00",
                "ends_at": "2027-03-31T00:00",
                "weekday": ["5"],
                "local_start": "08:00",
                "local_end": "12:00",
                "reason": "Saturday power work",
            },
        ).status_code
        in ok
    )
    incident = ids["open_incident"]
    client.post(f"/incidents/{incident}/acknowledge")
    client.post(f"/incidents/{incident}/comment", data={"text": "ISP cable cut, ticket 1234"})
    client.post(f"/incidents/{incident}/cause", data={"cause": "isp"})
    assert (
        client.post(
            "/incidents/new",
            data={"title": "Stolen projector", "site": "S01", "text": "Room 4", "cause": "theft"},
        ).status_code
        in ok
    )
    assert (
        client.post(
            "/admin/users/new",
            data={
                "username": "dave",
                "display_name": "Dave Operator",
                "role": "operator",
                "password": "a long enough password",
                "confirm": "a long enough password",
            },
        ).status_code
        in ok
    )
    assert (
        client.post(
            f"/admin/users/{ids['viewer']}",
            data={"display_name": "Victor V.", "role": "operator"},
        ).status_code
        in ok
    )
    client.post("/account/tokens", data={"label": "nagios"})
    # A failed sign-in from another client (the audit log records it).
    other = client.application.test_client()
    other.post("/login", data={"username": "admin", "password": "wrong"})


def _params(ids) -> dict[str, list[dict]]:
    devices = [ids[k] for k in ("core", "r1", "sw1", "ups1", "r2", "sw2", "ap2")]
    return {
        "status.site": [{"code": c} for c in ("OFFICE", "S01", "S02")],
        "netmap.site": [{"code": c} for c in ("OFFICE", "S01", "S02")],
        "status.device": [{"device_id": d} for d in devices],
        "inventory.traffic": [{"device_id": ids["r1"], "if": 1}],
        "inventory.health": [{"device_id": ids["ups1"]}],
        "inventory.edit": [{"device_id": ids["core"]}, {"device_id": ids["r1"]}],
        "manage.edit_device": [{"device_id": d} for d in devices],
        "assets.asset": [{"device_id": d} for d in devices],
        "manage.edit_site": [{"site_id": ids[k]} for k in ("office", "s01", "s02")],
        "manage.new_profile": [{"kind": "snmp"}, {"kind": "ssh"}],
        "manage.edit_profile": [{"kind": k, "profile_id": p} for k, p in ids["profiles"]],
        "accounts.user": [{"user_id": u} for u in ids["users"]],
        "api.device": [{"device_id": d} for d in devices],
        "api.latency": [{"device_id": ids["r2"]}],
        "api.config_versions": [{"device_id": ids["core"]}],
        "configs.version": [{"device_id": ids["core"], "version_id": v} for v in ids["versions"]],
        "configs.diff": [
            {"device_id": ids["core"], "from": ids["versions"][0], "to": ids["versions"][-1]}
        ],
        "incidents.show": [
            {"incident_id": ids["open_incident"]},
            {"incident_id": ids["resolved_incident"]},
        ],
        "risks.show": [{"risk_id": r} for r in ids["risks"]],
        "risks.edit": [{"risk_id": r} for r in ids["risks"]],
        "reports.download": [{"fmt": "html"}, {"fmt": "xlsx"}, {"fmt": "pdf"}],
        "ack_links.show": [{"token": ids["ack_token"]}],
        "asset_check.round": [{"round_id": ids["check_round"]}],
        "asset_check.report_pdf": [{"round_id": ids["check_round"]}],
        "asset_check.report_xlsx": [{"round_id": ids["check_round"]}],
        "manage.discover_run": [{"run_id": ids["discovery_run"]}],
        "manage.discover_status": [{"run_id": ids["discovery_run"]}],
    }


# Pages worth asking in more than one way (filters that change what is listed).
EXTRA = (
    "/?lang=en",
    "/risks?status=all",
    "/incidents?state=resolved",
    "/reports?period=2026-10",
    "/reports/download.html?period=2026-10",
    "/reports/download.xlsx?period=2026-10",
    "/reports/download.pdf?period=2026-10",
    "/api/v1/availability?period=2026-10",
    "/admin/audit?object_type=risk",
)


def _urls(app, ids) -> list[str]:
    params = _params(ids)
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_WALKED:
                continue
            if not rule.arguments:
                urls.append(rule.rule)
                continue
            assert rule.endpoint in params, (
                f"{rule.rule} ({rule.endpoint}) has no rows to fill it: add it to _params or "
                "say in NOT_WALKED why it is not walked"
            )
            urls += [url_for(rule.endpoint, **p) for p in params[rule.endpoint]]
    return urls + list(EXTRA)


def _text_of(response) -> str:
    kind = response.mimetype
    body = response.get_data()
    if kind.endswith("spreadsheetml.sheet"):
        book = load_workbook(io.BytesIO(body))
        return (
            "\n".join(
                str(cell)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
                for cell in row
                if cell is not None
            )
            + "\n"
            + "\n".join(sheet.title for sheet in book.worksheets)
        )
    if kind == "application/pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    if kind == "text/csv":
        return "\n".join(",".join(r) for r in csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    text = body.decode("utf-8")
    return MARKED_THAI.sub("", text) if kind == "text/html" else text


def _with_lang(url: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode({"lang": "en"})


def test_every_page_in_english_shows_no_thai_but_what_people_typed(english):
    app, client, ids = english
    urls = _urls(app, ids)
    assert len(urls) > 60
    leaks = []
    for url in urls:
        response = client.get(_with_lang(url))
        if response.status_code != 200:
            leaks.append(f"{url}: HTTP {response.status_code}")
            continue
        text = _text_of(response)
        for m in THAI.finditer(text):
            leaks.append(f"{url}: …{text[max(0, m.start() - 60) : m.end() + 30]}…")
    signed_out = app.test_client()
    for url in ("/login", "/login?next=/risks"):
        page = signed_out.get(_with_lang(url)).get_data(as_text=True)
        leaks += [f"{url}: {m.group()}" for m in THAI.finditer(MARKED_THAI.sub("", page))]
    assert not leaks, "Thai on English pages:\n" + "\n".join(leaks)


def test_the_walk_found_what_it_was_meant_to_find(english):
    """The seeded district reaches every page: rule-made risks, mails, audit rows, a report."""
    _, _, ids = english
    assert len(ids["risks"]) >= 8
    assert ids["outbox"] and ids["report"] and ids["resolved_incident"]


# --- A rule-made risk in either language; a title a person typed stays as typed ------------------


def _warranty_risk(db, district) -> int:
    with db() as s:
        site_id = s.get(Device, district["s02_router"]).site_id
    device = DeviceFact(
        district["s02_router"],
        "s02-router",
        "router",
        site_id,
        "S02",
        warranty_end=NOW.date() - timedelta(days=3),
    )
    rules = parse_rules({"rules": {"warranty": {"check": "warranty"}}})
    with db.begin() as s:
        reconcile(s, rules, evaluate(rules, Facts(NOW, NOW.date(), (device,))), NOW)
        return s.scalar(select(Risk.id))


def test_a_rule_made_risk_reads_in_the_readers_language(officer, db, district):
    risk_id = _warranty_risk(db, district)
    expired = (NOW.date() - timedelta(days=3)).isoformat()
    english = officer.get(f"/risks/{risk_id}?lang=en").get_data(as_text=True)
    assert "Warranty expired: s02-router (S02)" in english
    assert f"Warranty ends {expired}" in english
    thai = officer.get(f"/risks/{risk_id}?lang=th").get_data(as_text=True)
    assert "หมดประกันแล้ว: s02-router (S02)" in thai and f"ประกันสิ้นสุด {expired}" in thai
    api = officer.get("/api/v1/risks?lang=en").get_json()
    assert api[0]["title"] == "Warranty expired: s02-router (S02)"
    assert api[0]["evidence"]["summary"] == f"Warranty ends {expired}"
    with db() as s:  # stored as a key and its arguments
        evidence = s.get(Risk, risk_id).evidence
    assert evidence["title"] == {
        "key": "risk_t_warranty_expired",
        "args": {"subject": "s02-router (S02)"},
    }


def _edit(client, risk_id, title, lang):
    form = client.get(f"/risks/{risk_id}/edit?lang={lang}").get_data(as_text=True)
    assert f'value="{title}"' in form or lang == "typed"
    return client.post(
        f"/risks/{risk_id}/edit",
        data={
            "title": title,
            "category": "lifecycle",
            "likelihood": "3",
            "impact": "3",
            "status": "mitigating",
            "mitigation": "",
            "owner": "Bob",
            "review_date": "",
        },
    )


def test_saving_the_english_form_keeps_the_rules_title(officer, db, district):
    risk_id = _warranty_risk(db, district)
    assert _edit(officer, risk_id, "Warranty expired: s02-router (S02)", "en").status_code == 302
    with db() as s:
        changes = [
            e.changes for e in s.scalars(select(RiskEvent).where(RiskEvent.action == "edited"))
        ]
    assert changes and all("title" not in c for c in changes)
    thai = officer.get(f"/risks/{risk_id}?lang=th").get_data(as_text=True)
    assert "หมดประกันแล้ว: s02-router (S02)" in thai and "Bob" in thai


def test_a_title_typed_over_the_rules_stays_as_typed(officer, db, district):
    risk_id = _warranty_risk(db, district)
    _edit(officer, risk_id, "ประกันหมด รอจัดซื้อ", "typed")
    for lang in ("en", "th"):
        page = officer.get(f"/risks/{risk_id}?lang={lang}").get_data(as_text=True)
        assert "ประกันหมด รอจัดซื้อ" in page and "s02-router (S02)</h1>" not in page
