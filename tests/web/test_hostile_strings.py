"""What a hostile device, school or colleague can put in front of the officer, and what reaches
the browser: every page of `app.url_map` read as an admin over a district whose every free text
(site and device names, SNMP sysDescr/sysName/ifAlias/LLDP neighbours, SSH facts, incident notes,
risks, maintenance reasons, users, audit labels …) holds markup, `javascript:` URLs, template
syntax, spreadsheet formulas and RTL/zero-width characters (tests/support/hostile.py).

Pages must show the text escaped and never its markup; exports must keep formulas as text; every
answer carries the security headers; an unexpected error is a friendly page, never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from dataclasses import dataclass, replace

import pytest

from monitor.settings import WebSettings
from tests.support.hostile import (
    ESCAPED_MARKUP,
    FORMULAS,
    HOSTILE_JSON,
    HOSTILE_VALUES,
    NESTED_JSON,
    PASSWORD,
    RAW_MARKUP,
    SCRIPT,
    ApiOperation,
    Form,
    api_operations,
    hostile,
    page_forms,
    route_url,
    seeded_database,
)
from tests.support.requirements import require
from tests.web.conftest import make_app
from tests.web.test_authorization_matrix import _rules
from web.api.openapi import document
from web.app import CONTENT_SECURITY_POLICY

GETS = sorted(
    {
        (rule.rule, rule.endpoint)
        for rule in _rules()
        if "GET" in rule.methods and rule.endpoint != "static"
    }
)
# Query arguments the pages read, each given a payload: what is typed in a filter comes back in
# the page (the search box, the chosen site), so it must come back escaped too.
REFLECTED = dict.fromkeys(
    (
        "q",
        "site",
        "kind",
        "snmp",
        "state",
        "cause",
        "from",
        "to",
        "period",
        "status",
        "level",
        "category",
        "sort",
        "dir",
        "range",
        "if",
        "next",
        "actor",
        "object",
        "user",
    ),
    SCRIPT,
)
# Pages that show the seeded text: the escaped payload must be there (so the sweep below is not
# passing over pages that simply show nothing).
SHOWS_THE_SEED = (
    "status.index",
    "status.site",
    "status.device",
    "inventory.index",
    "incidents.index",
    "incidents.show",
    "incidents.maintenance_windows",
    "incidents.outbox_page",
    "risks.index",
    "risks.show",
    "configs.version",
    "configs.diff",
)
EXPORTS = (
    "inventory.export_csv",
    "inventory.export_xlsx",
    "risks.export_xlsx",
    "reports.download",
    "reports.generated",
)
JAVASCRIPT_URL = re.compile(
    r"""(href|src|action|formaction|data)\s*=\s*["']?\s*javascript:""", re.IGNORECASE
)


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    with seeded_database(tmp_path_factory.mktemp("hostile"), hostile) as (settings, factory, ids):
        app = make_app(settings, factory)
        client = app.test_client()
        assert (
            client.post(
                "/login", data={"username": ids["users"]["admin"], "password": PASSWORD}
            ).status_code
            == 302
        )
        yield app, client, ids


# Pages that need query arguments to show anything.
NEEDED_ARGS = {"configs.diff": lambda ids: {"from": ids["old_version_id"], "to": ids["version_id"]}}


def _get(hostile_app, path, endpoint, **args):
    app, client, ids = hostile_app
    rule = next(r for r in app.url_map.iter_rules() if r.rule == path and r.endpoint == endpoint)
    needed = NEEDED_ARGS.get(endpoint, lambda _: {})(ids)
    return client.get(route_url(rule, ids), query_string={**args, **needed})


def assert_no_live_markup(response, where: str) -> None:
    """HTML must hold the payloads escaped. JSON, CSV and text/plain carry them as data (sent
    with nosniff, so a browser never reads them as a page); template syntax is never evaluated."""
    if not response.mimetype.startswith(("text/", "application/json")):
        return
    body = response.get_data(as_text=True)
    assert "TPL49END" not in body, f"{where}: template syntax from the data was evaluated"
    if response.mimetype != "text/html":
        return
    for raw in RAW_MARKUP:
        assert raw not in body, f"{where}: unescaped {raw!r}"
    assert not JAVASCRIPT_URL.search(body), f"{where}: a javascript: URL in an attribute"


