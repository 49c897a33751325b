"""The hostile district (tests/support/hostile.py) in a real browser: Debian's chromium opens every
HTML page of `app.url_map` as an admin, under the strict CSP, and nothing the data smuggled in
runs — `window.__xss` stays undefined, no dialog opens, no element the payloads would create
exists, and the browser reports no CSP violation (an inline script or handler a template let
through would be refused and reported even where the policy saved us)."""

from __future__ import annotations

import pytest

from monitor.secrets import Vault
from tests.browser.conftest import SCREENSHOTS, require_chromium, served
from tests.support.hostile import PASSWORD, hostile, route_url, seed_every_kind
from tests.web.conftest import make_app

pytestmark = pytest.mark.browser

# The pages the officer and the director open every day must be among those checked.
MUST_VISIT = (
    "status.index",
    "status.site",
    "status.device",
    "inventory.index",
    "incidents.index",
    "incidents.show",
    "risks.index",
    "risks.show",
)
# Visited when the app has them: the audit log and the user list.
VISIT_IF_PRESENT = ("accounts.audit_log", "accounts.user_list", "accounts.user")
EXTRA_ARGS = {"configs.diff": lambda ids: f"?from={ids['old_version_id']}&to={ids['version_id']}"}

# Runs before any page script: records what the CSP refused, as the page itself sees it.
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""
INJECTED = "img[src='x'], svg[onload], script:not([src]), [onerror], [onload]"


@pytest.fixture
def hostile_server(settings, db):
    require_chromium()
    ids = seed_every_kind(db, Vault.from_settings(settings), hostile)
    # Which routes are pages: asked of a second app on the same database (the served one may
    # not be set up further once it has answered a request).
    pages = _html_pages(make_app(settings, db), ids)
    with served(make_app(settings, db, csrf=True)) as base:
        yield base, ids, pages


def _html_pages(app, ids) -> dict[str, str]:
    """endpoint → URL of every GET route that answers the admin with an HTML page."""
    client = app.test_client()
    assert (
        client.post(
            "/login", data={"username": ids["users"]["admin"], "password": PASSWORD}
        ).status_code
        == 302
    )
    pages = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "auth.login"):
            continue
        url = route_url(rule, ids) + EXTRA_ARGS.get(rule.endpoint, lambda _: "")(ids)
        response = client.get(url)
        # Whole pages only: a fragment (the status page's refresh) is checked inside its page.
        if (
            response.status_code == 200
            and response.mimetype == "text/html"
            and "attachment" not in response.headers.get("Content-Disposition", "")
            and "<html" in response.get_data(as_text=True)[:500].lower()
        ):
            pages.setdefault(rule.endpoint, url)
    return pages


def test_no_payload_runs_on_any_page(hostile_server, page):
    base, ids, pages = hostile_server
    for endpoint in MUST_VISIT:
        assert endpoint in pages, f"{endpoint} did not answer with a page"
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(WATCH_CSP)

    page.goto(base + "/login")
    page.fill("#username", ids["users"]["admin"])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")

    visited = []
    for endpoint, url in sorted(pages.items()):
        page.goto(base + url, wait_until="load")
        page.wait_for_load_state("networkidle")
        where = f"{endpoint} ({url})"
        assert page.problems == [], f"{where}: {page.problems}"
        assert page.evaluate("typeof window.__xss") == "undefined", where
        assert page.evaluate("window.__csp") == [], where
        assert page.locator(INJECTED).count() == 0, where
        # The payload is on the page as text, for the officer to read.
        if endpoint in MUST_VISIT:
            assert "<script>window.__xss=1</script>" in page.inner_text("body"), where
        visited.append(endpoint)
        if endpoint == "status.device":
            page.screenshot(path=f"{SCREENSHOTS}/ictmon-hostile-device.png", full_page=True)

    assert dialogs == []
    assert page.problems == [], page.problems
    present = [e for e in VISIT_IF_PRESENT if e in pages]
    assert set(MUST_VISIT) | set(present) <= set(visited)
