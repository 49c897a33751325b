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
import logging
import re
from dataclasses import replace

import pytest

from monitor.settings import WebSettings
from tests.support.hostile import (
    ESCAPED_MARKUP,
    FORMULAS,
    PASSWORD,
    RAW_MARKUP,
    SCRIPT,
    hostile,
    route_url,
    seeded_database,
)
from tests.web.conftest import make_app
from tests.web.test_authorization_matrix import _rules
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