@pytest.mark.parametrize("path, endpoint", GETS, ids=[g[1] for g in GETS])
def test_every_page_shows_hostile_text_escaped(hostile_app, path, endpoint):
    response = _get(hostile_app, path, endpoint)
    assert response.status_code < 500, f"{endpoint}: {response.status_code}"

    assert_no_live_markup(response, endpoint)
    if endpoint in SHOWS_THE_SEED:
        assert response.status_code == 200
        for escaped in ESCAPED_MARKUP:
            assert escaped in response.get_data(as_text=True), (
                f"{endpoint}: the seeded text is not on the page"
            )


@pytest.mark.parametrize("path, endpoint", GETS, ids=[g[1] for g in GETS])
def test_what_is_typed_in_a_filter_comes_back_escaped(hostile_app, path, endpoint):
    response = _get(hostile_app, path, endpoint, **REFLECTED)

    assert response.status_code < 500, f"{endpoint} with hostile arguments: {response.status_code}"
    assert_no_live_markup(response, endpoint)


def _formula_cells(response) -> tuple[int, list[str]]:
    """(cells holding the seeded text, those a spreadsheet would run as a formula)."""
    seeded, live = 0, []
    if response.mimetype == "text/csv":
        for row in csv.reader(io.StringIO(response.get_data(as_text=True))):
            for cell in row:
                if "window.__xss" in cell:
                    seeded += 1
                    if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                        live.append(cell[:40])
    elif response.mimetype.endswith("spreadsheetml.sheet"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.get_data()))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        live.append(str(cell.value)[:40])
                    elif isinstance(cell.value, str) and "window.__xss" in cell.value:
                        seeded += 1
    return seeded, live


@pytest.mark.parametrize("path, endpoint", GETS, ids=[g[1] for g in GETS])
def test_exports_keep_formulas_as_text(hostile_app, path, endpoint):
    response = _get(hostile_app, path, endpoint)
    seeded, live = _formula_cells(response)

    assert not live, f"{endpoint}: cells a spreadsheet would run: {live}"
    if endpoint in EXPORTS:
        assert response.status_code == 200
        assert seeded > 0, f"{endpoint}: the seeded names are not in the export"


def test_csv_export_keeps_each_formula_start_as_text(hostile_app):
    """The inventory CSV: every cell that starts like a formula is written with a ' before it,
    and keeps the rest of the text exactly."""
    path, endpoint = next(g for g in GETS if g[1] == "inventory.export_csv")
    cells = [
        cell
        for row in csv.reader(io.StringIO(_get(hostile_app, path, endpoint).get_data(as_text=True)))
        for cell in row
    ]

    for formula in FORMULAS:
        assert any(cell.startswith("'" + formula) for cell in cells), formula


# --- headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path, endpoint", GETS, ids=[g[1] for g in GETS])
def test_every_answer_carries_the_security_headers(hostile_app, path, endpoint):
    response = _get(hostile_app, path, endpoint)
    headers = response.headers

    assert headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("X-Content-Type-Options") == "nosniff"


def test_error_and_refusal_answers_carry_them_too(hostile_app):
    app = hostile_app[0]
    anonymous = app.test_client()
    for response in (
        anonymous.get("/no-such-page"),
        anonymous.get("/api/v1/devices"),
        anonymous.get("/"),
        anonymous.get("/login"),
    ):
        assert response.headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY
        assert response.headers.get("X-Frame-Options") == "DENY"
        assert response.headers.get("X-Content-Type-Options") == "nosniff"


def _session_cookie(settings, db):
    from monitor.accounts.users import create_user

    with db.begin() as s:
        create_user(s, "cookie", PASSWORD, role="viewer")
    client = make_app(settings, db).test_client()
    answer = client.post(
        "/login", data={"username": "cookie", "password": PASSWORD, "remember": "y"}
    )
    assert answer.status_code == 302
    return answer.headers.getlist("Set-Cookie")


