"""A district with one row of every kind the pages show, and the URL of every route for it.

`seed_every_kind(db, vault, words)` fills sites, devices, states, SNMP (status, interfaces, LLDP
neighbours), SSH (access, host key, backup state and facts, two config versions), incidents with
notes, a risk with its history, a maintenance window, an outbox message, a generated report,
users, an API token, SNMP/SSH profiles, an audit event and a job run. Every free text comes from
`words(n)`: plain words for the authorization matrix, HOSTILE text for the escaping sweeps.

`route_url(rule, ids)` fills a url_map rule's arguments from the seed, so tests generated from
`app.url_map` reach real rows on routes added after they were written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy import text
from werkzeug.routing.converters import NumberConverter

from monitor.accounts.users import create_user
from monitor.db import engine as dbmod
from monitor.db.models import (
    ApiToken,
    AssetCheckChecker,
    AssetCheckMark,
    AssetCheckRound,
    AssetCheckSite,
    AuditEvent,
    Base,
    ConfigChangeEvent,
    ConfigVersion,
    Device,
    GeneratedReport,
    Incident,
    IncidentEvent,
    JobRun,
    MaintenanceWindow,
    OutboxMessage,
    Risk,
    RiskEvent,
    Site,
    SnmpInterface,
    SnmpProfile,
    SnmpStatus,
    SshAccess,
    SshBackupState,
    SshCredentialProfile,
    SshHostKey,
)
from monitor.secrets import Vault, ensure_keys
from monitor.settings import DatabaseSettings, PathSettings, Settings
from tests.conftest import NOW
from tests.support.discovery_runs import proposed_run
from tests.web.seed import set_state

# --- the payloads -------------------------------------------------------------------------------
SCRIPT = "<script>window.__xss=1</script>"
IMG = '"><img src=x onerror="window.__xss=2">'
SVG = "'><svg onload=window.__xss=3>"
JS_URL = "javascript:window.__xss=4"
TEMPLATE = "TPL{{7*7}}END"  # rendered by a template engine it would read TPL49END
RTL = "\u202eexe.\u200btxt\u200d\u2066"  # right-to-left override, zero-width and isolate marks
# Spreadsheet formulas: a cell starting with one of these must stay text in every export.
FORMULAS = ('=HYPERLINK("http://127.0.0.1/x","x")', "+1+1", "-1+1", "@SUM(1+1)")

HTML_PAYLOADS = (SCRIPT, IMG, SVG, JS_URL, TEMPLATE, RTL)
ALL_HTML = " ".join(HTML_PAYLOADS)

# What must never reach a page unescaped: the payloads' tags, and the quoted attribute that
# would break out of an attribute value (escaped, `"` becomes &#34; and `<` &lt;).
RAW_MARKUP = ("<script>window.__xss", "<img src=x", 'onerror="window', "<svg onload")
ESCAPED_MARKUP = ("&lt;script&gt;window.__xss=1&lt;/script&gt;", "&lt;img src=x onerror=")


def hostile(n: int) -> str:
    """Text n: a formula start (cycling through FORMULAS) and every HTML payload."""
    return f"{FORMULAS[n % len(FORMULAS)]} {ALL_HTML}"


def plain(n: int) -> str:
    return f"text {n}"


# --- the seed -----------------------------------------------------------------------------------


@contextmanager
def seeded_database(
    directory: Path, words: Callable[[int], str] | None = None, *, engine=None, **overrides
) -> Iterator[tuple[Settings, object, dict]]:
    """Settings, a session factory and the ids of `seed_every_kind` on a fresh SQLite file in
    `directory` — for module-scoped fixtures that sweep every route over one district. With
    `engine` (the suite's migrated PostgreSQL), its tables are emptied and seeded instead.
    `overrides` replace sections of the settings (e.g. ssh=SshSettings(timeout=2))."""
    url = engine.url.render_as_string(hide_password=False) if engine else None
    settings = replace(
        Settings(),
        database=DatabaseSettings(url=url or f"sqlite:///{directory / 'db'}"),
        paths=PathSettings(data_dir=str(directory / "data")),
        **overrides,
    )
    ensure_keys(settings)
    own = engine is None
    if own:
        engine = dbmod.make_engine(settings.database.url)
        dbmod.upgrade(engine)
    else:
        with engine.begin() as c:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            c.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    factory = dbmod.session_factory(engine)
    vault = Vault.from_settings(settings)
    ids = seed_every_kind(factory, vault, words) if words else seed_every_kind(factory, vault)
    try:
        yield settings, factory, ids
    finally:
        if own:
            engine.dispose()


def seed_every_kind(
    db, vault, words: Callable[[int], str] = plain, *, site_code: str = "S01"
) -> dict[str, object]:
    """One row of every kind; returns ids by the name routes give them (device_id, site_id, code,
    version_id, incident_id, risk_id, window_id, message_id, report_id, user_id, token_id,
    profile_id, snmp_profile_id, ssh_profile_id, event_id) plus `users` {role: username}."""
    counter = iter(range(10_000))

    def w() -> str:
        return words(next(counter))

    ids: dict[str, object] = {}
    with db.begin() as s:
        office = Site(code="OFFICE", name=w(), enabled=True, created_at=NOW)
        school = Site(code=site_code, name=w(), enabled=True, created_at=NOW)
        s.add_all([office, school])
        s.flush()
        snmp_profile = SnmpProfile(
            name=w()[:64], version="2c", community=vault.encrypt("public"), created_at=NOW
        )
        ssh_profile = SshCredentialProfile(
            name=w()[:100], username=w()[:128], password=vault.encrypt("pw"), created_at=NOW
        )
        s.add_all([snmp_profile, ssh_profile])
        s.flush()

        core = _device(s, office, w, "127.0.0.1", "router", None)
        router = _device(s, school, w, "127.0.1.1", "router", core)
        switch = _device(s, school, w, "127.0.1.2", "switch", router)
        router.snmp_version, router.snmp_community = "2c", vault.encrypt("public")
        router.ssh_device_type, router.ssh_username = "cisco_ios", w()[:128]
        router.ssh_password = vault.encrypt("pw")
        switch.snmp_profile_id = snmp_profile.id
        # The asset register's typed fields, shown by web/assets and the label PDF.
        switch.asset_number, switch.room = w()[:64], w()[:200]
        switch.supplier, switch.responsible_person = w()[:200], w()[:200]
        switch.acquisition_method, switch.fund_source = w()[:100], w()[:100]
        s.flush()
        set_state(s, core, "up", NOW - timedelta(days=3), rtt=1.0, loss=0)
        set_state(s, router, "up", NOW - timedelta(days=1), rtt=5.0, loss=0, error=w()[:200])
        set_state(s, switch, "down", NOW - timedelta(minutes=50), loss=100, error=w()[:200])

        s.add(
            SnmpStatus(
                device_id=router.id,
                state="ok",
                error=None,
                polled_at=NOW,
                ok_at=NOW,
                uptime_cs=360_000,
                inventory_at=NOW,
                sys_descr=w(),
                sys_object_id="1.3",
                sys_name=w(),
                sys_location=w(),
                sys_contact=w(),
                vendor=w(),
                model=w(),
                serial=w(),
                firmware=w(),
                has_host_resources=True,
                cpu_pct=12.0,
                memory_pct=40.0,
                storage=[{"descr": w(), "size_bytes": 100, "used_bytes": 50}],
                neighbours=[
                    {
                        "local_port": w(),
                        "remote_name": w(),
                        "remote_port": w(),
                        "remote_chassis": w(),
                    }
                ],
            )
        )
        s.add(
            SnmpStatus(
                device_id=switch.id,
                state="timeout",
                error=w(),
                polled_at=NOW,
                failing_since=NOW - timedelta(minutes=30),
            )
        )
        s.add(
            SnmpInterface(
                device_id=router.id,
                if_index=1,
                name=w(),
                descr=w(),
                alias=w(),
                admin_status="up",
                oper_status="up",
                speed_mbps=1000.0,
                in_bps=1e6,
                out_bps=2e6,
                utilisation_pct=0.2,
                seen_at=NOW,
            )
        )

        s.add(SshAccess(device_id=router.id, profile_id=ssh_profile.id, config_path=w()))
        s.add(
            SshHostKey(
                device_id=router.id,
                host_key="ssh-ed25519 AAAA",
                fingerprint=w()[:100],
                first_seen_at=NOW - timedelta(days=9),
                last_seen_at=NOW,
                offered_key="ssh-ed25519 BBBB",
                offered_fingerprint=w()[:100],
                changed_at=NOW - timedelta(hours=1),
            )
        )
        first = ConfigVersion(
            device_id=router.id,
            taken_at=NOW - timedelta(days=2),
            size=20,
            digest="a" * 64,
            trigger="schedule",
            text=f"hostname {w()}\n",
        )
        second = ConfigVersion(
            device_id=router.id,
            taken_at=NOW - timedelta(hours=2),
            size=40,
            digest="b" * 64,
            trigger=f"web:{w()}"[:160],
            text=f"hostname {w()}\ndescription {w()}\n",
        )
        s.add_all([first, second])
        s.flush()
        s.add(
            ConfigChangeEvent(
                device_id=router.id,
                version_id=second.id,
                previous_version_id=first.id,
                at=second.taken_at,
                in_maintenance=False,
                lines_added=2,
                lines_removed=1,
            )
        )
        s.add(
            SshBackupState(
                device_id=router.id,
                state="command_rejected",
                message=w(),
                attempted_at=NOW - timedelta(minutes=5),
                trigger=f"web:{w()}"[:160],
                last_success_at=second.taken_at,
                facts_model=w(),
                facts_serial=w(),
                facts_firmware=w(),
                facts_uptime=w(),
                facts_at=second.taken_at,
            )
        )

        automatic = Incident(
            device_id=switch.id,
            site_id=school.id,
            title=w(),
            manual=False,
            state="open",
            opened_at=NOW - timedelta(minutes=50),
            opened_by="ictmon",
        )
        manual = Incident(
            device_id=None,
            site_id=school.id,
            title=w(),
            manual=True,
            state="acknowledged",
            cause="isp",
            opened_at=NOW - timedelta(hours=3),
            opened_by=w()[:128],
            acknowledged_at=NOW - timedelta(hours=2),
            acknowledged_by=w()[:128],
        )
        s.add_all([automatic, manual])
        s.flush()
        for incident in (automatic, manual):
            s.add(
                IncidentEvent(
                    incident_id=incident.id,
                    at=NOW - timedelta(minutes=20),
                    actor=w()[:128],
                    action="comment",
                    text=w(),
                )
            )

        risk = Risk(
            title=w(),
            category="availability",
            site_id=school.id,
            device_id=switch.id,
            likelihood=4,
            impact=4,
            score=16,
            mitigation=w(),
            owner=w(),
            review_date=date(2026, 12, 1),
            status="open",
            evidence={"summary": w()},
            created_at=NOW,
            created_by=w()[:128],
            updated_at=NOW,
            updated_by=w()[:128],
        )
        s.add(risk)
        s.flush()
        s.add(
            RiskEvent(
                risk_id=risk.id,
                at=NOW,
                actor=w()[:128],
                action="edited",
                changes={"title": [w(), w()], "mitigation": ["", w()]},
            )
        )

        window = MaintenanceWindow(
            site_id=school.id,
            starts_at=NOW - timedelta(hours=1),
            ends_at=NOW + timedelta(days=2),
            reason=w(),
            created_by=w(),
            created_at=NOW,
        )
        s.add(window)
        message = OutboxMessage(
            kind="alert",
            recipients="ict@127.0.0.1",
            subject=w(),
            text=w(),
            status="failed",
            attempts=3,
            created_at=NOW,
            next_attempt_at=NOW,
            last_error=w(),
        )
        s.add(message)
        report = GeneratedReport(
            period_key="2026-10",
            period_label=w(),
            created_at=NOW,
            created_by=w()[:128],
            pdf=b"%PDF-1.4\n%%EOF\n",
            xlsx=_workbook(w()),
            mailed_to=w(),
        )
        s.add(report)

        users = {}
        for role in ("viewer", "operator", "admin"):
            users[role] = create_user(s, f"{role}1", PASSWORD, role=role, display_name=w())
        # Someone the admin may edit, disable or delete without locking the test out.
        target = create_user(s, "target", PASSWORD, role="viewer", display_name=w())
        s.add(ApiToken(user_id=target.id, token_hash="0" * 64, label=w()[:100], created_at=NOW))
        s.flush()
        token_id = s.query(ApiToken.id).filter_by(user_id=target.id).scalar()
        event = AuditEvent(
            at=NOW - timedelta(minutes=1),
            actor=w()[:128],
            action="update",
            object_type="device",
            object_id=str(router.id),
            object_label=w()[:300],
            changes={"name": [w(), w()]},
            address="127.0.0.1",
        )
        s.add(event)
        s.add(
            JobRun(
                job="ping-sweep",
                scheduled_at=NOW,
                started_at=NOW,
                finished_at=NOW,
                duration_s=0.5,
                lag_s=0.0,
                ok=False,
                error=w(),
                runs=10,
                failures=1,
            )
        )
        check_round = AssetCheckRound(
            fiscal_year=2027, title=w()[:200], opened_at=NOW, opened_by=target.username
        )
        s.add(check_round)
        s.flush()
        s.add(AssetCheckSite(round_id=check_round.id, site_id=school.id))
        # Every role checks the school: the matrix's requests are then refused by role only.
        for checker in (target, *users.values()):
            s.add(AssetCheckChecker(round_id=check_round.id, site_id=school.id, user_id=checker.id))
        s.add(
            AssetCheckMark(
                round_id=check_round.id,
                device_id=router.id,
                condition="damaged",
                condition_before="usable",
                note=w()[:500],
                how="seen",
                marked_at=NOW,
                marked_by=target.username,
            )
        )
        s.flush()
        ids.update(
            run_id=proposed_run(s, school.id, NOW),  # a discovery run waiting for confirmation
            round_id=check_round.id,
            device_id=router.id,
            site_id=school.id,
            code=school.code,
            version_id=second.id,
            old_version_id=first.id,
            incident_id=manual.id,
            automatic_incident_id=automatic.id,
            risk_id=risk.id,
            window_id=window.id,
            message_id=message.id,
            report_id=report.id,
            user_id=target.id,
            token_id=token_id,
            profile_id=snmp_profile.id,
            snmp_profile_id=snmp_profile.id,
            ssh_profile_id=ssh_profile.id,
            event_id=event.id,
            device_ids=[core.id, router.id, switch.id],
            users={role: u.username for role, u in users.items()},
        )
    return ids


PASSWORD = "correct horse battery"


def _device(s, site, w, address, kind, parent) -> Device:
    device = Device(
        site_id=site.id,
        name=w()[:200],
        address=address,
        kind=kind,
        parent_id=parent.id if parent else None,
        enabled=True,
        model=w()[:200],
        serial=w()[:200],
        location=w()[:200],
        notes=w(),
        purchase_date=date(2020, 1, 1),
        warranty_end=date(2027, 1, 1),
        created_at=NOW,
        updated_at=NOW,
    )
    s.add(device)
    s.flush()
    return device


def _workbook(text: str) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    cell = book.active.cell(row=1, column=1)
    cell.value, cell.data_type = text, "s"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# --- URLs of the url_map's rules ---------------------------------------------------------------

# Harmless values for string arguments that are not row ids; anything else gets "x".
STRING_VALUES = {
    "fmt": "xlsx",
    "action": "comment",
    "filename": "css/ictmon.css",
    "lang": "en",
    "language": "en",
}


def route_url(rule, ids: dict[str, object]) -> str:
    """The rule's URL with every argument filled: ints from the seed by name (1 when the seed has
    no such name), `code` → the seeded site's code, other strings → a harmless value."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if isinstance(converter, NumberConverter):
            value = ids.get(name, 1)
            values[name] = value if isinstance(value, int) else 1
        elif name in ids and isinstance(ids[name], str):
            values[name] = ids[name]
        else:
            values[name] = STRING_VALUES.get(name, "x")
    # Built from the rule itself, not its endpoint: two rules may share one endpoint.
    return rule.build(values, append_unknown=False)[1]