def test_the_session_cookie_is_httponly_and_samesite_lax(settings, db):
    cookies = _session_cookie(settings, db)
    session = next(c for c in cookies if c.startswith("session="))

    assert "HttpOnly" in session and "SameSite=Lax" in session
    assert "Secure" not in session  # plain http on the office LAN: a Secure cookie would be lost
    for remember in (c for c in cookies if c.startswith("remember_token=")):
        assert "HttpOnly" in remember and "SameSite=Lax" in remember


def test_the_session_cookie_is_secure_behind_https(settings, db):
    https = replace(settings, web=WebSettings(base_url="https://ictmon.example"))

    cookies = _session_cookie(https, db)
    session = next(c for c in cookies if c.startswith("session="))

    assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session
    for remember in (c for c in cookies if c.startswith("remember_token=")):
        assert "Secure" in remember


# --- unexpected errors -------------------------------------------------------------------------


def _app_that_breaks(settings, db, monkeypatch):
    app = make_app(settings, db)
    from web import access

    # Rules for this app only: the table is shared by every app of the test run.
    monkeypatch.setitem(access.RULES, "broken_page", access.PUBLIC)
    monkeypatch.setitem(access.RULES, "broken_api", access.PUBLIC)

    @app.get("/broken")
    def broken_page():
        raise RuntimeError("secret detail: the disk is full at /var/lib/ictmon")

    @app.get("/api/v1/broken")
    def broken_api():
        raise RuntimeError("secret detail: the disk is full at /var/lib/ictmon")

    return app


def test_an_unexpected_error_is_a_friendly_page_and_the_traceback_goes_to_the_log(
    settings, db, caplog, monkeypatch
):
    app = _app_that_breaks(settings, db, monkeypatch)
    caplog.set_level(logging.ERROR)

    response = app.test_client().get("/broken")
    body = response.get_data(as_text=True)

    assert response.status_code == 500
    assert "ระบบขัดข้อง" in body and "ข้อมูลของท่านไม่ได้สูญหาย" in body
    assert "Traceback" not in body and "secret detail" not in body and "RuntimeError" not in body
    assert "Traceback" in caplog.text and "secret detail: the disk is full" in caplog.text
    assert response.headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY


def test_an_unexpected_error_in_the_api_is_json(settings, db, caplog, monkeypatch):
    app = _app_that_breaks(settings, db, monkeypatch)
    caplog.set_level(logging.ERROR)

    response = app.test_client().get("/api/v1/broken")

    assert response.status_code == 500
    assert response.is_json and response.get_json() == {"error": "internal server error"}
    assert "secret detail" not in response.get_data(as_text=True)
    assert "RuntimeError: secret detail" in caplog.text


@pytest.mark.parametrize("period", ["2026-10", "2026-11"])
def test_the_html_report_shows_hostile_site_names_escaped(hostile_app, period):
    """The report's HTML download is a page of its own (served inline), built outside Flask's
    templates: the same rules hold."""
    response = hostile_app[1].get(f"/reports/download.html?period={period}")

    assert response.status_code == 200 and response.mimetype == "text/html"
    assert_no_live_markup(response, f"report {period}")
    assert ESCAPED_MARKUP[0] in response.get_data(as_text=True)


# --- hostile values: out-of-range dates, huge numbers, long texts, deep JSON ---------------------
# Every form field (found on the pages), every query argument the pages read (REFLECTED), and
# every field and query argument of the OpenAPI document gets each kind of value. A value ictmon
# cannot use is refused (4xx) or left out with the problem named; none may reach the database or
# the date arithmetic and come back as a 500. On SQLite and PostgreSQL: PostgreSQL's INTEGER and
# text types refuse values SQLite stores.

# Forms that would end the sweep's own session or delete rows the rest of it needs.
NOT_SWEPT = re.compile(r"^/logout$|^/account/sessions/end$|/delete$|^/account/password$")


@dataclass
class Sweep:
    client: object
    forms: list[Form]
    operations: list[ApiOperation]
    page_urls: list[str]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def value_sweep(request, tmp_path_factory):
    engine = None
    if request.param == "postgres":
        engine = request.getfixturevalue("postgres_engine")
        require(not isinstance(engine, Exception), f"PostgreSQL not reachable: {engine}")
    directory = tmp_path_factory.mktemp("values")
    with seeded_database(directory, engine=engine) as (settings, factory, ids):
        app = make_app(settings, factory)
        client = app.test_client()
        signed_in = client.post(
            "/login", data={"username": ids["users"]["admin"], "password": PASSWORD}
        )
        assert signed_in.status_code == 302
        rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
        pages = [route_url(r, ids) for r in rules if "GET" in r.methods and r.endpoint != "static"]
        yield Sweep(
            client, page_forms(client, rules, ids), api_operations(rules, document(), ids), pages
        )


def sweep_pages(sweep: Sweep, value: str) -> list[str]:
    """Every form field and every filter argument given `value`: what answered 500."""
    client, broken = sweep.client, []
    for form in sweep.forms:
        if NOT_SWEPT.search(form.action):
            continue
        for name in form.fields:
            if name == "csrf_token":
                continue
            data = {**form.fields, name: value}
            if form.method == "get":
                response = client.get(form.action, query_string=data)
            else:
                response = client.post(form.action, data=data)
            if response.status_code >= 500:
                broken.append(f"{form.method.upper()} {form.action} {name}")
    for url in sweep.page_urls:
        for name in REFLECTED:
            if client.get(url, query_string={name: value}).status_code >= 500:
                broken.append(f"GET {url} ?{name}")
    assert client.get("/account").status_code == 200, "the sweep lost its session"
    return broken


def sweep_api(sweep: Sweep, value: object) -> list[str]:
    """Every documented query argument and body field of the API given `value`."""
    client, broken = sweep.client, []
    for op in sweep.operations:
        text = value if isinstance(value, str) else json.dumps(value)
        for name in op.query:
            if client.open(op.url, method=op.method, query_string={name: text}).status_code >= 500:
                broken.append(f"{op.method} {op.url} ?{name}")
        for name in op.body or ():
            if client.open(op.url, method=op.method, json={name: value}).status_code >= 500:
                broken.append(f"{op.method} {op.url} {name}")
    return broken


def test_the_sweep_reaches_the_forms_and_the_api(value_sweep):
    actions = {(f.method, f.action) for f in value_sweep.forms}
    assert ("get", "/incidents") in actions and ("post", "/manage/devices/new") in actions
    assert any(op.method == "PATCH" and op.body for op in value_sweep.operations)


@pytest.mark.parametrize("kind", HOSTILE_VALUES)
def test_no_hostile_value_in_a_form_or_filter_gives_a_500(value_sweep, kind):
    assert sweep_pages(value_sweep, HOSTILE_VALUES[kind]) == []


@pytest.mark.parametrize("kind", HOSTILE_JSON)
def test_no_hostile_value_in_the_api_gives_a_500(value_sweep, kind):
    assert sweep_api(value_sweep, HOSTILE_JSON[kind]) == []


def test_a_deeply_nested_json_body_is_refused_as_malformed(value_sweep):
    for op in value_sweep.operations:
        # The collector's upload answers a person's session 403 before reading any body;
        # tests/web/test_collector_api.py sends it this body with a collector's token.
        if op.body is None or op.url.endswith("/collector/results"):
            continue
        response = value_sweep.client.open(
            op.url, method=op.method, data=NESTED_JSON, content_type="application/json"
        )
        assert response.status_code == 400, f"{op.method} {op.url}"
        assert response.get_json() == {"error": "the body must be a JSON object"}


# What the person is told, for the values that used to end in a 500.


def test_a_day_out_of_range_in_the_incident_filter_is_refused_with_its_name(value_sweep):
    for query in ("?from=0001-01-01&lang=en", "?to=9999-12-31&lang=en"):
        response = value_sweep.client.get("/incidents" + query)
        assert response.status_code == 400
        field = query[1:].split("=")[0]
        assert f"The date in “{field}” is not understood or out of range" in response.get_data(
            as_text=True
        )