# --- hostile values: what a date, number or text field is sent -----------------------------------

# Each kind of value that once reached the database or the date arithmetic unchecked. Sent as text
# to every form field and query argument, and (with HOSTILE_JSON) to every field of the API.
HOSTILE_VALUES: dict[str, str] = {
    "first-day": "0001-01-01",
    "last-day": "9999-12-31",
    "first-moment": "0001-01-01T00:00",
    "last-moment": "9999-12-31T23:59",
    "past-32-bits": str(2**31),
    "past-64-bits": str(2**63),
    "forty-digits": "9" * 40,
    "minus-forty-digits": "-" + "9" * 40,
    "100k-characters": "x" * 100_000,
}
# The same kinds as JSON values (numbers as numbers), for the API's bodies.
HOSTILE_JSON: dict[str, object] = {
    **HOSTILE_VALUES,
    "past-32-bits-number": 2**31,
    "past-64-bits-number": 2**63,
    "forty-digit-number": 10**40,
    "minus-forty-digit-number": -(10**40),
    "huge-float": 1e308,
}
# A JSON body nested past the parser's recursion limit.
NESTED_JSON = "[" * 100_000 + "]" * 100_000


@dataclass(frozen=True)
class Form:
    action: str
    method: str  # "get" or "post"
    fields: dict[str, str]  # name -> the value the page filled in


class _FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = (a.get("action") or self.page_url).split("?")[0]
            self.forms.append(Form(action, (a.get("method") or "get").lower(), {}))
        elif tag in ("input", "select", "textarea") and self.forms and a.get("name"):
            self.forms[-1].fields.setdefault(a["name"], a.get("value") or "")


def page_forms(client, rules, ids) -> list[Form]:
    """Every form on every page of `rules` as `client` sees them, one per action and method (the
    fields of forms with the same action merged): found on the pages, so a form added later is
    swept without being listed here."""
    merged: dict[tuple[str, str], dict[str, str]] = {}
    for rule in rules:
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = route_url(rule, ids)
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        parser = _FormParser(url)
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            merged.setdefault((form.action, form.method), {}).update(form.fields)
    return [Form(action, method, fields) for (action, method), fields in sorted(merged.items())]


def _schema_fields(document: dict, schema: dict) -> list[str]:
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].split("/")[-1]]
    names = list(schema.get("properties", {}))
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            names += _schema_fields(document, part)
    return names


@dataclass(frozen=True)
class ApiOperation:
    url: str
    method: str
    query: tuple[str, ...]  # the documented query arguments
    body: tuple[str, ...] | None  # the documented body fields; None: takes no body


def api_operations(rules, document: dict, ids) -> list[ApiOperation]:
    """Every operation of the OpenAPI document, on the URL of its route for the seed."""
    by_path = {re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", r.rule): r for r in rules}
    operations = []
    for path, methods in document["paths"].items():
        url = route_url(by_path[path], ids)
        for method, op in methods.items():
            body = op.get("requestBody")
            operations.append(
                ApiOperation(
                    url,
                    method.upper(),
                    tuple(p["name"] for p in op.get("parameters", []) if p["in"] == "query"),
                    tuple(
                        dict.fromkeys(
                            _schema_fields(document, body["content"]["application/json"]["schema"])
                        )
                    )
                    if body
                    else None,
                )
            )
    return operations