def test_a_day_out_of_range_in_the_audit_filter_is_named_and_left_out(value_sweep):
    response = value_sweep.client.get("/admin/audit?from=0001-01-01&to=9999-12-31&lang=th")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "วันที่ไม่ถูกต้อง (ตั้งแต่วันที่)" in page and "วันที่ไม่ถูกต้อง (ถึงวันที่)" in page


@pytest.mark.parametrize("path", ["/manage/devices", "/admin/audit", "/admin/audit.csv"])
def test_a_search_text_of_100000_characters_is_refused(value_sweep, path):
    response = value_sweep.client.get(path, query_string={"q": "x" * 100_000, "lang": "en"})
    assert response.status_code == 400
    assert "is too long: at most 200 characters" in response.get_data(as_text=True)


def test_a_version_number_past_what_the_database_holds_is_refused(value_sweep):
    url = next(u for u in value_sweep.page_urls if u.endswith("/configs/diff"))
    response = value_sweep.client.get(url, query_string={"from": "9" * 40, "to": "1", "lang": "th"})
    assert response.status_code == 400
    assert "“from” ต้องเป็นจำนวนเต็มที่มีขนาดเหมาะสม" in response.get_data(as_text=True)


@pytest.mark.parametrize("profile_id", [2**31, 2**63, -(10**40), "9" * 40])
def test_a_profile_id_past_what_the_database_holds_is_a_field_error(value_sweep, profile_id):
    response = value_sweep.client.post(
        "/api/v1/devices",
        json={"site": "S01", "name": "x", "address": "127.0.0.9", "snmp_profile_id": profile_id},
    )
    assert response.status_code == 422
    assert "snmp_profile_id" in response.get_json()["fields"]


def test_a_next_with_a_line_break_sends_the_signed_in_officer_to_the_status_page(value_sweep):
    client = value_sweep.client
    for target in ("/incidents\r\nSet-Cookie: x=1", "/incidents\nX: y", "/incidents\r"):
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"username": "admin1", "password": PASSWORD},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/"
        assert "Set-Cookie: x" not in str(response.headers)


# --- NUL characters: PostgreSQL refuses them in every query ----------------------------------------

NUL = "a\x00b"


def test_no_nul_in_a_form_or_filter_gives_a_500(value_sweep):
    assert sweep_pages(value_sweep, NUL) == []


def test_no_nul_in_the_api_gives_a_500(value_sweep):
    assert sweep_api(value_sweep, NUL) == []
    assert sweep_api(value_sweep, {NUL: "key"}) == []


def test_a_nul_in_a_sign_in_is_refused_before_any_query(value_sweep):
    anonymous = value_sweep.client.application.test_client()
    response = anonymous.post("/login?lang=en", data={"username": "admin\x001", "password": NUL})

    assert response.status_code == 400
    assert "holds a NUL character" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "method, url, payload",
    [
        ("GET", "/manage/devices", {"query_string": {"q": NUL}}),
        ("GET", "/sites/S%00", {}),
        ("POST", "/manage/sites", {"data": {"code": "S9", "name": NUL}}),
        ("POST", "/api/v1/devices", {"json": {"site": "S01", "name": NUL}}),
        ("PATCH", "/api/v1/devices/2", {"json": {"notes": [NUL]}}),
    ],
)
def test_a_nul_is_refused_with_400_and_says_why(value_sweep, method, url, payload):
    response = value_sweep.client.open(url, method=method, **payload)

    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "NUL" in body
    if url.startswith("/api/"):
        assert "NUL (\\0)" in response.get_json()["error"]


def test_a_nul_in_an_uploaded_import_is_refused_at_the_preview(value_sweep):
    upload = io.BytesIO(b"site,site_name,name,address,kind\nS01,x\x00y,r9,127.0.9.1,router\n")
    response = value_sweep.client.post(
        "/manage/import?lang=en",
        data={"file": (upload, "district.csv")},
        content_type="multipart/form-data",
    )

    # The preview lists the refused rows (as for any other bad value) and offers no confirmation.
    page = response.get_data(as_text=True)
    assert response.status_code < 500
    assert "control character (U+0000)" in page
    assert "/manage/import/" not in page
